"""Executes every notebook in notebooks/ (each asserts the published and
reproduced figures it shows), then reruns each figure's command with the
`escrutinio` binary and requires the same value: the notebooks' numbers are
the command line's numbers.

Needs the shared data beside the repository (the notebooks read
../shared/data); `.ci/run` runs this file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_api import ROOT, cli_binary, shared

NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
from figures import pointer  # noqa: E402


def test_notebooks_match_their_sources():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "notebooks.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def without(argv: list[str], *flags: str) -> list[str]:
    """argv without the given options and their values."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in flags:
            skip = True
        else:
            out.append(a)
    return out


def cli_document(argv: list[str], folder: Path) -> dict:
    """The document a figure points into, as the command line writes it."""
    exe = str(cli_binary())
    if argv[0] == "analyze":
        args = without(argv, "--out", "--outputs") + ["--out", str(folder), "--outputs", "json"]
        subprocess.run([exe, "--quiet", *args], cwd=ROOT, check=True, capture_output=True)
        return json.loads((folder / "report.json").read_text())
    if argv[0] == "check":
        done = subprocess.run([exe, "--quiet", *without(argv, "--out"), "--json"], cwd=ROOT, capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr  # 1: the claim does not hold
        return json.loads(done.stdout)
    raise AssertionError(f"no command-line document for {argv[0]}")


@pytest.mark.parametrize("notebook", sorted(p.name for p in NOTEBOOKS.glob("[0-9]*.ipynb")))
def test_notebook_runs_and_equals_the_command_line(notebook, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    shared("russia", "2011.csv.gz")  # the notebooks read ../shared/data
    figures = tmp_path / "figures"
    monkeypatch.setenv("ESCRUTINIO_FIGURES", str(figures))
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    client = NotebookClient(nb, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError on any error or failed assertion
    if os.environ.get("ESCRUTINIO_EXECUTED_NOTEBOOKS"):
        folder = Path(os.environ["ESCRUTINIO_EXECUTED_NOTEBOOKS"])
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / notebook)

    record = json.loads((figures / f"{Path(notebook).stem}.json").read_text())
    assert record["figures"], "the notebook recorded no figure"
    commands: dict[tuple, list[dict]] = {}
    for f in record["figures"]:
        commands.setdefault(tuple(f["argv"]), []).append(f)
    for k, (argv, items) in enumerate(commands.items()):
        doc = cli_document(list(argv), tmp_path / f"cli-{k}")
        for f in items:
            assert pointer(doc, f["pointer"]) == f["value"], (notebook, " ".join(argv), f["pointer"])
