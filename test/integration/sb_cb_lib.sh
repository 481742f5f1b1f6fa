# Helpers for the smsbox callback tests (sourced after lib.sh): the customer's
# web server (contrib/http-sink), the callbacks worker, events written into the
# streams as the bearerbox writes them, and counting what the customer got.
#
#   sb_setup [smsbox-group lines...]  -> Redis, $T_DIR/h.conf, $P (key prefix);
#                                        the sinks are on loopback, so the group
#                                        gets callback-allow = $SB_CB_ALLOW
#                                        (default 127.0.0.0/8; "" = none) unless
#                                        a line sets callback-allow
#   sb_sink NAME [--fail N]           -> http-sink; SINK_NAME=port, log NAME.jsonl
#   sb_box NAME                       -> an smsbox (its log: NAME.log)
#   sb_ev FIELD VALUE ...             -> XADD $P:ev:http
#   sb_mo FIELD VALUE ...             -> XADD $P:mo:http
#   sb_req NAME [PYEXPR]              -> the requests of sink NAME matching PYEXPR
#                                        (r = one request record), one JSON a line
#   sb_wait_req NAME N [PYEXPR] [SECS] -> waits until at least N match
CTL="$top_builddir/hermodctl/hermodctl"
SINK="$top_srcdir/contrib/http-sink"
# The smsbox itself; the worker alone (test driver) with SB_CB_DRIVER=1.
SB_BOX="$top_builddir/smsbox/smsbox"
[ -n "${SB_CB_DRIVER:-}" ] && SB_BOX="$top_builddir/test/integration/sb_cb_driver"

sb_setup() {
	t_redis_start
	P='{cbt}'
	{
		printf 'group = core\nredis-url = "%s"\nkey-prefix = "cbt"\nlog-level = debug\n\n' "$T_REDIS_URL"
		printf 'group = smsbox\n'
		case " $* " in
		*" callback-allow "*|*" callback-allow="*) ;;
		*) [ -n "${SB_CB_ALLOW-127.0.0.0/8}" ] &&
			printf 'callback-allow = %s\n' "${SB_CB_ALLOW-127.0.0.0/8}" ;;
		esac
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$T_DIR/h.conf"
}

ctl() {
	"$CTL" -c "$T_DIR/h.conf" "$@" >>"$T_DIR/ctl.log" 2>&1 || t_fail "hermodctl $* failed"
}

sb_sink() {
	local name=$1
	shift
	t_spawn "sink_$name" python3 "$SINK" --port 0 --port-file "$T_DIR/$name.port" \
		--log "$T_DIR/$name.jsonl" "$@"
	for ((i = 0; i < 200; i++)); do
		[ -s "$T_DIR/$name.port" ] && break
		sleep 0.05
	done
	[ -s "$T_DIR/$name.port" ] || t_fail "http-sink $name did not start"
	eval "SINK_$name=$(cat "$T_DIR/$name.port")"
	: >>"$T_DIR/$name.jsonl"
}

# Each box gets its own API port (the smsbox group is the last of h.conf).
sb_box() {
	{ cat "$T_DIR/h.conf"; printf 'port = %s\ninterface = 127.0.0.1\n' "$(t_free_port)"; } \
		>"$T_DIR/$1.conf"
	t_spawn "$1" "$SB_BOX" -c "$T_DIR/$1.conf"
	t_wait_log "$1" 'callbacks: consuming'
}

sb_ev() {
	t_redis XADD "$P:ev:http" '*' "$@" >/dev/null || t_fail "XADD ev failed"
}

sb_mo() {
	t_redis XADD "$P:mo:http" '*' "$@" >/dev/null || t_fail "XADD mo failed"
}

sb_req() {
	python3 - "$T_DIR/$1.jsonl" "${2:-True}" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    r = json.loads(line)
    q, f = r["query"], r["form"]
    if eval(sys.argv[2]):
        print(json.dumps(r, sort_keys=True))
PY
}

sb_count() {
	sb_req "$@" | wc -l
}

sb_wait_req() {
	local name=$1 n=$2 expr=${3:-True} secs=${4:-20} i c=0
	for ((i = 0; i < secs * 10; i++)); do
		c=$(sb_count "$name" "$expr")
		[ "$c" -ge "$n" ] && return 0
		sleep 0.1
	done
	t_fail "sink $name got $c requests matching $expr, wanted $n, in ${secs}s"
}

# Waits until nothing is left: no pending stream entry, no retry, no lease.
sb_wait_idle() {
	local secs=${1:-20} i p1 p2 r l
	for ((i = 0; i < secs * 10; i++)); do
		p1=$(t_redis XPENDING "$P:ev:http" smsbox | head -n 1)
		p2=$(t_redis XPENDING "$P:mo:http" smsbox | head -n 1)
		r=$(t_redis ZCARD "$P:cb:retry")
		l=$(t_redis ZCARD "$P:cb:inflight")
		[ "$p1" = 0 ] && [ "$p2" = 0 ] && [ "$r" = 0 ] && [ "$l" = 0 ] && return 0
		sleep 0.1
	done
	t_fail "work left: pending ev=$p1 mo=$p2 retry=$r inflight=$l"
}
