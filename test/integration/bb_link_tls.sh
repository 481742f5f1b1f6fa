#!/usr/bin/env bash
# A TLS link (certificate made here with openssl): without verification it
# binds and submits; with verification it binds when the certificate is trusted
# (SSL_CERT_FILE) and names 127.0.0.1, and refuses an untrusted one.
. "$top_srcdir/test/integration/lib.sh"
. "$top_srcdir/test/integration/bb_link_lib.sh"
bbl_need_node
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }
t_redis_start

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout "$T_DIR/key.pem" \
	-out "$T_DIR/cert.pem" >/dev/null 2>&1 || t_fail "openssl could not make a certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other \
	-keyout "$T_DIR/other.key" -out "$T_DIR/other.pem" >/dev/null 2>&1 ||
	t_fail "openssl could not make the second certificate"
bbl_operator ops tls-key="$T_DIR/key.pem" tls-cert="$T_DIR/cert.pem"

tls_conf() { # NAME VERIFY
	bbl_core
	cat <<CONF
group = smsc
smsc-id = $1
host = 127.0.0.1
port = $OP_PORT_ops
system-id = hermod
tls = yes
tls-verify = $2
reconnect-delay = 1s
CONF
}

tls_conf s no >"$T_DIR/s.conf"
for ((i = 1; i <= 5; i++)); do bbl_msg "s$i" 447970000$i; bbl_part s "s$i" 1 1 447970000$i "tls $i"; done
t_spawn bbs "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/s.conf"
bbl_wait 10 bbl_count_ge "$T_DIR/ops.jsonl" resp 5 || t_fail "no submits over TLS"
bbl_wait 10 bbl_stream_empty s || t_fail "TLS queue not drained"
t_ok "TLS without verification: bound and 5 parts submitted"
kill -TERM "$T_PID_bbs"; wait "$T_PID_bbs" || t_fail "exit status"

tls_conf v yes >"$T_DIR/v.conf"
SSL_CERT_FILE="$T_DIR/cert.pem" t_spawn bbv "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/v.conf"
t_wait_log bbv 'bound smsc=v' 10
t_ok "TLS with verification: a trusted certificate for 127.0.0.1 binds"
kill -TERM "$T_PID_bbv"; wait "$T_PID_bbv" || t_fail "exit status"

tls_conf x yes >"$T_DIR/x.conf"
SSL_CERT_FILE="$T_DIR/other.pem" t_spawn bbx "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/x.conf"
t_wait_log bbx 'session down smsc=x' 10
grep -q 'bound smsc=x' "$T_DIR/bbx.log" && t_fail "bound with an untrusted certificate"
t_ok "TLS with verification: an untrusted certificate is refused"
