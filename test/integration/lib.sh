# Helpers for integration tests (sourced). Each test starts what it needs for
# real, waits on readiness probes, and kills everything it started on exit.
#
#   . "$top_srcdir/test/integration/lib.sh"
#   t_redis_start            -> sets T_REDIS_PORT, T_REDIS_URL
#   t_spawn NAME cmd args... -> starts a process, logs to $T_DIR/NAME.log
#   t_wait_port PORT [secs]  -> waits until 127.0.0.1:PORT accepts
#   t_wait_log NAME REGEX [secs]
#   t_fail "message"         -> prints the logs and exits 1
set -u
: "${top_builddir:?run through make check}"
: "${top_srcdir:?run through make check}"

T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hermod-test.XXXXXX")
T_PIDS=""
T_NAME=$(basename "$0" .sh)
T_PASSED=0

t_cleanup() {
	local rc=$?
	local p
	for p in $T_PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $T_PIDS; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if grep -l -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T_DIR"/*.log >/dev/null 2>&1; then
		echo "$T_NAME: sanitizer reports:" >&2
		grep -h -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$T_DIR"/*.log >&2
		rc=1
	fi
	if [ "$rc" -ne 0 ] && [ -z "${T_KEEP:-}" ]; then
		for f in "$T_DIR"/*.log; do
			[ -f "$f" ] || continue
			echo "----- $f (last 40 lines)" >&2
			tail -n 40 "$f" >&2
		done
	fi
	[ -n "${T_KEEP:-}" ] && echo "test files kept in $T_DIR" >&2 || rm -rf "$T_DIR"
	echo "# $T_NAME: ${SECONDS} s"	# `grep -h '^# .*: [0-9]* s$' */*.log` ranks the slow ones
	exit "$rc"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

t_fail() {
	echo "FAIL: $T_NAME: $*" >&2
	exit 1
}

t_ok() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok $T_PASSED - $*"
}

# A TCP port nobody listens on right now (the kernel's choice).
t_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000))
}

t_spawn() {
	local name=$1
	shift
	"$@" >"$T_DIR/$name.log" 2>&1 &
	local pid=$!
	T_PIDS="$T_PIDS $pid"
	eval "T_PID_$name=$pid"
}

t_wait_port() {
	local port=$1 secs=${2:-20} i
	for ((i = 0; i < secs * 20; i++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	t_fail "nothing listens on port $port after ${secs}s"
}

t_wait_log() {
	local name=$1 re=$2 secs=${3:-20} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -q -E "$re" "$T_DIR/$name.log" 2>/dev/null && return 0
		sleep 0.05
	done
	t_fail "$name.log never matched /$re/ in ${secs}s"
}

t_redis_start() {
	local srv=${REDIS_SERVER:-redis-server}
	[ -n "$srv" ] || srv=redis-server
	T_REDIS_PORT=$(t_free_port)
	t_spawn redis "$srv" --port "$T_REDIS_PORT" --bind 127.0.0.1 --save '' \
		--appendonly no --dir "$T_DIR"
	t_wait_port "$T_REDIS_PORT"
	T_REDIS_URL="redis://127.0.0.1:$T_REDIS_PORT/0"
}

t_redis() {
	redis-cli -p "$T_REDIS_PORT" "$@"
}

# t_msg CONF ID FIELD: FIELD of message record P:msg:ID as `hermodctl message
# show` prints it (the packed m spelled out: acct, to, from, link, origin,
# dlr, ts, mess-id, dlr-mask, dlr-url; then the stored fields).
t_msg() {
	"$top_builddir/hermodctl/hermodctl" -c "$1" message show "$2" |
		sed -n "s/^$3=//p" | head -1
}

# t_qentry CONF LINK SEL FIELD: FIELD of an entry of P:q:LINK as `hermodctl
# queue show` prints it; SEL is the entry's position (1 = oldest) or id=ID
# (the first part of message ID). data and udh come out as raw octets, qhex
# for them as upper-case hex; part and parts from part=P/N; text decoded.
# Prints nothing for a field the entry lacks, "(none)" without the entry.
t_qline() {
	local all
	all=$("$top_builddir/hermodctl/hermodctl" -c "$1" queue show "$2" 100000) ||
		t_fail "hermodctl queue show $2"
	case $3 in
	id=*) grep -m1 -- " $3 " <<<"$all" ;;
	*) sed -n "$3p" <<<"$all" ;;
	esac
}
t_qhex() {
	local line
	line=$(t_qline "$@")
	[ -n "$line" ] || { echo "(none)"; return; }
	case $4 in
	text) [[ $line == *" text="* ]] && printf '%s\n' "${line#* text=}" ;;
	part) sed -n 's/.* part=\([0-9]*\)\/.*/\1/p' <<<"$line" ;;
	parts) sed -n 's/.* part=[0-9]*\/\([0-9]*\).*/\1/p' <<<"$line" ;;
	*) tr ' ' '\n' <<<"${line%% text=*}" | sed -n "s/^$4=//p" | head -1 ;;
	esac
}
t_qentry() {
	local v
	v=$(t_qhex "$@")
	case $4 in
	data|udh) printf "$(sed 's/../\\x&/g' <<<"$v")" ;;
	*) printf '%s\n' "$v" ;;
	esac
}
