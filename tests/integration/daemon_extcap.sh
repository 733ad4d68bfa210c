#!/bin/bash
# memifctl as a Wireshark extcap, against the real tshark: a staged extcap
# folder (WIRESHARK_EXTCAP_DIR) holds a wrapper that runs memifctl for this
# test's memifd; tshark (run as an unprivileged user this test creates,
# in the control group: Wireshark ignores WIRESHARK_EXTCAP_DIR for root)
# -D lists the bridge as memifd-c0, and tshark -i
# memifd-c0 -c N -w FILE captures N frames of a ping through the bridge
# live (with a capture filter, applied by memifd); the extcap's own answers
# (--extcap-interfaces, --extcap-dlts, --extcap-config) follow extcap(4).
. "$(dirname "$0")/lib.sh"
need_root
command -v tshark >/dev/null || skip "needs tshark (tests/deps.sh installs it)"
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}
test_user
cp "$MEMIFCTL" "$T/memifctl" && chmod 755 "$T/memifctl"
mkdir "$T/out" && chown "$U" "$T/out"
# tshark as U; setpriv execs it, so $! of "as_u ... &" would be a subshell: use $AS
AS=(setpriv --reuid="$U" --regid="$U" --init-groups env HOME="$T/out" WIRESHARK_EXTCAP_DIR="$T/extcap")

na=$(ns_add a)
nb=$(ns_add b)
br() { # NAME ROLE NS
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$2\", \"socket\": \"$T/c.sock\" },
	  \"host\": { \"name\": \"mdx$TAG\", \"netns\": \"$3\" } }"
}
write_conf "$T/a.conf" "$(br c0 master "$na")" "\"control\": { \"group\": \"$G\", \"mode\": \"0660\" }"
write_conf "$T/b.conf" "$(br c0 slave "$nb")"
start_memifd a "$T/a.conf"
start_memifd b "$T/b.conf"
ip -n "$na" addr add 10.84.0.1/24 dev "mdx$TAG"
ip -n "$nb" addr add 10.84.0.2/24 dev "mdx$TAG"
wait_for 10 link_up a c0 || fail "link did not come up"

log "the extcap's answers"
X=("$MEMIFCTL" -s "$T/a.ctl")
out=$("${X[@]}" --extcap-interfaces --extcap-version=4.0) || fail "--extcap-interfaces"
echo "$out"
[[ $out == "extcap {version="*"}"* ]] || fail "no extcap line"
grep -q '^interface {value=memifd-c0}{display=memifd bridge c0 ' <<<"$out" || fail "no interface memifd-c0"
out=$("${X[@]}" --extcap-dlts --extcap-interface memifd-c0) || fail "--extcap-dlts"
[ "$out" = "dlt {number=1}{name=EN10MB}{display=Ethernet}" ] || fail "dlts: $out"
out=$("${X[@]}" --extcap-config --extcap-interface memifd-c0) || fail "--extcap-config"
grep -q '^arg {number=0}{call=--direction}' <<<"$out" || fail "config: $out"
out=$("${X[@]}" -s "$T/nosuch.ctl" --extcap-interfaces) || fail "--extcap-interfaces without memifd"
[ "$(wc -l <<<"$out")" = 1 ] || fail "interfaces without memifd: $out"
"${X[@]}" --extcap-dlts --extcap-interface eth0 2>/dev/null && fail "a foreign interface accepted"

log "tshark -D through a staged extcap folder"
mkdir "$T/extcap"
printf '#!/bin/sh\nexec %s -s %s "$@"\n' "$T/memifctl" "$T/a.ctl" >"$T/extcap/memifd"
chmod 755 "$T/extcap" "$T/extcap/memifd"
"${AS[@]}" tshark -D 2>"$T/d.err" >"$T/d.out"
cat "$T/d.out"
grep -q 'memifd-c0 (memifd bridge c0 ' "$T/d.out" || { cat "$T/d.err"; fail "tshark -D does not list memifd-c0"; }

log "tshark -i memifd-c0 -c 6 -w FILE while pinging"
"${AS[@]}" tshark -i memifd-c0 -c 6 -w "$T/out/ts.pcapng" >"$T/ts.out" 2>&1 &
p=$!
wait_for 10 grep -q "c0: capture stream started" "$T/a.log" || { cat "$T/ts.out"; fail "the extcap did not start a stream"; }
ip netns exec "$na" python3 "$PING_PY" -q -c 20 -i 0.2 10.84.0.2 >/dev/null &
wait_for 15 eval '! kill -0 $p' || { cat "$T/ts.out"; fail "tshark did not stop after 6 frames"; }
wait $p || { cat "$T/ts.out"; fail "tshark: exit $?"; }
cat "$T/ts.out"
grep -q "Error by extcap" "$T/ts.out" && fail "tshark reports an extcap error"
n=$(tshark -n -r "$T/out/ts.pcapng" 2>/dev/null | grep -c ICMP)
[ "$n" -ge 4 ] || { tshark -n -r "$T/out/ts.pcapng"; fail "$n ICMP frames in the capture"; }
wait_for 5 eval '[ "$(grep -c "c0: capture stream ended" "$T/a.log")" = 1 ]' || fail "the stream did not end with tshark"

log "a capture filter: only what matches"
"${AS[@]}" tshark -i memifd-c0 -f 'icmp[icmptype] == icmp-echoreply' -c 3 -w "$T/out/f.pcapng" >"$T/f.out" 2>&1 &
p=$!
wait_for 10 eval '[ "$(grep -c "c0: capture stream started" "$T/a.log")" = 2 ]' || { cat "$T/f.out"; fail "no second stream"; }
ip netns exec "$na" python3 "$PING_PY" -q -c 10 -i 0.2 10.84.0.2 >/dev/null
wait_for 15 eval '! kill -0 $p' || { cat "$T/f.out"; fail "tshark -f did not stop"; }
tshark -n -r "$T/out/f.pcapng" 2>/dev/null >"$T/f.txt"
cat "$T/f.txt"
[ "$(grep -c 'Echo (ping) reply' "$T/f.txt")" = 3 ] && ! grep -q 'request' "$T/f.txt" || fail "filter not applied"
finish
log "pass"
