#!/usr/bin/env bash
# Fuzz the loaders: scripts/fuzz.sh [TARGET|all] [EXECUTIONS] (default all, 1,000,000).
# See fuzz/README.md. Exit 1 when a crash was found (saved in fuzz/crashes/).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --example fuzz -- "${1:-all}" --execs "${2:-1000000}"
