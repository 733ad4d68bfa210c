#!/bin/bash
# make install DESTDIR=<tmp>: every file where it belongs with its mode, the
# libmemif.so and libmemif4.so symlinks, pc files that name the prefix and
# relocate with PKG_CONFIG_SYSROOT_DIR; a libmemif 3.1 application
# (install_loopback.c) built with `pkg-config --cflags --libs libmemif` and
# a 4.x one (install_loopback4.c) built with `pkg-config --cflags --libs
# libmemif4` against the staged tree link (to libmemif.so.3 and
# libmemif.so.4) and run a loopback exchange, dynamically and statically;
# a second install keeps an edited configuration; make uninstall removes
# what install put there (and keeps the edited configuration).
. "$(dirname "$0")/lib.sh"
command -v pkg-config >/dev/null || skip "needs pkg-config"
command -v cc >/dev/null || skip "needs a C compiler"
[ -x "$TOP/build/memifd" ] || skip "not built"

D="$T/stage"
P=/usr/local
mk() { make -s -C "$TOP" "$@" >"$T/make.log" 2>&1 || { cat "$T/make.log"; fail "make $*"; }; }

log "make install DESTDIR=$D"
mk install DESTDIR="$D"
# expect MODE PATH: a regular file with that mode
expect() {
	[ -f "$D$2" ] && [ ! -L "$D$2" ] || fail "missing: $2"
	[ "$(stat -c %a "$D$2")" = "$1" ] || fail "$2: mode $(stat -c %a "$D$2"), not $1"
}
expect 755 $P/sbin/memifd
expect 755 $P/bin/memifctl
expect 755 $P/lib/libmemif.so.3
expect 644 $P/lib/libmemif.a
expect 644 $P/include/libmemif.h
expect 644 $P/lib/pkgconfig/libmemif.pc
expect 755 $P/lib/libmemif.so.4
expect 644 $P/lib/libmemif4.a
expect 644 $P/include/libmemif4/libmemif.h
expect 644 $P/lib/pkgconfig/libmemif4.pc
expect 644 $P/share/man/man8/memifd.8
expect 644 $P/share/man/man8/memifctl.8
expect 644 $P/share/man/man5/memifd.conf.5
expect 644 $P/lib/systemd/system/memifd.service
expect 644 $P/share/bash-completion/completions/memifctl
expect 644 /etc/memifd/memifd.conf
X=/usr/lib/$(cc -print-multiarch)/wireshark/extcap/memifd
expect 755 "$X"
grep -qx "exec $P/bin/memifctl \"\$@\"" "$D$X" || { cat "$D$X"; fail "extcap entry does not run $P/bin/memifctl"; }
[ "$(readlink "$D$P/lib/libmemif.so")" = libmemif.so.3 ] || fail "libmemif.so is not a symlink to libmemif.so.3"
[ "$(readlink "$D$P/lib/libmemif4.so")" = libmemif.so.4 ] || fail "libmemif4.so is not a symlink to libmemif.so.4"
cmp -s "$TOP/build/memifd" "$D$P/sbin/memifd" || fail "memifd differs from the build"
cmp -s "$TOP/conf/memifd.conf" "$D/etc/memifd/memifd.conf" || fail "default configuration differs"
cmp -s "$TOP/libcore/include/libmemif.h" "$D$P/include/libmemif.h" || fail "header differs"
cmp -s "$TOP/libcore/include4/libmemif.h" "$D$P/include/libmemif4/libmemif.h" || fail "4.x header differs"
objdump -p "$D$P/lib/libmemif.so.3" | grep -q 'SONAME *libmemif.so.3' || fail "soname"
objdump -p "$D$P/lib/libmemif.so.4" | grep -q 'SONAME *libmemif.so.4' || fail "soname 4"
objdump -T "$D$P/lib/libmemif.so.3" | grep -q 'LIBMEMIF_3.1 *memif_init$' || fail "3.1 symbols not versioned"
objdump -T "$D$P/lib/libmemif.so.4" | grep -q 'LIBMEMIF_4.0 *memif_set_listener_fd$' || fail "4.x symbols not versioned"
n=$(find "$D" ! -type d | wc -l)
[ "$n" = 19 ] || { find "$D" ! -type d; fail "$n files installed, expected 19"; }
"$D$P/sbin/memifd" --check-config -c "$D/etc/memifd/memifd.conf" || fail "installed config does not validate"

log "pc file"
cat "$D$P/lib/pkgconfig/libmemif.pc"
grep -qx "prefix=$P" "$D$P/lib/pkgconfig/libmemif.pc" || fail "pc prefix"
grep -qx 'libdir=${prefix}/lib' "$D$P/lib/pkgconfig/libmemif.pc" || fail "pc libdir"
grep -qx 'includedir=${prefix}/include' "$D$P/lib/pkgconfig/libmemif.pc" || fail "pc includedir"
export PKG_CONFIG_PATH="$D$P/lib/pkgconfig" PKG_CONFIG_LIBDIR="$D$P/lib/pkgconfig"
[ "$(pkg-config --modversion libmemif)" = 3.1 ] || fail "pc version"
flags=$(PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags --libs libmemif) || fail "pkg-config"
echo "flags: $flags"
[[ $flags == *"-I$D$P/include"* && $flags == *"-L$D$P/lib"* && $flags == *-lmemif* ]] ||
	fail "flags do not point into the staged tree: $flags"
flags2=$(pkg-config --define-variable=prefix="$D$P" --cflags --libs libmemif)
[ "$flags2" = "$flags" ] || fail "--define-variable=prefix gives $flags2"

log "a libmemif application built against the staged tree"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror -o "$T/loopback" "$TOP/tests/integration/install_loopback.c" $flags ||
	fail "build against the staged tree"
LD_LIBRARY_PATH="$D$P/lib" ldd "$T/loopback" | grep -q "libmemif.so.3 => $D$P/lib/libmemif.so.3" ||
	fail "not linked with the staged libmemif.so.3"
LD_LIBRARY_PATH="$D$P/lib" timeout 30 "$T/loopback" "$T/loop.sock" || fail "loopback exchange"
log "and statically"
# shellcheck disable=SC2086
cc -std=c11 -o "$T/loopback-static" "$TOP/tests/integration/install_loopback.c" \
	$(PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags libmemif) "$D$P/lib/libmemif.a" -lpthread ||
	fail "static build"
timeout 30 "$T/loopback-static" "$T/loop2.sock" || fail "static loopback exchange"

log "pc file of the 4.x API"
cat "$D$P/lib/pkgconfig/libmemif4.pc"
[ "$(pkg-config --modversion libmemif4)" = 4.0 ] || fail "pc version 4"
flags4=$(PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags --libs libmemif4) || fail "pkg-config libmemif4"
echo "flags: $flags4"
[[ $flags4 == *"-I$D$P/include/libmemif4"* && $flags4 == *"-L$D$P/lib"* && $flags4 == *-lmemif4* ]] ||
	fail "4.x flags do not point into the staged tree: $flags4"

log "a libmemif 4.x application built against the staged tree"
# shellcheck disable=SC2086
cc -std=c11 -Wall -Wextra -Werror -o "$T/loopback4" "$TOP/tests/integration/install_loopback4.c" $flags4 ||
	fail "4.x build against the staged tree"
LD_LIBRARY_PATH="$D$P/lib" ldd "$T/loopback4" | grep -q "libmemif.so.4 => $D$P/lib/libmemif.so.4" ||
	fail "not linked with the staged libmemif.so.4"
LD_LIBRARY_PATH="$D$P/lib" ldd "$T/loopback4" | grep -q "libmemif.so.3" && fail "the 4.x program also links libmemif.so.3"
LD_LIBRARY_PATH="$D$P/lib" timeout 30 "$T/loopback4" "$T/loop4.sock" || fail "4.x loopback exchange"
log "and statically"
# shellcheck disable=SC2086
cc -std=c11 -o "$T/loopback4-static" "$TOP/tests/integration/install_loopback4.c" \
	$(PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags libmemif4) "$D$P/lib/libmemif4.a" -lpthread ||
	fail "4.x static build"
timeout 30 "$T/loopback4-static" "$T/loop5.sock" || fail "4.x static loopback exchange"
log "each program needs its own API: the 4.x one does not build with the 3.1 flags"
# shellcheck disable=SC2086
cc -std=c11 -o "$T/wrong" "$TOP/tests/integration/install_loopback4.c" $flags 2>/dev/null &&
	fail "the 4.x program built against the 3.1 header"

log "second install over an edited configuration"
echo '{ "bridges": [] }' >"$D/etc/memifd/memifd.conf"
mk install DESTDIR="$D"
grep -q "KEEP .*memifd.conf" "$T/make.log" || fail "install did not say it kept the configuration"
[ "$(cat "$D/etc/memifd/memifd.conf")" = '{ "bridges": [] }' ] || fail "install overwrote the configuration"

log "make uninstall DESTDIR=$D"
mk uninstall DESTDIR="$D"
left=$(find "$D" ! -type d)
[ "$left" = "$D/etc/memifd/memifd.conf" ] || { echo "$left"; fail "uninstall left files (or removed the edited configuration)"; }
log "uninstall removes an unchanged default configuration"
mk install DESTDIR="$D"
cp "$TOP/conf/memifd.conf" "$D/etc/memifd/memifd.conf"
mk uninstall DESTDIR="$D"
left=$(find "$D" ! -type d)
[ -z "$left" ] || { echo "$left"; fail "uninstall left files"; }
echo PASS
