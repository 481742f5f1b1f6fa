#!/usr/bin/env bash
# The bearerbox's admin interface (doc/admin.md) against real processes: a
# bearerbox with a link to contrib/smscsim and admin-port set, a modembox with
# two contrib/modemsim modems. /status (JSON and text) shows the link up and
# the modems with their IMSI; /metrics is well-formed Prometheus text and its
# counters move after a message goes out on each link; a customer's bind on
# the SMPP server shows per account; the password is
# required (401, logged without it) and accepted by Basic auth or ?password=;
# /health is 200, then 503 once Redis is gone; `hermodctl status` shows the
# modems; SIGTERM closes the interface.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
. "$top_srcdir/test/integration/mb_lib.sh"
sim="$top_builddir/contrib/smscsim/smscsim"
ctl="$top_builddir/hermodctl/hermodctl"
[ -x "$sim" ] || { echo "SKIP: no smscsim"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
t_redis_start
mb_sim_start
cat >"$T_DIR/empty.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
CONF
"$ctl" -c "$T_DIR/empty.conf" status >"$T_DIR/ctl0.out" 2>&1 || t_fail "status on an empty Redis"
grep -q '(no box is running)' "$T_DIR/ctl0.out" && grep -q '(no link queue or up key)' "$T_DIR/ctl0.out" &&
	grep -q '(no modembox is running)' "$T_DIR/ctl0.out" || t_fail "empty status: $(cat "$T_DIR/ctl0.out")"
"$ctl" -c "$T_DIR/empty.conf" status --json | python3 -c 'import json,sys; assert json.load(sys.stdin) == {"boxes": [], "links": [], "modemboxes": []}' ||
	t_fail "empty status --json"
"$ctl" -c "$T_DIR/empty.conf" status --bogus >/dev/null 2>&1
[ $? = 2 ] || t_fail "status --bogus: not a usage error"
t_ok "hermodctl status on an empty Redis says so (text and --json); a bad argument is a usage error"

t_spawn sim "$sim" --port 0 --system-id hermod --password pw --dlr-delay-ms 50
t_wait_log sim 'listening port=' 10
port=$(sed -n 's/.*listening port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log" | head -1)
adm=$(t_free_port)
sport=$(t_free_port)
pw='s3cret-Pw'
cat >"$T_DIR/h.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = debug
admin-port = $adm
admin-interface = 127.0.0.1
admin-password = "$pw"

group = smsc
smsc-id = sim
host = 127.0.0.1
port = $port
system-id = hermod
password = pw
sessions = 2
window = 5
throughput = 50
reconnect-delay = 1s

group = smpp-server
port = $sport
interface = 127.0.0.1

group = modembox
id = mb1

group = modem
id = gsm0
modembox = mb1
device = $MB_DEV0
daily-limit = 100

group = modem
id = gsm1
modembox = mb1
host = 127.0.0.1
port = $MB_TCP1

group = smsc
smsc-id = gsm
type = modem
modembox = mb1
CONF
mb_start "$T_DIR/h.conf"
t_spawn bb "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/h.conf"
t_wait_log bb 'link up smsc=sim' 10
t_wait_log bb "admin interface listening interface=127.0.0.1 port=$adm password=yes" 10
base="http://127.0.0.1:$adm"

# get PATH [curl args...] -> body in $T_DIR/body, status in $code
get() {
	local path=$1
	shift
	code=$(curl -s -o "$T_DIR/body" -w '%{http_code}' "$@" "$base$path") || code=000
}

# ---- authentication
get /status -D "$T_DIR/headers"
[ "$code" = 401 ] || t_fail "/status without password: $code"
grep -qi '^WWW-Authenticate: Basic realm="hermod admin"' "$T_DIR/headers" ||
	t_fail "401 without a Basic challenge: $(cat "$T_DIR/headers")"
get /metrics
[ "$code" = 401 ] || t_fail "/metrics without password: $code"
get "/status?password=WrongPw123"
[ "$code" = 401 ] || t_fail "wrong ?password=: $code"
get /metrics -u admin:WrongPw456
[ "$code" = 401 ] || t_fail "wrong Basic password: $code"
get /status -H 'Authorization: Bearer abc'
[ "$code" = 401 ] || t_fail "other scheme: $code"
get /status -u "anyone:$pw"
[ "$code" = 200 ] || t_fail "right Basic password: $code"
get "/status?password=$pw"
[ "$code" = 200 ] || t_fail "right ?password=: $code"
get /health
[ "$code" = 200 ] && [ "$(cat "$T_DIR/body")" = ok ] || t_fail "/health: $code"
t_wait_log bb 'admin: wrong password client=127.0.0.1 path=/metrics' 5
grep -q -e WrongPw123 -e WrongPw456 -e "$pw" "$T_DIR/bb.log" && t_fail "a password reached the log"
get /nothing -u "x:$pw"
[ "$code" = 404 ] || t_fail "unknown path: $code"
get /status -u "x:$pw" -X POST
[ "$code" = 405 ] || t_fail "POST: $code"
get "/status?format=xml" -u "x:$pw"
[ "$code" = 400 ] || t_fail "bad format: $code"
t_ok "401 with a Basic challenge without or with a wrong password (logged without it), 200 with Basic or ?password=, /health open"

# ---- /status JSON: the link, the modembox's modems with their IMSI
status_has() {
	get /status -u "x:$pw"
	[ "$code" = 200 ] && python3 - "$T_DIR/body" "$@" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
checks = sys.argv[2:]
link = {l["id"]: l for l in s["links"]}
mbs = {m["id"]: m for m in s["modemboxes"]}
boxes = {b["type"] for b in s["boxes"]}
ok = s["bearerbox"]["redis"] and link["sim"]["state"] == "up" \
    and link["sim"]["bound"] == 2 and link["sim"]["sessions"] == 2 \
    and link["sim"]["window"] == 5 and link["sim"]["throughput"] == 50 \
    and link["sim"]["queue"] is not None and "mb1" in mbs \
    and {"bearerbox", "modembox"} <= boxes \
    and s["watches"] == [{"id": "gsm", "failover": 0, "expired": 0, "failed": 0, "retried": 0}] \
    and all(isinstance(b["started"], int) and b["host"] and b["pid"] for b in s["boxes"])
if ok:
    m = {x["id"]: x for x in mbs["mb1"]["modems"]}
    ok = m["gsm0"]["imsi"] == "240010000000100" and m["gsm0"]["state"] == "ready" \
        and m["gsm1"]["imsi"] == "240010000000101" and m["gsm0"]["daily-limit"] == 100 \
        and isinstance(m["gsm0"]["signal"], int)
for c in checks:
    k, v = c.split("=")
    ok = ok and str(link["sim"][k]) == v
sys.exit(0 if ok else 1)
PY
}
bbl_wait 15 status_has || t_fail "/status: $(cat "$T_DIR/body")"
t_ok "/status: link sim up 2/2 bound, the watch of modem link gsm, modembox mb1 with gsm0/gsm1 ready and their IMSI, live boxes"

get "/status?format=text" -u "x:$pw"
[ "$code" = 200 ] || t_fail "text status: $code"
cp "$T_DIR/body" "$T_DIR/status.txt"
grep -q '^  sim  *up  *2/2' "$T_DIR/body" || t_fail "text: no sim line: $(cat "$T_DIR/body")"
grep -q '^Modembox mb1' "$T_DIR/body" && grep -q '^  gsm0  *ready .*240010000000100' "$T_DIR/body" ||
	t_fail "text: no modem line: $(cat "$T_DIR/body")"
grep -q '^  gsm  *failover 0, expired 0, failed 0, retried 0$' "$T_DIR/body" ||
	t_fail "text: no watch line for gsm: $(cat "$T_DIR/body")"
t_ok "/status?format=text: the link and modem tables"

# ---- /metrics: the exposition format, then counters that move
metric() { # NAME LABELS -> the sample's value
	get /metrics -u "x:$pw"
	awk -v k="hermod_$1{$2}" '$1 == k { print $2 }' "$T_DIR/body"
}
get /metrics -u "x:$pw"
[ "$code" = 200 ] || t_fail "/metrics: $code"
python3 - "$T_DIR/body" <<'PY' || t_fail "/metrics is not valid exposition text: $(cat "$T_DIR/body")"
import re, sys
name = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
lab = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
sample = re.compile(r"^(%s)(\{%s(,%s)*\})? (-?[0-9.e+]+|NaN|[+-]Inf)$" % (name, lab, lab))
typed, helped, seen = {}, set(), set()
for ln in open(sys.argv[1]).read().splitlines():
    if ln.startswith("# HELP "):
        n = ln.split()[2]
        assert n not in helped, ln
        helped.add(n)
    elif ln.startswith("# TYPE "):
        _, _, n, t = ln.split()
        assert t in ("counter", "gauge") and n not in typed and n in helped, ln
        assert (t == "counter") == n.endswith("_total"), ln
        typed[n] = t
    else:
        m = sample.match(ln)
        assert m, ln
        assert m.group(1) in typed and m.group(1).startswith("hermod_"), ln
        seen.add(m.group(1))
need = {"hermod_link_up", "hermod_link_submitted_total", "hermod_link_queue_length",
        "hermod_modem_info", "hermod_modem_sent_total", "hermod_modem_signal_rssi",
        "hermod_receipts_total", "hermod_box_up", "hermod_box_start_time_seconds",
        "hermod_redis_up", "hermod_uptime_seconds"}
assert need <= seen, need - seen
PY
[ "$(metric link_up 'link="sim"')" = 1 ] || t_fail "hermod_link_up{link=sim}"
grep -q '^hermod_modem_info{modembox="mb1",modem="gsm0",state="ready",imsi="240010000000100",' "$T_DIR/body" ||
	t_fail "no modem_info for gsm0"
[ "$(metric link_submitted_total 'link="sim"')" = 0 ] || t_fail "submitted before sending"
[ "$(metric modem_link_failover_total 'link="gsm"')" = 0 ] &&
	[ "$(metric modem_link_expired_total 'link="gsm"')" = 0 ] || t_fail "no watch counters for gsm"
sent0=$(metric modem_sent_total 'modembox="mb1",modem="gsm0"')
sent1=$(metric modem_sent_total 'modembox="mb1",modem="gsm1"')
[ -n "$sent0" ] && [ -n "$sent1" ] || t_fail "no modem_sent_total"
t_ok "/metrics: HELP/TYPE for every family, valid samples, hermod_ prefix, link and modem labels"

bbl_msg a1 447700900001 1 1
bbl_part sim a1 1 1 447700900001 "hello admin" dlr 1
mb_msg a2 1 447700900002 0
mb_queue a2 1 1 447700900002 0 "" "hello modem" 0
mgt() { [ "$(metric "$1" "$2")" = "$3" ]; }
bbl_wait 10 mgt link_submitted_total 'link="sim"' 1 || t_fail "link_submitted_total did not reach 1"
bbl_wait 10 mgt receipts_total 'result="matched"' 1 || t_fail "receipts matched did not reach 1"
bbl_wait 10 mgt link_delivers_total 'link="sim"' 1 || t_fail "delivers did not reach 1"
modem_sent() { [ $(($(metric modem_sent_total 'modembox="mb1",modem="gsm0"') + \
	$(metric modem_sent_total 'modembox="mb1",modem="gsm1"'))) = $((sent0 + sent1 + 1)) ]; }
bbl_wait 15 modem_sent || t_fail "modem_sent_total did not move"
t_ok "counters move: link submitted 1, receipt matched 1, deliver 1, modem sent +1"

# ---- the SMPP server: a customer's bind, counted per account
"$ctl" -c "$T_DIR/h.conf" account add acme --password secret --credit 10 >/dev/null ||
	t_fail "account add"
cat >"$T_DIR/bind.py" <<'PY'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = b"acme\0secret\0\0" + bytes([0x34, 0, 0]) + b"\0"
s.sendall(struct.pack(">IIII", 16 + len(body), 9, 0, 1) + body)
hdr = s.recv(16)
print("bound status=%d" % struct.unpack(">IIII", hdr)[2], flush=True)
time.sleep(120)
PY
t_spawn cust python3 "$T_DIR/bind.py" "$sport"
t_wait_log cust 'bound status=0' 10
server_has() {
	get /status -u "x:$pw"
	[ "$code" = 200 ] && python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["smpp_server"]
assert v["binds"] == 1 and v["bind_ok"] == 1 and v["port"] == int(sys.argv[2])
assert v["accounts"] == [{"account": "acme", "binds": 1, "binds_here": 1}]' "$T_DIR/body" "$sport"
}
bbl_wait 10 server_has || t_fail "/status smpp_server: $(cat "$T_DIR/body")"
[ "$(metric smpp_account_binds 'account="acme"')" = 1 ] &&
	[ "$(metric smpp_account_binds_here 'account="acme"')" = 1 ] &&
	[ "$(metric smpp_server_bind_attempts_total 'result="ok"')" = 1 ] ||
	t_fail "smpp metrics: $(grep smpp "$T_DIR/body")"
t_ok "SMPP server: the customer's bind in /status (per account, here and everywhere) and /metrics"

# ---- hermodctl status
"$ctl" -c "$T_DIR/h.conf" status >"$T_DIR/ctl.out" 2>&1 || t_fail "hermodctl status: $(cat "$T_DIR/ctl.out")"
grep -q '^Modembox mb1' "$T_DIR/ctl.out" &&
	grep -q '^  gsm0  *ready .*240010000000100' "$T_DIR/ctl.out" &&
	grep -q '^  gsm1  *ready .*240010000000101' "$T_DIR/ctl.out" &&
	grep -q '^  sim  *0  *up: bearerbox@' "$T_DIR/ctl.out" &&
	grep -q '^  gsm  *0  *up: modembox@' "$T_DIR/ctl.out" &&
	grep -q ' bearerbox  ' "$T_DIR/ctl.out" ||
	t_fail "hermodctl status: $(cat "$T_DIR/ctl.out")"
"$ctl" -c "$T_DIR/h.conf" status --json >"$T_DIR/ctl.json" || t_fail "status --json"
python3 - "$T_DIR/ctl.json" <<'PY' || t_fail "hermodctl status --json: $(cat "$T_DIR/ctl.json")"
import json, sys
s = json.load(open(sys.argv[1]))
m = {x["id"]: x for x in s["modemboxes"][0]["modems"]}
assert m["gsm0"]["imsi"] == "240010000000100" and m["gsm0"]["daily-limit"] == 100
assert {l["id"]: l["up"] for l in s["links"]} == {"sim": True, "gsm": True}
assert {"bearerbox", "modembox"} <= {b["type"] for b in s["boxes"]}
assert all(isinstance(b["started"], int) and b["host"] for b in s["boxes"])
PY
t_ok "hermodctl status: boxes, links with their holder, modems with IMSI and limits (text and --json)"

# ---- Redis gone: /health 503, /status still answers from memory
kill -TERM "$T_PID_redis"
health_is() { get /health; [ "$code" = "$1" ]; }
bbl_wait 10 health_is 503 || t_fail "/health with Redis down: $code"
get /status -u "x:$pw"
[ "$code" = 200 ] && python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["bearerbox"]["redis"] is False and s["links"][0]["id"] == "sim"
assert s["links"][0]["queue"] is None and s["modemboxes"] == []' "$T_DIR/body" ||
	t_fail "/status with Redis down: $code $(cat "$T_DIR/body")"
get /metrics -u "x:$pw"
[ "$code" = 200 ] && grep -q '^hermod_redis_up 0$' "$T_DIR/body" ||
	t_fail "hermod_redis_up not 0"
! "$ctl" -c "$T_DIR/h.conf" status >"$T_DIR/ctl2.out" 2>&1 && grep -q 'cannot connect to Redis' "$T_DIR/ctl2.out" ||
	t_fail "hermodctl status without Redis: $(cat "$T_DIR/ctl2.out")"
t_ok "Redis killed: /health 503, /status and /metrics answer from memory, hermodctl status fails"

kill -TERM "$T_PID_bb"
wait "$T_PID_bb"
rc=$?
[ "$rc" = 0 ] || t_fail "bearerbox exit status $rc"
grep -q 'admin interface stopped' "$T_DIR/bb.log" || t_fail "admin interface not stopped"
t_ok "SIGTERM: the admin interface closes, exit 0"
