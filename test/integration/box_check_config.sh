#!/usr/bin/env bash
# Every box takes -c FILE and --check-config: a file with three mistakes prints
# all three with their line numbers and exits non-zero; a good file exits 0 and
# prints nothing; a box started on a bad file refuses to start.
. "$top_srcdir/test/integration/lib.sh"

bb=$top_builddir/bearerbox/bearerbox
cat >"$T_DIR/bad.conf" <<'CONF'
group = core
redis-url = "redis://127.0.0.1:6379/0"
log-level = loud

group = smsc
smsc-id = op1
type = smpp
host = 127.0.0.1
port = 99999
system-id = hermod

group = route
prefix = 44
smsc-id = op2
CONF
rc=0
"$bb" --check-config -c "$T_DIR/bad.conf" >"$T_DIR/out.txt" 2>&1 || rc=$?
cat "$T_DIR/out.txt"
[ "$rc" -ne 0 ] || t_fail "--check-config accepted a bad file"
grep -q 'bad.conf:3: .*log-level' "$T_DIR/out.txt" || t_fail "no error for line 3 (log-level)"
grep -q 'bad.conf:9: .*port' "$T_DIR/out.txt" || t_fail "no error for line 9 (port)"
grep -q 'bad.conf:14: .*op2' "$T_DIR/out.txt" || t_fail "no error for line 14 (unknown smsc-id)"
[ "$(wc -l <"$T_DIR/out.txt")" -eq 3 ] || t_fail "expected exactly three errors"
t_ok "bearerbox --check-config reports all three mistakes with their lines"

for box in smsbox modembox; do
	rc=0
	"$top_builddir/$box/$box" --check-config -c "$T_DIR/bad.conf" >"$T_DIR/$box.txt" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || t_fail "$box --check-config accepted a bad file"
	cmp -s "$T_DIR/out.txt" "$T_DIR/$box.txt" ||
		t_fail "$box --check-config differs from bearerbox's: $(cat "$T_DIR/$box.txt")"
	t_ok "$box --check-config reports the same three mistakes"
done

for box in bearerbox smsbox modembox; do
	rc=0
	"$top_builddir/$box/$box" -c "$T_DIR/bad.conf" >"$T_DIR/start.txt" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] || t_fail "$box started on a bad file"
	grep -q 'bad.conf:9:' "$T_DIR/start.txt" || t_fail "$box did not say why it refused to start"
	t_ok "$box refuses to start on a bad file"
done

cat >"$T_DIR/good.conf" <<'CONF'
group = core
redis-url = "redis://127.0.0.1:6379/0"

group = smsc
smsc-id = op1
type = smpp
host = 127.0.0.1
port = 2775
system-id = hermod

group = route
prefix = 44
smsc-id = op1
CONF
for box in bearerbox smsbox modembox; do
	out=$("$top_builddir/$box/$box" --check-config -c "$T_DIR/good.conf" 2>&1) ||
		t_fail "$box --check-config rejected a good file: $out"
	[ -z "$out" ] || t_fail "$box --check-config printed something for a good file: $out"
	t_ok "$box --check-config accepts a good file silently"
done

for box in bearerbox smsbox modembox; do
	rc=0
	"$top_builddir/$box/$box" --check-config >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 2 ] || t_fail "$box: no -c FILE should exit 2, got $rc"
	"$top_builddir/$box/$box" --version | grep -q "^$box " || t_fail "$box --version"
done
t_ok "usage errors and --version"
