#!/usr/bin/env python3
"""Fails when the library's modules import each other in a cycle.

Nodes are the top-level modules of src/ (analyze, inputs, io, methods,
report, stats, ...) and, one level down, the files of io/, methods/,
report/ and stats/ (io::hourly, methods::klimek, ...). An edge A -> B is a
`use crate::B...` or a `crate::B::...` path in A's code (comments and
`#[cfg(test)]` modules are ignored). Prints every strongly connected
component with more than one node and exits 1 if there is one.
Usage: python3 scripts/module_cycles.py [SRC_DIR]
"""
import os
import re
import sys

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "src")
SPLIT = {"io", "methods", "report", "stats"}


def node_of(rel):
    parts = rel[:-3].split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    if not parts or parts[0] == "cli":
        return None
    if parts[0] in SPLIT and len(parts) > 1:
        return f"{parts[0]}::{parts[1]}"
    return parts[0]


def target_of(path):
    parts = path.split("::")
    if parts[0] in SPLIT and len(parts) > 1 and parts[1][:1].islower():
        return f"{parts[0]}::{parts[1]}"
    return parts[0]


edges = {}
for root, _, files in os.walk(SRC):
    for f in files:
        if not f.endswith(".rs"):
            continue
        full = os.path.join(root, f)
        node = node_of(os.path.relpath(full, SRC))
        if node is None:
            continue
        text = open(full, encoding="utf-8").read()
        text = text.split("#[cfg(test)]")[0]
        text = "\n".join(l.split("//")[0] for l in text.splitlines())
        # super:: paths inside io/, methods/, ... resolve to siblings.
        top = node.split("::")[0]
        for m in re.finditer(r"\bsuper::([a-z_]+)", text):
            if "::" in node:
                edges.setdefault(node, set()).add(f"{top}::{m.group(1)}")
        for m in re.finditer(r"\bcrate::([a-z_]+(?:::[a-zA-Z_]+)?)", text):
            t = target_of(m.group(1))
            if t != node and t.split("::")[0] != node:
                edges.setdefault(node, set()).add(t)
        for m in re.finditer(r"use crate::\{([^}]*)\}", text):
            for item in m.group(1).split(","):
                item = item.strip()
                if item:
                    t = target_of(item)
                    if t != node:
                        edges.setdefault(node, set()).add(t)

# Edges into a split module's parent (e.g. `crate::methods::Context`, a
# re-export) are edges into its mod.rs only; keep them.
nodes = set(edges) | {t for ts in edges.values() for t in ts}
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def strong(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            sccs.append(sorted(comp))


sys.setrecursionlimit(10000)
for v in sorted(nodes):
    if v not in index:
        strong(v)
for c in sccs:
    print("import cycle:", " <-> ".join(c))
print(f"{len(nodes)} modules, {sum(len(v) for v in edges.values())} edges, {len(sccs)} cycles")
sys.exit(1 if sccs else 0)
