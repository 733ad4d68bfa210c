#!/bin/bash
# What the memifctl integration tests share (they source this file): start a
# real memifd on a temporary configuration (control socket in a temporary
# directory, TAPs in a private network namespace), run build/memifctl
# against it, check exit status and output.  Run on its own, it is the
# smoke test: memifd starts and memifctl ping reaches it.
CLI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEMIFCTL=${MEMIFCTL:-$CLI_ROOT/build/memifctl}
MEMIFD=${MEMIFD:-$CLI_ROOT/build/memifd}
unset MEMIFCTL_SOCKET

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; [ -n "${T:-}" ] && [ -f "$T/memifd.log" ] &&
         { echo "--- memifd log"; tail -n 20 "$T/memifd.log"; }; exit 1; }
note() { echo "ok: $*"; }

cli_need() {
    [ -x "$MEMIFCTL" ] || skip "build/memifctl is missing (run make)"
    [ -x "$MEMIFD" ] || skip "build/memifd is missing (the daemon is not built yet)"
    [ "$(id -u)" = 0 ] || skip "needs root (memifd creates TAP devices)"
    [ -c /dev/net/tun ] || skip "needs /dev/net/tun"
    command -v unshare >/dev/null || skip "needs unshare (util-linux)"
    unshare --net true 2>/dev/null || skip "cannot create a network namespace"
}

cli_stop() {
    if [ -n "${MEMIFD_PID:-}" ]; then
        kill "$MEMIFD_PID" 2>/dev/null
        kill -CONT "$MEMIFD_PID" 2>/dev/null   # in case a test left it stopped
        wait "$MEMIFD_PID" 2>/dev/null
    fi
    MEMIFD_PID=
    [ -n "${T:-}" ] && rm -rf "$T"
}

# cli_start: memifd with bridge vpp0 (master, TAP mctl0); sets T (temporary
# directory) and MEMIFCTL_SOCKET.
cli_start() {
    T=$(mktemp -d /tmp/memifctl-test.XXXXXX)
    trap cli_stop EXIT
    cat >"$T/memifd.conf" <<EOF
{ "control": { "socket": "$T/ctl.sock", "group": "root", "mode": "0660" },
  "log_level": "debug",
  "bridges": [
    { "name": "vpp0",
      "memif": { "role": "master", "socket": "$T/memif.sock", "id": 0 },
      "host": { "type": "tap", "name": "mctl0" } } ] }
EOF
    # IPv6 off in the private namespace: a TAP coming up would otherwise send
    # router solicitations through the bridges and move the counters the
    # tests read.
    unshare --net sh -c 'sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
        net.ipv6.conf.default.disable_ipv6=1 >/dev/null; exec "$0" "$@"' \
        "$MEMIFD" -f -c "$T/memifd.conf" >"$T/memifd.log" 2>&1 &
    MEMIFD_PID=$!
    export MEMIFCTL_SOCKET=$T/ctl.sock
    for _ in $(seq 100); do
        [ -S "$T/ctl.sock" ] && "$MEMIFCTL" -t 1 ping >/dev/null 2>&1 && return 0
        kill -0 "$MEMIFD_PID" 2>/dev/null || break
        sleep 0.05
    done
    fail "memifd did not come up"
}

# run ARGS...: runs memifctl, sets OUT, ERR and RC.
run() {
    LAST="memifctl $*"
    OUT=$("$MEMIFCTL" "$@" 2>"$T/stderr")
    RC=$?
    ERR=$(cat "$T/stderr")
}

expect_rc() {
    [ "$RC" = "$1" ] || fail "$LAST: exit $RC, want $1; stdout: $OUT; stderr: $ERR"
}
# expect_out REGEX / expect_err REGEX: extended regex on stdout / stderr.
expect_out() {
    grep -qE -- "$1" <<<"$OUT" || fail "$LAST: stdout lacks /$1/:"$'\n'"$OUT"
}
expect_err() {
    grep -qE -- "$1" <<<"$ERR" || fail "$LAST: stderr lacks /$1/:"$'\n'"$ERR"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    cli_need
    cli_start
    run ping; expect_rc 0; expect_out '^memifd is alive, up [0-9]+s$'
    note "memifd starts on a temporary configuration and answers memifctl ping"
fi
