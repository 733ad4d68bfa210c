#!/bin/bash
# memifctl's exit status for each failure class against a real memifd
# (refused 1, usage 2, unreachable 3), abbreviations and ambiguity messages,
# and batches with a failing line, with and without --force.
. "$(dirname "$0")/cli_lib.sh"
cli_need
cli_start

# 1: the daemon refused; its message on stderr after "memifctl: ".
run delete nosuch; expect_rc 1; expect_err '^memifctl: .*nosuch'
[ -z "$OUT" ] || fail "a refused command printed on stdout: $OUT"
run show nosuch; expect_rc 1; expect_err '^memifctl: .*nosuch'
run create vpp0 tap mctl9; expect_rc 1; expect_err '^memifctl: '
run -j delete nosuch; expect_rc 1; expect_err '^memifctl: '
note "refused: exit 1, the daemon's message on stderr"

# 2: usage errors, found before anything is sent.
run frobnicate; expect_rc 2
expect_err "^memifctl: unknown command 'frobnicate'; valid: show stats create delete reload capture monitor top ping version help"
run s; expect_rc 2; expect_err "^memifctl: ambiguous command 's': show stats$"
run c; expect_rc 2; expect_err "^memifctl: ambiguous command 'c': create capture$"
run create v9 r slave; expect_rc 2
expect_err "^memifctl: ambiguous keyword of create 'r': role rx_queues ring_size rx_mode read$"
run create v9 id x; expect_rc 2; expect_err "bad value 'x' for id: expected a number"
run create v9 role boss; expect_rc 2; expect_err 'expected master\|slave\|server\|client'
run delete; expect_rc 2; expect_err 'usage: delete NAME'
run ping extra; expect_rc 2
run --bogus-option; expect_rc 2
run -t soon ping; expect_rc 2
run -f /dev/null ping; expect_rc 2
note "usage: exit 2, unknown and ambiguous words list the candidates"

# Abbreviations reach the daemon as the full command.
run sh; expect_rc 0; expect_out '^vpp0 '
run sho vpp0; expect_rc 0; expect_out '^vpp0: master'
run ver; expect_rc 0; expect_out '^memifd '
run p; expect_rc 0; expect_out '^memifd is alive'
note "abbreviations: sh, sho, ver, p"

# 3: unreachable, with the socket path, the reason in words and a hint.
run -s "$T/nothing.sock" ping; expect_rc 3
expect_err "^memifctl: cannot reach memifd at $T/nothing.sock: No such file or directory; is memifd running"
MEMIFCTL_SOCKET=$T/nothing.sock run ping; expect_rc 3; expect_err "$T/nothing.sock"
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
    chmod 755 "$T"
    LAST="ping as nobody"
    OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MEMIFCTL" -s "$T/ctl.sock" ping 2>&1)
    RC=$?; ERR=$OUT
    expect_rc 3; expect_err 'Permission denied; .*control group'
    note "permission denied: exit 3 with a hint about the group"
    # The socket file open to all: memifd itself refuses (SO_PEERCRED).
    chmod 666 "$T/ctl.sock"
    LAST="ping as nobody, socket mode 0666"
    OUT=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$MEMIFCTL" -s "$T/ctl.sock" ping 2>&1)
    RC=$?; ERR=$OUT
    expect_rc 3; expect_err "^memifctl: memifd at $T/ctl.sock refused the connection: .*control group"
    chmod 660 "$T/ctl.sock"
    note "memifd refuses a client outside its group: exit 3 with the hint"
fi
kill -STOP "$MEMIFD_PID"
start=$SECONDS
run -t 0.5 ping; expect_rc 3; expect_err 'no answer in time'
kill -CONT "$MEMIFD_PID"
[ $((SECONDS - start)) -le 3 ] || fail "-t 0.5 waited $((SECONDS - start))s"
note "a stuck daemon: exit 3 after -t seconds"

# Batches: a failing line stops the batch, unless --force.
cat >"$T/batch" <<'EOF'
# a comment, then a blank line

ping
delete nosuch
version
EOF
run -f "$T/batch"; expect_rc 1
expect_out '^memifd is alive'; expect_err "^memifctl: $T/batch:4: .*nosuch"
grep -qE '^memifd +[0-9]' <<<"$OUT" && fail "the batch went on after a failure: $OUT"
run --force -f "$T/batch"; expect_rc 1; expect_out '^memifd +[0-9]'
note "batch -f FILE stops at the first failure; --force runs every line"

LAST="batch on stdin"
OUT=$(printf 'sh\nbogus\nping\n' | "$MEMIFCTL" 2>"$T/stderr"); RC=$?; ERR=$(cat "$T/stderr")
expect_rc 2; expect_err "^memifctl: stdin:2: unknown command 'bogus'"
grep -q 'alive' <<<"$OUT" && fail "stdin batch went on after a failure"
OUT=$(printf 'ping\nbogus\nver\nquit\nping\n' | "$MEMIFCTL" --force -f - 2>"$T/stderr"); RC=$?
expect_rc 2; expect_out '^memifd +[0-9]'
[ "$(grep -c alive <<<"$OUT")" = 1 ] || fail "quit did not end the batch: $OUT"
note "batch on standard input (no terminal, and -f -), quit ends it"
