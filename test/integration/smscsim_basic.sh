#!/usr/bin/env bash
# smscsim end to end: binds with credentials, submits with receipts (random mix
# and the deterministic "stat:WORD" rule), TX/RX split, SMPP 3.3, latency, error
# injection and throttling through the control port, MO (single and UDH parts),
# drop, enquire_link, SIGUSR1 stats and a graceful SIGTERM exit.
. "$top_srcdir/test/integration/lib.sh"

SIM="$top_builddir/contrib/smscsim/smscsim"
CLIENT="$top_builddir/test/integration/smscsim_client"
[ -x "$SIM" ] || t_fail "$SIM not built"
[ -x "$CLIENT" ] || t_fail "$CLIENT not built"

t_spawn sim "$SIM" --port 0 --control-port 0 --system-id esme --password secret \
	--dlr-delay-ms 20 --dlr-mix "DELIVRD=90,UNDELIV=5,EXPIRED=3,REJECTD=2" \
	--seed 42 --enquire-interval 1 --log "$T_DIR/msgs.log"
t_wait_log sim 'listening port=[0-9]+ control_port=[0-9]+'
PORT=$(sed -n 's/.*listening port=\([0-9]*\) .*/\1/p' "$T_DIR/sim.log")
CTL=$(sed -n 's/.*control_port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log")
t_wait_port "$PORT"
t_wait_port "$CTL"
t_ok "smscsim listens on $PORT, control on $CTL"

# One control command, one answer line.
ctl() {
	local line
	exec 4<>"/dev/tcp/127.0.0.1/$CTL" || t_fail "control port refused"
	printf '%s\n' "$*" >&4
	IFS= read -r -t 5 line <&4 || t_fail "no control answer to: $*"
	exec 4<&-
	printf '%s\n' "$line"
}

# Waits until exactly N sessions exist and are bound (the readiness probe for
# a client started in the background; earlier clients are gone by then).
wait_bound() {
	local i
	for ((i = 0; i < 200; i++)); do
		case "$(ctl stats)" in *" sessions=$1 bound=$1 "*) return 0 ;; esac
		sleep 0.05
	done
	t_fail "never $1 bound session(s): $(ctl stats)"
}

# Runs the client (name first) and keeps its output in $T_DIR/NAME.out.
client() {
	local name=$1
	shift
	"$CLIENT" --port "$PORT" "$@" >"$T_DIR/$name.out" 2>&1 ||
		t_fail "client $name failed: $(cat "$T_DIR/$name.out")"
}

# Value of key in the last line of a client output.
val() {
	tail -n 1 "$T_DIR/$1.out" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

expect() {
	local got
	got=$(val "$1" "$2")
	[ "$got" = "$3" ] || t_fail "$1: $2=$got, expected $3: $(tail -n 1 "$T_DIR/$1.out")"
}

client badpw --password wrong --expect-bind 0x0E
client badsys --system-id other --expect-bind 0x0F
t_ok "bad password -> ESME_RINVPASWD, bad system_id -> ESME_RINVSYSID"

client mix --count 200 --window 20 --expect-dlr 200
expect mix resp_ok 200
expect mix dlr 200
expect mix dlr_known 200
expect mix dlr_tlv_ok 200
sum=$(($(val mix DELIVRD) + $(val mix UNDELIV) + $(val mix EXPIRED) + $(val mix REJECTD)))
[ "$sum" -eq 200 ] || t_fail "mix: states do not add up: $(tail -n 1 "$T_DIR/mix.out")"
[ "$(val mix DELIVRD)" -ge 150 ] || t_fail "mix: too few DELIVRD: $(val mix DELIVRD)"
t_ok "200 submits, 200 receipts with ids and TLVs, mix $(val mix DELIVRD)/$(val mix UNDELIV)/$(val mix EXPIRED)/$(val mix REJECTD)"

client expired --count 7 --text "stat:EXPIRED please" --expect-dlr 7
expect expired EXPIRED 7
client failonly --count 4 --reg 2 --text "stat:REJECTD x" --expect-dlr 4
expect failonly REJECTD 4
client okonly --count 5 --reg 2 --text "stat:DELIVRD x" --linger-ms 300
expect okonly dlr 0
t_ok "stat:WORD picks the final state; registered_delivery 2 only reports failures"

client chain --count 3 --text "stat:ENROUTE+UNDELIV x" --expect-dlr 6
expect chain dlr_interim 3
expect chain ENROUTE 3
expect chain UNDELIV 3
expect chain dlr_tlv_ok 6
t_ok "stat:ENROUTE+UNDELIV: an intermediate notification (esm_class 0x20, ENROUTE), then the final receipt"

"$CLIENT" --port "$PORT" --bind rx --expect-dlr 10 --timeout-ms 8000 >"$T_DIR/rx.out" 2>&1 &
RXPID=$!
wait_bound 1
client tx --bind tx --count 10
wait "$RXPID" || t_fail "rx client: $(cat "$T_DIR/rx.out")"
expect rx dlr 10
t_ok "receipts of a transmitter bind go to the receiver bind of the same system_id"

client v33 --version 0x33 --count 3 --expect-dlr 3
expect v33 dlr 3
expect v33 dlr_known 3
expect v33 dlr_tlv_ok 0
t_ok "SMPP 3.3 bind: receipts without TLVs"

[ "$(ctl set latency-ms 300)" = OK ] || t_fail "set latency-ms"
start=$(date +%s%N)
client slow --count 3 --reg 0
elapsed=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed" -ge 300 ] || t_fail "latency-ms 300 but answered in ${elapsed}ms"
ctl set latency-ms 0 >/dev/null
t_ok "latency-ms delays submit_sm_resp (${elapsed}ms)"

ctl set error-status 0x08 >/dev/null
[ "$(ctl set error-rate 100)" = OK ] || t_fail "set error-rate"
client errors --count 4 --reg 1 --linger-ms 100
expect errors resp_err 4
expect errors last_err 0x08
expect errors dlr 0
ctl set error-rate 0 >/dev/null
[ "$(ctl set bogus 1)" != OK ] || t_fail "set accepted an unknown option"
t_ok "error injection answers with the configured status"

ctl set throttle 5 >/dev/null
client throttle --count 20 --window 20 --reg 0
ctl set throttle 0 >/dev/null
ok=$(val throttle resp_ok)
[ "$ok" -ge 5 ] && [ "$ok" -le 10 ] || t_fail "throttle 5/s let $ok of 20 through"
expect throttle last_err 0x58
t_ok "throttle answers ESME_RTHROTTLED above the rate ($ok of 20 accepted)"

"$CLIENT" --port "$PORT" --bind rx --expect-mo 3 --timeout-ms 8000 >"$T_DIR/mo.out" 2>&1 &
MOPID=$!
wait_bound 1
[ "$(ctl mo 447700900555 4512 Hello there)" = "OK parts=1" ] || t_fail "mo"
long=$(printf 'x%.0s' $(seq 1 200))
[ "$(ctl mo INFO 4512 "$long")" = "OK parts=2" ] || t_fail "long mo"
wait "$MOPID" || t_fail "mo client: $(cat "$T_DIR/mo.out")"
grep -q '^mo src=447700900555 dst=4512 esm=0x00 len=11 text=Hello there$' "$T_DIR/mo.out" ||
	t_fail "short MO not received: $(cat "$T_DIR/mo.out")"
grep -q '^mo src=INFO dst=4512 esm=0x40 udh=050003..0201 len=153 ' "$T_DIR/mo.out" ||
	t_fail "MO part 1 not received"
grep -q '^mo src=INFO dst=4512 esm=0x40 udh=050003..0202 len=47 ' "$T_DIR/mo.out" ||
	t_fail "MO part 2 not received"
[ "$(ctl mo@nobody 1 2 hi)" = "ERR no receiver bound" ] || t_fail "mo to nobody"
t_ok "control mo: one part, then two UDH parts"

"$CLIENT" --port "$PORT" --wait-close --timeout-ms 8000 >"$T_DIR/drop.out" 2>&1 &
DROPPID=$!
wait_bound 1
[ "$(ctl drop)" = "OK dropped=1" ] || t_fail "drop"
wait "$DROPPID" || t_fail "drop client: $(cat "$T_DIR/drop.out")"
t_ok "control drop closes the connection"

client keep --linger-ms 1500
[ "$(val keep enquire)" -ge 1 ] || t_fail "no enquire_link in 1.5s with --enquire-interval 1"
t_ok "enquire_link sent periodically"

stats=$(ctl stats)
case "$stats" in
*" submits=2"[0-9][0-9]" "*"dlr_sent="*"mo_sent=3 "*"drops=1 "*) ;;
*) t_fail "unexpected stats: $stats" ;;
esac
T_SIM=$T_PID_sim
kill -USR1 "$T_SIM"
t_wait_log msgs ' stats connections='
kill -TERM "$T_SIM"
for _ in $(seq 1 60); do kill -0 "$T_SIM" 2>/dev/null || break; sleep 0.05; done
kill -0 "$T_SIM" 2>/dev/null && t_fail "smscsim did not exit on SIGTERM"
wait "$T_SIM" || t_fail "smscsim exit status $?"
grep -q ' exit connections=' "$T_DIR/msgs.log" || t_fail "no exit line"
t_ok "stats, SIGUSR1 and graceful SIGTERM"
