#!/usr/bin/env bash
# Receipt correlation in the bearerbox (bearerbox/bb_dlr): operator ids matched
# per msg-id-type, receipts before their submit_sm_resp, multi-part merging
# into one event with the customer status code, idempotence, intermediate
# states, SMPP-origin events, failed parts with their stream entry acked;
# msg-id-ttl sets how long a mapping lives and how many days receipts look back.
. "$top_srcdir/test/integration/lib.sh"

t_redis_start
P='{t}'
cat >"$T_DIR/d.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = debug

group = smsc
smsc-id = opdec
host = 127.0.0.1
port = 1
system-id = x
msg-id-type = decimal

group = smsc
smsc-id = ophex
host = 127.0.0.1
port = 1
system-id = x
msg-id-type = hex

group = smsc
smsc-id = oprh
host = 127.0.0.1
port = 1
system-id = x
msg-id-type = resp-hex

group = smsc
smsc-id = opstr
host = 127.0.0.1
port = 1
system-id = x

group = smsc
smsc-id = opttl
host = 127.0.0.1
port = 1
system-id = x
msg-id-ttl = 26h
CONF

RUN=0
# drive NAME: runs the driver on the commands on stdin; output in $T_DIR/NAME.out
drive() {
	RUN=$((RUN + 1))
	"$top_builddir/test/integration/bb_dlr_driver" -c "$T_DIR/d.conf" \
		>"$T_DIR/$1.out" 2>"$T_DIR/driver-$RUN.log" ||
		{ cat "$T_DIR/$1.out" >&2; t_fail "driver run $1 failed"; }
	if grep -v ' status=0$' "$T_DIR/$1.out" | grep -q status=; then
		cat "$T_DIR/$1.out" >&2
		t_fail "driver run $1: a call did not end with status 0"
	fi
}

# msg ID LINK PARTS ORIGIN DLR [ACCT]: the record the accept step writes
# (parts, rpt when a report is wanted, the packed m of shared/codec/msgrec.h,
# built here independently of the C encoder), with its TTL (which nothing
# after it changes).
msg() {
	python3 - "$@" <<'PY' | t_redis -x hset "$P:msg:$1" m >/dev/null
import struct, sys
mid, link, parts, origin, dlr = sys.argv[1:6]
acct = sys.argv[6] if len(sys.argv) > 6 else "alice"
out = struct.pack(">BBQ", 1, 1 if dlr == "1" else 0, 1700000000000)
for s in (acct, "4917000000" + mid, "Hermod", link, origin, "m" + mid, "31"):
    out += bytes([len(s)]) + s.encode()
url = ("http://127.0.0.1/d?id=" + mid).encode()
sys.stdout.buffer.write(out + struct.pack(">H", len(url)) + url)
PY
	t_redis hset "$P:msg:$1" parts "$3" >/dev/null
	if [ "$5" = 1 ]; then
		t_redis hset "$P:msg:$1" rpt "$([ "$4" = smpp ] && echo "smpp:${6:-alice}" || echo http)" >/dev/null
	fi
	t_redis expire "$P:msg:$1" 266400 >/dev/null
}
# oldmsg: the same as a record of the older form (a field per value).
oldmsg() {
	t_redis hset "$P:msg:$1" acct "${6:-alice}" to 4917000000$1 from Hermod \
		parts "$3" link "$2" origin "$4" mess-id "m$1" dlr-url "http://127.0.0.1/d?id=$1" \
		dlr-mask 31 dlr "$5" ts 1700000000000 >/dev/null
	t_redis expire "$P:msg:$1" 266400 >/dev/null
}

# ev STREAM ID FIELD: FIELD of every event of message ID in STREAM, one a line;
# the fields of an event's packed m (the record's) count as its own.
ev() {
	t_redis eval "local r = {}
local function rec(m, t)
  local i = 11
  for _, n in ipairs({'acct', 'to', 'from', 'link', 'origin', 'mess-id', 'dlr-mask'}) do
    local l = string.byte(m, i); t[n] = string.sub(m, i + 1, i + l); i = i + 1 + l
  end
  local l = string.byte(m, i) * 256 + string.byte(m, i + 1)
  t['dlr-url'] = string.sub(m, i + 2, i + 1 + l)
end
for _, e in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
  local m = {}
  for i = 1, #e[2], 2 do m[e[2][i]] = e[2][i + 1] end
  if m.m then rec(m.m, m) end
  if m.id == ARGV[1] then table.insert(r, m[ARGV[2]] or '') end
end
return r" 1 "$1" "$2" "$3"
}

# The operator ids of a link live in one hash per day of Redis's clock, the
# receipts that came before their ids in one hash per 10-minute slot.
rnow() { t_redis time | head -1; }
opid() {	# opid LINK OPID -> ID:PART
	t_redis hget "$P:opid:$1:$(( $(rnow) / 86400 ))" "$2"
}
early() {	# early LINK OPID -> WORD<TAB>ERR<TAB>CODE, "" when none waits
	local s=$(( $(rnow) / 600 )) k
	for k in "$P:early:$1:$s" "$P:early:$1:$((s - 1))"; do
		t_redis hget "$k" "$2" | grep . && return
	done
	true
}

expect() {	# expect WHAT GOT WANT
	[ "$2" = "$3" ] || t_fail "$1: got '$2', want '$3'"
}

# A queue with one pending entry per part, as a link holds it.
queue() {	# queue LINK -> prints the entry id
	local id
	id=$(t_redis xadd "$P:q:$1" '*' id x part 1)
	t_redis xgroup create "$P:q:$1" links 0 mkstream >/dev/null 2>&1
	t_redis xreadgroup group links c1 count 100 streams "$P:q:$1" '>' >/dev/null
	echo "$id"
}

# --- 1: decimal ids with leading zeros, stream entry acked and deleted
msg 1 opdec 1 http 1
e1=$(queue opdec)
drive one <<CMDS
submitted opdec $e1 1 1 0000123
receipt opdec 123 DELIVRD 000
CMDS
expect "opid mapping (with the operator's spelling)" "$(opid opdec 123)" "1:1:0000123"
ttl=$(t_redis ttl "$P:opid:opdec:$(( $(rnow) / 86400 ))")
[ "$ttl" -gt 259200 ] && [ "$ttl" -le 345600 ] || t_fail "opid bucket TTL $ttl (72 h after its day)"
expect "op1" "$(t_redis hget "$P:msg:1" op1)" "0000123"
expect "p1" "$(t_redis hget "$P:msg:1" p1)" "DELIVRD"
expect "final" "$(t_redis hget "$P:msg:1" final)" "DELIVRD"
ttl=$(t_redis ttl "$P:msg:1")
[ "$ttl" -gt 266000 ] && [ "$ttl" -le 266400 ] || t_fail "msg TTL after final $ttl (the accept step's is kept)"
expect "queue length" "$(t_redis xlen "$P:q:opdec")" 0
expect "pending" "$(t_redis xpending "$P:q:opdec" links | head -1)" 0
expect "event stat" "$(ev "$P:ev:http" 1 stat)" DELIVRD
expect "event code" "$(ev "$P:ev:http" 1 code)" 0
expect "event mess-id" "$(ev "$P:ev:http" 1 mess-id)" m1
expect "event dlr-url" "$(ev "$P:ev:http" 1 dlr-url)" "http://127.0.0.1/d?id=1"
expect "event acct" "$(ev "$P:ev:http" 1 acct)" alice
expect "event to" "$(ev "$P:ev:http" 1 to)" 49170000001
ts=$(ev "$P:ev:http" 1 ts)
[ "$ts" -gt 1700000000000 ] || t_fail "event ts '$ts'"
t_ok "decimal ids: 0000123 (resp) matches 123 (receipt); entry acked+deleted; one DELIVRD event code 0"

# --- 2: hex ids (TLV receipt), resp-hex, string ids
msg 2 ophex 1 http 1
msg 3 oprh 1 http 1
msg 4 opstr 1 http 1
msg 14 oprh 1 http 1
drive two <<CMDS
submitted ophex - 2 1 00A1B2
receipt-tlv ophex a1b2 2
submitted oprh - 3 1 1F
receipt oprh 31 DELIVRD 000
submitted oprh - 14 1 2A
receipt-tlv oprh 2a 2
submitted opstr - 4 1 AbC-01
receipt opstr abc-01 DELIVRD 000
receipt opstr AbC-01 DELIVRD 000
CMDS
expect "hex canon key" "$(opid ophex 41394)" "2:1:00A1B2"
expect "hex final" "$(t_redis hget "$P:msg:2" final)" DELIVRD
expect "resp-hex final" "$(t_redis hget "$P:msg:3" final)" DELIVRD
expect "resp-hex TLV id read as a resp id" "$(t_redis hget "$P:msg:14" final)" DELIVRD
expect "string final" "$(t_redis hget "$P:msg:4" final)" DELIVRD
expect "string case mismatch parked" "$(early opstr abc-01 | cut -f1)" DELIVRD
t_ok "hex (00A1B2 = a1b2, TLV receipt), resp-hex (1F = text 31, = TLV 2a) and string ids match"

# --- 3: receipt before submit_sm_resp
msg 5 opdec 1 http 1
drive three-a <<CMDS
receipt opdec 777 DELIVRD 000
CMDS
expect "early receipt" "$(early opdec 777 | tr '\t' ' ')" "DELIVRD 000 0"
ttl=$(t_redis ttl "$P:early:opdec:$(( $(rnow) / 600 ))")
[ "$ttl" -gt 600 ] && [ "$ttl" -le 1260 ] || t_fail "early slot TTL $ttl"
expect "no event yet" "$(ev "$P:ev:http" 5 stat)" ""
drive three-b <<CMDS
submitted opdec - 5 1 777
stats
CMDS
expect "early applied" "$(t_redis hget "$P:msg:5" final)" DELIVRD
expect "early receipt gone" "$(early opdec 777)" ""
expect "early event" "$(ev "$P:ev:http" 5 stat)" DELIVRD
grep -q 'early=1 .*events=1' "$T_DIR/three-b.out" || t_fail "stats: $(cat "$T_DIR/three-b.out")"
t_ok "a receipt before its submit_sm_resp is kept (10 min) and applied by the resp"

# --- 4: three parts: UNDELIV merged; no event before the last part
msg 6 opdec 3 http 1
drive four-a <<CMDS
submitted opdec - 6 1 601
submitted opdec - 6 2 602
submitted opdec - 6 3 603
receipt opdec 602 UNDELIV 000
receipt opdec 601 DELIVRD 000
CMDS
expect "parts" "$(t_redis hmget "$P:msg:6" p1 p2 p3 | tr '\n' ' ')" "DELIVRD UNDELIV  "
expect "operator ids, with their receipts" "$(t_redis hmget "$P:msg:6" op1 op2 op3 | tr '\n' ' ')" "601 602  "
expect "part 3 mapped" "$(opid opdec 603)" "6:3"
expect "no final yet" "$(t_redis hexists "$P:msg:6" final)" 0
expect "no event yet" "$(ev "$P:ev:http" 6 stat)" ""
drive four-b <<CMDS
receipt opdec 603 DELIVRD 000
receipt opdec 603 DELIVRD 000
receipt opdec 602 UNDELIV 000
CMDS
expect "merged" "$(t_redis hget "$P:msg:6" final)" UNDELIV
expect "one event" "$(ev "$P:ev:http" 6 stat)" UNDELIV
expect "code" "$(ev "$P:ev:http" 6 code)" 251
t_ok "3 parts DELIVRD/UNDELIV/DELIVRD: one UNDELIV event (code 251) after the last; duplicates add none"

# --- 5: part order decides, not arrival order; EXPIRED 253, REJECTD 249
msg 7 opdec 3 http 1
msg 8 opdec 3 http 1
msg 9 opdec 1 http 1
drive five <<CMDS
submitted opdec - 7 1 701
submitted opdec - 7 2 702
submitted opdec - 7 3 703
receipt opdec 703 REJECTD 000
receipt opdec 702 EXPIRED 000
receipt opdec 701 DELIVRD 000
submitted opdec - 8 1 801
submitted opdec - 8 2 802
submitted opdec - 8 3 803
receipt-tlv opdec 801 2
receipt-tlv opdec 802 2
receipt-tlv opdec 803 2
submitted opdec - 9 1 901
receipt opdec 901 REJECTD 000
CMDS
expect "merge by part order" "$(ev "$P:ev:http" 7 stat)" EXPIRED
expect "EXPIRED code" "$(ev "$P:ev:http" 7 code)" 253
expect "all delivered" "$(ev "$P:ev:http" 8 stat)" DELIVRD
expect "all delivered code" "$(ev "$P:ev:http" 8 code)" 0
expect "REJECTD" "$(ev "$P:ev:http" 9 stat)" REJECTD
expect "REJECTD code" "$(ev "$P:ev:http" 9 code)" 249
t_ok "merge: first non-DELIVRD part in part order (EXPIRED 253), all DELIVRD (0), REJECTD (249)"

# --- 6: intermediate states only update the part
msg 10 opdec 1 http 1
drive six-a <<CMDS
submitted opdec - 10 1 1001
receipt opdec 1001 ENROUTE 000
receipt opdec 1001 ACCEPTD 000
CMDS
expect "intermediate" "$(t_redis hget "$P:msg:10" p1)" ACCEPTD
expect "not final" "$(t_redis hexists "$P:msg:10" final)" 0
drive six-b <<CMDS
receipt-plain opdec 1001 DELIVRD 000
receipt opdec 1001 UNDELIV 000
CMDS
expect "final after intermediate" "$(ev "$P:ev:http" 10 stat)" DELIVRD
expect "a final part does not change" "$(t_redis hget "$P:msg:10" p1)" DELIVRD
t_ok "ENROUTE/ACCEPTD only update the part; a receipt text without esm_class 0x04 is still a receipt"

# --- 7: failed parts (no receipt), SMPP origin, no report wanted
msg 11 opdec 2 smpp 1 bob
msg 12 opdec 1 http 0
msg 13 opdec 1 http 1
e2=$(queue opdec)
drive seven <<CMDS
submitted opdec - 11 1 1101
receipt opdec 1101 DELIVRD 000
failed opdec $e2 11 2 REJECTD 11
submitted opdec - 12 1 1201 0
receipt opdec 1201 DELIVRD 000
failed opdec - 13 1 EXPIRED 0
CMDS
expect "queue entry acked" "$(t_redis xlen "$P:q:opdec")" 0
expect "smpp event stat" "$(ev "$P:ev:smpp:bob" 11 stat)" REJECTD
expect "smpp event err" "$(ev "$P:ev:smpp:bob" 11 err)" 11
expect "smpp event code (ESME_RINVDSTADR)" "$(ev "$P:ev:smpp:bob" 11 code)" 11
expect "not on the http stream" "$(ev "$P:ev:http" 11 stat)" ""
expect "dlr 0: no mapping stored" "$(opid opdec 1201)" ""
expect "dlr 0: op id kept" "$(t_redis hget "$P:msg:12" op1)" 1201
expect "dlr 0: no event" "$(ev "$P:ev:http" 12 stat)" ""
expect "relay timeout" "$(ev "$P:ev:http" 13 code)" 253
t_ok "failed parts (err 0x0B → 11, EXPIRED → 253), P:ev:smpp:ACCT for SMPP; dlr 0: no mapping, no event"

# --- 8: a receipt for a message that no longer exists (its mapping outlived it)
t_redis hset "$P:opid:opdec:$(( $(rnow) / 86400 ))" 9999 999:1 >/dev/null
drive eight <<CMDS
receipt opdec 9999 DELIVRD 000
stats
CMDS
expect "no hash created" "$(t_redis exists "$P:msg:999")" 0
expect "no event" "$(ev "$P:ev:http" 999 stat)" ""
grep -q 'unmatched=1 ' "$T_DIR/eight.out" || t_fail "stats: $(cat "$T_DIR/eight.out")"
t_ok "a receipt for an expired message creates nothing and is counted"


# --- a script error answers ESME_RSYSERR (8) and writes nothing
msg 15 opbad 1 http 1
t_redis set "$P:q:opbad" "not a stream" >/dev/null
"$top_builddir/test/integration/bb_dlr_driver" -c "$T_DIR/d.conf" >"$T_DIR/nine.out" \
	2>"$T_DIR/driver-nine.log" <<CMDS || t_fail "driver run nine failed"
submitted opbad 1-1 15 1 1501
failed opbad 1-1 15 1 REJECTD 0
stats
CMDS
expect "submitted status" "$(sed -n 1p "$T_DIR/nine.out")" "1 submitted status=8"
expect "failed status" "$(sed -n 2p "$T_DIR/nine.out")" "2 failed status=8"
grep -q ' errors=2$' "$T_DIR/nine.out" || t_fail "stats: $(cat "$T_DIR/nine.out")"
expect "no mapping" "$(opid opbad 1501)" ""
expect "part untouched" "$(t_redis hexists "$P:msg:15" p1)" 0
t_ok "a failing script (queue key of the wrong type): ESME_RSYSERR, nothing written"

# --- 10: one batch (one script call): a receipt before its submit_sm_resp,
# a resp before its receipt (both matched: a link's submits are stored first),
# and a record that fails alone
msg 20 opdec 1 http 1
msg 21 opdec 1 http 1
msg 22 opdec 2 http 1
t_redis set "$P:msg:23" "not a hash" >/dev/null
e20=$(queue opdec)
e21=$(queue opdec)
t_redis config resetstat >/dev/null
"$top_builddir/test/integration/bb_dlr_driver" -c "$T_DIR/d.conf" >"$T_DIR/ten.out" \
	2>"$T_DIR/driver-ten.log" <<CMDS || t_fail "driver run ten failed"
together 7
receipt opdec 2001 DELIVRD 000
submitted opdec $e20 20 1 2001
submitted opdec $e21 21 1 2101
receipt opdec 2101 UNDELIV 001
submitted opdec - 23 1 2301 0
submitted opdec - 22 1 2201
submitted opdec - 22 2 2202
stats
CMDS
expect "one script call" "$(t_redis info commandstats | grep -c '^cmdstat_evalsha:calls=1,')" 1
expect "statuses (line 6: the record of msg 23)" "$(grep -c ' status=0$' "$T_DIR/ten.out") $(grep -c '^6 submitted status=8$' "$T_DIR/ten.out")" "6 1"
grep -q 'matched=2 unmatched=0 early=0 .* errors=1$' "$T_DIR/ten.out" || t_fail "stats: $(cat "$T_DIR/ten.out")"
expect "receipt before its resp in the batch matched" "$(t_redis hget "$P:msg:20" final)" DELIVRD
expect "nothing kept as early" "$(early opdec 2001)" ""
expect "its event" "$(ev "$P:ev:http" 20 stat)" DELIVRD
expect "receipt after its resp" "$(t_redis hget "$P:msg:21" final)" UNDELIV
expect "no early receipt" "$(early opdec 2101)" ""
expect "failed record wrote nothing" "$(opid opdec 2301) $(t_redis type "$P:msg:23")" " string"
expect "others of the batch stored" "$(opid opdec 2201) $(opid opdec 2202)" "22:1 22:2"
expect "entries acked and deleted" "$(t_redis xpending "$P:q:opdec" links | head -1) $(t_redis xlen "$P:q:opdec")" "0 0"
t_ok "one batch: receipt before its resp applied, receipt after its resp matched, a bad record fails alone"

# --- 11: redis-batch caps a batch; with a long redis-batch-delay a batch that
# fills goes at once, the rest after the delay
sed 's/^log-level = debug/log-level = debug\nredis-batch = 2\nredis-batch-delay = 300ms/' \
	"$T_DIR/d.conf" >"$T_DIR/d2.conf"
for i in 30 31 32 33 34; do msg $i opdec 1 http 1; done
t_redis config resetstat >/dev/null
start=$((${EPOCHREALTIME//[!0-9]/} / 1000))
"$top_builddir/test/integration/bb_dlr_driver" -c "$T_DIR/d2.conf" >"$T_DIR/eleven.out" \
	2>"$T_DIR/driver-eleven.log" <<CMDS || t_fail "driver run eleven failed"
together 5
submitted opdec - 30 1 3001
submitted opdec - 31 1 3101
submitted opdec - 32 1 3201
submitted opdec - 33 1 3301
submitted opdec - 34 1 3401
CMDS
took=$((${EPOCHREALTIME//[!0-9]/} / 1000 - start))
expect "three script calls" "$(t_redis info commandstats | grep -c '^cmdstat_evalsha:calls=3,')" 1
expect "all stored" "$(grep -c 'status=0' "$T_DIR/eleven.out")" 5
[ "$took" -ge 300 ] || t_fail "the last record did not wait for redis-batch-delay (${took} ms)"
t_ok "redis-batch = 2: five records in three calls, the odd one after redis-batch-delay"

# --- 12: deleting acknowledged entries never touches one still pending or
# not read yet: XTRIM MINID below the oldest pending entry; an acknowledged
# entry above it stays for a later trim, unless it is over 10 s younger
# (XDEL: an entry stuck pending must not make the stream grow)
msg 40 optrim 1 http 1
msg 41 optrim 1 http 1
msg 43 optrim 1 http 1
t_redis xgroup create "$P:q:optrim" links 0 mkstream >/dev/null
e40=$(t_redis xadd "$P:q:optrim" 1000-1 id 40 part 1)
e41=$(t_redis xadd "$P:q:optrim" 1000-2 id 41 part 1)
e43=$(t_redis xadd "$P:q:optrim" 20000-1 id 43 part 1)
t_redis xreadgroup group links c1 count 3 streams "$P:q:optrim" '>' >/dev/null
e42=$(t_redis xadd "$P:q:optrim" 20000-2 id 42 part 1)
drive twelve-a <<CMDS
submitted optrim $e41 41 1 4101
submitted optrim $e43 43 1 4301
CMDS
expect "older pending, newer acked (left for a trim), unread kept; one 19 s younger deleted" \
	"$(t_redis xrange "$P:q:optrim" - + | grep -E '^[0-9]+-[0-9]+$' | tr '\n' ' ')" "$e40 $e41 $e42 "
drive twelve-b <<CMDS
submitted optrim $e40 40 1 4001
CMDS
expect "unread entry kept" "$(t_redis xrange "$P:q:optrim" - + | grep -E '^[0-9]+-[0-9]+$' | tr '\n' ' ')" "$e42 "
expect "nothing pending" "$(t_redis xpending "$P:q:optrim" links | head -1)" 0
t_ok "acknowledged entries deleted (trimmed, or XDEL 10 s above a pending one); a pending entry and one not read yet are kept"

# --- 13: a record of the older form (a field per value, from before the
# packed m) still gets its receipts and an event with the fields of its time
oldmsg 50 opdec 1 http 1
oldmsg 51 opdec 1 smpp 1 carol
drive thirteen <<CMDS
submitted opdec - 50 1 5001
receipt opdec 5001 UNDELIV 001
submitted opdec - 51 1 5101
receipt opdec 5101 DELIVRD 000
CMDS
expect "old record final" "$(t_redis hget "$P:msg:50" final)" UNDELIV
expect "old http event" "$(ev "$P:ev:http" 50 stat) $(ev "$P:ev:http" 50 mess-id) $(ev "$P:ev:http" 50 dlr-url)" \
	"UNDELIV m50 http://127.0.0.1/d?id=50"
expect "old http event has no m" "$(t_redis xrevrange "$P:ev:http" + - count 1 | grep -cx m)" 0
expect "old smpp event" "$(ev "$P:ev:smpp:carol" 51 stat) $(ev "$P:ev:smpp:carol" 51 from) $(ev "$P:ev:smpp:carol" 51 sts)" \
	"DELIVRD Hermod 1700000000000"
t_ok "records of the older form: receipts applied, events of that form (http: mess-id, dlr-url; smpp: from, sts)"

# --- 14: Kannel's dlr-mask 8 and 16. A submit whose entry asks for it makes
# one ACK event per message (not per part); a final status that comes from a
# part no SMSC accepted (failed, not a receipt) carries nack = 1 on P:ev:http,
# also when another part completes the message; a REJECTD receipt does not.
msg 60 opdec 1 http 1
msg 61 opdec 2 http 1
msg 62 opdec 2 http 1
msg 63 opdec 1 http 1
msg 64 opdec 1 http 1
msg 65 opdec 1 smpp 1 bob
msg 66 opdec 1 http 1
drive fourteen <<CMDS
submitted opdec - 60 1 6001 1 1
receipt opdec 6001 DELIVRD 000
submitted opdec - 61 1 6101 1 1
submitted opdec - 61 2 6102 1 1
failed opdec - 62 1 REJECTD 11
submitted opdec - 62 2 6202
receipt opdec 6202 DELIVRD 000
submitted opdec - 63 1 6301
receipt opdec 6301 REJECTD 001
failed opdec - 64 1 EXPIRED 0
failed opdec - 65 1 REJECTD 11
submitted opdec - 66 1 6601 1 0
receipt opdec 6601 DELIVRD 000
CMDS
expect "ACK then the final event" "$(ev "$P:ev:http" 60 stat | tr '\n' ' ')" "ACK DELIVRD "
expect "no nack on either" "$(ev "$P:ev:http" 60 nack | tr -d "\n")" ""
expect "one ACK for two parts" "$(ev "$P:ev:http" 61 stat | tr '\n' ' ')" "ACK "
expect "nack from the failed part" "$(ev "$P:ev:http" 62 stat) $(ev "$P:ev:http" 62 nack)" "REJECTD 1"
expect "REJECTD receipt: no nack" "$(ev "$P:ev:http" 63 stat) $(ev "$P:ev:http" 63 nack)" "REJECTD "
expect "expired unsent: nack" "$(ev "$P:ev:http" 64 stat) $(ev "$P:ev:http" 64 nack)" "EXPIRED 1"
expect "smpp events keep their shape" "$(ev "$P:ev:smpp:bob" 65 stat) $(ev "$P:ev:smpp:bob" 65 nack)" "REJECTD "
expect "no ACK unless asked" "$(ev "$P:ev:http" 66 stat | tr '\n' ' ')" "DELIVRD "
t_ok "dlr-mask 8: one ACK event per message when asked; nack = 1 on finals no SMSC accepted (16)"

# --- 15: msg-id-ttl = 26h: the day's mapping lives 26 h past its day, and a
# receipt looks two days back (the default 72 h: three)
msg 71 opttl 1 http 1
drive ttl <<CMDS
submitted opttl - 70 1 7001
CMDS
ttl=$(t_redis ttl "$P:opid:opttl:$(( $(rnow) / 86400 ))")
[ "$ttl" -gt 93600 ] && [ "$ttl" -le 180000 ] || t_fail "msg-id-ttl = 26h: bucket TTL $ttl"
msg 72 opttl 1 http 1
msg 73 opdec 1 http 1
today=$(( $(rnow) / 86400 ))
t_redis hset "$P:opid:opttl:$((today - 2))" 7101 71:1 >/dev/null
t_redis hset "$P:opid:opttl:$((today - 3))" 7201 72:1 >/dev/null
t_redis hset "$P:opid:opdec:$((today - 3))" 7301 73:1 >/dev/null
drive ttl2 <<CMDS
receipt opttl 7101 DELIVRD 000
receipt opttl 7201 DELIVRD 000
receipt opdec 7301 DELIVRD 000
CMDS
expect "26h, 2 days back: matched" "$(t_redis hget "$P:msg:71" p1)" DELIVRD
expect "26h, 3 days back: not looked at" "$(t_redis hget "$P:msg:72" p1)" ""
expect "default, 3 days back: matched" "$(t_redis hget "$P:msg:73" p1)" DELIVRD
t_ok "msg-id-ttl = 26h: mapping TTL $ttl s, receipts matched 2 days back, not 3 (the default: 3)"

# --- 16: receipts for an SMPP customer that never binds a receiver do not
# pile up: what waited longer than the smpp-server's receipt-ttl goes when a
# receipt is added (the default, 72 h, keeps a 2 h old one: section 7's bob)
printf '\ngroup = smpp-server\nreceipt-ttl = 1h\n' >>"$T_DIR/d.conf"
nowms=$(( $(rnow) * 1000 ))
t_redis xadd "$P:ev:smpp:dave" "$((nowms - 7200000))-0" id 1 stat old >/dev/null
t_redis xadd "$P:ev:smpp:dave" "$((nowms - 1800000))-0" id 2 stat recent >/dev/null
msg 80 opdec 1 smpp 1 dave
drive sixteen <<CMDS
failed opdec - 80 1 REJECTD 11
CMDS
expect "old receipt trimmed" "$(t_redis xrange "$P:ev:smpp:dave" - + | grep -c -x old)" 0
expect "recent receipt kept" "$(t_redis xrange "$P:ev:smpp:dave" - + | grep -c -x recent)" 1
expect "new receipt there" "$(ev "$P:ev:smpp:dave" 80 stat)" REJECTD
t_ok "receipt-ttl = 1h: a receipt waiting 2 h for a receiver bind is trimmed, one of 30 min kept"

# --- 17: intermediate statuses (Kannel dlr-mask 4, SMPP registered_delivery
# 0x10): a record with im = 1 (the accept step's mark) gets one event per
# distinct intermediate word, im = 1 in it; the same word again, a second
# part's, or any for a record without im: none; then the final event
msg 90 opdec 1 http 1
t_redis hset "$P:msg:90" im 1 >/dev/null
msg 91 opdec 1 http 1
msg 92 opdec 2 smpp 1 erin
t_redis hset "$P:msg:92" im 1 >/dev/null
drive seventeen <<CMDS
submitted opdec - 90 1 9001
receipt opdec 9001 ENROUTE 000
receipt opdec 9001 ENROUTE 000
receipt-tlv opdec 9001 6
submitted opdec - 91 1 9101
receipt opdec 9101 ENROUTE 000
submitted opdec - 92 1 9201
submitted opdec - 92 2 9202
receipt-tlv opdec 9201 1
receipt-tlv opdec 9202 1
receipt opdec 9001 DELIVRD 000
receipt opdec 9101 DELIVRD 000
receipt opdec 9201 DELIVRD 000
receipt opdec 9202 UNDELIV 001
CMDS
expect "asked: ENROUTE, ACCEPTD once each, then final" "$(ev "$P:ev:http" 90 stat | tr '\n' ' ')" "ENROUTE ACCEPTD DELIVRD "
expect "intermediate events marked" "$(ev "$P:ev:http" 90 im | tr '\n' ' ')" "1 1  "
expect "intermediate code" "$(ev "$P:ev:http" 90 code | head -1)" 247
expect "the words notified" "$(t_redis hget "$P:msg:90" im)" "ENROUTE,ACCEPTD"
expect "not asked: final only" "$(ev "$P:ev:http" 91 stat | tr '\n' ' ')" "DELIVRD "
expect "smpp: one ENROUTE for two parts, then final" "$(ev "$P:ev:smpp:erin" 92 stat | tr '\n' ' ')" "ENROUTE UNDELIV "
expect "smpp: intermediate marked" "$(ev "$P:ev:smpp:erin" 92 im | tr '\n' ' ')" "1  "
t_ok "intermediate statuses: one event per distinct word when the record has im (im = 1 in the event), none otherwise; the final event after"
