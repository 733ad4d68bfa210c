#!/bin/bash
# Restarts with a real VPP.  One VPP holds a slave of memifd's master
# (bridge rm) and a master of memifd's slave (bridge rs); its interfaces
# come from a startup file, as a VPP service would have them.
#  1. VPP killed with SIGKILL and started again, 10 times (VPP_CYCLES):
#     after each start both links come back by themselves within 3 s of
#     VPP answering, and a ping goes through each; memifd's fds and RSS
#     after the last cycle are those after the first.
#  2. memifd stopped (SIGTERM) and started again while VPP keeps running,
#     3 times: both links come back within 3 s of memifd's start (a VPP
#     slave retries its master every 3 s or less), and traffic flows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
VPP_CYCLES=${VPP_CYCLES:-10}

ns=$(ns_add r)
vns=$(ns_add v)
write_conf "$T/m.conf" '{ "name": "rm",
  "memif": { "role": "master", "socket": "'"$T"'/rm.sock", "id": 0 },
  "host": { "name": "mdrm'"$TAG"'", "netns": "'"$ns"'" } },
{ "name": "rs",
  "memif": { "role": "slave", "socket": "'"$T"'/rs.sock", "id": 0 },
  "host": { "name": "mdrs'"$TAG"'", "netns": "'"$ns"'" } }'
cat >"$T/vpp.cli" <<EOF
create memif socket id 1 filename $T/rm.sock
create interface memif id 0 socket-id 1 slave
set int state memif1/0 up
set int rx-mode memif1/0 interrupt
set int ip address memif1/0 10.85.1.2/24
create memif socket id 2 filename $T/rs.sock
create interface memif id 0 socket-id 2 master
set int state memif2/0 up
set int rx-mode memif2/0 interrupt
set int ip address memif2/0 10.85.2.2/24
EOF

# addresses on the TAPs (made again by every memifd start)
tap_addrs() {
	ip -n "$ns" addr add 10.85.1.1/24 dev "mdrm$TAG"
	ip -n "$ns" addr add 10.85.2.1/24 dev "mdrs$TAG"
}
# both_back WHAT: both links up within 3 s, a ping through each
both_back() {
	local b
	for b in rm rs; do
		wait_for 3 link_up m $b ||
			{ tail -n 20 "$T/m.log"; vppctl v show memif; fail "$1: $b not back within 3 s"; }
	done
	ping_warm "$ns" 10.85.1.2 && ping_warm "$ns" 10.85.2.2 ||
		{ back_diag; fail "$1: no answer from VPP within 3 pings"; }
	ping_all "$ns" 10.85.1.2 56 3 || { back_diag; fail "$1: no ping through rm"; }
	ping_all "$ns" 10.85.2.2 56 3 || { back_diag; fail "$1: no ping through rs"; }
}
back_diag() {
	mgmt m '{"command":"show"}'
	ip -n "$ns" neigh
	ip -n "$ns" -s link
	vppctl v show hardware; vppctl v show errors; vppctl v show ip neighbors
}
fds() { ls "/proc/$MEMIFD_PID/fd" | wc -l; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$MEMIFD_PID/status"; }

start_memifd m "$T/m.conf"
tap_addrs
log "VPP killed and started again, $VPP_CYCLES times"
for c in $(seq "$VPP_CYCLES"); do
	vpp_start v "$vns" "$T/vpp.cli"
	both_back "VPP start $c"
	[ "$c" = 1 ] && fds0=$(fds) rss0=$(rss)
	vpp_kill v KILL
	for b in rm rs; do
		wait_for 3 eval '! link_up m $b' || fail "VPP killed ($c): $b still up"
	done
done
fds1=$(fds) rss1=$(rss)
echo "memifd: fds $fds0 -> $fds1, RSS ${rss0}k -> ${rss1}k"
[ "$fds1" -le "$fds0" ] || fail "fds grew from $fds0 to $fds1"
# (ASan keeps freed memory in quarantine: RSS says nothing there)
[[ $MEMIFD == *build-san* ]] || [ $((rss1 - rss0)) -lt 1024 ] ||
	fail "RSS grew from ${rss0}k to ${rss1}k"
r=$(mgmt m '{"command":"stats","args":{"name":"rm"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_ups"]')" = "$VPP_CYCLES" ] ||
	fail "rm: link_ups is not $VPP_CYCLES: $r"

log "memifd stopped and started again while VPP runs"
vpp_start v "$vns" "$T/vpp.cli"
both_back "VPP start"
for c in 1 2 3; do
	finish # memifd stops with SIGTERM: exit 0, no sanitizer report
	wait_for 5 eval '! vppctl v show memif memif1/0 | grep -q "flags.* connected"' ||
		{ vppctl v show memif memif1/0; fail "VPP's slave still connected with memifd gone"; }
	start_memifd m "$T/m.conf"
	tap_addrs
	both_back "memifd start $c"
done
finish
vpp_kill v
log "pass"
