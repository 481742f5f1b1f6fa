#!/usr/bin/env bash
# Inbound messages in the bearerbox (bearerbox/bb_dlr, bb_mo): text decoding by
# data_coding, reassembly of UDH and SAR parts in any order in Redis, routing
# to the number's account (P:mo:http with an mo-url, else P:mo:smpp:ACCT), and
# numbers nobody owns; concat-timeout sets how long parts wait.
. "$top_srcdir/test/integration/lib.sh"

t_redis_start
P='{t}'
cat >"$T_DIR/d.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = debug

group = smsc
smsc-id = op1
host = 127.0.0.1
port = 1
system-id = x

group = smsc
smsc-id = oplat
host = 127.0.0.1
port = 1
system-id = x
data-coding = latin1
CONF

t_redis hset "$P:acct:alice" mo-url "http://127.0.0.1/mo" enabled 1 >/dev/null
t_redis hset "$P:acct:bob" mo-url "" enabled 1 >/dev/null
t_redis hset "$P:numbers" 4930100 alice 4930200 bob 4930300 ghost >/dev/null

RUN=0
drive() {
	RUN=$((RUN + 1))
	"$top_builddir/test/integration/bb_dlr_driver" -c "$T_DIR/${DRIVE_CONF:-d.conf}" \
		>"$T_DIR/$1.out" 2>"$T_DIR/driver-$RUN.log" ||
		{ cat "$T_DIR/$1.out" >&2; t_fail "driver run $1 failed"; }
	if grep -v ' status=0$' "$T_DIR/$1.out" | grep -q status=; then
		cat "$T_DIR/$1.out" >&2
		t_fail "driver run $1: a call did not end with status 0"
	fi
}

# mo STREAM FROM FIELD: FIELD of every entry from FROM, one a line.
mo() {
	t_redis eval "local r = {}
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local m = {}
  for i = 1, #e[2], 2 do m[e[2][i]] = e[2][i + 1] end
  if m.from == ARGV[1] then table.insert(r, m[ARGV[2]] or '') end
end
return r" 1 "$1" "$2" "$3"
}

expect() {
	[ "$2" = "$3" ] || t_fail "$1: got '$2', want '$3'"
}

# --- data_coding -> alphabet -> UTF-8 (bb_mo), each also checked to fail
#     with one byte less room than it needs
drive text <<'CMDS'
text 0 0 48656C6C6F
text 0 0 1B651B3C80
text 0 0 -
text 0x00 2 E9
text 0x00 1 E9
text 0x01 0 41E9
text 0x03 0 E9
text 0x02 0 41
text 4 0 -
text 4 0 00FF7f
text 0x08 0 D83DDE00
text 0x08 0 004100
text 0x08 0 D8000041
text 0x11 0 41
text 0x14 0 41
text 0x18 0 00E9
text 0x30 0 41
text 0xC0 0 41
text 0xE0 0 0041
text 0xF0 0 41
text 0xF4 0 41
CMDS
cat >"$T_DIR/text.want" <<'WANT'
text 0 [Hello]
text 0 [€[?]
text 0 []
text 1 [é]
text 1 [é]
text 1 [Aé]
text 1 [é]
text 3 [41]
text 3 []
text 3 [00ff7f]
text 2 [😀]
text 2 [A�]
text 2 [�A]
text 0 [A]
text 3 [41]
text 2 [é]
text 3 [41]
text 0 [A]
text 2 [A]
text 0 [A]
text 3 [41]
WANT
diff "$T_DIR/text.want" "$T_DIR/text.out" >&2 || t_fail "text decoding differs"
t_ok "data_coding: GSM (escapes, > 0x7F), Latin-1/IA5, per-link DCS 0, UCS-2 (surrogates, odd, lone), binary as hex, GSM coding groups"

# --- GSM 03.38 in 3 UDH parts, out of order; the € escape split over parts 1|2
drive udh <<CMDS
mo-udh op1 491701 +4930100 0 7 3 3 1121
mo-udh op1 491701 +4930100 0 7 3 1 4869201B
CMDS
expect "no entry before the last part" "$(t_redis xlen "$P:mo:http")" 0
key=$(t_redis --scan --pattern "$P:concat:op1:*")
[ -n "$key" ] || t_fail "no concat hash"
ttl=$(t_redis ttl "$key")
[ "$ttl" -gt 600 ] && [ "$ttl" -le 720 ] || t_fail "concat TTL $ttl (600 s + 120 s for the sweep)"
drive udh2 <<CMDS
mo-udh op1 491701 +4930100 0 7 3 3 1121
mo-udh op1 491701 +4930100 0 7 3 2 65352000
stats
CMDS
expect "one entry" "$(mo "$P:mo:http" 491701 text | wc -l)" 1
expect "GSM text" "$(mo "$P:mo:http" 491701 text)" "Hi €5 @_!"
expect "acct" "$(mo "$P:mo:http" 491701 acct)" alice
expect "to without +" "$(mo "$P:mo:http" 491701 to)" 4930100
expect "dcs" "$(mo "$P:mo:http" 491701 dcs)" 0
expect "link" "$(mo "$P:mo:http" 491701 link)" op1
ts=$(mo "$P:mo:http" 491701 ts)
[ "$ts" -gt 1700000000000 ] || t_fail "ts '$ts'"
expect "concat hash deleted" "$(t_redis exists "$key")" 0
grep -q ' mo=1 ' "$T_DIR/udh2.out" || t_fail "stats: $(cat "$T_DIR/udh2.out")"
t_ok "GSM 03.38 UDH parts 3,1,(3 again),2 -> one P:mo:http entry 'Hi €5 @_!'"

# --- UCS-2 by SAR, out of order, a surrogate pair split over parts 2|3
drive sar <<CMDS
mo-sar op1 491702 4930100 8 513 3 3 DE00
mo-sar op1 491702 4930100 8 513 3 1 041F04400438
mo-sar op1 491702 4930100 8 513 3 2 0432043504420020D83D
CMDS
expect "UCS-2 text" "$(mo "$P:mo:http" 491702 text)" "Привет 😀"
expect "UCS-2 dcs" "$(mo "$P:mo:http" 491702 dcs)" 8
t_ok "UCS-2 SAR parts 3,1,2 (16-bit ref) -> 'Привет 😀'"

# --- single parts: Latin-1, DCS 0 per link, 8-bit as hex, message_payload
drive single <<CMDS
mo op1 491703 4930100 3 4772FCDF65
mo oplat 491704 4930100 0 E9
mo op1 491705 4930100 0 E9
mo op1 491706 4930100 4 0102FF
mo-payload op1 491707 4930100 0 48656C6C6F
CMDS
expect "Latin-1" "$(mo "$P:mo:http" 491703 text)" "Grüße"
expect "DCS 0 on a latin1 link" "$(mo "$P:mo:http" 491704 text)" "é"
expect "DCS 0 GSM, octet > 0x7F" "$(mo "$P:mo:http" 491705 text)" "?"
expect "8-bit as hex" "$(mo "$P:mo:http" 491706 text)" "0102ff"
expect "message_payload" "$(mo "$P:mo:http" 491707 text)" "Hello"
t_ok "Latin-1, DCS 0 per link data-coding, 8-bit as hex, message_payload"

# --- SMPP-only account, unknown number, number whose account is gone
drive route <<CMDS
mo op1 491708 4930200 0 4869
mo op1 491709 4930999 0 4869
mo op1 491710 4930300 0 4869
mo-udh op1 491711 4930999 0 9 2 1 41
mo-udh op1 491711 4930999 0 9 2 2 42
stats
CMDS
expect "smpp account" "$(mo "$P:mo:smpp:bob" 491708 text)" "Hi"
expect "not on http" "$(mo "$P:mo:http" 491708 text)" ""
expect "unknown number" "$(mo "$P:mo:http" 491709 text)" ""
expect "unknown: no smpp stream" "$(t_redis exists "$P:mo:smpp:ghost")" 0
expect "unknown concat cleaned" "$(t_redis --scan --pattern "$P:concat:*" | wc -l)" 0
expect "no deadlines left" "$(t_redis exists "$P:concat:due")" 0
grep -q 'mo_unknown=3 ' "$T_DIR/route.out" || t_fail "stats: $(cat "$T_DIR/route.out")"
t_ok "MO to an SMPP-only account -> P:mo:smpp:bob; unknown numbers answered OK, counted, dropped"

# --- an incomplete message stays in its hash until the TTL
drive partial <<CMDS
mo-udh op1 491712 4930100 0 11 3 1 41
mo-udh op1 491712 4930100 0 11 3 2 42
stats
CMDS
expect "incomplete" "$(mo "$P:mo:http" 491712 text)" ""
expect "parts kept" "$(t_redis hlen "$(t_redis --scan --pattern "$P:concat:op1:*")")" 3
expect "deadline" "$(t_redis zcard "$P:concat:due")" 1
grep -q 'mo_pending=2 ' "$T_DIR/partial.out" || t_fail "stats: $(cat "$T_DIR/partial.out")"
t_ok "2 of 3 parts: nothing delivered, parts kept with the concat TTL"

# --- the sweep drops and logs an incomplete message after the concat timeout
t_redis del "$(t_redis --scan --pattern "$P:concat:op1:*")" "$P:concat:due" >/dev/null
drive sweep <<CMDS
timeouts 1 100
mo-udh op1 491713 4930100 0 12 2 1 41
wait-incomplete 1
stats
CMDS
grep -q 'wait-incomplete ok' "$T_DIR/sweep.out" || t_fail "no sweep: $(cat "$T_DIR/sweep.out")"
grep -q 'mo_incomplete=1 ' "$T_DIR/sweep.out" || t_fail "stats: $(cat "$T_DIR/sweep.out")"
expect "swept hash" "$(t_redis --scan --pattern "$P:concat:*" | wc -l)" 0
grep -q 'MO incomplete after 1s, parts dropped .*parts=1/2' "$T_DIR"/driver-*.log ||
	t_fail "no log line for the incomplete MO"
t_ok "an incomplete MO is dropped and logged by the sweep after the concat timeout"

# --- malformed input is answered OK and dropped: bad UDH, SAR seq > total,
#     a PDU flagged as receipt without id/stat
drive bad <<CMDS
mo-esm op1 491714 4930100 0 0x40 0741
mo-sar op1 491715 4930100 0 5 2 3 41
mo-esm op1 491716 4930100 0 0x04 48656C6C6F
stats
CMDS
expect "nothing queued" "$(mo "$P:mo:http" 491714 text)$(mo "$P:mo:http" 491715 text)$(mo "$P:mo:http" 491716 text)" ""
grep -q ' bad=1 ' "$T_DIR/bad.out" || t_fail "stats: $(cat "$T_DIR/bad.out")"
grep -q 'MO dropped: bad UDH or SAR link=op1 from=491714' "$T_DIR"/driver-*.log || t_fail "no log for the bad UDH"
grep -q 'MO dropped: bad UDH or SAR link=op1 from=491715' "$T_DIR"/driver-*.log || t_fail "no log for the bad SAR"
t_ok "bad UDH, SAR seq > total and an empty receipt: answered OK, logged, nothing queued"

# --- concat-timeout (core): the parts' hash lives that long + 2 min
sed 's/^log-level = debug$/&\nconcat-timeout = 5m/' "$T_DIR/d.conf" >"$T_DIR/d5.conf"
DRIVE_CONF=d5.conf drive ct <<CMDS
mo-udh op1 491720 4930100 0 21 2 1 41
CMDS
key=$(t_redis --scan --pattern "$P:concat:op1:*")
[ -n "$key" ] || t_fail "concat-timeout: no concat hash"
ttl=$(t_redis ttl "$key")
[ "$ttl" -gt 300 ] && [ "$ttl" -le 420 ] || t_fail "concat-timeout = 5m: TTL $ttl (300 s + 120 s)"
t_ok "concat-timeout = 5m: the parts' hash expires after $ttl s"

# --- an MO for an SMPP customer that never binds a receiver does not pile up:
#     what waited longer than the smpp-server's receipt-ttl goes when one is added
printf '\ngroup = smpp-server\nreceipt-ttl = 1h\n' | cat "$T_DIR/d.conf" - >"$T_DIR/dttl.conf"
nowms=$(( $(t_redis time | head -1) * 1000 ))
t_redis del "$P:mo:smpp:bob" >/dev/null
t_redis xadd "$P:mo:smpp:bob" "$((nowms - 7200000))-0" acct bob text old >/dev/null
t_redis xadd "$P:mo:smpp:bob" "$((nowms - 1800000))-0" acct bob text recent >/dev/null
DRIVE_CONF=dttl.conf drive ttl <<CMDS
mo op1 491730 4930200 0 4869
CMDS
expect "old MO trimmed" "$(t_redis xrange "$P:mo:smpp:bob" - + | grep -c -x 'old')" 0
expect "recent MO kept" "$(t_redis xrange "$P:mo:smpp:bob" - + | grep -c -x 'recent')" 1
expect "new MO there" "$(t_redis xlen "$P:mo:smpp:bob")" 2
t_ok "receipt-ttl = 1h: an MO waiting 2 h for a receiver bind is trimmed, one of 30 min kept"
