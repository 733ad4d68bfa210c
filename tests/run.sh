#!/bin/bash
# Runs every test and ends with one summary line:
#   "tests: N passed, N failed, N skipped"
# Unit tests (cmocka programs) run in the normal and the sanitizer build;
# integration tests (tests/integration/*.sh) run the real binaries.  A test
# exits 0 (pass), 77 (skip, with its reason on the last line) or else (fail).
# Logs: build/test-logs/.  TESTS='pattern' runs only matching tests.
cd "$(dirname "$0")/.." || exit 2
logs=build/test-logs
rm -rf "$logs"; mkdir -p "$logs"
pass=0 fail=0 skip=0 failed=()
filter=${TESTS:-}

run_one() { # name timeout cmd...
    local name=$1 tmo=$2; shift 2
    [ -n "$filter" ] && [[ "$name" != *$filter* ]] && return
    local log="$logs/${name//\//_}.log" start=$SECONDS rc left n
    # lib.sh's ns_add lists every namespace the test makes in MD_NETNS_LOG:
    # only those are judged (not another test run's on the same machine)
    : >"$log.netns"
    MD_NETNS_LOG=$PWD/$log.netns timeout -k 5 "$tmo" "$@" >"$log" 2>&1 </dev/null
    rc=$?
    # a test removes every network namespace it made, even when it fails
    left=$(while read -r n; do [ -e "/run/netns/$n" ] && echo "$n"; done <"$log.netns" |
           sort -u | tr '\n' ' ')
    rm -f "$log.netns"
    if [ -n "${left// /}" ]; then
        echo "FAIL: network namespaces left behind: $left" >>"$log"
        for n in $left; do ip netns del "$n" 2>/dev/null; done
        [ $rc = 0 ] || [ $rc = 77 ] && rc=1
    fi
    local t=$((SECONDS - start))
    case $rc in
    0)  pass=$((pass + 1)); printf '  PASS  %-50s %3ss\n' "$name" "$t" ;;
    77) skip=$((skip + 1)); printf '  SKIP  %-50s (%s)\n' "$name" "$(tail -n 1 "$log")" ;;
    *)  fail=$((fail + 1)); failed+=("$name")
        [ $rc = 124 ] && echo "timed out after ${tmo}s" >>"$log"
        printf '  FAIL  %-50s %3ss (exit %s)\n' "$name" "$t" "$rc"
        tail -n 25 "$log" | sed 's/^/        | /' ;;
    esac
}

for b in build/tests/unit/*/test_*; do
    [ -x "$b" ] && run_one "unit/${b#build/tests/unit/}" 300 "$b"
done
for s in tests/integration/*.sh; do
    [ "$(basename "$s")" = lib.sh ] && continue   # shared helpers, not a test
    [ -f "$s" ] && run_one "integration/$(basename "$s" .sh)" 600 bash "$s"
done
for b in build-san/tests/unit/*/test_*; do
    [ -x "$b" ] && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        run_one "asan/unit/${b#build-san/tests/unit/}" 600 "$b"
done
# The integration tests that run memifd or libcore's tools, again with the
# sanitizer build (each checks its processes exit cleanly with no report);
# VPP is killed and restarted 5 times there instead of 20.
for s in tests/integration/daemon_*.sh tests/integration/reliability_*.sh \
         tests/integration/lib_interop_dpdk.sh tests/integration/vpp_*.sh; do
    [ -f "$s" ] && [ -x build-san/memifd ] && \
        MEMIFD=$PWD/build-san/memifd PEER=build-san/tests/tools/memif_peer \
        ASAN_OPTIONS=detect_leaks=1 VPP_CYCLES=5 \
        run_one "asan/integration/$(basename "$s" .sh)" 900 bash "$s"
done
if [ -n "${failed[*]}" ]; then
    echo "failed: ${failed[*]} (logs in $logs/)"
fi
echo "tests: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
