#!/bin/bash
# memifd's command line: --help, --version, bad usage (exit 2), and
# --check-config: exit 0 on the shipped configurations, exit 1 with every
# problem listed as FILE:LINE:COLUMN: KEY: message.
. "$(dirname "$0")/lib.sh"
[ -x "$MEMIFD" ] || skip "$MEMIFD not built"

"$MEMIFD" --help | grep -q -- "--check-config" || fail "--help"
"$MEMIFD" --version | grep -q "^memifd 0.1.0" || fail "--version"
"$MEMIFD" --bogus 2>/dev/null; [ $? = 2 ] || fail "unknown option: exit 2"
"$MEMIFD" -l loud --check-config 2>/dev/null; [ $? = 2 ] || fail "bad level: exit 2"
"$MEMIFD" extra 2>/dev/null; [ $? = 2 ] || fail "extra argument: exit 2"

for c in "$TOP/conf/memifd.conf" "$TOP/conf/example.conf"; do
	"$MEMIFD" --check-config -c "$c" | grep -q "OK" || fail "$c rejected"
done

cat >"$T/bad.conf" <<'EOC'
{
  "log_level": "chatty",
  "bridges": [
    { "name": "a", "memif": { "id": -1, "colour": "red" } },
    { "name": "a", "host": { "mtu": 9 } }
  ]
}
EOC
"$MEMIFD" --check-config -c "$T/bad.conf" >"$T/out" 2>&1; rc=$?
cat "$T/out"
[ $rc = 1 ] || fail "exit $rc, expected 1"
grep -q "bad.conf:2:16: log_level: must be one of" "$T/out" || fail "log_level"
grep -q "bad.conf:4:37: bridges\[0\].memif.id: must be an integer" "$T/out" || fail "id"
grep -q "bad.conf:4:41: bridges\[0\].memif.colour: unknown key" "$T/out" || fail "colour"
grep -q "bad.conf:5:37: bridges\[1\].host.mtu:" "$T/out" || fail "mtu"
grep -q "bridges\[1\].name: duplicate bridge name a" "$T/out" || fail "duplicate"
grep -q "7 problems in" "$T/out" || fail "count"

"$MEMIFD" --check-config -c "$T/missing.conf" 2>"$T/out"; [ $? = 1 ] || fail "missing file"
grep -q "No such file" "$T/out" || fail "missing file message"
printf '{ "bridges": [ }' >"$T/syntax.conf"
"$MEMIFD" --check-config -c "$T/syntax.conf" 2>"$T/out"; [ $? = 1 ] || fail "syntax"
grep -q "syntax.conf:1:" "$T/out" || fail "syntax position"
log "pass"
