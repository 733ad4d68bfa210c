#!/bin/bash
# Runs every test and ends with one summary line:
#   "tests: N passed, N failed, N skipped"
# Unit tests (cmocka programs) run in the normal and the sanitizer build;
# integration tests (tests/integration/*.sh) run the real binaries.  A test
# exits 0 (pass), 77 (skip, with its reason on the last line) or else (fail).
# Logs: build/test-logs/.  TESTS='pattern' runs only matching tests.
#
# Integration tests run TEST_JOBS (default 2) at a time: most of their time
# is waiting (for links, VPP's start, timeouts), and each makes its own
# namespaces, directories, DPDK prefixes and ports.  A test whose checks
# need the machine to itself (it measures CPU time or rates, or loads both
# cores) says so with a line "# run.sh: alone" and runs with no other.
cd "$(dirname "$0")/.." || exit 2
logs=build/test-logs
rm -rf "$logs"; mkdir -p "$logs"
pass=0 fail=0 skip=0 failed=()
filter=${TESTS:-}
slots=${TEST_JOBS:-2}
declare -A running=() # pid of a test's subshell -> its log's name

run_one() { # name timeout cmd...
    local name=$1 tmo=$2; shift 2
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
    0)  echo pass >"$log.verdict"; printf '  PASS  %-50s %3ss\n' "$name" "$t" ;;
    77) echo skip >"$log.verdict"; printf '  SKIP  %-50s (%s)\n' "$name" "$(tail -n 1 "$log")" ;;
    *)  echo fail >"$log.verdict"
        [ $rc = 124 ] && echo "timed out after ${tmo}s" >>"$log"
        printf '  FAIL  %-50s %3ss (exit %s)\n' "$name" "$t" "$rc"
        tail -n 25 "$log" | sed 's/^/        | /' ;;
    esac
}

# Prints a finished test's lines and counts its verdict.
tally() { # name
    local log="$logs/${1//\//_}.log" v
    cat "$log.report"
    v=$(cat "$log.verdict" 2>/dev/null || echo fail)
    rm -f "$log.report" "$log.verdict"
    case $v in
    pass) pass=$((pass + 1)) ;;
    skip) skip=$((skip + 1)) ;;
    *)    fail=$((fail + 1)); failed+=("$1") ;;
    esac
}

# Waits for one running test to end.
reap_one() {
    local pid
    wait -n -p pid "${!running[@]}"
    tally "${running[$pid]}"
    unset "running[$pid]"
}

# run NAME TIMEOUT CMD...: in the background beside others, or alone
# (ALONE=1: after the running ones end, with nothing beside it).
run() {
    local name=$1 log="$logs/${1//\//_}.log"
    [ -n "$filter" ] && [[ "$name" != *$filter* ]] && return
    if [ "${ALONE:-0}" = 1 ] || [ "$slots" -le 1 ]; then
        while [ ${#running[@]} -gt 0 ]; do reap_one; done
        run_one "$@" >"$log.report"
        tally "$name"
        return
    fi
    while [ ${#running[@]} -ge "$slots" ]; do reap_one; done
    run_one "$@" >"$log.report" &
    running[$!]=$name
}
alone() { grep -q '^# run.sh: alone' "$1" && echo 1 || echo 0; }

for b in build/tests/unit/*/test_*; do
    [ -x "$b" ] && ALONE=1 run "unit/${b#build/tests/unit/}" 300 "$b"
done
for s in tests/integration/*.sh; do
    [ "$(basename "$s")" = lib.sh ] && continue   # shared helpers, not a test
    [ -f "$s" ] && ALONE=$(alone "$s") run "integration/$(basename "$s" .sh)" 600 bash "$s"
done
for b in build-san/tests/unit/*/test_*; do
    [ -x "$b" ] && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ALONE=1 run "asan/unit/${b#build-san/tests/unit/}" 600 "$b"
done
# Integration tests again with the sanitizer build (each checks that its
# processes exit cleanly with no report): those that take memifd through
# object lifetimes - threads, reloads, deletes, streams, peers that come and
# go or attack, clients that vanish - and libcore against DPDK.  What the
# others would add under ASan is parsing: the pcap, configuration,
# management and memif message parsers are fuzzed under ASan (fuzz_short),
# the HTTP parser is unit-tested under it.  VPP is restarted 5 times here.
asan_tests="daemon_workers daemon_reload daemon_capture_stream daemon_mgmt
    daemon_pcap_confine reliability_hostile reliability_mgmt
    reliability_teardown reliability_cycles lib_interop_dpdk vpp_restart"
for t in $asan_tests; do
    s=tests/integration/$t.sh
    [ -f "$s" ] && [ -x build-san/memifd ] && \
        MEMIFD=$PWD/build-san/memifd PEER=build-san/tests/tools/memif_peer \
        ASAN_OPTIONS=detect_leaks=1 VPP_CYCLES=5 \
        ALONE=$(alone "$s") run "asan/integration/$t" 900 bash "$s"
done
while [ ${#running[@]} -gt 0 ]; do reap_one; done
if [ -n "${failed[*]}" ]; then
    echo "failed: ${failed[*]} (logs in $logs/)"
fi
echo "tests: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
