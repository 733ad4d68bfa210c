#!/bin/bash
# Line coverage of the code that validates what comes from outside, by the
# fuzzers' inputs: libcore's message, region and descriptor validation and
# the handshake, memifd's management request parser and its configuration
# parser.  Runs every fuzzer built with `make COV=1 fuzzers` (build-cov/)
# once over its inputs - tests/fuzz/regressions/T, tests/fuzz/corpus/T and
# the corpus `make fuzz` grew in build-fuzz/corpus/T - merges the profiles
# and prints llvm-cov's report of those files; the total must reach
# COV_MIN % of lines (90).  The HTML report: build-cov/html/index.html.
cd "$(dirname "$0")/../.." || exit 2
min=${COV_MIN:-90}
files=(libcore/src/msg.c libcore/src/handshake.c libcore/src/region.c
       libcore/src/datapath.c daemon/mgmt.c daemon/config.c daemon/config_get.c
       daemon/config_host.c daemon/jsonpos.c)
prof=build-cov/prof
rm -rf "$prof"; mkdir -p "$prof"
objs=()
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c) bin=build-cov/tests/fuzz/$t
    [ -x "$bin" ] || { echo "coverage: $bin not built (make COV=1 fuzzers)"; exit 1; }
    dirs=()
    for d in tests/fuzz/regressions/"$t" tests/fuzz/corpus/"$t" build-fuzz/corpus/"$t"; do
        [ -d "$d" ] && dirs+=("$d")
    done
    LLVM_PROFILE_FILE="$prof/$t-%p.profraw" "$bin" -runs=0 "${dirs[@]}" \
        >"$prof/$t.log" 2>&1 || { tail "$prof/$t.log"; echo "coverage: $t failed"; exit 1; }
    # llvm-cov: the first binary positional, the others with -object
    objs+=(${objs:+-object} "$bin")
done
llvm-profdata merge -sparse "$prof"/*.profraw -o "$prof/all.profdata" || exit 1
llvm-cov report -instr-profile="$prof/all.profdata" "${objs[@]}" "${files[@]}" |
    tee "$prof/report.txt"
llvm-cov show -format=html -output-dir=build-cov/html -instr-profile="$prof/all.profdata" \
    "${objs[@]}" "${files[@]}" >/dev/null
pct=$(awk '/^TOTAL/ { print $(NF - 3) }' "$prof/report.txt" | tr -d %)
echo "coverage: ${pct:-?} % of lines (at least $min %)"
awk -v p="${pct:-0}" -v m="$min" 'BEGIN { exit !(p >= m) }'
