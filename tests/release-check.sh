#!/bin/bash
# tests/release-check.sh [--keep] [ROOT]: the release check.
#
# Builds a fresh Debian 12 (bookworm) root with debootstrap, copies the
# committed tree into it (git archive HEAD), mounts /dev, /proc, /sys (and a
# tmpfs on /run), and runs the README's two commands inside the chroot as
# root, as a user of a fresh machine would:
#   1. `make run` in the background: memifd must start and create the TAP
#      memif0 (within 20 minutes: the first run installs the packages and
#      builds); then SIGINT, as Ctrl-C, must stop it with exit 0 and remove
#      the TAP;
#   2. `make test` to completion: exit 0 and the summary line.
# Every mount is undone at exit and the root removed (kept with --keep or
# when ROOT is given).  Needs root, network access to the Debian mirror that
# apt uses here, ~2 GB of disk and 10-30 minutes.  Not part of `make test`.
#
# The only thing installed by hand in the chroot is `make` (and what apt
# needs): a fresh machine needs git to clone and make to start; everything
# else must come from the two commands.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
keep=0
[ "${1:-}" = --keep ] && { keep=1; shift; }
ROOT=${1:-}
[ -n "$ROOT" ] && keep=1
SUITE=bookworm
LOGDIR=${LOGDIR:-$TOP/build/release-check}

say() { echo "release-check: $*"; }
die() { echo "release-check: FAIL: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot, mounts)"
[ -c /dev/net/tun ] || die "needs /dev/net/tun"

# The mirror apt uses here (deb822 "URIs:" or one-line "deb URI"), else
# Debian's default; $MIRROR overrides.
mirror() {
	local f u
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		u=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) print $i }
			 /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; break } }' "$f" |
			grep -E '/debian/?$' | head -n 1)
		[ -n "$u" ] && { echo "${u%/}"; return; }
	done
	echo http://deb.debian.org/debian
}
MIRROR=${MIRROR:-$(mirror)}

if ! command -v debootstrap >/dev/null; then
	say "installing debootstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; } ||
		die "cannot install debootstrap"
fi

mkdir -p "$LOGDIR"
[ -n "$ROOT" ] || ROOT=$(mktemp -d /var/tmp/memifd-release.XXXXXX)
ROOT=$(cd "$ROOT" && pwd) || die "no directory $ROOT"
chmod 0755 "$ROOT" # it becomes /: mktemp made it 0700, closed to other users
MOUNTS=()
RUN_PID=

cleanup() {
	local i
	[ -n "$RUN_PID" ] && kill -KILL -- "-$RUN_PID" 2>/dev/null
	# processes the tests may have left inside the chroot
	for i in /proc/[0-9]*; do
		[ "$(readlink "$i/root" 2>/dev/null)" = "$ROOT" ] && kill -KILL "${i#/proc/}" 2>/dev/null
	done
	sleep 0.5
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
		umount -R "${MOUNTS[i]}" 2>/dev/null || umount -R -l "${MOUNTS[i]}"
	done
	if grep -q " $ROOT/" /proc/self/mounts; then
		echo "release-check: mounts left under $ROOT, not removing it" >&2
	elif [ $keep = 0 ]; then
		rm -rf --one-file-system "$ROOT"
	else
		say "root kept in $ROOT"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bind DIR / mount a file system at $ROOT/DIR, undone by the cleanup
mnt() { # TARGET ARGS...
	local t="$ROOT$1"; shift
	mkdir -p "$t"
	mount "$@" "$t" || die "mount $* $t"
	MOUNTS+=("$t")
}

if [ ! -x "$ROOT/usr/bin/apt-get" ]; then
	say "debootstrap $SUITE from $MIRROR into $ROOT (log: $LOGDIR/debootstrap.log)"
	debootstrap "$SUITE" "$ROOT" "$MIRROR" >"$LOGDIR/debootstrap.log" 2>&1 ||
		{ tail -n 20 "$LOGDIR/debootstrap.log"; die "debootstrap"; }
fi

# The root a bind mount of itself, so that / is a mount point in the chroot
# (`ip netns exec` remounts / as a slave in its own mount namespace).
mnt / --bind "$ROOT"
mount --make-private "$ROOT"
mnt /proc -t proc proc
mnt /sys --rbind /sys
mount --make-rslave "$ROOT/sys"
mnt /dev --rbind /dev
mount --make-rslave "$ROOT/dev"
mnt /run -t tmpfs -o mode=0755 tmpfs
cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null
# shared/ beside the tree, as CI has it (the VPP the vpp_* tests run)
if [ -d "$TOP/../shared" ]; then
	mnt /root/shared --bind "$(cd "$TOP/../shared" && pwd)"
	mount -o remount,bind,ro "$ROOT/root/shared" || die "remount shared/ read-only"
fi

say "copying the tree (git archive HEAD: $(git -C "$TOP" log -1 --format='%h %s'))"
rm -rf "$ROOT/root/memifd"
mkdir -p "$ROOT/root/memifd"
git -C "$TOP" archive HEAD | tar -x -C "$ROOT/root/memifd" || die "git archive"

in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

say "installing make (the one prerequisite of the README)"
in_root sh -c 'command -v make >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make; }' \
	>"$LOGDIR/make-install.log" 2>&1 || { cat "$LOGDIR/make-install.log"; die "apt-get install make"; }

# ---- 1. make run -----------------------------------------------------------
# run_make_run N: `make run` in its own process group until memifd has
# started and created memif0, then SIGINT to the group (Ctrl-C); memifd must
# stop cleanly and the TAP must be gone.  Log: $LOGDIR/run-N.log.
run_make_run() {
	local log="$LOGDIR/run-$1.log" start rc
	setsid chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		sh -c 'cd /root/memifd && exec make run' >"$log" 2>&1 </dev/null &
	RUN_PID=$!
	start=$SECONDS
	until ip link show memif0 >/dev/null 2>&1 && grep -q "started" "$log"; do
		kill -0 "$RUN_PID" 2>/dev/null || { cat "$log"; die "make run ended before memifd started"; }
		((SECONDS - start < 1200)) || { tail -n 30 "$log"; die "memifd did not start within 20 minutes"; }
		sleep 1
	done
	say "memifd runs after $((SECONDS - start)) s, TAP memif0 exists; sending SIGINT (Ctrl-C)"
	sleep 1
	kill -INT -- "-$RUN_PID"
	for _ in $(seq 100); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$RUN_PID" 2>/dev/null && { cat "$log"; die "make run did not stop on SIGINT"; }
	wait "$RUN_PID"
	rc=$?
	RUN_PID=
	cat "$log"
	grep -q "memifd stopped" "$log" || die "memifd did not log a clean stop"
	ip link show memif0 >/dev/null 2>&1 && die "TAP memif0 still exists after Ctrl-C"
	# make dies of the SIGINT it received too (130); memifd exited 0
	[ $rc = 0 ] || [ $rc = 130 ] || die "make run exited $rc"
}

ip link show memif0 >/dev/null 2>&1 && die "a TAP memif0 already exists on this host (is memifd running?)"
say "1/2: make run (log: $LOGDIR/run-1.log)"
run_make_run 1
say "make run again: idempotent, and quiet but for memifd's log"
run_make_run 2
! grep -v '^memifd: \(debug\|info\|notice\|warning\): ' "$LOGDIR/run-2.log" ||
	die "a second make run printed more than memifd's log"
say "make run: OK"

# ---- 2. make test ----------------------------------------------------------
say "2/2: make test (log: $LOGDIR/test.log)"
in_root sh -c 'cd /root/memifd && make test' </dev/null 2>&1 | tee "$LOGDIR/test.log"
rc=${PIPESTATUS[0]}
summary=$(grep -E '^tests: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$LOGDIR/test.log" | tail -n 1)
[ -n "$summary" ] || die "make test printed no summary line"
[ "$rc" = 0 ] || die "make test exited $rc ($summary)"
# quiet: the packages were installed by make run, so only test lines remain
! grep -Ev '^  (PASS|SKIP) |^tests: ' "$LOGDIR/test.log" ||
	die "make test printed more than the test lines and the summary"
say "make test: OK ($summary)"
say "PASS"
