#!/bin/bash
# The soak: one memifd with 50 bridges (TAP, pcap-live on veths, pcap-file
# replay + record) and peers of every kind (the project's soak_peer,
# dpdk-testpmd, VPP), 20 frames a second both ways on each, for SOAK_S
# seconds (default 60; `make soak` runs 600), while a driver kills and
# restarts peers, creates and deletes bridges with memifctl, reloads with
# changed and unchanged bridges, starts and stops captures, lets management
# clients vanish and deletes a TAP from outside, and hostile_peer's attacks
# run in a loop against b49.  tests/soak/soak.py says what is counted
# and checked; the last line is "soak: N passed, N failed".  make test runs
# it for 60 s with the normal build (tests/integration/soak_short.sh).
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/../integration/vpp.inc"
need_root
need_testpmd
need_vpp
[ -x "$TOP/build/tests/tools/soak_peer" ] || skip "build/tests/tools/soak_peer not built"
[ -x "$TOP/build/tests/tools/hostile_peer" ] || skip "build/tests/tools/hostile_peer not built"
SOAK_S=${SOAK_S:-60}
# memifd's heap (RssAnon) may grow by SOAK_RSS_KB kB at most and its
# mappings not at all; the ASan build's quarantine and allocator grow both
# by design, so there LeakSanitizer at memifd's exit judges leaks instead.
# Every control request is answered within SOAK_REPLY_MS (100 ms); the
# ASan build, several times slower at everything, within 250 ms.
case $MEMIFD in
*build-san*) : "${SOAK_RSS_KB:=-1}" "${SOAK_REPLY_MS:=250}"
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1 ;;
esac
export SOAK_RSS_KB SOAK_REPLY_MS

ns=$(ns_add s)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for k in $(seq 0 9); do
	ip -n "$ns" link add "sl${k}a" type veth peer name "sl${k}b"
	ip -n "$ns" link set "sl${k}a" up
	ip -n "$ns" link set "sl${k}b" up
done
python3 "$TOP/tests/soak/soak.py" setup "$T" "$ns" "$SOAK_S" || fail "setup"
start_memifd soak "$T/soak.conf"
python3 "$TOP/tests/soak/soak.py" run "$T" "$ns" "$T/soak.ctl" "$MEMIFD_PID" "$SOAK_S" ||
	{ tail -n 40 "$T/soak.log"; fail "the soak driver failed"; }
san=1
stop_pid "$MEMIFD_PID" || san=0
! grep -q "Sanitizer\|runtime error:" "$T/soak.log" || { san=0; grep -A20 "Sanitizer\|runtime error:" "$T/soak.log" | head -60; }
python3 "$TOP/tests/soak/soak.py" report "$T" "$san" ||
	{ grep -i "error\|warn" "$T/soak.log" | tail -n 20; exit 1; }
