#!/usr/bin/env python3
"""Builds the Jupyter notebooks (notebooks/*.ipynb) from their paired
sources (notebooks/*.py, the jupytext "percent" format: `# %%` starts a code
cell, `# %% [markdown]` a Markdown cell whose lines start with `# `).

Usage:
    python3 scripts/notebooks.py           # write every .ipynb (no outputs)
    python3 scripts/notebooks.py --check   # fail if an .ipynb differs from its source

Edit the .py files (or the notebooks in Jupyter with jupytext, which keeps
the pair), then rebuild. The notebooks are executed by the Python tests
(python/tests/test_notebooks.py), which .ci/run runs.
"""
import json
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def cells(source: str) -> list[dict]:
    out: list[dict] = []
    kind, lines = None, []

    def flush():
        if kind is None:
            return
        while lines and not lines[-1].strip():
            lines.pop()
        if kind == "markdown":
            text = [l[2:] if l.startswith("# ") else l.lstrip("#") for l in lines]
            out.append({"cell_type": "markdown", "metadata": {}, "source": _join(text)})
        else:
            out.append(
                {
                    "cell_type": "code",
                    "execution_count": None,
                    "metadata": {},
                    "outputs": [],
                    "source": _join(lines),
                }
            )

    for line in source.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        elif kind is not None:
            lines.append(line)
    flush()
    return out


def _join(lines: list[str]) -> list[str]:
    return [l + "\n" for l in lines[:-1]] + lines[-1:]


def notebook(source: str) -> str:
    nb = {
        "cells": cells(source),
        "metadata": {
            "jupytext": {"formats": "ipynb,py:percent"},
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"cell-{i:02d}"
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for py in sorted(NOTEBOOKS.glob("[0-9]*.py")):
        text = notebook(py.read_text(encoding="utf-8"))
        target = py.with_suffix(".ipynb")
        if check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
    if stale:
        print(f"out of date with their .py sources: {', '.join(stale)} (run python3 scripts/notebooks.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
