#!/usr/bin/env bash
# A TLS link (certificate made here with openssl): without verification it
# binds and submits; with verification it binds when the certificate is trusted
# (SSL_CERT_FILE) and names 127.0.0.1, and refuses an untrusted one; with
# tls-ca-file it trusts the certificates that CA (made here) signed, and no
# other; an unreadable tls-ca-file stops the start.
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

tls_conf() { # NAME VERIFY [PORT]
	bbl_core
	cat <<CONF
group = smsc
smsc-id = $1
host = 127.0.0.1
port = ${3:-$OP_PORT_ops}
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

# --- tls-ca-file: a CA made here signs the operator's certificate
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
	-keyout "$T_DIR/ca.key" -out "$T_DIR/ca.pem" >/dev/null 2>&1 || t_fail "openssl: no CA"
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout "$T_DIR/srv.key" \
	-out "$T_DIR/srv.csr" >/dev/null 2>&1 || t_fail "openssl: no request"
printf 'subjectAltName=IP:127.0.0.1\n' >"$T_DIR/srv.ext"
openssl x509 -req -in "$T_DIR/srv.csr" -CA "$T_DIR/ca.pem" -CAkey "$T_DIR/ca.key" \
	-CAcreateserial -days 2 -extfile "$T_DIR/srv.ext" -out "$T_DIR/srv.pem" >/dev/null 2>&1 ||
	t_fail "openssl: could not sign"
bbl_operator opc tls-key="$T_DIR/srv.key" tls-cert="$T_DIR/srv.pem"
{ tls_conf c yes "$OP_PORT_opc"; echo "tls-ca-file = $T_DIR/ca.pem"; } >"$T_DIR/c.conf"
bbl_msg c1 4479710001
bbl_part c c1 1 1 4479710001 "ca"
t_spawn bbc "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/c.conf"
t_wait_log bbc 'bound smsc=c' 10
bbl_wait 10 bbl_stream_empty c || t_fail "tls-ca-file: part not sent"
t_ok "tls-ca-file: the certificate signed by that CA is trusted, a part sent"
kill -TERM "$T_PID_bbc"; wait "$T_PID_bbc" || t_fail "exit status"

{ tls_conf d yes "$OP_PORT_opc"; echo "tls-ca-file = $T_DIR/other.pem"; } >"$T_DIR/d.conf"
t_spawn bbd "$top_builddir/bearerbox/bearerbox" -c "$T_DIR/d.conf"
t_wait_log bbd 'session down smsc=d' 10
grep -q 'bound smsc=d' "$T_DIR/bbd.log" && t_fail "bound with a CA that did not sign the certificate"
t_ok "tls-ca-file: a certificate another CA signed is refused"
kill -TERM "$T_PID_bbd"; wait "$T_PID_bbd" || t_fail "exit status"

{ tls_conf e yes "$OP_PORT_opc"; echo "tls-ca-file = $T_DIR/missing.pem"; } >"$T_DIR/e.conf"
rc=0
"$top_builddir/bearerbox/bearerbox" -c "$T_DIR/e.conf" >"$T_DIR/bbe.log" 2>&1 || rc=$?
[ "$rc" != 0 ] || t_fail "started with a missing tls-ca-file"
grep -q 'tls CA load failed' "$T_DIR/bbe.log" || t_fail "missing tls-ca-file: not logged"
t_ok "tls-ca-file missing: the bearerbox does not start (exit $rc, logged)"
