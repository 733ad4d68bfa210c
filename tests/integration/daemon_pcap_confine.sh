#!/bin/bash
# Files memifd opens for its clients (capture start FILE, create pcap-file
# read/write) are confined: root clients may name any path; another member
# of the control group (an unprivileged user this test creates) gets EPERM
# with a clear message unless control.pcap_dir is set, and then only under
# it (resolved: no "..", no symbolic link out of it).  The streamed capture
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
r=$(mgmt d '{"command":"capture","args":{"action":"start","name":"p0","file":"'"$T/out/root2.pcap"'"}}')
[[ $r == *'"ok":true'* ]] || fail "root outside pcap_dir: $r"
finish
log "pass"
