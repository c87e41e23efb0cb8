"""escrutinio — statistical election forensics, from Python.

Was announced participation probably inflated, where, and by how much?
This package is a thin layer over the escrutinio Rust library (the same code
the ``escrutinio`` command runs; no second implementation):

* options are the command line's, as keyword arguments: ``--klimek-bootstrap
  0`` is ``klimek_bootstrap=0``, a flag such as ``--no-digits`` is
  ``no_digits=True``, a list such as ``--outputs json,html`` is
  ``outputs=["json", "html"]`` (``escrutinio analyze --help`` lists them all,
  with their defaults and checks);
* the report is the same JSON text ``report.json`` holds (``.report_json``),
  parsed into a dict (``.report``); the tables are polars DataFrames that
  crossed through the Arrow C stream interface, column by column;
* errors are Python exceptions carrying the command line's message (file,
  row, column): :class:`InputError`, :class:`SchemaError`,
  :class:`InvalidRowsError`, :class:`OutputError`, :class:`OptionsError`,
  all subclasses of :class:`EscrutinioError`.

Every random procedure takes ``seed`` (default 1); the same seed and input
give the same numbers, whatever ``threads`` is.

>>> import escrutinio
>>> r = escrutinio.analyze("data/sample/election.csv")      # doctest: +SKIP
>>> print(r.verdict)                                          # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import polars as pl

from . import _native
from ._native import (
    EscrutinioError,
    InputError,
    InvalidRowsError,
    OptionsError,
    OutputError,
    SchemaError,
)

__all__ = [
    "analyze",
    "load",
    "simulate",
    "check",
    "Analysis",
    "Loaded",
    "Simulation",
    "Check",
    "Verdict",
    "EscrutinioError",
    "InputError",
    "SchemaError",
    "InvalidRowsError",
    "OutputError",
    "OptionsError",
    "SCHEMA_VERSION",
]

__version__: str = _native.__version__
#: Version of the report format (``schema_version`` in report.json).
SCHEMA_VERSION: str = _native.schema_version()

PathLike = Union[str, "os.PathLike[str]"]


def _argv(options: Mapping[str, Any]) -> list[str]:
    """Keyword arguments as command-line flags (``a_b=1`` -> ``--a-b 1``).

    ``True`` gives the bare flag, ``False`` and ``None`` leave the option at
    its default, lists and tuples are joined with commas.
    """
    out: list[str] = []
    for key, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + key.replace("_", "-")
        if value is True:
            out.append(flag)
        elif isinstance(value, (list, tuple)):
            out += [flag, ",".join(str(v) for v in value)]
        elif isinstance(value, os.PathLike):
            out += [flag, os.fspath(value)]
        else:
            out += [flag, str(value)]
    return out


def _station_source(data: Any, name: Optional[str]) -> tuple[str, Any]:
    """(the path or name the table goes by, the in-memory table or None)."""
    if isinstance(data, (str, os.PathLike)):
        if name is not None:
            raise OptionsError("name= is for tables in memory; a file goes by its path")
        return os.fspath(data), None
    if not hasattr(data, "__arrow_c_stream__"):
        # pandas before 2.2, or anything polars can read.
        try:
            data = pl.DataFrame(data)
        except Exception as e:  # noqa: BLE001 - say what was given
            raise OptionsError(
                f"the station table must be a path or a data frame, not {type(data).__name__} ({e})"
            ) from None
    return name or "<DataFrame>", data


def _frame(table: Any) -> Optional[pl.DataFrame]:
    return None if table is None else pl.DataFrame(table)


class Verdict(dict):
    """The ``verdict`` section of the report (a dict), printed as the
    command line prints it: the evidence, the plain-language paragraph, each
    family's national estimate with its interval and adequacy, the certain
    lower bounds and the regions with most inflated ballots."""

    def __init__(self, section: Mapping[str, Any], text: str):
        super().__init__(section)
        self._text = text

    @property
    def evidence(self) -> str:
        """``inflation``, ``no_evidence`` or ``inconclusive``."""
        return self["evidence"]

    @property
    def summary(self) -> str:
        """One paragraph a journalist can quote."""
        return self["summary"]

    def __str__(self) -> str:
        return self._text.rstrip("\n")

    def __repr__(self) -> str:
        return f"Verdict(evidence={self.get('evidence')!r}, national={len(self.get('national', []))} estimates)"


class Analysis:
    """The result of :func:`analyze`.

    Attributes:
        report_json: the report as the exact text written to ``report.json``.
        report: the report parsed into a dict (``docs/report.md`` documents it).
        verdict: the ``verdict`` section (:class:`Verdict`).
        findings: each family's finding, by name (``digits``, ``fingerprint``,
            ``excess_votes``, ``integer_percent``, ``turnout_distribution``,
            ``hourly``, ...); families that did not run are absent.
        stations: the per-station table (``stations.csv``), a polars DataFrame.
        regions: the per-region table (``regions.csv``), or ``None``.
        curves: the participation curves (``curves.csv``), or ``None``.
        text: what ``escrutinio analyze`` prints.
        out: the folder the files were written to, or ``None``.
        argv: the command line that reproduces this analysis (``escrutinio``
            followed by these arguments, run from the same folder; without
            ``--out`` it writes into ``out/``), or ``None`` for a table given
            in memory.
    """

    def __init__(self, native: tuple, out: Optional[Path], argv: Optional[list[str]] = None):
        report_json, text, verdict_text, stations, regions, curves = native
        self.report_json: str = report_json
        self.report: dict = json.loads(report_json)
        self.verdict = Verdict(self.report["verdict"], verdict_text)
        # report.json keeps each family's finding at the top level, under
        # the names listed in `methods` (after `summary`).
        self.findings: dict = {
            m: self.report[m] for m in self.report.get("methods", []) if m != "summary" and m in self.report
        }
        self.text: str = text
        self.stations: pl.DataFrame = pl.DataFrame(stations)
        self.regions: Optional[pl.DataFrame] = _frame(regions)
        self.curves: Optional[pl.DataFrame] = _frame(curves)
        self.out = out
        self.argv = argv

    @property
    def command(self) -> Optional[str]:
        """:attr:`argv` as a shell command line."""
        return None if self.argv is None else _shell(self.argv)

    def finding(self, family: str) -> dict:
        """One family's finding; a KeyError names the families that ran."""
        try:
            return self.findings[family]
        except KeyError:
            raise KeyError(
                f"no finding {family!r}; this analysis has {sorted(self.findings)}"
                f" (skipped: {self.report.get('skipped', [])})"
            ) from None

    def to_pandas(self):
        """The per-station table as a pandas DataFrame (needs pyarrow)."""
        return self.stations.to_pandas()

    def __repr__(self) -> str:
        s = self.report.get("summary", {})
        return (
            f"Analysis({s.get('stations')} stations, verdict={self.verdict.evidence!r}, "
            f"families={self.report.get('methods')})"
        )


def analyze(
    data: Any,
    schema: Optional[PathLike] = None,
    *,
    out: Optional[PathLike] = None,
    name: Optional[str] = None,
    threads: Optional[int] = None,
    **options: Any,
) -> Analysis:
    """Loads, validates and analyses an election, as ``escrutinio analyze``.

    Args:
        data: a station-results file (CSV, .csv.gz, Parquet) or a data frame
            in memory (polars, pandas, pyarrow: anything with
            ``__arrow_c_stream__``), read like Parquet, each column keeping
            its type and every row validated.
        schema: schema file (TOML) mapping the file's columns to roles
            (``data/schemas/`` has those of the shipped data sets).
        out: write report.json, stations.csv/.parquet, regions.*, report.html
            and plots/ here (as the command line); nothing is written without it.
        name: what an in-memory table is called in messages and in the report
            (default ``<DataFrame>``).
        threads: worker threads (default: one per core); results do not
            depend on it.
        **options: any option of ``escrutinio analyze`` (``seed``,
            ``invalid_rows``, ``klimek_bootstrap``, ``hourly``, ``calibrate``,
            ``no_digits``, ...).

    Raises:
        InputError, SchemaError, InvalidRowsError: an unusable input (the
            message names the file, row and column).
        OptionsError: an unknown option or a value out of its domain.
    """
    path, frame = _station_source(data, name)
    argv = ["analyze", path]
    if schema is not None:
        argv += ["--schema", os.fspath(schema)]
    if out is not None:
        argv += ["--out", os.fspath(out)]
    argv += _argv(options)
    native = _native.analyze(argv, frame, write=out is not None, threads=threads)
    # The reproducing command names the output folder only when one was given.
    return Analysis(native, Path(out) if out is not None else None, argv if frame is None else None)


class Loaded:
    """A loaded and validated station table (:func:`load`).

    Attributes:
        stations: the validated stations (standard column names), polars.
        quality: the data-quality record (``data_quality`` in report.json):
            rows read, excluded and why, with file, row, line and column.
        input: facts about the input (``input`` in report.json): format,
            SHA-256, encoding, rows.
        schema: how the columns were mapped to roles.
        text: what ``escrutinio validate`` prints.
    """

    def __init__(self, native: tuple):
        input_json, schema_json, quality_json, stations, text = native
        self.input: dict = json.loads(input_json)
        self.schema: dict = json.loads(schema_json)
        self.quality: dict = json.loads(quality_json)
        self.stations: Optional[pl.DataFrame] = _frame(stations)
        self.text: str = text

    @property
    def excluded_rows(self) -> int:
        """Rows excluded as invalid (each listed in ``quality``)."""
        return int(self.quality.get("rows_excluded_invalid", 0))

    def __repr__(self) -> str:
        n = 0 if self.stations is None else self.stations.height
        return f"Loaded({n} stations, {self.excluded_rows} rows excluded)"


def load(data: Any, schema: Optional[PathLike] = None, *, name: Optional[str] = None) -> Loaded:
    """Loads and validates a station table without analysing it, as
    ``escrutinio validate`` (invalid rows are excluded, counted and listed).

    ``data`` and ``schema`` are as in :func:`analyze`.
    """
    path, frame = _station_source(data, name)
    argv = ["validate", path]
    if schema is not None:
        argv += ["--schema", os.fspath(schema)]
    return Loaded(_native.load(argv, frame))


class Simulation:
    """A simulated election (:func:`simulate`).

    Attributes:
        path: the station file written (pass it to :func:`analyze`).
        truth: what was injected (``FILE.truth.json``): per-station fraud
            class, stuffed and stolen ballots, totals.
        truth_path: the truth file.
    """

    def __init__(self, path: Path, truth_path: str):
        self.path = path
        self.truth_path = Path(truth_path)
        self.truth: dict = json.loads(self.truth_path.read_text())

    @property
    def stations(self) -> pl.DataFrame:
        """The station file as written, read by polars."""
        if self.path.suffix == ".parquet":
            return pl.read_parquet(self.path)
        return pl.read_csv(self.path)

    def __repr__(self) -> str:
        t = self.truth.get("totals", {})
        return f"Simulation({self.path}, stations={t.get('stations')}, stuffed={t.get('stuffed')}, stolen={t.get('stolen')})"


def simulate(out: Optional[PathLike] = None, **options: Any) -> Simulation:
    """Writes a synthetic election with known injected fraud, as
    ``escrutinio simulate`` (Klimek et al. 2012 fraud model, regional
    structure, optional participation reports).

    Args:
        out: the station file to write (``.csv``, ``.csv.gz`` or
            ``.parquet``); default a new temporary folder's ``election.csv``.
        **options: any option of ``escrutinio simulate`` (``stations``,
            ``seed``, ``regions``, ``fraud_incremental``, ``fraud_extreme``,
            ``hourly``, ...).
    """
    path = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="escrutinio-")) / "election.csv"
    argv = ["simulate", *_argv(options), "--out", os.fspath(path)]
    return Simulation(path, _native.simulate(argv))


class Check:
    """The answer of :func:`check` to a claim.

    Attributes:
        holds: whether the claim holds on the evidence (certain or probable).
        result: the answer per line of evidence and overall (``check.json``).
        text: what ``escrutinio check`` prints.
        argv: the command line that gives the same answer (``escrutinio``
            followed by these arguments).
    """

    def __init__(self, native: tuple, argv: list[str]):
        result_json, text, holds = native
        self.argv = argv
        self.result: dict = json.loads(result_json)
        self.text: str = text
        self.holds: bool = bool(holds)

    def __bool__(self) -> bool:
        return self.holds

    @property
    def command(self) -> str:
        """:attr:`argv` as a shell command line."""
        return _shell(self.argv)

    def __str__(self) -> str:
        return self.text.rstrip("\n")

    def __repr__(self) -> str:
        return f"Check(holds={self.holds}, claim={self.result.get('claim')!r})"


def check(
    claim: str,
    data: Optional[PathLike] = None,
    *,
    schema: Optional[PathLike] = None,
    out: Optional[PathLike] = None,
    threads: Optional[int] = None,
    **options: Any,
) -> Check:
    """Checks a claim such as ``"inflated >= 1000000"`` on every line of
    evidence given, as ``escrutinio check``: a station file, announced
    bulletins (``bulletins=``), participation reports (``hourly=``), an
    independent estimate (``independent_estimate=``, ``independent_se=``).

    Writes check.json, check.html and check_grid.svg only with ``out``.
    """
    argv = ["check"]
    if data is not None:
        argv.append(os.fspath(data))
    argv += ["--claim", claim]
    if schema is not None:
        argv += ["--schema", os.fspath(schema)]
    if out is not None:
        argv += ["--out", os.fspath(out)]
    argv += _argv(options)
    return Check(_native.check(argv, threads=threads), argv)


def _shell(argv: list[str]) -> str:
    return " ".join(["escrutinio", *(shlex.quote(a) for a in argv)])

