# Helpers for the smsbox HTTP API tests (sourced after lib.sh). No bearerbox:
# the tests read what the accept step left in Redis.
#
#   sb_setup            -> Redis, $T_DIR/hermod.conf (links sim/sarl/payl), $CTL
#   sb_start NAME [BASE] -> an smsbox on a free port with config BASE (default
#                          $T_DIR/base.conf); sets SB_URL (and SB_URL_NAME)
#   sb_get PATH         -> the answer body of GET $SB_URL$PATH
#   sb_expect WORD PATH -> fails unless the body is WORD (HTTP 200)
#   kexpect STATUS LINE PATH [curl args...] -> fails unless the answer is the
#                          Kannel line LINE with HTTP status STATUS
#   qfield KEY N FIELD  -> field FIELD of the Nth entry of stream KEY
#   qhex KEY N FIELD    -> the same in upper-case hex
P='{hermod}'
CTL="$top_builddir/hermodctl/hermodctl"
SMSBOX="$top_builddir/smsbox/smsbox"

sb_setup() {
	[ -x "$SMSBOX" ] || t_fail "smsbox not built"
	[ -x "$CTL" ] || t_fail "hermodctl not built"
	command -v curl >/dev/null || t_fail "curl is needed"
	t_redis_start
	cat >"$T_DIR/base.conf" <<EOF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = "hermod"

group = smsc
smsc-id = sim
host = 127.0.0.1
port = 9
system-id = x
max-parts = 10

group = smsc
smsc-id = sarl
host = 127.0.0.1
port = 9
system-id = x
long-message = sar

group = smsc
smsc-id = payl
host = 127.0.0.1
port = 9
system-id = x
long-message = payload

group = route
default = yes
smsc-id = sim

group = route
prefix = 49
smsc-id = sarl

group = route
prefix = 33
smsc-id = payl
EOF
	cp "$T_DIR/base.conf" "$T_DIR/hermod.conf"
}

ctl() {
	"$CTL" -c "$T_DIR/hermod.conf" "$@" >>"$T_DIR/ctl.log" 2>&1 || t_fail "hermodctl $*"
}

sb_start() {
	local name=$1 base=${2:-$T_DIR/base.conf} port
	port=$(t_free_port)
	{
		cat "$base"
		printf '\ngroup = smsbox\nport = %s\ninterface = 127.0.0.1\n' "$port"
	} >"$T_DIR/$name.conf"
	t_spawn "$name" "$SMSBOX" -c "$T_DIR/$name.conf"
	t_wait_port "$port"
	t_wait_log "$name" 'redis connected'
	SB_URL="http://127.0.0.1:$port"
	eval "SB_URL_$name=\$SB_URL"
}

sb_get() {
	curl -sS --max-time 10 "$SB_URL$1"
}

sb_expect() {
	local want=$1 path=$2 got code
	got=$(curl -sS --max-time 10 -w '\n%{http_code}' "$SB_URL$path") || t_fail "curl $path"
	code=${got##*$'\n'}
	got=${got%$'\n'*}
	[ "$got" = "$want" ] || t_fail "GET $path: wanted '$want', got '$got'"
	[ "$code" = 200 ] || t_fail "GET $path: HTTP $code"
	t_ok "$want: ${3:-$path}"
}

kexpect() {
	local want_code=$1 want=$2 path=$3 got code
	shift 3
	got=$(curl -sS --max-time 10 -w '\n%{http_code}' "$@" "$SB_URL$path") || t_fail "curl $path"
	code=${got##*$'\n'}
	got=${got%$'\n'*}
	[ "$got" = "$want" ] && [ "$code" = "$want_code" ] ||
		t_fail "$path: wanted $want_code '$want', got $code '$got'"
	t_ok "$want_code $want"
}

credit() { t_redis HGET "$P:acct:$1" credit; }
qlen() { t_redis XLEN "$P:q:$1"; }

# The entries are packed (shared/codec/qentry): hermodctl queue show reads them.
qfield() { t_qentry "$T_DIR/hermod.conf" "${1##*:q:}" "$2" "$3"; }
qhex() { t_qhex "$T_DIR/hermod.conf" "${1##*:q:}" "$2" "$3"; }

rep() { # rep STRING N: STRING N times
	local s="" i
	for ((i = 0; i < $2; i++)); do s+=$1; done
	printf '%s' "$s"
}
