#!/usr/bin/env bash
# CI smoke test of the benchmark harness: quick sizes, one run, every
# program's line must parse and every implementation must agree on each
# workload's result. Installs golang-go with apt when missing (as root);
# skips Go with a message when it cannot. Writes to $CARGO_TARGET_DIR/bench-quick.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec python3 papers/bench/run.py --quick "$@"
