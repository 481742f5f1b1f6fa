#!/usr/bin/env bash
# smsbox behind a load balancer: trusted-proxies. From a peer in the list the
# client is the rightmost X-Forwarded-For address that is not a trusted proxy,
# and that address is what an account's `ips` is checked against and what the
# access log shows; from any other peer (and without the setting) the header
# is ignored, so a client cannot pick its address by sending one.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/sb_api_lib.sh"

sb_setup
ctl account add far --password fpw --credit 10 --ips 203.0.113.0/24
ctl rate set default 0.05

# proxy_start NAME [smsbox lines...]: an smsbox with extra lines in its group.
proxy_start() {
	local name=$1 port
	shift
	port=$(t_free_port)
	{
		cat "$T_DIR/base.conf"
		printf '\ngroup = smsbox\nport = %s\ninterface = 127.0.0.1\n' "$port"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T_DIR/$name.conf"
	t_spawn "$name" "$SMSBOX" -c "$T_DIR/$name.conf"
	t_wait_port "$port"
	t_wait_log "$name" 'redis connected'
	SB_URL="http://127.0.0.1:$port"
}

# send WANT MESS_ID [X-Forwarded-For values...]: one /SMSsend, one header each.
send() {
	local want=$1 id=$2 got h=()
	shift 2
	for v in "$@"; do h+=(-H "X-Forwarded-For: $v"); done
	got=$(curl -sS --max-time 10 "${h[@]}" \
		"$SB_URL/SMSsend?user=far&pass=fpw&ownnum=Hermod&number=4412345&message=x&mess_id=$id") ||
		t_fail "curl"
	[ "$got" = "$want" ] || t_fail "XFF '$*': wanted $want, got '$got'"
}

# --- trusted-proxies = 127.0.0.1/32: the test's curl is the load balancer ---
proxy_start lb 'trusted-proxies = 127.0.0.1/32'
t_wait_log lb 'HTTP API listening .* trusted-proxies=1'
send success p1 203.0.113.5
t_wait_log lb 'http GET /SMSsend\?.*mess_id=p1 status=200 ip=203\.0\.113\.5 '
t_ok "from a trusted proxy, X-Forwarded-For 203.0.113.5: accepted (ips 203.0.113.0/24), logged as ip=203.0.113.5"
send auth_failed p2 198.51.100.1
t_wait_log lb 'mess_id=p2 status=200 ip=198\.51\.100\.1 '
t_ok "X-Forwarded-For 198.51.100.1: auth_failed, logged as ip=198.51.100.1"
send auth_failed p3 '203.0.113.5, 198.51.100.1'
send auth_failed p4 203.0.113.5 198.51.100.1
t_ok "a client's own 203.0.113.5 left of the proxy's entry (one header or two): still auth_failed"
send success p5 '198.51.100.1, 203.0.113.5, 127.0.0.1'
t_wait_log lb 'mess_id=p5 status=200 ip=203\.0\.113\.5 '
t_ok "trusted hops on the right are skipped"
send auth_failed p6
send auth_failed p7 'unknown'
t_wait_log lb 'mess_id=p7 status=200 ip=127\.0\.0\.1 '
t_ok "no header, or no address in it: the peer 127.0.0.1, refused"
[ "$(credit far)" = 99000 ] || t_fail "credit $(credit far): wanted two sends charged"
kill -TERM "$T_PID_lb"
wait "$T_PID_lb" || t_fail "lb did not stop cleanly"

# --- without trusted-proxies the header is ignored ----------------------------
proxy_start plain
send auth_failed q1 203.0.113.5
t_wait_log plain 'http GET /SMSsend\?.*mess_id=q1 status=200 ip=127\.0\.0\.1 '
t_ok "without trusted-proxies, X-Forwarded-For 203.0.113.5: ignored (ip=127.0.0.1), auth_failed"
kill -TERM "$T_PID_plain"
wait "$T_PID_plain" || t_fail "plain did not stop cleanly"

# --- a peer outside trusted-proxies: ignored too -------------------------------
proxy_start other 'trusted-proxies = 10.0.0.0/8, ::1'
send auth_failed r1 203.0.113.5
t_wait_log other 'mess_id=r1 status=200 ip=127\.0\.0\.1 '
t_ok "a peer not in trusted-proxies (10.0.0.0/8, ::1): X-Forwarded-For ignored"
