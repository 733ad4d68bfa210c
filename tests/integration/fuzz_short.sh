#!/bin/bash
# run.sh: alone (libFuzzer takes a core for itself)
# The short fuzzing pass CI runs: every libFuzzer target for a few seconds
# (make fuzz runs them longer).  Needs clang.
cd "$(dirname "$0")/../.." || exit 2
command -v clang >/dev/null || { echo "clang not installed"; exit 77; }
FUZZ_SECONDS=${FUZZ_SECONDS:-2} tests/fuzz/run.sh
