#!/bin/bash
# show explains a link that is down, one bridge per cause: nobody listening
# (no file, a stale file), the socket's directory missing, a file socket
# against an abstract one and the reverse, permission denied on the socket
# (memifd without CAP_DAC_OVERRIDE, as under the systemd unit), the peer's
# refusal (a wrong secret), the namespace deleted, a master waiting and a
# master whose socket file was removed.  Each in JSON (state.diagnosis)
# and in memifctl show's words.
. "$(dirname "$0")/lib.sh"
need_root
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}
PEER="$TOP/build/tests/tools/memif_peer"
[ -x "$PEER" ] || skip "memif_peer not built (make tools)"

ns=$(ns_add w)
# sockets held open by this test: an abstract listener at @$T/abs.sock, a
# file listener at $T/file.sock, one at $T/perm.sock that only its owner
# (nobody) may use, and a stale file $T/stale.sock that nobody listens on
python3 - "$T" <<'EOP' &
import os, socket, sys, time
t = sys.argv[1]
def listener(addr):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.bind(addr)
    s.listen(4)
    return s
keep = [listener("\0" + t + "/abs.sock"), listener(t + "/file.sock"),
        listener(t + "/perm.sock")]
os.chown(t + "/perm.sock", 65534, 65534)
os.chmod(t + "/perm.sock", 0o600)
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.bind(t + "/stale.sock")
s.close()
open(t + "/ready", "w").close()
time.sleep(120)
EOP
track $!
wait_for 5 test -e "$T/ready" || fail "listeners"
"$PEER" -r master -s "$T/sec.sock" -i 0 -S right -m rx -t 120 >"$T/peer.log" 2>&1 &
track $!
wait_for 5 test -S "$T/sec.sock" || fail "memif_peer did not listen"

br() { # NAME ROLE SOCKET [MEMIF_EXTRA]
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$2\", \"socket\": \"$3\"$4 },
	  \"host\": { \"type\": \"pcap-file\", \"write\": \"$T/$1.pcap\" } }"
}
write_conf "$T/w.conf" "$(br nolisten slave "$T/none.sock"),
	$(br stale slave "$T/stale.sock"),
	$(br nodir slave "$T/nodir/x.sock"),
	$(br abstract slave "$T/abs.sock"),
	$(br file slave "@$T/file.sock"),
	$(br perm slave "$T/perm.sock"),
	$(br secret slave "$T/sec.sock" ', "secret": "wrong"'),
	$(br netns slave "@mdwhy$TAG" ", \"netns\": \"$ns\""),
	$(br waiting master "$T/m.sock"),
	$(br removed master "$T/mr.sock")"
# memifd as the systemd unit runs it: root without CAP_DAC_OVERRIDE
printf '#!/bin/sh\nexec setpriv --bounding-set -dac_override,-dac_read_search %s "$@"\n' \
	"$MEMIFD" >"$T/memifd-nodac"
chmod +x "$T/memifd-nodac"
MEMIFD="$T/memifd-nodac" start_memifd w "$T/w.conf"
ip netns del "$ns"
rm "$T/mr.sock"

cause() { # BRIDGE: state.diagnosis.cause
	local r
	r=$(mgmt w "{\"command\":\"show\",\"args\":{\"name\":\"$1\"}}") &&
		jget "$r" 'j["result"]["bridges"][0]["state"]["diagnosis"]["cause"]'
}
while read -r name want words; do
	wait_for 5 eval "[ \"\$(cause $name)\" = $want ]" ||
		{ mgmt w "{\"command\":\"show\",\"args\":{\"name\":\"$name\"}}"; tail "$T/w.log"
		  fail "$name: cause $(cause "$name"), not $want"; }
	"$MEMIFCTL" -s "$T/w.ctl" show "$name" >"$T/show.txt" || fail "memifctl show $name"
	grep "why down:" "$T/show.txt" | grep -qF "$words" ||
		{ cat "$T/show.txt"; fail "$name: show does not say '$words'"; }
	echo "$name: $(grep -A1 'why down:' "$T/show.txt" | sed 's/^ *//' | tr '\n' ' ')"
done <<EOT
nolisten no_listener nobody listens on $T/none.sock: there is no socket file
stale stale_socket the socket file is left from a master that stopped
nodir no_directory the socket's directory $T/nodir does not exist
abstract abstract_socket but the abstract socket @$T/abs.sock is listening
file file_socket but the file $T/file.sock is a listening socket
perm permission permission denied on $T/perm.sock (owner uid 65534
secret refused the peer refused the connection: incorrect secret
netns netns_missing the network namespace $ns does not exist
waiting waiting waiting for a slave to connect to $T/m.sock with id 0
removed socket_removed the socket file $T/mr.sock was removed
EOT
grep -q "what to do: .*give both sides the same memif.secret" <(
	"$MEMIFCTL" -s "$T/w.ctl" show secret) || fail "no advice for the secret"
finish
log "pass"
