#!/bin/bash
# memifctl's interactive shell on a pseudo-terminal (tmux) against a real
# memifd: TAB completes a command and a live bridge name, an error keeps the
# shell alive, Ctrl-D leaves it, history survives a restart.
. "$(dirname "$0")/cli_lib.sh"
cli_need
command -v tmux >/dev/null || skip "needs tmux"
cli_start
export TERM=${TERM:-xterm}
mkdir -p "$T/home"
tmx() { tmux -S "$T/tmux.sock" "$@"; }
trap 'tmx kill-server 2>/dev/null; cli_stop' EXIT

# shell NAME: memifctl in tmux session NAME; its exit status lands in $T/NAME.rc.
shell() {
    rm -f "$T/$1.rc"
    tmx new-session -d -s "$1" -x 150 -y 50 \
        "env HOME=$T/home MEMIFCTL_SOCKET=$MEMIFCTL_SOCKET $MEMIFCTL; echo \$? >$T/$1.rc; sleep 30"
    wait_pane "$1" '^memifctl> $'
}
# wait_pane NAME REGEX: until the screen of NAME has a line matching REGEX.
wait_pane() {
    for _ in $(seq 100); do
        tmx capture-pane -pN -t "$1" | grep -qE -- "$2" && return 0
        sleep 0.05
    done
    fail "screen lacks /$2/:"$'\n'"$(tmx capture-pane -p -t "$1")"
}
# last_line NAME: the last non-empty line on the screen.
last_line() { tmx capture-pane -p -t "$1" | grep -v '^$' | tail -n 1; }

run create vpp1 role slave socket "$T/memif.sock" id 0 tap mctl1; expect_rc 0

shell s1
tmx send-keys -t s1 'sh' Tab
wait_pane s1 '^memifctl> show $'
note "TAB completes a command (sh -> show)"
tmx send-keys -t s1 'vpp' Tab
sleep 0.2
tmx send-keys -t s1 Tab
wait_pane s1 '^vpp0 +vpp1 *$'
tmx send-keys -t s1 '1' Enter
wait_pane s1 '^vpp1: slave, socket'
note "TAB lists and completes live bridge names (vpp -> vpp0 vpp1)"
tmx send-keys -t s1 'cr' Tab 'x ro' Tab 's' Tab
wait_pane s1 '^memifctl> create x role s$'
tmx send-keys -t s1 'l' Tab
wait_pane s1 '^memifctl> create x role slave $'
tmx send-keys -t s1 C-u "cap sta vpp0 $T/memifd.co" Tab
wait_pane s1 "^memifctl> cap sta vpp0 $T/memifd.conf \$"
tmx send-keys -t s1 C-u
note "TAB completes keywords, their values and file names"

tmx send-keys -t s1 'bogus' Enter
wait_pane s1 "^memifctl: unknown command 'bogus'"
tmx send-keys -t s1 'delete nosuch' Enter
wait_pane s1 '^memifctl: .*nosuch'
tmx send-keys -t s1 'ping' Enter
wait_pane s1 '^memifd is alive'
[ "$(last_line s1)" = "memifctl>" ] || fail "no prompt after errors: $(last_line s1)"
note "a failed command keeps the shell alive"

tmx send-keys -t s1 C-d
for _ in $(seq 100); do [ -f "$T/s1.rc" ] && break; sleep 0.05; done
[ "$(cat "$T/s1.rc" 2>/dev/null)" = 0 ] || fail "Ctrl-D: shell still running or exit $(cat "$T/s1.rc" 2>/dev/null)"
note "Ctrl-D leaves the shell with status 0"
grep -q '^ping' "$T/home/.memifctl_history" || fail "history file: $(cat "$T/home/.memifctl_history")"

shell s2
tmx send-keys -t s2 Up
wait_pane s2 '^memifctl> ping *$'
tmx send-keys -t s2 Up Up
wait_pane s2 '^memifctl> bogus *$'
tmx send-keys -t s2 C-u 'quit' Enter
for _ in $(seq 100); do [ -f "$T/s2.rc" ] && break; sleep 0.05; done
[ "$(cat "$T/s2.rc" 2>/dev/null)" = 0 ] || fail "quit: exit $(cat "$T/s2.rc" 2>/dev/null)"
note "history survives a restart (Up recalls earlier commands); quit leaves"
