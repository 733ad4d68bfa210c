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
# FILE, or FILE:FUNCTION,FUNCTION...: of datapath.c the functions that
# check descriptors and ring counters (not the rest of the data path API),
# of mgmt.c the request parser and reply builders (not the socket I/O)
scope=(libcore/src/msg.c libcore/src/handshake.c libcore/src/region.c
       libcore/src/datapath.c:desc_data,buf_base,slave_data,tx_slot,tx_free_slots,tx_begin,skip_bad,memif_rx_burst,memif_buffer_alloc,memif_tx_burst,memif_refill_queue,slave_refill
       daemon/mgmt.c:mgmt_parse_request,mgmt_reply_error,mgmt_reply_ok,mgmt_request_fini,mgmt_errname
       daemon/config.c daemon/config_get.c daemon/config_host.c daemon/jsonpos.c)
files=("${scope[@]%%:*}")
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
llvm-cov report -instr-profile="$prof/all.profdata" "${objs[@]}" "${files[@]}" \
    >"$prof/files.txt"
llvm-cov report -show-functions -instr-profile="$prof/all.profdata" "${objs[@]}" \
    "${files[@]}" >"$prof/functions.txt"
llvm-cov show -format=html -output-dir=build-cov/html -instr-profile="$prof/all.profdata" \
    "${objs[@]}" "${files[@]}" >/dev/null
# lines and missed lines of each scope entry, from the per-function report
printf '%-24s %6s %6s %7s\n' scope lines missed cover
for e in "${scope[@]}"; do
    f=${e%%:*} fns=${e#*:}
    [ "$fns" = "$e" ] && fns=
    awk -v f="/$f'" -v fns=",$fns," -v name="$(basename "$f")${fns:+ (part)}" '
        /^File / { on = index($0, f) > 0; next }
        on && $1 != "TOTAL" && $1 ~ /^[A-Za-z_.:0-9]+$/ && $5 ~ /^[0-9]+$/ {
            fn = $1; sub(/^.*:/, "", fn)
            # a function linked into several fuzzers is listed once each:
            # count it once, as covered as its best
            if ((fns == ",," || index(fns, "," fn ",")) && (!(fn in L) || $6 < M[fn])) {
                L[fn] = $5; M[fn] = $6
            }
        }
        END {
            for (fn in L) { l += L[fn]; m += M[fn] }
            printf "%-24s %6d %6d %6.2f%%\n", name, l, m, l ? 100 * (l - m) / l : 0
        }
    ' "$prof/functions.txt"
done | tee "$prof/scope.txt"
pct=$(awk '{ l += $(NF - 2); m += $(NF - 1) } END { printf "%.2f", l ? 100 * (l - m) / l : 0 }' \
    <(tail -n +2 "$prof/scope.txt"))
echo "coverage: $pct % of $(awk '{ l += $(NF - 2) } END { print l }' <(tail -n +2 "$prof/scope.txt")) lines (at least $min %; every file: $prof/files.txt)"
awk -v p="$pct" -v m="$min" 'BEGIN { exit !(p >= m) }'
