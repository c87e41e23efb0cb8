"""The Python API against the command line: same numbers, same files, same
messages. Run from the repository root after `pip install ./python`:

    python -m pytest python/tests

The command line is target/release/escrutinio (built with `cargo build
--release` when missing). Tests on ../shared/data fail, not skip, when the
CI environment variable is set and the data are missing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import polars as pl
import pytest

import escrutinio

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "election.csv"
SHARED = ROOT.parent / "shared" / "data"


def cli_binary() -> Path:
    exe = ROOT / "target" / "release" / "escrutinio"
    if not exe.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    return exe


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(cli_binary()), "--quiet", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=check,
    )


def shared(*parts: str) -> Path:
    p = SHARED.joinpath(*parts)
    if not p.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{p} is missing (CI is set: real-data tests must not skip)")
        pytest.skip(f"{p} is missing")
    return p


# Options that keep the fast tier fast; the same on both sides.
FAST = dict(klimek_bootstrap=20, excess_bootstrap=200)
FAST_ARGS = ["--klimek-bootstrap", "20", "--excess-bootstrap", "200"]


def test_the_readme_quick_start():
    r = escrutinio.analyze(str(SAMPLE))
    text = str(r.verdict)
    assert text.startswith("Verdict: ")
    assert r.verdict.evidence in {"inflation", "no_evidence", "inconclusive"}
    assert r.verdict.summary in text
    assert r.report["schema_version"] == escrutinio.SCHEMA_VERSION


def test_report_and_tables_equal_the_command_line(tmp_path):
    out = tmp_path / "cli"
    cli("analyze", str(SAMPLE), "--out", str(out), "--seed", "7", *FAST_ARGS)
    r = escrutinio.analyze(SAMPLE, seed=7, **FAST)
    # The sample is given by the same path, so report.json is byte-identical.
    assert r.report_json == (out / "report.json").read_text()
    cli_stations = pl.read_parquet(out / "stations.parquet")
    assert r.stations.equals(cli_stations)
    assert r.regions is not None and r.regions.equals(pl.read_parquet(out / "regions.parquet"))
    assert r.curves is None
    # The text the command line prints (minus its last line, the HTML path).
    printed = cli("analyze", str(SAMPLE), "--out", str(tmp_path / "again"), "--seed", "7", *FAST_ARGS).stdout
    assert printed.startswith(r.text)


def test_written_outputs_equal_the_command_lines(tmp_path):
    cli("analyze", str(SAMPLE), "--out", str(tmp_path / "cli"), *FAST_ARGS)
    r = escrutinio.analyze(str(SAMPLE), out=tmp_path / "py", **FAST)
    assert r.out == tmp_path / "py"
    for name in ["report.json", "stations.csv", "regions.csv", "report.html"]:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    svgs = sorted(p.name for p in (tmp_path / "cli" / "plots").glob("*.svg"))
    assert svgs and svgs == sorted(p.name for p in (tmp_path / "py" / "plots").glob("*.svg"))


def test_data_frames_in_memory_give_the_same_analysis():
    by_path = escrutinio.analyze(str(SAMPLE), **FAST)
    frame = pl.read_csv(SAMPLE)
    for data in [frame, frame.to_pandas(), frame.to_arrow()]:
        r = escrutinio.analyze(data, name="election.csv", **FAST)
        assert r.report["input"]["format"] == "arrow"
        assert r.report["input"]["path"] == "election.csv"
        assert r.report["input"]["rows"] == frame.height
        for key in ["verdict", "summary", "data_quality", *r.findings]:
            assert r.report[key] == by_path.report[key], (type(data), key)
        assert r.stations.equals(by_path.stations)
    # The content fingerprint does not depend on the frame's library.
    hashes = {escrutinio.analyze(d, no_digits=True, **FAST).report["input"]["sha256"] for d in [frame, frame.to_pandas()]}
    assert len(hashes) == 1


def test_invalid_rows_in_a_frame_are_named_by_row_and_column():
    frame = pl.read_csv(SAMPLE).with_columns(
        pl.when(pl.int_range(pl.len()) == 9).then(-5).otherwise(pl.col("winner")).alias("winner")
    )
    loaded = escrutinio.load(frame, name="edited")
    assert loaded.excluded_rows == 1
    assert loaded.stations.height == frame.height - 1
    with pytest.raises(escrutinio.InvalidRowsError) as e:
        escrutinio.analyze(frame, name="edited", invalid_rows="fail")
    msg = str(e.value)
    assert msg.startswith("edited: 1 invalid row(s)")
    assert "row 10" in msg and "winner" in msg


def test_errors_carry_the_command_lines_messages(tmp_path):
    missing = tmp_path / "nope.csv"
    with pytest.raises(escrutinio.InputError) as e:
        escrutinio.analyze(missing)
    cli_msg = cli("analyze", str(missing), check=False).stderr.strip()
    assert cli_msg == f"escrutinio: error: {e.value}"

    bad = tmp_path / "bad.csv"
    bad.write_text("station,electorate,ballots,winner\nA,100,50,20\nB,100,x,20\n")
    with pytest.raises(escrutinio.InvalidRowsError) as e:
        escrutinio.analyze(bad, invalid_rows="fail")
    assert "row 2 (line 3)" in str(e.value) and "ballots" in str(e.value)
    assert escrutinio.load(bad).excluded_rows == 1

    schema = tmp_path / "s.toml"
    schema.write_text("[columns]\nstation = 'no_such_column'\n")
    with pytest.raises(escrutinio.SchemaError):
        escrutinio.analyze(SAMPLE, schema=schema)

    with pytest.raises(escrutinio.OptionsError) as e:
        escrutinio.analyze(SAMPLE, no_such_option=3)
    assert "--no-such-option" in str(e.value)
    with pytest.raises(escrutinio.OptionsError):
        escrutinio.analyze(SAMPLE, threads=0)
    assert issubclass(escrutinio.SchemaError, escrutinio.InputError)
    assert issubclass(escrutinio.InputError, escrutinio.EscrutinioError)


def test_simulate_is_reproducible_and_its_fraud_is_recovered(tmp_path):
    a = escrutinio.simulate(tmp_path / "a.csv", stations=3000, seed=5, fraud_incremental=0.15)
    b = escrutinio.simulate(tmp_path / "b.csv", stations=3000, seed=5, fraud_incremental=0.15)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert a.truth["totals"]["stations"] == 3000
    assert a.truth["totals"]["stations_incremental"] > 0
    assert a.stations.height == 3000
    cli("simulate", "--stations", "3000", "--seed", "5", "--fraud-incremental", "0.15", "--out", str(tmp_path / "c.csv"))
    assert (tmp_path / "c.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()
    assert json.loads((tmp_path / "c.csv.truth.json").read_text()) == a.truth

    # Enough fraud to find: the regions' own lines recover stuffed + 2 x
    # stolen (the estimand of "winner votes above the line", docs/report.md).
    f = escrutinio.simulate(tmp_path / "f.csv", stations=4000, seed=5, fraud_incremental=0.1, fraud_extreme=0.02)
    r = escrutinio.analyze(f.path, **FAST)
    assert r.verdict.evidence == "inflation"
    t = f.truth["totals"]
    estimand = t["stuffed"] + 2 * t["stolen"]
    [x] = [x for x in r.verdict["national"] if x["adequate"]]
    assert x["ci_low"] <= estimand <= x["ci_high"], (x, estimand)


def test_threads_do_not_change_results():
    one = escrutinio.analyze(SAMPLE, threads=1, **FAST)
    two = escrutinio.analyze(SAMPLE, threads=2, **FAST)
    assert one.report_json == two.report_json
    assert one.stations.equals(two.stations)


def test_check_equals_the_command_line():
    args = dict(announced=8_089_320, independent_estimate=3_700_000, independent_se=300_000)
    c = escrutinio.check("inflated >= 1000000", **args)
    out = cli(
        "check", "--claim", "inflated >= 1000000", "--announced", "8089320",
        "--independent-estimate", "3700000", "--independent-se", "300000", "--json",
    )
    assert c.result == json.loads(out.stdout)
    assert c.holds and bool(c)


def test_findings_and_pandas():
    r = escrutinio.analyze(SAMPLE, **FAST)
    assert set(r.findings) >= {"digits", "fingerprint", "excess_votes", "integer_percent"}
    assert r.finding("excess_votes") == r.report["excess_votes"]
    with pytest.raises(KeyError, match="this analysis has"):
        r.finding("hourly")
    pdf = r.to_pandas()
    assert list(pdf.columns) == r.stations.columns
    assert len(pdf) == r.report["summary"]["stations"]


def test_participation_and_a_schema_on_real_data(tmp_path):
    spain = shared("spain-2019", "spain-congress-2019-11.csv.gz")
    schema = ROOT / "data" / "schemas" / "spain-2019.toml"
    args = ["--no-digits", "--klimek-bootstrap", "0", "--excess-bootstrap", "200"]
    out = tmp_path / "cli"
    cli("analyze", str(spain), "--schema", str(schema), "--out", str(out), "--outputs", "json,parquet", *args)
    r = escrutinio.analyze(spain, schema=schema, no_digits=True, klimek_bootstrap=0, excess_bootstrap=200)
    assert r.report_json == (out / "report.json").read_text()
    assert r.curves is not None and r.curves.equals(pl.read_parquet(out / "curves.parquet"))
    assert r.verdict.evidence == "no_evidence"
