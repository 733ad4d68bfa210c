#!/bin/bash
# Secrets with a real VPP, in both roles: the matching secret links up and
# carries a ping; a wrong one and a missing one are refused, and the reason
# is visible on both sides (memifctl show's last disconnect, JSON
# disconnect_reason, VPP's show memif).  The secrets themselves never
# appear in memifctl's output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
MEMIFCTL=$TOP/build/memifctl
S="Good$TAG" W="Wrong$TAG"

ns=$(ns_add s)
vns=$(ns_add v)
bridge() { # NAME ROLE SOCKET ID SECRET
	echo '{ "name": "'"$1"'",
  "memif": { "role": "'"$2"'", "socket": "'"$T/$3"'", "id": '"$4"${5:+, \"secret\": \"$5\"}' },
  "host": { "name": "md'"$1$TAG"'", "netns": "'"$ns"'" } }'
}
# memifd masters with secret S; memifd slaves of a VPP master with secret S
write_conf "$T/m.conf" "$(bridge mgood master m.sock 0 "$S"), $(bridge mwrong master m.sock 1 "$S"),
	$(bridge mnone master m.sock 2 "$S"), $(bridge sgood slave v.sock 0 "$S"),
	$(bridge swrong slave v.sock 1 "$W"), $(bridge snone slave v.sock 2)"
start_memifd m "$T/m.conf"
vpp_start v "$vns"
vppctl v create memif socket id 1 filename "$T/m.sock"
vppctl v create memif socket id 2 filename "$T/v.sock"
for id in 0 1 2; do
	sec=$S; [ $id = 1 ] && sec=$W; [ $id = 2 ] && sec=
	vppctl v create interface memif id $id socket-id 1 slave ${sec:+secret $sec}
	vppctl v create interface memif id $id socket-id 2 master secret "$S"
	vpp_if_up v "memif1/$id"
	vpp_if_up v "memif2/$id"
done
vppctl v set int ip address memif1/0 10.83.1.2/24
vppctl v set int ip address memif2/0 10.83.2.2/24
ip -n "$ns" addr add 10.83.1.1/24 dev "mdmgood$TAG"
ip -n "$ns" addr add 10.83.2.1/24 dev "mdsgood$TAG"

# reason BRIDGE: memifctl's last disconnect (text), checked against JSON
reason() {
	local t j
	t=$("$MEMIFCTL" -s "$T/m.ctl" show "$1" | sed -n 's/^ *last disconnect: *//p')
	j=$("$MEMIFCTL" -s "$T/m.ctl" -j show "$1")
	[ "$(jget "$j" 'j["bridges"][0]["state"]["disconnect_reason"]')" = "$t" ] || return 1
	echo "$t"
}

log "matching secrets link up and carry traffic"
for b in mgood sgood; do
	wait_for 10 link_up m $b || { cat "$T/m.log"; vpp_logs; fail "$b: no link"; }
done
ping_all "$ns" 10.83.1.2 56 10 || fail "ping through mgood"
ping_all "$ns" 10.83.2.2 56 10 || fail "ping through sgood"

# refused BRIDGE REASON VPP_IF VPP_FIELD: memifd shows REASON, and VPP's
# show memif gives it as VPP_FIELD (remote-disc-reason: memifd refused,
# local-disc-reason: VPP did; VPP's own copy is not NUL-terminated, so only
# its start is matched - README: Working with VPP)
refused() {
	local b=$1 want=$2
	wait_for 10 eval '[ "$(reason "$b")" = "$want" ]' || fail "$b: $(reason "$b"), not $want"
	vppctl v show memif "$3" | grep -q "$4 \"$want" ||
		{ vppctl v show memif "$3"; fail "$b: VPP's $3 does not give $4 $want"; }
}
log "memifd master refuses a wrong and a missing secret"
refused mwrong "incorrect secret" memif1/1 remote-disc-reason
refused mnone "secret required" memif1/2 remote-disc-reason
log "a VPP master refuses a wrong and a missing secret"
refused swrong "incorrect secret" memif2/1 local-disc-reason
refused snone "secret required" memif2/2 local-disc-reason
for b in mwrong mnone swrong snone; do link_up m $b && fail "$b: link up"; done

log "the secrets appear in no output"
for f in "" -j; do
	"$MEMIFCTL" -s "$T/m.ctl" $f show >"$T/out" || fail "memifctl $f show"
	! grep -q "$S\|$W" "$T/out" || fail "memifctl $f show prints a secret"
done
finish
vpp_kill v
log "pass"
