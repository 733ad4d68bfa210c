#!/bin/bash
# systemd/memifd.service passes `systemd-analyze verify` as `make install`
# writes it: installed with PREFIX and sysconfdir pointing into a temporary
# tree, so that ExecStart= names a real memifd and `man memifd(8)` etc. (the
# Documentation= lines) resolve to the installed pages.  The paths in the
# unit follow PREFIX and sysconfdir, and its hardening keeps what memifd
# needs.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed (package systemd)"
command -v man >/dev/null || skip "needs man (package man-db)"
[ -x "$TOP/build/memifd" ] || skip "not built"

make -s -C "$TOP" install PREFIX="$T/usr" sysconfdir="$T/etc" >"$T/make.log" 2>&1 ||
	{ cat "$T/make.log"; fail "make install PREFIX=$T/usr"; }
U="$T/usr/lib/systemd/system/memifd.service"
[ -f "$U" ] || fail "unit not installed in PREFIX/lib/systemd/system"
grep -qx "ExecStart=$T/usr/sbin/memifd -c $T/etc/memifd/memifd.conf" "$U" || fail "ExecStart does not follow PREFIX/sysconfdir"
grep -qx "ExecStartPre=$T/usr/sbin/memifd --check-config -c $T/etc/memifd/memifd.conf" "$U" || fail "ExecStartPre"
# Only the paths differ from the source.
diff <(sed "s|$T/usr/sbin|/usr/local/sbin|; s|$T/etc|/etc|" "$U") "$TOP/systemd/memifd.service" ||
	fail "the installed unit differs in more than its paths"

log "systemd-analyze verify"
MANPATH="$T/usr/share/man" systemd-analyze verify "$U" >"$T/verify.log" 2>&1
rc=$?
cat "$T/verify.log"
[ $rc = 0 ] && [ ! -s "$T/verify.log" ] || fail "systemd-analyze verify: exit $rc"

log "what memifd needs"
want() { grep -qx "$1" "$U" || fail "unit lacks: $1"; }
want Type=notify
want 'ExecReload=/bin/kill -HUP $MAINPID'
want RuntimeDirectory=memifd
want Restart=on-failure
want NoNewPrivileges=yes
want ProtectSystem=strict
want ProtectHome=yes
want PrivateTmp=yes
want 'DeviceAllow=/dev/net/tun rw'
grep -q '^CapabilityBoundingSet=.*CAP_NET_ADMIN' "$U" || fail "CAP_NET_ADMIN (TUNSETIFF)"
grep -q '^CapabilityBoundingSet=.*CAP_NET_RAW' "$U" || fail "CAP_NET_RAW"
# port_tap.c configures a TAP through an AF_INET datagram socket
if grep -q 'socket(AF_INET' "$TOP"/daemon/*.c; then
	grep -q '^RestrictAddressFamilies=.*AF_INET\b' "$U" || fail "memifd opens AF_INET sockets"
fi
for af in AF_UNIX AF_NETLINK AF_PACKET; do
	grep -q "^RestrictAddressFamilies=.*$af" "$U" || fail "RestrictAddressFamilies lacks $af"
done
systemd-analyze security --offline=yes "$U" 2>/dev/null | tail -n 1

# The filters must let memifd work: run it under strace through a start, a
# link coming up (master and slave bridges of one socket, TAPs configured),
# a reload and a stop; every system call must be in the unit's
# SystemCallFilter and every socket family in RestrictAddressFamilies.
[ "$(id -u)" = 0 ] && [ -c /dev/net/tun ] || { echo "PASS (syscall check skipped: needs root)"; exit 0; }
command -v strace >/dev/null || { echo "PASS (syscall check skipped: no strace)"; exit 0; }
log "system calls and socket families of a running memifd"
filter=$(sed -n 's/^SystemCallFilter=//p' "$U")
families=$(sed -n 's/^RestrictAddressFamilies=//p' "$U")
# expand GROUP: the system calls of a filter group, recursively
expand() {
	systemd-analyze syscall-filter "$1" | sed 1,2d | awk '$1 !~ /^#/ && NF { print $1 }' |
		while read -r x; do case $x in @*) expand "$x" ;; *) echo "$x" ;; esac; done
}
for g in $filter; do expand "$g"; done | sort -u >"$T/allowed"
[ -s "$T/allowed" ] || fail "cannot expand $filter"
br() { # NAME ROLE
	printf '{ "name": "%s", "memif": { "role": "%s", "socket": "%s", "id": 0 }, ' "$1" "$2" "$T/m.sock"
	printf '"host": { "name": "mdu%s%s", "mtu": 1400, "mac": "02:fe:00:00:00:0%s" } }' "$1" "$TAG" "${#1}"
}
write_conf "$T/s.conf" "$(br a master), $(br bb slave)"
printf '#!/bin/sh\nexec strace -f -qq -o %s %s "$@"\n' "$T/strace.out" "$MEMIFD" >"$T/memifd-strace"
chmod +x "$T/memifd-strace"
MEMIFD="$T/memifd-strace" start_memifd s "$T/s.conf"
pid=$(pgrep -P "$MEMIFD_PID" -x memifd) || fail "no memifd under strace"
wait_for 10 link_up s a || { cat "$T/s.log"; fail "link did not come up under strace"; }
mgmt s show >/dev/null
kill -HUP "$pid"
wait_for 5 grep -q "SIGHUP" "$T/s.log" || fail "no reload"
kill -TERM "$pid"
gone() { ! kill -0 "$1" 2>/dev/null; }
wait_for 10 gone "$MEMIFD_PID" || fail "memifd under strace did not stop"
wait "$MEMIFD_PID" || { cat "$T/s.log"; fail "memifd under strace exited $?"; }
grep -q "stopped" "$T/s.log" || fail "memifd did not stop cleanly"
sed -n 's/^[0-9]\+ \+\([a-z0-9_]\+\)(.*/\1/p' "$T/strace.out" | sort -u >"$T/used"
n=$(wc -l <"$T/used")
echo "$n distinct system calls"
[ "$n" -ge 20 ] || { head "$T/strace.out"; fail "strace recorded too little"; }
bad=$(comm -23 "$T/used" "$T/allowed" | grep -vx 'execve\|exit_group\|arch_prctl' | tr '\n' ' ')
[ -z "$bad" ] || fail "system calls outside $filter: $bad"
for af in $(grep -o 'socket(AF_[A-Z0-9]*' "$T/strace.out" | sed 's/socket(//' | sort -u); do
	[[ " $families " == *" $af "* ]] || fail "memifd opened an $af socket, not in RestrictAddressFamilies"
done
echo PASS
