# %% [markdown]
# # 04 — Participation over the day: Spain 2019, St Petersburg 2021, Venezuela 2017 and 2024
#
# Ballots added after the count has started leave traces in time: a surge
# of voters in the last hours that the station's own earlier pace does not
# predict, more voters in an interval than its booths could process, an
# announced national total that the last published count cannot reach at
# any plausible pace. escrutinio's hourly family (`docs/methods.md`,
# "Participation over the day") measures each; `check` weighs a claim such
# as Smartmatic's "turnout was inflated by at least one million" on every
# line of evidence.

# %%
import os
import sys
import tempfile
from pathlib import Path

if Path.cwd().name == "notebooks":
    os.chdir("..")
sys.path.insert(0, "notebooks")

import polars as pl
from IPython.display import SVG, display

import escrutinio
from figures import Figures

FIG = Figures("04-participation-over-the-day")
SHARED = Path("../shared/data")
# Participation only: the other families are for the other notebooks.
HOURLY_ONLY = dict(no_digits=True, no_fingerprint=True, no_excess_votes=True, no_integer_percent=True,
                   no_turnout_distribution=True)

# %% [markdown]
# ## 1. Spain 2019: what a clean day looks like
#
# The ministry's advances at 14:00 and 18:00 for every table; polls 09:00–20:00.
# Each table's share of voters after 18:00 is compared with what its pace from
# 14:00 to 18:00 predicts (a logistic model with a spread across tables fitted
# to the data, Student-t tails).

# %%
out = Path(tempfile.mkdtemp(prefix="day-spain-"))
spain = escrutinio.analyze(SHARED / "spain-2019/spain-congress-2019-11.csv.gz", schema="data/schemas/spain-2019.toml",
                           out=out, outputs=["json", "plots"], **HOURLY_ONLY)
late = spain.finding("hourly")["late_surge"]
print(f"Spain: {late['scored']:,} tables scored, {late['flagged']} flagged ({100 * late['flag_rate']:.2f} %), "
      f"excess late ballots {late['excess_ballots']['estimate']:,.0f} "
      f"[{late['excess_ballots']['ci_low']:,.0f}, {late['excess_ballots']['ci_high']:,.0f}]")
for key in ["flagged", "scored", "excess_ballots/estimate", "excess_ballots/ci_low", "excess_ballots/ci_high"]:
    FIG.record(spain, f"/hourly/late_surge/{key}")
assert late["flag_rate"] < 0.005
assert late["excess_ballots"]["ci_high"] < 0
display(SVG(filename=str(out / "plots" / "late_share.svg")))

# %% [markdown]
# ## 2. St Petersburg 2021: three days, nine checkpoints, documented fraud
#
# The State Duma vote ran from 17 to 19 September. The late-surge test
# compares the last evening (after 18:00 on the 19th) with the afternoon
# before it.

# %%
out = Path(tempfile.mkdtemp(prefix="day-spb-"))
spb = escrutinio.analyze(
    SHARED / "st-petersburg-2021/spb-2021-duma-party-list.csv", schema="data/schemas/st-petersburg-2021.toml",
    hourly=SHARED / "st-petersburg-2021/spb-2021-duma-party-list-turnout.csv",
    out=out, outputs=["json", "plots"], **HOURLY_ONLY,
)
late = spb.finding("hourly")["late_surge"]
x = late["excess_ballots"]
print(f"St Petersburg: {late['scored']:,} stations scored, {late['flagged']} flagged ({100 * late['flag_rate']:.1f} %, "
      f"{late['flag_rate'] / 0.0023:.0f} times Spain's rate); excess late ballots {x['estimate']:,.0f} [{x['ci_low']:,.0f}, {x['ci_high']:,.0f}]")
for key in ["flagged", "scored", "excess_ballots/estimate", "excess_ballots/ci_low", "excess_ballots/ci_high"]:
    FIG.record(spb, f"/hourly/late_surge/{key}")
regions = sorted(late["regions"], key=lambda r: -r["excess_ballots"]["estimate"])[:3]
for reg in regions:
    e = reg["excess_ballots"]
    print(f"  {reg['region']}: {e['estimate']:,.0f} [{e['ci_low']:,.0f}, {e['ci_high']:,.0f}], {reg['flagged']} of {reg['scored']} flagged")
assert late["flag_rate"] > 10 * 0.0023
assert x["ci_low"] > 0
print(spb.verdict.summary)
assert FIG.record(spb, "/verdict/evidence") == "inflation"
display(SVG(filename=str(out / "plots" / "late_share.svg")))

# %% [markdown]
# **Station 573** (territorial commission 17), the case documented by
# observers: its curve is over before the first day ends.

# %%
curve = spb.curves.filter(pl.col("station").str.ends_with("/ 573"))
with pl.Config(tbl_rows=-1):
    display(curve)
voters = curve["cumulative_voters"].to_list()
assert voters[0] == 1_166  # by 15:00 on the first of three days
assert voters[-1] == 1_939  # the final count
station = spb.stations.filter(pl.col("station").str.ends_with("/ 573")).row(0, named=True)
assert station["electorate"] == 1_942
print(f"{voters[0]:,} voters by 15:00 on day one, {voters[-1]:,} of {station['electorate']:,} registered at the end")

# %% [markdown]
# ## 3. Venezuela 2017: what the announced total implies
#
# The electoral council announced 8,089,320 voters; its internal count,
# reported by Reuters, had 3,720,465 by 17:30. Polls opened at 06:00 and
# closed at 19:00 (extended by an hour); there were 14,515 centres. The
# bulletins file holds those public figures (`../shared/data/venezuela-2017/`).
#
# Is "inflated by at least 1,000,000" (Smartmatic's statement) supported?

# %%
claim = escrutinio.check(
    "inflated >= 1000000", bulletins=SHARED / "venezuela-2017/bulletins.csv",
    opens="06:00", closes="19:00", centres=14515,
)
print(claim)
pace = claim.result["pace"]
assert FIG.record(claim, "/pace/late_voters") == 4_368_855
assert round(FIG.record(claim, "/pace/ratio_needed"), 2) == 9.00
assert round(FIG.record(claim, "/pace/ratio_at_which_claim_fails"), 2) == 6.94
assert FIG.record(claim, "/holds") is True
FIG.record(claim, "/answer")

# %% [markdown]
# The announced total needs the last 90 minutes to run at 9.00 times the
# pace of the 11.5 hours before; the claim fails only if they ran faster than
# 6.94 times; across the 52 Spanish provinces (the clean reference) the
# fastest late pace was 2.09 times the earlier one. Capacity alone does not
# prove it (centres with several machines could have processed that many),
# which the check says too.
#
# ## 4. Venezuela 2024: announced against counted
#
# The opposition published photographs of 24,532 tally sheets (actas); the
# CNE announced totals without station results.

# %%
ve = escrutinio.analyze(
    SHARED / "venezuela-2024/actas-v1.csv", schema="data/schemas/venezuela-2024.toml",
    bulletins="data/bulletins/venezuela-2024-cne.csv", **HOURLY_ONLY,
)
s = ve.report["summary"]
print(f"tally sheets: {s['stations']:,}, voters counted {s['ballots']:,} of {s['electorate']:,} registered")
assert FIG.record(ve, "/summary/stations") == 24_532
for i, rec in enumerate(ve.finding("hourly")["reconciliation"]):
    FIG.record(ve, f"/hourly/reconciliation/{i}/scope")
print(ve.finding("hourly")["verdict"])

nm = escrutinio.check(
    "inflated[NM] >= 1000000", SHARED / "venezuela-2024/actas-v1.csv", schema="data/schemas/venezuela-2024.toml",
    bulletins="data/bulletins/venezuela-2024-cne.csv",
)
print(nm)
assert nm.holds
lines = {line["line"]: line for line in nm.result["lines"]}
certain = max(line["certain_at_least"] or 0 for line in nm.result["lines"])
print(f"certain at least {certain:,.0f} of Maduro's announced votes beyond what the sheets and the uncounted voters allow")
assert certain == 6_408_844 - 3_241_461 - 1_726_402  # announced NM − NM on the sheets − voters the announcement adds
for i in range(len(nm.result["lines"])):
    FIG.record(nm, f"/lines/{i}/certain_at_least")

# %%
FIG.save()
