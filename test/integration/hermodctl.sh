# hermodctl against a real redis-server: every command, the Redis contents it
# leaves (checked with redis-cli), and every refused input leaving Redis
# byte-for-byte unchanged.
. "$top_srcdir/test/integration/lib.sh"

CTL="$top_builddir/hermodctl/hermodctl"
[ -x "$CTL" ] || t_fail "hermodctl not built"
t_redis_start

P='{tp}'
cat >"$T_DIR/hermod.conf" <<EOF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = "tp"
EOF

ctl() {
	"$CTL" -c "$T_DIR/hermod.conf" "$@" 2>>"$T_DIR/ctl-stderr.log"
}

# Every key with its type and a digest of its DUMP, sorted: one script, so
# the 68 refusals below cost two redis-cli calls each, not two per key.
snapshot() {
	t_redis EVAL "local out = {}
		for _, k in ipairs(redis.call('KEYS', '*')) do
			out[#out + 1] = k .. ' ' .. redis.call('TYPE', k).ok .. ' ' ..
				redis.sha1hex(redis.call('DUMP', k))
		end
		table.sort(out)
		return out" 0
}

expect_ok() {
	local out
	out=$(ctl "$@") || t_fail "hermodctl $* failed: $(tail -n 3 "$T_DIR/ctl-stderr.log")"
	printf '%s\n' "$out"
}

# Refused: non-zero exit, a message on stderr, Redis unchanged.
expect_refused() {
	local before after rc=0 errs
	before=$(snapshot)
	errs=$("$CTL" -c "$T_DIR/hermod.conf" "$@" 2>&1 >/dev/null </dev/null) || rc=$?
	printf '%s\n' "$errs" >>"$T_DIR/ctl-stderr.log"
	[ "$rc" -ne 0 ] || t_fail "hermodctl $* succeeded but should be refused"
	[ -n "$errs" ] || t_fail "hermodctl $* refused without a message"
	after=$(snapshot)
	[ "$before" = "$after" ] || t_fail "hermodctl $* changed Redis: $(diff <(echo "$before") <(echo "$after"))"
	t_ok "refused: $* ($(printf '%s' "$errs" | head -n 1))"
}

hget() { t_redis HGET "$P:acct:$1" "$2"; }

# ---- help
"$CTL" --help | grep -q 'account add NAME' || t_fail "--help lacks account add"
"$CTL" account --help | grep -q 'account show NAME' || t_fail "account --help"
"$CTL" rate --help | grep -q 'rate set PREFIX PRICE' || t_fail "rate --help"
t_ok "help texts"

# ---- accounts
expect_ok account add alice --password s3cret --credit 12.5 --dlr-url http://127.0.0.1/dlr >/dev/null
[ "$(hget alice credit)" = 125000 ] || t_fail "credit units: $(hget alice credit)"
[ "$(hget alice dlr-url)" = http://127.0.0.1/dlr ] || t_fail "dlr-url"
[ "$(hget alice mo-url)" = "" ] || t_fail "mo-url default"
[ "$(hget alice enabled)" = 1 ] || t_fail "enabled default"
[ "$(hget alice max-recipients)" = 10 ] || t_fail "max-recipients default"
[ "$(hget alice max-binds)" = 5 ] || t_fail "max-binds default"
[ "$(hget alice window)" = 64 ] || t_fail "window default"
[ "$(hget alice throughput)" = 0 ] || t_fail "throughput default"
[ "$(t_redis SISMEMBER "$P:accounts" alice)" = 1 ] || t_fail "accounts set"
PW=$(hget alice pwhash)
case $PW in 'pbkdf2-sha256$100000$'*) ;; *) t_fail "pwhash format: $PW" ;; esac
t_ok "account add writes every field"

# The stored hash verifies with an independent PBKDF2 implementation.
if command -v python3 >/dev/null; then
	python3 - "$PW" s3cret <<'EOF' || t_fail "pwhash does not verify in Python"
import base64, hashlib, sys
scheme, it, salt, h = sys.argv[1].split('$')
assert scheme == 'pbkdf2-sha256' and len(base64.b64decode(salt)) == 16
d = hashlib.pbkdf2_hmac('sha256', sys.argv[2].encode(), base64.b64decode(salt), int(it))
sys.exit(0 if d == base64.b64decode(h) else 1)
EOF
	t_ok "pwhash verifies with Python's hashlib"
fi

echo 'from-stdin' | "$CTL" -c "$T_DIR/hermod.conf" account add bob --password - \
	--max-binds 0 --throughput 50 --window 8 >/dev/null 2>&1 || t_fail "add bob"
[ "$(hget bob max-binds)" = 0 ] && [ "$(hget bob throughput)" = 50 ] && [ "$(hget bob window)" = 8 ] || t_fail "bob fields"
t_ok "account add with --password - and options"

expect_ok account set alice --mo-url https://127.0.0.1/mo --enabled no \
	--senders Shop,4477 --ips 10.0.0.0/8,::1 --max-recipients=100 >/dev/null
[ "$(hget alice mo-url)" = https://127.0.0.1/mo ] || t_fail "set mo-url"
[ "$(hget alice enabled)" = 0 ] || t_fail "set enabled"
[ "$(hget alice senders)" = Shop,4477 ] || t_fail "set senders"
[ "$(hget alice ips)" = 10.0.0.0/8,::1 ] || t_fail "set ips"
[ "$(hget alice max-recipients)" = 100 ] || t_fail "set max-recipients"
[ "$(hget alice pwhash)" = "$PW" ] || t_fail "set changed the password"
t_ok "account set"

expect_ok account set alice --mo-pass 's3cret shared' >/dev/null
[ "$(hget alice mo-pass)" = 's3cret shared' ] || t_fail "set mo-pass"
"$CTL" -c "$T_DIR/hermod.conf" account show alice | grep -qx 'mo-pass: set' ||
	t_fail "account show: mo-pass not 'set'"
"$CTL" -c "$T_DIR/hermod.conf" account show alice | grep -q 's3cret' &&
	t_fail "account show printed the mo-pass"
expect_ok account set alice --mo-pass '' >/dev/null
"$CTL" -c "$T_DIR/hermod.conf" account show alice | grep -qx 'mo-pass: none' ||
	t_fail "account show: mo-pass not 'none' once cleared"
t_ok "account set --mo-pass (shown as set/none, never printed)"

expect_ok account set alice --password other >/dev/null
[ "$(hget alice pwhash)" != "$PW" ] || t_fail "password not changed"
t_ok "account set --password"

OUT=$(expect_ok account show alice)
for line in 'name: alice' 'enabled: no' 'credit: 12.5' 'password: set' \
	'mo-url: https://127.0.0.1/mo' 'max-recipients: 100' 'senders: Shop,4477'; do
	printf '%s\n' "$OUT" | grep -qxF "$line" || t_fail "show lacks '$line': $OUT"
done
printf '%s\n' "$OUT" | grep -q pbkdf2 && t_fail "show prints the hash"
t_ok "account show"

OUT=$(expect_ok account list)
[ "$OUT" = "alice: credit=12.5 enabled=no
bob: credit=0 enabled=yes" ] || t_fail "account list: $OUT"
t_ok "account list"

# ---- credit
OUT=$(expect_ok credit add alice 2.5)
[ "$OUT" = "alice: credit=15" ] && [ "$(hget alice credit)" = 150000 ] || t_fail "credit add: $OUT"
expect_ok credit add alice -14.9999 >/dev/null
[ "$(hget alice credit)" = 1 ] || t_fail "credit add negative: $(hget alice credit)"
expect_ok credit add alice -0.0001 >/dev/null
[ "$(hget alice credit)" = 0 ] || t_fail "credit to zero"
expect_ok credit add alice 20 >/dev/null
t_ok "credit add, down to exactly zero"

# ---- rates
expect_ok rate set 44 0.05 >/dev/null
expect_ok rate set 4477 0.045 >/dev/null
expect_ok rate set default 0.1 >/dev/null
[ "$(t_redis HGET "$P:rates" 44)" = 500 ] || t_fail "rate units"
[ "$(t_redis HGET "$P:rates" default)" = 1000 ] || t_fail "default rate"
OUT=$(expect_ok rate list)
[ "$OUT" = "default: 0.1
44: 0.05
4477: 0.045" ] || t_fail "rate list: $OUT"
expect_ok rate del 4477 >/dev/null
[ "$(t_redis HEXISTS "$P:rates" 4477)" = 0 ] || t_fail "rate del"
t_ok "rate set, list, del"

# ---- numbers
expect_ok number add 447700900123 alice >/dev/null
expect_ok number add 447700900124 bob >/dev/null
expect_ok number add 447700900123 alice >/dev/null	# same owner: no-op
[ "$(t_redis HGET "$P:numbers" 447700900123)" = alice ] || t_fail "number add"
OUT=$(expect_ok number list)
[ "$OUT" = "447700900123: alice
447700900124: bob" ] || t_fail "number list: $OUT"
expect_ok account show alice | grep -qx 'numbers: 447700900123' || t_fail "show numbers"
t_ok "number add, list"

# ---- dead letters (opaque entries; the smsbox LPUSHes, newest first)
t_redis LPUSH "$P:cb:dead" 'first' 'second	tab' 'third' >/dev/null
OUT=$(expect_ok dead-letters list)
[ "$OUT" = '0: third
1: second\x09tab
2: first' ] || t_fail "dead-letters list: $OUT"
expect_ok dead-letters replay 1 >/dev/null
[ "$(t_redis ZRANGE "$P:cb:retry" 0 -1)" = first ] || t_fail "replay 1 takes the oldest"
[ "$(t_redis LLEN "$P:cb:dead")" = 2 ] || t_fail "replay 1 left"
NOW=$(t_redis TIME | head -n 1)
SCORE=$(t_redis ZSCORE "$P:cb:retry" first)
[ $((SCORE / 1000 - NOW)) -le 1 ] && [ $((NOW - SCORE / 1000)) -le 5 ] ||
	t_fail "replay score $SCORE is not now ($NOW s) in ms"
OUT=$(expect_ok dead-letters replay all)
[ "$OUT" = "replayed 2 dead letters" ] || t_fail "replay all: $OUT"
[ "$(t_redis ZCARD "$P:cb:retry")" = 3 ] && [ "$(t_redis EXISTS "$P:cb:dead")" = 0 ] ||
	t_fail "replay all moved"
t_redis ZRANGE "$P:cb:retry" 0 -1 | grep -qxF "second	tab" || t_fail "entry not opaque"
t_redis LPUSH "$P:cb:dead" 'x' 'y' >/dev/null
expect_ok dead-letters replay >/dev/null
[ "$(t_redis ZCARD "$P:cb:retry")" = 5 ] || t_fail "replay default all"
t_ok "dead-letters list, replay N, replay all"
# a callback record: its last error (e=) is decoded after "  # ", control
# bytes as '?'; a record without e=, or an opaque entry, gets no comment
REC='v=1&k=dlr&id=ev%3A1-0&a=alice&i=7&n=1&t=1&u=http%3A%2F%2Fx%2Fdlr&b='
t_redis LPUSH "$P:cb:dead" "$REC" "$REC&e=HTTP%20503%0Dboom%25" 'e=not%20a%20record' >/dev/null
OUT=$(expect_ok dead-letters list)
[ "$OUT" = "0: e=not%20a%20record
1: $REC&e=HTTP%20503%0Dboom%25  # HTTP 503?boom%
2: $REC" ] || t_fail "dead-letters list reasons: $OUT"
t_redis DEL "$P:cb:dead" >/dev/null
t_ok "dead-letters list prints the decoded reason of a callback record"

# ---- refused input: nothing changes
t_redis LPUSH "$P:cb:dead" 'pending' >/dev/null
expect_refused account add alice --password x
expect_refused account add 'bad name' --password x
expect_refused account add abcdefghijklmnop --password x
expect_refused account add '' --password x
expect_refused account add carol
expect_refused account add carol --password ''
expect_refused account add carol --password x --credit -1
expect_refused account add carol --password x --credit 1e3
expect_refused account add carol --password x --credit 0.00001
expect_refused account add carol --password x --credit abc
expect_refused account add carol --password x --dlr-url ftp://x/
expect_refused account add carol --password x --mo-url 'http://a b'
expect_refused account add carol --password x --max-binds abc
expect_refused account add carol --password x --window 0
expect_refused account add carol --password x --window 10001
expect_refused account add carol --password x --max-recipients 0
expect_refused account add carol --password x --throughput -1
expect_refused account add carol --password x --enabled maybe
expect_refused account add carol --password x --ips 10.0.0.0/33
expect_refused account add carol --password x --senders 'a,,b'
expect_refused account add carol --password x --mo-pass "$(printf 'a\tb')"
expect_refused account add carol --password x --mo-pass "$(head -c 256 /dev/zero | tr '\0' x)"
grep -q 'a	b' "$T_DIR/ctl-stderr.log" && t_fail "a refused mo-pass was echoed"
expect_refused account add carol --password x --bogus 1
expect_refused account add carol --password x --credit 1 --credit 2
expect_refused account add carol --password x --credit
expect_refused account add carol --password -
expect_refused account set nosuch --credit 1
expect_refused account set alice
expect_refused account set alice --max-recipients 1001
expect_refused account set alice --password x --enabled perhaps
expect_refused account show nosuch
expect_refused account show 'bad name'
expect_refused account del nosuch
expect_refused account frobnicate
expect_refused credit add alice -1000
expect_refused credit add alice 1e3
expect_refused credit add alice 0.00001
expect_refused credit add nosuch 5
expect_refused credit add alice 100000000000
expect_refused credit add alice
expect_refused rate set 4a 0.05
expect_refused rate set '' 0.05
expect_refused rate set 1234567890123456 0.05
expect_refused rate set 44 -1
expect_refused rate set 44 abc
expect_refused rate set 44 0.00001
expect_refused rate del 99
expect_refused number add 1234 alice
expect_refused number add 4477009001230000 alice
expect_refused number add +447700900 alice
expect_refused number add 447700900999 nosuch
expect_refused number add 447700900123 bob
expect_refused number del 447700900555
expect_refused dead-letters replay 0
expect_refused dead-letters replay -1
expect_refused dead-letters replay x
expect_refused frobnicate
expect_refused --redis-url 'nonsense://' account list
expect_refused --redis-url "redis://127.0.0.1:$(t_free_port)/0" account add carol --password x

# ---- deleting releases the account's numbers, atomically with the record
OUT=$(expect_ok account del bob)
[ "$OUT" = "deleted account bob (1 long numbers released)" ] || t_fail "del: $OUT"
[ "$(t_redis EXISTS "$P:acct:bob")" = 0 ] && [ "$(t_redis SISMEMBER "$P:accounts" bob)" = 0 ] ||
	t_fail "del left the account"
[ "$(t_redis HEXISTS "$P:numbers" 447700900124)" = 0 ] || t_fail "del left the number"
[ "$(t_redis HGET "$P:numbers" 447700900123)" = alice ] || t_fail "del took alice's number"
expect_ok number del 447700900123 >/dev/null
[ "$(t_redis HLEN "$P:numbers")" = 0 ] || t_fail "number del"
t_ok "account del, number del"

# ---- queue show: packed entries decoded (built as the accept step does, by
# the bench loader), entries of the older field form as stored
"$top_builddir/test/bench/bb_qload" "$P" qs 2 1 | t_redis --pipe >/dev/null
t_redis XADD "$P:q:qs" '*' id old1 part 1 parts 1 to 4917000001 data 'a b' >/dev/null
OUT=$(expect_ok queue show qs)
[ "$(printf '%s\n' "$OUT" | wc -l)" = 3 ] || t_fail "queue show: $OUT"
printf '%s\n' "$OUT" | sed -n 1p | grep -qE '^[0-9]+-[0-9]+ id=b1 to=447710000001 part=1/1 acct=bench from=Hermod origin=http coding=0 flash=0 dlr=1 ts=[0-9]+ udh= data=62656E63686D61726B206D6573736167652031 text=benchmark message 1$' ||
	t_fail "queue show packed: $(printf '%s\n' "$OUT" | sed -n 1p)"
printf '%s\n' "$OUT" | sed -n 3p | grep -qE '^[0-9]+-[0-9]+ id=old1 part=1 parts=1 to=4917000001 data=a b$' ||
	t_fail "queue show fields: $(printf '%s\n' "$OUT" | sed -n 3p)"
[ "$(expect_ok queue show qs 1 | wc -l)" = 1 ] || t_fail "queue show COUNT"
[ -z "$(expect_ok queue show nosuchlink)" ] || t_fail "queue show of an empty queue"
t_ok "queue show: packed and field entries, COUNT, an empty queue"
# ---- message show: the record bb_qload wrote as the accept step does
OUT=$(expect_ok message show b1)
for want in id=b1 acct=bench to=447710000001 from=Hermod link=qs origin=http \
	dlr=1 parts=1 rpt=http; do
	printf '%s\n' "$OUT" | grep -qx -- "$want" || t_fail "message show: no $want in: $OUT"
done
printf '%s\n' "$OUT" | grep -qE '^ts=[0-9]{13}$' || t_fail "message show ts: $OUT"
t_redis HSET "$P:msg:b1" p1 DELIVRD final DELIVRD >/dev/null
expect_ok message show b1 | grep -qx 'final=DELIVRD' || t_fail "message show final"
t_ok "message show: the packed record spelled out, then the statuses"
expect_refused message show nosuch
expect_refused message show 'a b'
expect_refused message show
expect_refused queue show qs 0
expect_refused queue show qs 100001
expect_refused queue show 'a b'
expect_refused queue show
expect_refused queue list qs

# ---- --redis-url overrides the file; without -c the defaults apply
OUT=$("$CTL" --redis-url "$T_REDIS_URL" account list 2>&1) || t_fail "--redis-url: $OUT"
[ -z "$OUT" ] || t_fail "prefix 'hermod' should hold no accounts: $OUT"
t_ok "--redis-url without a file uses key-prefix hermod"

# ---- a bad configuration file is reported and nothing is done
printf 'group = core\nredis-url = "%s"\nkey-prefix = "a{b"\n' "$T_REDIS_URL" >"$T_DIR/bad1.conf"
printf 'group = core\nredis-url = "%s"\nno-such-key = 1\n' "$T_REDIS_URL" >"$T_DIR/bad2.conf"
BEFORE=$(snapshot)
for f in bad1.conf bad2.conf missing.conf; do
	if "$CTL" -c "$T_DIR/$f" account add carol --password x >/dev/null 2>>"$T_DIR/ctl-stderr.log"; then
		t_fail "accepted configuration $f"
	fi
done
[ "$BEFORE" = "$(snapshot)" ] || t_fail "a bad configuration changed Redis"
t_ok "bad configuration files refused"

if grep -E 'AddressSanitizer|runtime error' "$T_DIR/ctl-stderr.log"; then
	t_fail "sanitizer output"
fi
echo "# $T_NAME: $T_PASSED checks passed"
