#!/usr/bin/env python3
"""Reference values from an independent implementation: benford_py.

Writes tests/fixtures/benford_py.json with the first-digit (F1D), second-digit
(SD) and last-two-digit (L2D) chi-square statistics and MADs that the Python
package benford_py (Marcel Milcent, https://github.com/milcent/benford_py)
computes on:
  * three synthetic integer samples generated here (stored in the fixture, so
    the Rust test reads the very same numbers), and
  * real columns of ../shared/data/russia/{2011,2018}.csv.gz (the Rust test
    loads them with escrutinio's own loader and schema).

tests/digits.rs ("agreement with benford_py") compares escrutinio's statistics with these values
to 1e-9 relative. Run it again after changing the inputs:

    python3 -m venv /tmp/bpy && /tmp/bpy/bin/pip install benford_py==0.5.0
    /tmp/bpy/bin/python scripts/benford_py_reference.py

benford_py multiplies inputs by 10**decimals: decimals=0 keeps the integers.
sign='pos' keeps positive counts (zeros have no first digit). benford_py keeps
counts >= 10 for SD and >= 1000 for L2D, the thresholds the Rust test uses.
Note: benford_py 0.5.0 gives each last-two-digit pair the probability 1/99
(the column sums to 1.0101), not 1/100; the Rust test shows that this constant
explains the whole L2D difference, and escrutinio keeps 1/100.
"""
import csv
import gzip
import io
import json
import os
import random
import sys

import benford
import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SHARED = os.path.join(ROOT, "..", "shared", "data")


def run(values):
    """benford_py's F1D, SD and L2D chi-square and MAD of a list of integers."""
    s = pd.Series(np.asarray(values, dtype=np.int64))
    b = benford.Benford(s, decimals=0, sign="pos", confidence=95, verbose=False)
    out = {}
    for name, test in (("first_digit", b.F1D), ("second_digit", b.SD), ("last_two_digits", b.L2D)):
        out[name] = {
            "n": int(test.Counts.sum()),
            "chi_square": float(test.chi_square),
            "mad": float(test.MAD),
        }
    return out


def synthetic():
    rng = random.Random(20261123)
    sets = {}
    # Benford-distributed integers: floor(10**U(0, 6)).
    sets["benford_6_decades"] = [int(10 ** rng.uniform(0, 6)) for _ in range(3000)]
    # Station-like counts: binomial votes from log-normal electorates.
    votes = []
    for _ in range(3000):
        n = int(round(np.exp(rng.gauss(np.log(1200), 0.6))))
        p = min(max(rng.gauss(0.45, 0.12), 0.01), 0.99)
        votes.append(sum(1 for _ in range(n) if rng.random() < p) if n < 200 else
                     int(round(rng.gauss(n * p, (n * p * (1 - p)) ** 0.5))))
    sets["station_votes"] = votes
    # Small counts with zeros (mixed eligibility).
    sets["small_counts"] = [rng.randrange(0, 400) for _ in range(2000)]
    return sets


def column(path, pick):
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        idx = [i for i, h in enumerate(header) if pick(h)]
        if len(idx) != 1:
            sys.exit(f"{path}: {len(idx)} columns match")
        i = idx[0]
        return header[i], [int(row[i]) for row in r if row[i] != ""]


def main():
    fixture = {
        "generator": "scripts/benford_py_reference.py",
        "benford_py": getattr(benford, "__version__", "unknown"),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "synthetic": [],
        "real": [],
    }
    for name, values in synthetic().items():
        fixture["synthetic"].append({"name": name, "values": values, "benford_py": run(values)})
    real = [
        ("russia/2011.csv.gz", "ЕДИНАЯ РОССИЯ", lambda h: "ЕДИНАЯ РОССИЯ" in h),
        ("russia/2018.csv.gz", "Путин Владимир Владимирович", lambda h: h == "Путин Владимир Владимирович"),
        ("russia/2018.csv.gz", "electorate", lambda h: h.startswith("Число избирателей") and "в список" in h),
    ]
    for rel, key, pick in real:
        header, values = column(os.path.join(SHARED, rel), pick)
        fixture["real"].append({"file": rel, "column": key, "source_header": header,
                                "benford_py": run(values)})
    out = os.path.join(ROOT, "tests", "fixtures", "benford_py.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(fixture, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
