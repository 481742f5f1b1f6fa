# Helpers shared by the bb_link_*.sh tests (sourced after lib.sh): the npm smpp
# operator, a bearerbox configuration, queue entries and bounded waits.
INTEROP="$top_srcdir/test/interop"
P='{t}'

# Skips (exit 77) when node or the smpp package is missing.
bbl_need_node() {
	command -v node >/dev/null 2>&1 || { echo "SKIP: no node"; exit 77; }
	[ -d "$INTEROP/node_modules/smpp" ] ||
		(cd "$INTEROP" && npm install --no-audit --no-fund --silent >/dev/null 2>&1) ||
		{ echo "SKIP: npm smpp package not installed"; exit 77; }
}

# bbl_operator NAME args... -> starts the operator, sets OP_PORT_<NAME>.
bbl_operator() {
	local name=$1 i port=
	shift
	t_spawn "$name" node "$INTEROP/smpp_operator.js" log="$T_DIR/$name.jsonl" "$@"
	for ((i = 0; i < 400; i++)); do
		port=$(sed -n 's/^listening port=\([0-9]*\).*/\1/p' "$T_DIR/$name.log" 2>/dev/null)
		[ -n "$port" ] && break
		sleep 0.05
	done
	[ -n "$port" ] || t_fail "operator $name did not start"
	touch "$T_DIR/$name.jsonl"
	eval "OP_PORT_$name=$port"
}

# bbl_core -> the core group on stdout.
bbl_core() {
	cat <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = ${BBL_LOG_LEVEL:-info}

CONF
}

# bbl_wait SECS CMD... -> runs CMD until it succeeds, at most SECS seconds.
bbl_wait() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 20; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# bbl_count FILE EVENT -> lines of that event in an operator log.
bbl_count() {
	grep -c "\"ev\":\"$2\"" "$1" 2>/dev/null || true
}

bbl_count_ge() {
	[ "$(bbl_count "$1" "$2")" -ge "$3" ]
}

# bbl_msg ID TO [PARTS [DLR]] -> the P:msg:ID hash the accept step would write.
bbl_msg() {
	t_redis hset "$P:msg:$1" acct acme to "$2" from Hermod parts "${3:-1}" \
		origin http dlr "${4:-0}" dlr-url "" dlr-mask 0 mess-id "m$1" ts "${EPOCHSECONDS}000" >/dev/null
}

# bbl_part LINK ID PART PARTS TO DATA [field value]... -> XADDs one part.
bbl_part() {
	local link=$1 id=$2 part=$3 parts=$4 to=$5 data=$6
	shift 6
	t_redis xadd "$P:q:$link" '*' id "$id" part "$part" parts "$parts" acct acme \
		to "$to" from Hermod coding 0 udh "" sar "" data "$data" flash 0 dlr 0 \
		ts "${EPOCHSECONDS}000" tries 0 validity "" origin http "$@" >/dev/null
}

# bbl_stream_empty LINK -> true when P:q:LINK holds no entry and none pending.
bbl_stream_empty() {
	[ "$(t_redis xlen "$P:q:$1")" = 0 ] &&
		[ "$(t_redis xpending "$P:q:$1" links | head -1)" = 0 ]
}

# bbl_hash_is KEY FIELD VALUE -> true when the hash field has that value now.
bbl_hash_is() {
	[ "$(t_redis hget "$1" "$2")" = "$3" ]
}

bbl_key_exists() {
	[ "$(t_redis exists "$1")" = 1 ]
}
