# %% [markdown]
# # 01 — Integer percentages in eight Russian federal elections, 2004–2024
#
# Kobak, Shpilkin & Pshenichnikov (*Annals of Applied Statistics* 10(1), 2016)
# found that Russian polling stations report turnout and the leader's result
# at whole percentages (70.00 %, 80.00 %) far more often than counts of voters
# allow: a sign that some results were set to a target by hand.
#
# Their definitions, which escrutinio follows (`docs/methods.md`,
# "Integer percentages"): turnout = ballots issued / electorate; the leader's
# result = leader's votes / (valid + invalid); keep stations with
# valid + invalid > 0, electorate ≥ 100, turnout ≤ 0.99 and result ≤ 0.99; a
# value is "integer" within 0.05 percentage points of a whole percent. The
# null is exact (Poisson-binomial over stations, each station's counts
# binomial at its own observed rates) where the paper used 1,000 Monte Carlo
# replicates; the anomaly is observed − expected.
#
# This notebook reruns the test on all eight elections of `../shared/data/russia/`
# and checks the five the paper (and its 2018 follow-up) published.

# %%
import os
import sys
import tempfile
from pathlib import Path

if Path.cwd().name == "notebooks":
    os.chdir("..")  # paths below are relative to the repository root
sys.path.insert(0, "notebooks")

import polars as pl
from IPython.display import SVG, display

import escrutinio
from figures import Figures

FIG = Figures("01-integer-percentages")
DATA = Path("../shared/data/russia")
YEARS = ["2004", "2007", "2008", "2011", "2012", "2018", "2020", "2024"]
# Only the integer-percentage family (and its plots).
ONLY = dict(no_digits=True, no_fingerprint=True, no_excess_votes=True, no_turnout_distribution=True)

# %% [markdown]
# ## The test on every election

# %%
rows, runs = [], {}
for year in YEARS:
    out = Path(tempfile.mkdtemp(prefix=f"ip-{year}-"))
    r = escrutinio.analyze(DATA / f"{year}.csv.gz", schema=f"data/schemas/russia-{year}.toml", out=out, outputs=["json", "plots"], **ONLY)
    runs[year] = r
    ip = r.finding("integer_percent")
    row = {"election": year, "stations kept": FIG.record(r, "/integer_percent/stations")}
    for what in ["either", "leader", "turnout"]:
        row[f"{what} observed"] = FIG.record(r, f"/integer_percent/{what}/observed")
        row[f"{what} anomaly"] = round(FIG.record(r, f"/integer_percent/{what}/excess"), 1)
        row[f"{what} sd"] = round(ip[what]["sd"], 1)
        row[f"{what} p"] = FIG.record(r, f"/integer_percent/{what}/p_value")
    rows.append(row)
table = pl.DataFrame(rows)
with pl.Config(tbl_cols=-1, tbl_width_chars=250):
    display(table.select("election", "stations kept", "either observed", "either anomaly", "either sd", "leader anomaly", "turnout anomaly", "either p"))

# %% [markdown]
# ## Against the published values
#
# The observed counts must equal the published ones exactly (same stations,
# same rule); the anomalies must agree within ±15, the Monte Carlo noise of
# the paper's 1,000 replicates (their null's sd is about 113 stations in 2011,
# so its mean over 1,000 replicates moves by about ±4 per sd, ±15 being ~4 of
# those). 2007, 2020 and 2024 have no published value to compare with.

# %%
PUBLISHED = {  # election: (stations kept, observed either/leader/turnout, anomaly either/leader/turnout)
    "2004": (85_457, (17_393, 9_283, 9_214), (933.7, 591.6, 562.2)),
    "2008": (86_309, (18_394, 10_019, 9_631), (1722.8, 1211.7, 870.4)),
    "2011": (86_718, (17_803, 9_708, 9_216), (1003.5, 767.1, 449.3)),
    "2012": (87_623, (18_025, 9_662, 9_476), (1159.6, 734.6, 634.6)),
    "2018": (91_152, (19_271, 10_116, 10_543), (1708.8, 859.0, 1296.2)),
}
for year, (kept, observed, anomaly) in PUBLISHED.items():
    row = table.filter(pl.col("election") == year).row(0, named=True)
    assert row["stations kept"] == kept, (year, row["stations kept"], kept)
    for k, what in enumerate(["either", "leader", "turnout"]):
        assert row[f"{what} observed"] == observed[k], (year, what, row[f"{what} observed"])
        assert abs(row[f"{what} anomaly"] - anomaly[k]) <= 15, (year, what, row[f"{what} anomaly"], anomaly[k])
        assert row[f"{what} p"] < 1e-6, (year, what)
print("the five published elections reproduce: observed counts exact, anomalies within ±15")

# %% [markdown]
# Every election from 2004 to 2024 has hundreds to thousands of stations
# more at whole percentages than counting allows. The three without a
# published value: 2007 is like 2004 and 2011; the 2020 constitutional vote
# and the 2024 presidential election have the largest anomalies of the
# series, two to four times those of the 2000s.

# %%
for year in ["2007", "2020", "2024"]:
    row = table.filter(pl.col("election") == year).row(0, named=True)
    print(f"{year}: {row['either observed']:,} stations at an integer turnout or result, "
          f"{row['either anomaly']:+,.1f} above the null (sd {row['either sd']}), p = {row['either p']:.1e}")
    assert row["either anomaly"] > 5 * row["either sd"], year

# %% [markdown]
# ## What it looks like: 2011
#
# Turnout histogram at 0.1-point resolution with the whole percents marked:
# the spikes at 60, 65, 70 … 90 % are the rounded stations.

# %%
display(SVG(filename=str(runs["2011"].out / "plots" / "integer_turnout.svg")))

# %%
FIG.save()
