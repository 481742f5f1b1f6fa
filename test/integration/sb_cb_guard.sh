#!/usr/bin/env bash
# The callback guard (doc/callbacks.md): with the default callback-deny a
# Kannel dlr-url or an account URL pointing at 127.0.0.1, or at a host name
# resolving to loopback (localhost), is never connected to: the callback is
# refused with a log line naming the address and the list, dead-lettered with
# that reason, and never retried. callback-allow lets loopback through (and a
# replayed dead letter is then delivered); a callback-deny of one's own
# replaces the default list.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_cb_lib.sh"

# No callback-allow: the defaults.
SB_CB_ALLOW='' sb_setup 'http-timeout = 2s' 'dlr-retries = 2' 'dlr-retry-delay = 1s' \
	'mo-retry-delay = 1s'
grep -q callback- "$T_DIR/h.conf" && t_fail "the setup set a callback- key"
sb_sink ok
ctl account add acme --password 'pw-acme-1' --dlr-url "http://127.0.0.1:$SINK_ok/acct-dlr" \
	--mo-url "http://127.0.0.1:$SINK_ok/mo"
sb_box box1
t_wait_log box1 'callbacks ready .* callback-deny=17 networks callback-allow=0 networks'

# --- a Kannel dlr-url at 127.0.0.1 --------------------------------------------
kurl="http://127.0.0.1:$SINK_ok/kannel?id=%I&type=%d"
sb_ev id 1 acct acme to 447700900001 dlr-url "$kurl" dlr-mask 31 stat DELIVRD err 000 code 0
t_wait_log box1 'callback refused: address 127.0.0.1 is in callback-deny \(127.0.0.0/8\) uid=ev:[0-9-]+ acct=acme id=1; dead letter, not retried'
sb_wait_idle
[ "$(t_redis LLEN "$P:cb:dead")" = 1 ] || t_fail "no dead letter"
[ "$(t_redis ZCARD "$P:cb:retry")" = 0 ] || t_fail "a retry was scheduled"
"$CTL" -c "$T_DIR/h.conf" dead-letters list >"$T_DIR/dead.txt" || t_fail "dead-letters list failed"
grep -q '^0: v=1&k=dlr&.*&i=1&n=1&.*u=http%3A%2F%2F127.0.0.1%3A.*%2Fkannel.*&e=callback%20refused%3A%20address%20127.0.0.1%20is%20in%20callback-deny' "$T_DIR/dead.txt" ||
	t_fail "dead-letters list: $(cat "$T_DIR/dead.txt")"
grep -q '^0: .*  # callback refused: address 127.0.0.1 is in callback-deny (127.0.0.0/8)$' "$T_DIR/dead.txt" ||
	t_fail "dead-letters list does not show the reason: $(cat "$T_DIR/dead.txt")"
t_ok "Kannel dlr-url at 127.0.0.1: refused, logged, dead letter with the reason after 1 try, no retry"

# --- the account's dlr-url and mo-url, and a name resolving to loopback -------
sb_ev id 2 acct acme to 447700900002 mess-id a2 stat DELIVRD err 000 code 0
sb_mo acct acme from 447700900123 to 447911000001 dcs 0 text 'hi' ts 1763788800000
sb_ev id 3 acct acme to 447700900003 dlr-url "http://localhost:$SINK_ok/named?id=%I" dlr-mask 31 \
	stat DELIVRD err 000 code 0
t_wait_log box1 'callback refused: address 127.0.0.1 is in callback-deny .* acct=acme id=2;'
t_wait_log box1 'callback refused: address 127.0.0.1 is in callback-deny .* uid=mo:'
t_wait_log box1 'callback refused: address (127.0.0.1|::1) is in callback-deny \((127.0.0.0/8|::1)\) uid=ev:[0-9-]+ acct=acme id=3;'
sb_wait_idle
[ "$(t_redis LLEN "$P:cb:dead")" = 4 ] || t_fail "$(t_redis LLEN "$P:cb:dead") dead letters, wanted 4"
[ "$(sb_count ok)" = 0 ] || t_fail "the sink was called: $(sb_req ok)"
t_ok "account dlr-url, mo-url and http://localhost/: refused after DNS, dead letters, sink never called"

kill -TERM "$T_PID_box1"
wait "$T_PID_box1" || t_fail "box1 did not stop cleanly"
grep -q 'callbacks stopped dlr_sent=0 mo_sent=0 failed=4 retried=0 dead=4' "$T_DIR/box1.log" ||
	t_fail "counters: $(grep 'callbacks stopped' "$T_DIR/box1.log")"
t_ok "4 attempts in all: none retried"

# --- callback-allow covers loopback: called, and the replay delivers ---------
printf 'callback-allow = 127.0.0.0/8, ::1\n' >>"$T_DIR/h.conf"
sb_box box2
sb_ev id 4 acct acme to 447700900004 dlr-url "$kurl" dlr-mask 31 stat DELIVRD err 000 code 0
sb_wait_req ok 1 "r['path'] == '/kannel' and q == {'id': '4', 'type': '1'}"
t_ok "callback-allow = 127.0.0.0/8, ::1: the Kannel dlr-url at 127.0.0.1 is called"
ctl dead-letters replay
sb_wait_req ok 1 "r['path'] == '/named' and q == {'id': '3'}" 10
sb_wait_req ok 1 "r['path'] == '/mo'" 10
sb_wait_idle
[ "$(t_redis LLEN "$P:cb:dead")" = 0 ] || t_fail "dead letters left after replay"
[ "$(sb_count ok "r['path'] == '/acct-dlr' and q.get('mess_id') == 'a2'")" = 1 ] || t_fail "account dlr: $(sb_req ok)"
[ "$(sb_count ok "r['path'] == '/kannel' and q.get('id') == '1'")" = 1 ] || t_fail "kannel 1: $(sb_req ok)"
t_ok "replayed after allowing loopback: all 4 delivered (localhost too)"
kill -TERM "$T_PID_box2"
wait "$T_PID_box2" || t_fail "box2 did not stop cleanly"

# --- an own callback-deny replaces the default list ---------------------------
sed -i '/^callback-allow/d' "$T_DIR/h.conf"
printf 'callback-deny = 10.0.0.0/8\n' >>"$T_DIR/h.conf"
sb_box box3
t_wait_log box3 'callback-deny=1 networks callback-allow=0 networks'
sb_ev id 5 acct acme to 447700900005 dlr-url "$kurl" dlr-mask 31 stat DELIVRD err 000 code 0
sb_wait_req ok 1 "r['path'] == '/kannel' and q == {'id': '5', 'type': '1'}"
t_ok "callback-deny = 10.0.0.0/8 replaces the defaults: 127.0.0.1 is called"

# --- IPv6 addresses that carry a denied IPv4 one for a translator -------------
sb_ev id 6 acct acme to 447700900006 dlr-url "http://[64:ff9b::a00:1]:$SINK_ok/nat64" dlr-mask 31 \
	stat DELIVRD err 000 code 0
sb_ev id 7 acct acme to 447700900007 dlr-url "http://[2002:a00:1::1]:$SINK_ok/6to4" dlr-mask 31 \
	stat DELIVRD err 000 code 0
t_wait_log box3 'callback refused: address 64:ff9b::a00:1 \(10.0.0.1\) is in callback-deny \(10.0.0.0/8\) uid=ev:[0-9-]+ acct=acme id=6;'
t_wait_log box3 'callback refused: address 2002:a00:1::1 \(10.0.0.1\) is in callback-deny \(10.0.0.0/8\) uid=ev:[0-9-]+ acct=acme id=7;'
t_ok "NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses carrying 10.0.0.1: refused by callback-deny = 10.0.0.0/8"
