#!/bin/bash
# The README's quick start with a real VPP, line for line: memifd on the
# default configuration (conf/memifd.conf), VPP the slave of its master
# (bridge vpp0), then VPP a master and memifd its slave (bridge vpp1, made
# with the README's memifctl line).  The commands are read from README.md
# and run as they stand; only /run/memifd and /run/vpp become directories
# of this test, and memifd runs inside a namespace of the test, so its TAPs
# (memif0, memif1) and their addresses stay out of the host's way.
# Checks: 100 pings of 56 and of 1472 bytes, all answered, on each link;
# the frame counts of both sides agree; memifctl show and VPP's show memif
# agree on what both know (names, ring size, buffer size, queues).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
MEMIFCTL=$TOP/build/memifctl

ns=$(ns_add q)
vns=$(ns_add v)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
mkdir -p "$T/run-memifd" "$T/run-vpp"
paths() { sed -e "s|/run/memifd/|$T/run-memifd/|g" -e "s|/run/vpp/|$T/run-vpp/|g"; }

# conf/memifd.conf as shipped, its socket moved into the test's directory
jq --arg s "$T/run-memifd/memif.sock" '.bridges[0].memif.socket = $s | .log_level = "debug"' \
	"$TOP/conf/memifd.conf" >"$T/m.conf" || fail "conf/memifd.conf is not JSON"
MEMIFD_NS=$ns start_memifd m "$T/m.conf"
export MEMIFCTL_SOCKET=$T/m.ctl
vpp_start v "$vns"

# run_readme PATTERN: the README block after PATTERN, each line as written
run_readme() {
	local line
	[ -n "$(readme_block "$1")" ] || fail "README.md has no command block after '$1'"
	while read -r line; do
		log "README: $line"
		case $line in
		memifctl\ *) "$MEMIFCTL" ${line#memifctl } || fail "$line" ;;
		ip\ *) ip netns exec "$ns" $line || fail "$line" ;;
		*) out=$(vppctl v $line) && ! grep -qi "error\|unknown" <<<"$out" ||
			fail "vppctl $line: $out" ;;
		esac
	done < <(readme_block "$1" | paths)
}

# check_link BRIDGE VPP_IF PEER_IP
check_link() {
	local b=$1 ifc=$2 ip=$3 j vrx vtx
	wait_for 10 link_up m "$b" || { cat "$T/m.log"; vppctl v show memif; fail "$b: no link"; }
	ping_all "$ns" "$ip" 56 100 || fail "$b: ping 56"
	ping_all "$ns" "$ip" 1472 100 || fail "$b: ping 1472"
	sleep 0.5 # the last replies counted on both sides
	j=$("$MEMIFCTL" -j show "$b") || fail "memifctl -j show $b"
	vrx=$(vpp_if_counter v "$ifc" "rx packets")
	vtx=$(vpp_if_counter v "$ifc" "tx packets")
	[ "$vrx" -ge 200 ] || fail "$b: VPP received $vrx frames"
	[ "$(jget "$j" 'j["bridges"][0]["counters"]["to_memif"]["packets"]')" = "$vrx" ] ||
		fail "$b: memifd sent $(jget "$j" 'j["bridges"][0]["counters"]["to_memif"]["packets"]'), VPP received $vrx"
	[ "$(jget "$j" 'j["bridges"][0]["counters"]["to_host"]["packets"]')" = "$vtx" ] ||
		fail "$b: memifd received $(jget "$j" 'j["bridges"][0]["counters"]["to_host"]["packets"]'), VPP sent $vtx"

	log "$b: memifctl show and VPP's show memif agree"
	local st='j["bridges"][0]["state"]'
	[ "$(jget "$j" "$st[\"peer_name\"]")" = "VPP $(vppctl v show version | awk '{sub(/^v/, "", $2); print $2}')" ] ||
		fail "$b: peer name $(jget "$j" "$st[\"peer_name\"]")"
	[ "$(jget "$j" "$st[\"peer_if_name\"]")" = "$ifc" ] || fail "$b: peer interface"
	[ "$(vpp_memif_field v "$ifc" remote-name)" = memifd ] || fail "$b: VPP's remote-name"
	[ "$(vpp_memif_field v "$ifc" remote-interface)" = "$b" ] || fail "$b: VPP's remote-interface"
	[ "$(vpp_memif_field v "$ifc" ring-size)" = "$(jget "$j" "$st[\"ring_size\"]")" ] || fail "$b: ring size"
	# the protocol tells a master nothing of the slave's buffer size: a
	# VPP master shows buffer-size 0 (README, troubleshooting)
	[ "$(jget "$j" 'j["bridges"][0]["memif"]["role"]')" = slave ] ||
		[ "$(vpp_memif_field v "$ifc" buffer-size)" = "$(jget "$j" "$st[\"buffer_size\"]")" ] ||
		fail "$b: buffer size: VPP $(vpp_memif_field v "$ifc" buffer-size), memifd $(jget "$j" "$st[\"buffer_size\"]")"
	# memifd receives on the slave-to-master rings when it is the master
	local s2m=rx_queues m2s=tx_queues
	[ "$(jget "$j" 'j["bridges"][0]["memif"]["role"]')" = slave ] && s2m=tx_queues m2s=rx_queues
	[ "$(vpp_memif_field v "$ifc" num-s2m-rings)" = "$(jget "$j" "$st[\"$s2m\"]")" ] || fail "$b: s2m rings"
	[ "$(vpp_memif_field v "$ifc" num-m2s-rings)" = "$(jget "$j" "$st[\"$m2s\"]")" ] || fail "$b: m2s rings"
	"$MEMIFCTL" show "$b" | grep -q "peer: *VPP .*interface $ifc" || fail "$b: memifctl show names the peer"
}

log "VPP as the slave of memifd's master"
run_readme "give the TAP an"
run_readme "**VPP as the slave of memifd's master**"
check_link vpp0 memif1/0 192.168.100.2

log "memifd as the slave of a VPP master"
run_readme "**memifd as the slave of a VPP master**"
check_link vpp1 memif2/0 192.168.101.2

finish
vpp_kill v
log "pass"
