#!/bin/bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for
# FUZZ_SECONDS (default 60): first every saved regression input of
# tests/fuzz/regressions/TARGET/, then the seed corpus tests/fuzz/corpus/TARGET/
# grown in build-fuzz/corpus/TARGET/ (with tests/fuzz/TARGET.dict as the
# dictionary when there is one).  A crash leaves its input in
# build-fuzz/artifacts/TARGET/ and fails the run; copy it to regressions/.
# FUZZ_RUNS=N runs each target for N executions instead (make fuzz
# FUZZ_RUNS=10000000 is the deep run the README's table records), and
# FUZZ_TARGETS="fuzz_lib_ctrl ..." picks the targets.  Prints one line per
# target with its executions, time and final coverage, and a summary line.
cd "$(dirname "$0")/../.." || exit 2
secs=${FUZZ_SECONDS:-60}
# how long each runs: so many executions (no time limit), or seconds
if [ -n "${FUZZ_RUNS:-}" ]; then
    stop_at=(-runs="$FUZZ_RUNS") limit=()
else
    stop_at=(-max_total_time="$secs") limit=(timeout -k 5 $((secs + 60)))
fi
# the targets that write files (the config and pcap ones) write them here:
# tmpfs, not a disk that slows every execution
export TMPDIR=${TMPDIR:-/dev/shm}
mkdir -p build-fuzz
make -s -k -j2 FUZZ=1 fuzzers >build-fuzz/build.log 2>&1
pass=0 fail=0
srcs=(tests/fuzz/fuzz_*.c)
[ -n "${FUZZ_TARGETS:-}" ] && srcs=($(for t in $FUZZ_TARGETS; do echo "tests/fuzz/$t.c"; done))
for src in "${srcs[@]}"; do
    t=$(basename "$src" .c) bin=build-fuzz/tests/fuzz/$(basename "$src" .c)
    if [ ! -x "$bin" ] || [ "$bin" -ot "$src" ]; then
        fail=$((fail + 1))
        printf '  FAIL  fuzz/%-22s does not build:\n' "$t"
        grep -m8 "error" build-fuzz/build.log | sed 's/^/        | /'
        continue
    fi
    corpus=build-fuzz/corpus/$t art=build-fuzz/artifacts/$t/ log=build-fuzz/$t.log
    mkdir -p "$corpus" "$art"
    cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
    ok=1
    if ls tests/fuzz/regressions/"$t"/* >/dev/null 2>&1; then
        "$bin" tests/fuzz/regressions/"$t"/* >"$log" 2>&1 || ok=0
    fi
    dict=()
    [ -f tests/fuzz/"$t".dict ] && dict=(-dict=tests/fuzz/"$t".dict)
    if [ $ok = 1 ]; then
        ASAN_OPTIONS=detect_leaks=1 "${limit[@]}" "$bin" "${stop_at[@]}" "${dict[@]}" \
            -rss_limit_mb=4096 -artifact_prefix="$art" "$corpus" >"$log" 2>&1 || ok=0
    fi
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 executions in \2 s/p' "$log" | tail -1)
    cov=$(grep -a -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
    if [ $ok = 1 ]; then
        pass=$((pass + 1))
        printf '  PASS  fuzz/%-22s %s (%s)\n' "$t" "${runs:-?}" "$cov"
    else
        fail=$((fail + 1))
        printf '  FAIL  fuzz/%-22s (see %s, inputs in %s)\n' "$t" "$log" "$art"
        grep -m5 -A12 "ERROR:\|==ERROR\|runtime error" "$log" | sed 's/^/        | /'
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ $fail = 0 ]
