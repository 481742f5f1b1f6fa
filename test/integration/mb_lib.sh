# Helpers for the modembox integration tests (sourced after lib.sh): the
# modem simulator, its control port, the modembox and Redis queue entries.
#
#   mb_sim_start ARGS...     -> modemsim with 2 modems: modem 0 on a pty linked
#                               at $T_DIR/msim0, modem 1 on TCP; sets
#                               MB_CTL (control port), MB_TCP1, MB_DEV0
#   mb_sim_stop              -> stops it
#   mb_ctl CMD...            -> one control command; prints its answer lines
#   mb_conf FILE EXTRA0 EXTRA1 -> a config: modembox mb1, modems gsm0/gsm1
#                               (extra lines for each), link gsm
#   mb_start CONF            -> starts the modembox, waits for both modems
#   mb_stop                  -> stops it (SIGTERM) and waits
#   mb_queue ID PART PARTS TO CODING UDH DATA DLR -> an entry on P:q:gsm as
#                               the accept step writes it (UDH/DATA in
#                               redis-cli quoting: "\x05\x00..."); an optional
#                               9th argument is the sar field (ref:total:seq)
#   mb_msg ID PARTS TO DLR   -> the P:msg:ID hash of the accept step
#   mb_wait_eq SECS CMD WANT -> waits until the output of CMD is WANT
MB_P='{t}'
MB_SIM="$top_builddir/contrib/modemsim/modemsim"
MB_BOX="$top_builddir/modembox/modembox"

if [ ! -x "$MB_SIM" ]; then
	echo "SKIP: $MB_SIM is not built"
	exit 77
fi

MB_SIMRUN=0
mb_sim_start() {
	MB_SIMRUN=$((MB_SIMRUN + 1))
	MB_CTL=$(t_free_port)
	t_spawn "msim$MB_SIMRUN" "$MB_SIM" --modems 2 --link-prefix "$T_DIR/msim" \
		--tcp-port 0 --control-port "$MB_CTL" --imsi 240010000000100 \
		--sr-delay-ms 100 "$@"
	eval "MB_SIM_PID=\$T_PID_msim$MB_SIMRUN"
	t_wait_log "msim$MB_SIMRUN" 'modemsim: ready'
	MB_TCP1=$(sed -n 's/^modemsim: modem 1 .*tcp=\([0-9]*\).*/\1/p' \
		"$T_DIR/msim$MB_SIMRUN.log")
	MB_DEV0="$T_DIR/msim0"
	[ -n "$MB_TCP1" ] && [ -e "$MB_DEV0" ] || t_fail "modemsim did not say its ports"
	t_wait_port "$MB_CTL"
}

mb_sim_stop() {
	kill -TERM "$MB_SIM_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$MB_SIM_PID" 2>/dev/null || return 0; sleep 0.1; done
	t_fail "modemsim did not stop"
}

mb_ctl() {
	local l
	exec 4<>"/dev/tcp/127.0.0.1/$MB_CTL" || t_fail "control port closed"
	printf '%s\n' "$*" >&4
	while IFS= read -r -t 10 l <&4; do
		printf '%s\n' "$l"
		case $l in OK*|ERR*) break ;; esac
	done
	exec 4>&-
}

mb_conf() {
	cat >"$1" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = debug

group = modembox
id = mb1

group = modem
id = gsm0
modembox = mb1
device = $MB_DEV0
speed = 115200
$2

group = modem
id = gsm1
modembox = mb1
host = 127.0.0.1
port = $MB_TCP1
$3

group = smsc
smsc-id = gsm
type = modem
modembox = mb1
CONF
}

MB_RUN=0
mb_start() {
	MB_RUN=$((MB_RUN + 1))
	t_spawn "mb$MB_RUN" "$MB_BOX" -c "$1"
	eval "MB_PID=\$T_PID_mb$MB_RUN"
	t_wait_log "mb$MB_RUN" 'modem ready modem=gsm0'
	t_wait_log "mb$MB_RUN" 'modem ready modem=gsm1'
}

mb_stop() {
	kill -TERM "$MB_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$MB_PID" 2>/dev/null || return 0; sleep 0.1; done
	t_fail "modembox did not stop on SIGTERM"
}

mb_msg() {
	t_redis hset "$MB_P:msg:$1" acct alice to "$3" from 4930100 parts "$2" \
		link gsm origin http mess-id "m$1" dlr-url http://127.0.0.1/dlr \
		dlr-mask 3 dlr "$4" ts "$((${EPOCHREALTIME//[!0-9]/} / 1000))" >/dev/null
}

mb_queue() {
	echo "XADD $MB_P:q:gsm * id $1 part $2 parts $3 acct alice to $4 from 4930100 coding $5 udh \"$6\" sar \"${9:-}\" data \"$7\" flash 0 dlr $8 ts $((${EPOCHREALTIME//[!0-9]/} / 1000)) tries 0 validity 3600 origin http" |
		t_redis >/dev/null
}

mb_wait_eq() {
	local secs=$1 want=$3 got i
	for ((i = 0; i < secs * 10; i++)); do
		got=$(eval "$2" 2>/dev/null)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	t_fail "after ${secs}s: $2 gave '$got', want '$want'"
}

# Submitted count of modem N (from the simulator).
mb_sent() {
	mb_ctl stats "$1" | sed -n 's/.* submitted=\([0-9]*\).*/\1/p'
}
