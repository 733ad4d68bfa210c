#!/bin/bash
# Files memifd opens for its clients (capture start FILE, create pcap-file
# read/write) are confined: root clients may name any path; another member
# of the control group (an unprivileged user this test creates) gets EPERM
# with a clear message unless control.pcap_dir is set, and then only under
# it: the file is opened with openat2 beneath a descriptor of the
# directory, so a symbolic link out of it (even one swapped in between the
# command and the open) is refused, and a file made for the user is the
# user's (mode 0640).  The streamed capture
# (capture NAME -w FILE, written by memifctl as the user) needs no such
# right.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpdump >/dev/null || skip "needs tcpdump"

test_user
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}
cp "$MEMIFCTL" "$T/memifctl" && cp "$MGMT_PY" "$T/mgmt.py" && chmod 755 "$T/memifctl" "$T/mgmt.py"
as() { setpriv --reuid="$U" --regid="$U" --init-groups "$@"; }
mkdir -p "$T/pcaps" "$T/out" "$T/user"
chown "$U" "$T/user"
ln -s "$T/out" "$T/pcaps/link"	# a way out of the directory
tcpdump -w "$T/out/in.pcap" -r /dev/null 2>/dev/null ||
	printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0\0\0\0\0\0\0\xff\xff\0\0\x01\0\0\0' >"$T/out/in.pcap"
cp "$T/out/in.pcap" "$T/pcaps/in.pcap"

ns=$(ns_add p)
conf() { # NAME PCAP_DIR_JSON
	cat >"$T/$1.conf" <<EOC
{ "control": { "group": "$G", "mode": "0660", "pcap_dir": $2 }, "log_level": "debug",
  "bridges": [ { "name": "p0", "memif": { "socket": "$T/$1.sock" },
                 "host": { "name": "md$1$TAG", "netns": "$ns" } } ] }
EOC
}
# expect_eperm WHAT MEMIFCTL-ARGS...: exit 1 and an EPERM message naming WHAT
expect_eperm() {
	local what=$1 out rc; shift
	out=$(as "$T/memifctl" "$@" 2>&1); rc=$?
	echo "  $*: exit $rc: $out"
	[ $rc = 1 ] && [[ $out == *"$what"* ]] || fail "not refused: $*: exit $rc: $out"
}

log "control.pcap_dir null (the default): only root names files"
conf n null
start_memifd n "$T/n.conf"
S=(-s "$T/n.ctl")
expect_eperm "file: only root may have memifd open files" "${S[@]}" capture start p0 "$T/pcaps/a.pcap"
[ ! -e "$T/pcaps/a.pcap" ] || fail "the file was made"
PY=/usr/bin/python3; [ -x $PY ] || PY=$(command -v python3)
r=$(as $PY "$T/mgmt.py" "$T/n.ctl" '{"id":1,"command":"capture","args":{"action":"start","name":"p0","file":"'"$T/pcaps/a.pcap"'"}}')
[[ $r == *'"code":"EPERM"'* ]] || fail "not EPERM: $r"
expect_eperm "host.write: only root" "${S[@]}" create f0 socket "$T/f.sock" pcap-file write "$T/pcaps/w.pcap"
expect_eperm "host.read: only root" "${S[@]}" create f0 socket "$T/f.sock" pcap-file read "$T/pcaps/in.pcap"
"$MEMIFCTL" "${S[@]}" capture start p0 "$T/out/root.pcap" || fail "root refused"
"$MEMIFCTL" "${S[@]}" capture stop p0 >/dev/null || fail "root stop"
[ -s "$T/out/root.pcap" ] || fail "root's capture file"
log "a streamed capture is the user's own business"
# setpriv, not the function as: $! must be memifctl (setpriv execs it)
setpriv --reuid="$U" --regid="$U" --init-groups "$T/memifctl" "${S[@]}" capture p0 -w "$T/user/s.pcap" 2>"$T/e" &
p=$!
wait_for 5 grep -q "p0: capture stream started" "$T/n.log" || fail "user's stream did not start"
kill -INT $p
wait $p || { cat "$T/e"; fail "user's stream: exit $?"; }
cat "$T/e"
[ "$(stat -c %U "$T/user/s.pcap")" = "$U" ] || fail "stream file not written as $U"
tcpdump -r "$T/user/s.pcap" >/dev/null 2>&1 || fail "the user's stream file does not read"
grep -q '^0 frames captured, 0 dropped' "$T/e" || fail "summary: $(cat "$T/e")"

log "control.pcap_dir set: under it only, resolved"
conf d "\"$T/pcaps\""
start_memifd d "$T/d.conf"
S=(-s "$T/d.ctl")
as "$T/memifctl" "${S[@]}" capture start p0 "$T/pcaps/ok.pcap" || fail "under pcap_dir refused"
as "$T/memifctl" "${S[@]}" capture stop p0 >/dev/null || fail "stop"
[ -e "$T/pcaps/ok.pcap" ] || fail "no file under pcap_dir"
expect_eperm "is not under $T/pcaps" "${S[@]}" capture start p0 "$T/out/x.pcap"
expect_eperm "is not under" "${S[@]}" capture start p0 "$T/pcaps/../out/x.pcap"
expect_eperm "is not under" "${S[@]}" capture start p0 "$T/pcaps/link/x.pcap"
ln -s "$T/out/in.pcap" "$T/pcaps/rd.pcap"
expect_eperm "host.read: $T/pcaps/rd.pcap is not under" "${S[@]}" create f0 socket "$T/f.sock" pcap-file read "$T/pcaps/rd.pcap"
expect_eperm "host.write" "${S[@]}" create f0 socket "$T/f.sock" pcap-file write "$T/out/w.pcap"
ls "$T/out"
[ "$(ls "$T/out" | sort | tr '\n' ' ')" = "in.pcap root.pcap " ] || fail "a file appeared outside pcap_dir"
as "$T/memifctl" "${S[@]}" create f0 socket "$T/f.sock" pcap-file read "$T/pcaps/in.pcap" write "$T/pcaps/w.pcap" >/dev/null ||
	fail "pcap-file under pcap_dir refused"
as "$T/memifctl" "${S[@]}" delete f0 || fail "delete"
[ "$(stat -c '%U %a' "$T/pcaps/ok.pcap" "$T/pcaps/w.pcap" | sort -u)" = "$U 640" ] ||
	fail "files made for $U: $(stat -c '%n %U %a' "$T/pcaps/ok.pcap" "$T/pcaps/w.pcap")"
r=$(mgmt d '{"command":"capture","args":{"action":"start","name":"p0","file":"'"$T/out/root2.pcap"'"}}')
[[ $r == *'"ok":true'* ]] || fail "root outside pcap_dir: $r"
mgmt d '{"command":"capture","args":{"action":"stop","name":"p0"}}' >/dev/null

log "the open itself keeps to pcap_dir (openat2 RESOLVE_BENEATH), not a check before it"
# names that are under pcap_dir as written, each leading out when opened
ln -s ../out "$T/pcaps/rel"		# a relative link as a directory component
expect_eperm "file: $T/pcaps/rel/x.pcap is not under $T/pcaps (control.pcap_dir) once resolved" \
	"${S[@]}" capture start p0 "$T/pcaps/rel/x.pcap"
ln -s "$T/out/victim.pcap" "$T/pcaps/lw.pcap"	# a dangling link as the file
expect_eperm "host.write: $T/pcaps/lw.pcap is not under" \
	"${S[@]}" create f1 socket "$T/f1.sock" pcap-file write "$T/pcaps/lw.pcap"
cp "$T/out/in.pcap" "$T/out/keep.pcap"
ln "$T/out/keep.pcap" "$T/pcaps/hl.pcap"	# a hard link to a file outside, not the user's
expect_eperm "host.write: $T/pcaps/hl.pcap is not under" \
	"${S[@]}" create f1 socket "$T/f1.sock" pcap-file write "$T/pcaps/hl.pcap"
cmp -s "$T/out/keep.pcap" "$T/out/in.pcap" || fail "written through a hard link"
rm "$T/pcaps/hl.pcap"

log "the race: a directory under pcap_dir swapped with a link out of it, while the user names files in it"
mkdir "$T/pcaps/sw" && chown "$U" "$T/pcaps/sw"
ln -s "$T/out" "$T/pcaps/swl"
rm -f "$T/race.stop" "$T/race.on"
python3 - "$T/pcaps/sw" "$T/pcaps/swl" "$T/race.stop" "$T/race.on" <<'EOP' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b = (p.encode() for p in sys.argv[1:3])
open(sys.argv[4], "w").close()
while not os.path.exists(sys.argv[3]):
    for _ in range(200):  # AT_FDCWD, RENAME_EXCHANGE
        libc.renameat2(-100, a, -100, b, 2)
EOP
racer=$!
track $racer
wait_for 5 test -e "$T/race.on" || fail "the racer did not start"
reqs=()
for i in $(seq 300); do
	reqs+=('{"command":"capture","args":{"action":"start","name":"p0","file":"'"$T/pcaps/sw/r$i.pcap"'"}}'
	       '{"command":"capture","args":{"action":"stop","name":"p0"}}')
done
as $PY "$T/mgmt.py" "$T/d.ctl" "${reqs[@]}" >"$T/race.out" || fail "race requests"
touch "$T/race.stop"
wait $racer
eperm=$(grep -c '"code":"EPERM"' "$T/race.out")
made=$(find "$T/pcaps" -name 'r[0-9]*.pcap' | wc -l)
echo "  300 starts: $eperm refused (EPERM), $made files made beneath pcap_dir"
[ "$(find "$T/out" -name 'r[0-9]*.pcap' | wc -l)" = 0 ] || fail "the race wrote outside pcap_dir"
[ "$eperm" -gt 0 ] && [ "$made" -gt 0 ] || fail "the race was not run: $eperm refused, $made made"
[ $((eperm + made)) = 300 ] || fail "starts neither refused nor made: $(grep -v '"ok":true' "$T/race.out" | grep -v EPERM | head -3)"
ls "$T/out"
[ "$(ls "$T/out" | sort | tr '\n' ' ')" = "in.pcap keep.pcap root.pcap root2.pcap " ] ||
	fail "a file appeared outside pcap_dir"
finish
log "pass"
