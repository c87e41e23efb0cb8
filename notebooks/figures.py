"""What a notebook shows, recorded so that a test can rerun it on the
command line: each figure is the value at a JSON pointer of a report
(report.json for `analyze`, check.json for `check`) together with the
command line that produced it. python/tests/test_notebooks.py executes the
notebooks, reruns each command with the `escrutinio` binary and requires the
same values.

The record goes to $ESCRUTINIO_FIGURES/<notebook>.json (nothing is written
when the variable is not set, e.g. in a researcher's own session).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def pointer(doc: Any, path: str) -> Any:
    """The value at a JSON pointer (`/verdict/national/0/estimate`)."""
    for part in path.strip("/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


class Figures:
    def __init__(self, notebook: str):
        self.notebook = notebook
        self.items: list[dict] = []

    def record(self, result: Any, path: str) -> Any:
        """The value at `path` of an Analysis's report or a Check's result,
        recorded with the command that gives it; returned for display."""
        doc = result.report if hasattr(result, "report") else result.result
        value = pointer(doc, path)
        if result.argv is None:
            raise ValueError("a table given in memory has no command line to compare with")
        self.items.append({"argv": list(result.argv), "pointer": path, "value": value})
        return value

    def save(self) -> None:
        folder = os.environ.get("ESCRUTINIO_FIGURES")
        if not folder:
            return
        Path(folder).mkdir(parents=True, exist_ok=True)
        with open(Path(folder) / f"{self.notebook}.json", "w", encoding="utf-8") as f:
            json.dump({"notebook": self.notebook, "figures": self.items}, f, ensure_ascii=False, indent=1)
