#!/usr/bin/env python3
"""escrutinio's integer-percentage test against a plain numpy/scipy version of
the same exact null, whole process against whole process, on a shared
Russian election (Kobak, Shpilkin & Pshenichnikov 2016, Annals of Applied
Statistics 10(1)).

The numpy side reads the gzip CSV with pandas, picks the columns as
data/schemas/russia-YEAR.toml does (electorate, ballots issued = the sum of
the "выданных" columns, valid, invalid, contestants after the last "Число"
column, the winner = most votes), applies the paper's inclusion rules
(valid + invalid > 0, electorate >= 100, turnout and leader's result <=
0.99) and computes, vectorised, per station P(K/n is an integer percentage)
for K ~ Bin(n, p) over the k near n·j/100 (|100k/n - round(100k/n)| <=
0.05), the expected count E = sum q and its sd; it checks that E agrees
with escrutinio's report.json. The escrutinio side is the release binary's
`analyze` with only the integer-percentage family (no plots).

Usage: python3 scripts/integer_percent_numpy.py [YEAR] [RUNS]
(needs numpy, scipy, pandas; `cargo build --release` first).
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
YEAR = sys.argv[1] if len(sys.argv) > 1 else "2011"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
DATA = os.path.join(ROOT, "..", "shared", "data", "russia", f"{YEAR}.csv.gz")
SCHEMA = os.path.join(ROOT, "data", "schemas", f"russia-{YEAR}.toml")
BIN = os.path.join(ROOT, "target", "release", "escrutinio")
TOL = 0.05


def numpy_version():
    """The whole numpy/scipy process: read, select, exact null."""
    import numpy as np
    import pandas as pd
    from scipy.stats import binom

    df = pd.read_csv(DATA)
    cols = list(df.columns)
    electorate_col = next(c for c in cols if re.match(r"^Число избирателей, (внесенных|включенных) в списо?к", c))
    issued = df[[c for c in cols if re.match(r"^Число избирательных бюллетеней, выданных", c)]].sum(axis=1)
    valid = df[next(c for c in cols if re.match(r"^Число действительных", c))]
    invalid = df[next(c for c in cols if re.match(r"^Число недействительных", c))]
    last = max(i for i, c in enumerate(cols) if c.startswith("Число"))
    contestants = [c for c in cols[last + 1:] if c != "url"]
    votes = df[contestants]
    winner = votes.sum(axis=0).idxmax()
    n_t = df[electorate_col].to_numpy(np.int64)
    k_t = issued.to_numpy(np.int64)
    n_l = (valid + invalid).to_numpy(np.int64)
    k_l = votes[winner].to_numpy(np.int64)
    keep = (n_l > 0) & (n_t >= 100)
    n_t, k_t, n_l, k_l = n_t[keep], k_t[keep], n_l[keep], k_l[keep]
    keep = (k_t / n_t <= 0.99) & (k_l / n_l <= 0.99)
    n_t, k_t, n_l, k_l = n_t[keep], k_t[keep], n_l[keep], k_l[keep]

    def is_int(k, n):
        p = 100.0 * k / n
        return np.abs(p - np.round(p)) <= TOL

    def prob_integer(n, p):
        # As escrutinio: only the integer percentages j whose k lie within
        # 10 sd of n·p (the rest carry < 1e-20 of the mass), and per j the
        # k = round(n·j/100) + d, |d| <= dmax, that cover the tolerance.
        dmax = int(np.ceil(n.max() * TOL / 100.0)) + 2
        sd = np.sqrt(n * p * (1 - p))
        j_lo = np.clip(np.floor(100.0 * (n * p - 10 * sd - 1) / n), 0, 100).astype(np.int64)
        j_hi = np.clip(np.ceil(100.0 * (n * p + 10 * sd + 1) / n), 0, 100).astype(np.int64)
        d = np.arange(-dmax, dmax + 1)
        total = np.zeros(len(n))
        # Stations in order of window width, so that each chunk's array is
        # as narrow as its widest window.
        order = np.argsort(j_hi - j_lo, kind="stable")
        n, p, j_lo, j_hi = n[order], p[order], j_lo[order], j_hi[order]
        chunk = 5000
        for s in range(0, len(n), chunk):
            width = int((j_hi[s:s + chunk] - j_lo[s:s + chunk]).max()) + 1
            nn = n[s:s + chunk, None, None]
            pp = p[s:s + chunk, None, None]
            j = np.minimum(j_lo[s:s + chunk, None] + np.arange(width)[None, :], 100)
            k = np.round(nn * j[:, :, None] / 100.0).astype(np.int64) + d[None, None, :]
            k = k.reshape(len(nn), -1)
            k = np.where((k >= 0) & (k <= nn[:, :, 0]), k, -1)
            # Each k once per station.
            k = np.sort(k, axis=1)
            dup = np.zeros_like(k, dtype=bool)
            dup[:, 1:] = k[:, 1:] == k[:, :-1]
            ok = (k >= 0) & ~dup & is_int(np.maximum(k, 0), nn[:, :, 0])
            pmf = binom.pmf(np.maximum(k, 0), nn[:, :, 0], pp[:, :, 0])
            total[s:s + chunk] = np.where(ok, pmf, 0.0).sum(axis=1)
        out = np.empty_like(total)
        out[order] = total
        return np.minimum(out, 1.0)

    p1 = prob_integer(n_t, k_t / n_t)
    p2 = prob_integer(n_l, k_l / n_l)
    q = 1.0 - (1.0 - p1) * (1.0 - p2)
    obs = (is_int(k_t, n_t) | is_int(k_l, n_l)).sum()
    return {
        "stations": int(len(n_t)),
        "observed": int(obs),
        "expected": float(q.sum()),
        "sd": float(np.sqrt((q * (1 - q)).sum())),
    }


def escrutinio_version(out):
    args = [BIN, "analyze", DATA, "--schema", SCHEMA, "--out", out, "--no-plots",
            "--no-digits", "--no-fingerprint", "--no-excess-votes",
            "--no-turnout-distribution", "--no-hourly"]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(out, "report.json"), encoding="utf-8") as f:
        e = json.load(f)["integer_percent"]
    return {"stations": e["stations"], "observed": e["either"]["observed"],
            "expected": e["either"]["expected"], "sd": e["either"]["sd"]}


def timed(f, *a):
    best = None
    result = None
    for _ in range(RUNS):
        t = time.perf_counter()
        result = f(*a)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, result


if __name__ == "__main__":
    if not os.path.exists(BIN):
        sys.exit(f"{BIN} missing: run `cargo build --release` first")
    with tempfile.TemporaryDirectory() as out:
        t_rs, rs = timed(escrutinio_version, out)
    # The numpy side in a fresh interpreter each run (imports included).
    code = ("import runpy,json,sys; sys.argv=['x', %r]; "
            "m=runpy.run_path(%r); print(json.dumps(m['numpy_version']()))") % (YEAR, __file__)
    best, py = None, None
    for _ in range(RUNS):
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
        py = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"Russia {YEAR}, integer-percentage test (turnout or leader), exact null, best of {RUNS}:")
    print(f"  escrutinio  {t_rs:7.2f} s  stations {rs['stations']}, observed {rs['observed']}, expected {rs['expected']:.2f} ± {rs['sd']:.2f}")
    print(f"  numpy/scipy {best:7.2f} s  stations {py['stations']}, observed {py['observed']}, expected {py['expected']:.2f} ± {py['sd']:.2f}")
    print(f"  ratio (numpy / escrutinio): {best / t_rs:.1f}×")
    agree = (rs["stations"] == py["stations"] and rs["observed"] == py["observed"]
             and abs(rs["expected"] - py["expected"]) < 1e-6 * rs["expected"])
    print("  same inclusion, observed count and expected count:", "yes" if agree else "NO")
    sys.exit(0 if agree else 1)
