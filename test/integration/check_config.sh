#!/bin/bash
# --check-config: a valid file passes silently; a file with three mistakes
# prints all three with their line numbers and fails; a mistake in an included
# file is reported with that file's name and line; cycles and missing files
# are reported. Runs test/integration/conf_check (the helper every box calls)
# and, when it has been built, `bearerbox --check-config -c FILE`. Also checks
# that doc/config.md documents every key the schema declares.
. "$top_srcdir/test/integration/lib.sh"

DATA="$top_srcdir/test/integration/conf"
CHECK="$top_builddir/test/integration/conf_check"
[ -x "$CHECK" ] || t_fail "$CHECK not built"

checkers=("$CHECK")
[ -x "$top_builddir/bearerbox/bearerbox" ] && checkers+=("$top_builddir/bearerbox/bearerbox --check-config")

# run_check CHECKER FILE: sets OUT and RC.
run_check() {
	local rc=0
	OUT=$($1 -c "$2" 2>&1) || rc=$?
	RC=$rc
	echo "$OUT" >>"$T_DIR/check.log"
}

expect_line() {
	grep -qF -- "$1" <<<"$OUT" || t_fail "$2: expected '$1' in output:
$OUT"
}

for chk in "${checkers[@]}"; do
	name=$(basename "${chk%% *}")

	run_check "$chk" "$DATA/good.conf"
	[ "$RC" -eq 0 ] || t_fail "$name: good.conf rejected (rc=$RC):
$OUT"
	! grep -qE ':[0-9]+: ' <<<"$OUT" || t_fail "$name: good.conf printed errors: $OUT"
	t_ok "$name: good.conf passes"

	run_check "$chk" "$DATA/three-errors.conf"
	[ "$RC" -ne 0 ] || t_fail "$name: three-errors.conf accepted"
	expect_line "three-errors.conf:2: bad value for 'log-level': 'loud' is not one of: error, warn, info, debug" "$name"
	expect_line "three-errors.conf:7: unknown key 'prot' in group 'smsc' (did you mean 'port'?)" "$name"
	expect_line "three-errors.conf:13: smsc-id 'op2' is not the smsc-id of any smsc group" "$name"
	n=$(grep -cE 'three-errors\.conf:[0-9]+: ' <<<"$OUT")
	[ "$n" -eq 3 ] || t_fail "$name: expected 3 errors, got $n: $OUT"
	t_ok "$name: three mistakes, three errors with line numbers"

	run_check "$chk" "$DATA/include-error.conf"
	[ "$RC" -ne 0 ] || t_fail "$name: include-error.conf accepted"
	expect_line "include/bad.conf:5: 'dlr-retries' outside a group" "$name"
	t_ok "$name: error in an included file names that file and line"

	run_check "$chk" "$DATA/cycle.conf"
	[ "$RC" -ne 0 ] || t_fail "$name: cycle.conf accepted"
	expect_line "include/cycle.conf:1: include '../cycle.conf': include cycle" "$name"
	t_ok "$name: include cycle detected"

	run_check "$chk" "$T_DIR/missing.conf"
	[ "$RC" -ne 0 ] || t_fail "$name: missing file accepted"
	expect_line "missing.conf: cannot open: No such file or directory" "$name"
	t_ok "$name: missing file reported"
done

# Errors in many places at once: CRLF file, with a relative include, all found.
printf 'group = core\r\nlog-level = debug\r\n\r\ninclude = sub.conf\r\n\r\ngroup = smsbox\r\nport = 99999\r\n' >"$T_DIR/crlf.conf"
printf 'group = smsc\nsmsc-id = a\ntype = modem\n' >"$T_DIR/sub.conf"
run_check "$CHECK" "$T_DIR/crlf.conf"
[ "$RC" -ne 0 ] || t_fail "crlf.conf accepted"
expect_line "crlf.conf:7: bad value for 'port': 99999 is out of range 1..65535" crlf
expect_line "sub.conf:1: group 'smsc' lacks 'modembox', required for type = modem" crlf
t_ok "CRLF file with include: every error found"

# Files that cannot be configurations: a directory, one over 1 MiB.
run_check "$CHECK" "$T_DIR"
[ "$RC" -ne 0 ] || t_fail "a directory accepted"
expect_line "$T_DIR: is a directory" directory
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >"$T_DIR/big.conf"
run_check "$CHECK" "$T_DIR/big.conf"
[ "$RC" -ne 0 ] || t_fail "big.conf accepted"
expect_line "big.conf: file too large (max 1048576 bytes)" big
t_ok "a directory and a file over 1 MiB are refused"

# doc/config.md documents every declared key in its group's section.
"$CHECK" --keys >"$T_DIR/keys" || t_fail "conf_check --keys failed"
[ -s "$T_DIR/keys" ] || t_fail "no keys listed"
while IFS=. read -r group key; do
	awk -v g="### group = $group" '$0 == g { on = 1; next } /^### / { on = 0 } on' \
		"$top_srcdir/doc/config.md" | grep -qF "| \`$key\` |" ||
		t_fail "doc/config.md: '$key' is not documented under '### group = $group'"
done <"$T_DIR/keys"
t_ok "doc/config.md documents all $(wc -l <"$T_DIR/keys") keys"
