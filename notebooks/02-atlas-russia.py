# %% [markdown]
# # 02 — Fingerprints and inflated-ballot estimates, Russia 2004–2024
#
# The election fingerprint (Klimek, Yegorov, Hanel & Thurner, *PNAS* 109(41),
# 2012) is the 2-D histogram of stations by turnout and the winner's share.
# In a clean election it is one roughly round cloud; ballot stuffing drags
# stations towards the upper right (more turnout, more votes for the
# winner), and the extreme form piles them at 100 % / 100 %.
#
# For each of the eight federal elections escrutinio reports (defaults,
# seed 1, `docs/methods.md`):
#
# * the **Klimek fit** (fraud model with incremental and extreme fraud) and the
#   ballots it implies are manufactured, with Kobak's clean parameters;
# * the **excess-vote line** (Shpilkin's method): winner votes above the clean
#   share of the low-turnout peak, nationally and within each region;
# * the **verdict**, which uses only the estimates whose model fits the data:
#   with Russia's 80+ regions a single national fit confounds regional
#   differences with fraud, so the sum of the regions' own lines speaks.
#
# The same table, for any list of elections, is what `escrutinio batch`
# writes as `atlas.csv` (`docs/batch.md`).

# %%
import os
import sys
import tempfile
from pathlib import Path

if Path.cwd().name == "notebooks":
    os.chdir("..")
sys.path.insert(0, "notebooks")

import polars as pl
from IPython.display import HTML, SVG, display

import escrutinio
from figures import Figures

FIG = Figures("02-atlas-russia")
DATA = Path("../shared/data/russia")
YEARS = ["2004", "2007", "2008", "2011", "2012", "2018", "2020", "2024"]

# %%
runs, rows = {}, []
for year in YEARS:
    out = Path(tempfile.mkdtemp(prefix=f"atlas-{year}-"))
    r = escrutinio.analyze(
        DATA / f"{year}.csv.gz", schema=f"data/schemas/russia-{year}.toml", out=out,
        outputs=["json", "plots"], no_digits=True, no_integer_percent=True,
    )
    runs[year] = r
    national = {x["family"]: x for x in r.verdict["national"]}
    k = national.get("fingerprint.klimek", {})
    x = national.get("excess_votes.regions", {})
    rows.append({
        "election": year,
        "stations": r.report["summary"]["stations"],
        "turnout %": round(100 * r.report["summary"]["turnout"], 2),
        "verdict": FIG.record(r, "/verdict/evidence"),
        "regions' lines, M": round(x.get("estimate", float("nan")) / 1e6, 2),
        "low": round(x.get("ci_low", float("nan")) / 1e6, 2),
        "high": round(x.get("ci_high", float("nan")) / 1e6, 2),
        "% of ballots": round(100 * x.get("share_of_ballots", float("nan")), 1),
        "national line, M": round(r.finding("excess_votes")["estimate"] / 1e6, 2),
        "Klimek, M": round(k.get("estimate", float("nan")) / 1e6, 2),
        "Klimek adequate": k.get("adequate"),
    })
    for i, n in enumerate(r.verdict["national"]):
        FIG.record(r, f"/verdict/national/{i}/estimate")
        FIG.record(r, f"/verdict/national/{i}/adequate")
atlas = pl.DataFrame(rows)
with pl.Config(tbl_cols=-1, tbl_width_chars=250):
    display(atlas)

# %% [markdown]
# ## Fingerprints
#
# 2004, 2011, 2018 and 2024 (turnout across, the winner's share up; left
# panel stations, right panel voters). In 2004 the bulk of stations sits
# near 55 % turnout and 70 % for the winner, with a tail to the upper right
# ending in a cluster at 100 % / 100 %; by 2024 the bulk lies above 75 % for
# the winner and stretches across every turnout up to 100 %.

# %%
def panel(year: str) -> str:
    svg = (runs[year].out / "plots" / "fingerprint_winner.svg").read_text()
    svg = svg.replace("<svg ", '<svg style="width:100%;height:auto" ', 1)
    return f'<div style="display:inline-block;width:49%;vertical-align:top"><b>{year}</b>{svg}</div>'


display(HTML("".join(panel(y) for y in ["2004", "2011", "2018", "2024"])))

# %% [markdown]
# ## Checks against published figures
#
# **Kobak's clean parameters** for the Klimek model (first KDE maximum above
# 0.3 of turnout and share, the spreads of the stations below it, θ from the
# upper tail; Kobak's reading of the Klimek et al. supplement) reproduce his
# values exactly for 2011 and 2012:

# %%
KOBAK = {  # turnout_mean τ, share_mean ν, turnout_sd σ_τ, share_sd σ_ν, θ
    "2011": (0.529, 0.324, 0.081381, 0.069723, 0.559001),
    "2012": (0.605, 0.600, 0.069407, 0.091970, 0.418900),
}
for year, expected in KOBAK.items():
    keys = ["turnout_mean", "share_mean", "turnout_sd", "share_sd", "theta_kobak"]
    got = [FIG.record(runs[year], f"/fingerprint/klimek/clean_kobak/{key}") for key in keys]
    print(year, " ".join(f"{k} {g:.6f}" for k, g in zip(keys, got)))
    for g, e in zip(got, expected):
        assert abs(g - e) < 5e-7, (year, got, expected)

# %% [markdown]
# **Kobak's 2024 figures**: excluding the 2,268 stations without data, 91,946
# stations, turnout 75.40 %, result 86.81 % (Putin's votes over valid and
# invalid ballots).

# %%
s2024 = runs["2024"].report["summary"]
putin = next(c for c in s2024["contestants"] if c["winner"])
result = putin["votes"] / (s2024["valid"] + s2024["invalid"])
print(f"{s2024['stations']:,} stations, turnout {100 * s2024['turnout']:.2f} %, result {100 * result:.2f} %, "
      f"{runs['2024'].report['data_quality']['rows_excluded_invalid']:,} rows excluded")
assert FIG.record(runs["2024"], "/summary/stations") == 91_946
assert FIG.record(runs["2024"], "/data_quality/rows_excluded_invalid") == 2_268
assert round(100 * FIG.record(runs["2024"], "/summary/turnout"), 2) == 75.40
assert round(100 * result, 2) == 86.81

# %% [markdown]
# **Where.** The regions with most winner votes above their own clean-share
# line per registered voter (the verdict's `inflated_ballots`) are
# the ones the literature singles out (Kobak, Shpilkin & Pshenichnikov 2016;
# the North Caucasus republics, Tatarstan, Bashkortostan, Mordovia, Tuva,
# Kemerovo): at least half of each of 2011, 2012 and 2018's top ten.

# %%
NAMED = ["Чеченская", "Дагестан", "Ингушетия", "Кабардино-Балкарская", "Карачаево-Черкесская",
         "Татарстан", "Башкортостан", "Мордовия", "Тыва", "Кемеровская"]
for year in ["2011", "2012", "2018"]:
    top = [row["region"] for row in runs[year].verdict["top_regions"]]
    named = [t for t in top if any(n in t for n in NAMED)]
    print(f"{year}: {len(named)} of the top {len(top)} are named in the literature: {', '.join(named)}")
    assert len(named) >= 5, (year, top)

# %% [markdown]
# **What the verdict must and must not say.** 2011, 2012 and 2018 show
# inflation, with the regions' own lines; the national Klimek fit is never
# used for Russia (one fit across 80+ regions reads regional differences as
# fraud), and neither is the national excess line.

# %%
for year in ["2011", "2012", "2018"]:
    assert runs[year].verdict.evidence == "inflation", year
for year in YEARS:
    national = {x["family"]: x for x in runs[year].verdict["national"]}
    assert not national["fingerprint.klimek"]["adequate"], year
    assert not national["excess_votes"]["adequate"], year
print(runs["2011"].verdict.summary)

# %%
FIG.save()
