#!/bin/bash
# make install DESTDIR=<tmp>: every file where it belongs with its mode, the
# libmemif.so symlink, a pc file that names the prefix and relocates with
# PKG_CONFIG_SYSROOT_DIR; a libmemif application (install_loopback.c) built
# with `pkg-config --cflags --libs libmemif` against the staged tree links
# and runs a loopback exchange; a second install keeps an edited
# configuration; make uninstall removes what install put there (and keeps the
# edited configuration).
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
expect 644 $P/share/man/man8/memifd.8
expect 644 $P/share/man/man8/memifctl.8
expect 644 $P/share/man/man5/memifd.conf.5
expect 644 $P/lib/systemd/system/memifd.service
expect 644 $P/share/bash-completion/completions/memifctl
expect 644 /etc/memifd/memifd.conf
[ "$(readlink "$D$P/lib/libmemif.so")" = libmemif.so.3 ] || fail "libmemif.so is not a symlink to libmemif.so.3"
cmp -s "$TOP/build/memifd" "$D$P/sbin/memifd" || fail "memifd differs from the build"
cmp -s "$TOP/conf/memifd.conf" "$D/etc/memifd/memifd.conf" || fail "default configuration differs"
cmp -s "$TOP/libcore/include/libmemif.h" "$D$P/include/libmemif.h" || fail "header differs"
objdump -p "$D$P/lib/libmemif.so.3" | grep -q 'SONAME *libmemif.so.3' || fail "soname"
n=$(find "$D" ! -type d | wc -l)
[ "$n" = 13 ] || { find "$D" ! -type d; fail "$n files installed, expected 13"; }
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
