#!/bin/bash
# shared/io/conn over 127.0.0.1: plain and TLS echo both ways, certificate
# verification against the right CA (by IP and by name) and against a wrong CA
# or name (must fail), a host name whose first address refuses (the next one
# is tried), flow control with a small read_max, and the heap cost of
# an idle connection (server side, as an idle SMPP bind costs the bearerbox).
. "$top_srcdir/test/integration/lib.sh"

PROBE=$top_builddir/test/integration/io_conn_probe
command -v openssl >/dev/null || t_fail "the openssl command is needed"

# A CA, a server certificate it signs (localhost + 127.0.0.1), another CA.
mkcerts() {
	local d=$T_DIR
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=hermod-test-ca \
		-keyout "$d/ca.key" -out "$d/ca.pem" &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=localhost \
		-keyout "$d/srv.key" -out "$d/srv.csr" &&
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$d/san.ext" &&
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/srv.pem" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
		-keyout "$d/other.key" -out "$d/other.pem"
}
mkcerts >"$T_DIR/openssl.out" 2>&1 || t_fail "openssl could not make certificates"
TLS=(--cert "$T_DIR/srv.pem" --key "$T_DIR/srv.key")

# probe NAME args...: runs the probe, its output in $T_DIR/NAME.log; sets RC, OUT.
probe() {
	local name=$1
	shift
	timeout 60 "$PROBE" "$@" >"$T_DIR/$name.log" 2>&1
	RC=$?
	OUT=$(cat "$T_DIR/$name.log")
}
expect_ok() {
	[ "$RC" -eq 0 ] && grep -q '^OK ' <<<"$OUT" || t_fail "$1: expected success, got rc=$RC: $OUT"
}
expect_fail() {
	[ "$RC" -eq 1 ] && grep -q -E "^FAIL client: .*$2" <<<"$OUT" ||
		t_fail "$1: expected a failure matching /$2/, got rc=$RC: $OUT"
}
field() { sed -n "s/.*$1=\([0-9a-z]*\).*/\1/p" <<<"$OUT" | head -1; }

probe plain echo --bytes 300000
expect_ok "plain echo"
[ "$(field tls)" = 0 ] || t_fail "plain echo ran over TLS"
t_ok "plain TCP echo, 300000 bytes both ways"

probe tls_ip echo "${TLS[@]}" --ca "$T_DIR/ca.pem" --bytes 300000
expect_ok "TLS verified by IP"
[ "$(field tls)" = 1 ] || t_fail "TLS echo was not TLS"
t_ok "TLS echo, verified against the CA (IP 127.0.0.1 in the SAN)"

probe tls_name echo "${TLS[@]}" --ca "$T_DIR/ca.pem" --name localhost
expect_ok "TLS verified by name"
t_ok "TLS echo, verified against the CA (name localhost)"

# A name with two addresses (a hosts file given to the loop's resolver): the
# first refuses (nothing listens on 127.0.0.2), the second is tried and works.
printf '127.0.0.2 twohost\n127.0.0.1 twohost\n' >"$T_DIR/hosts"
probe two_addr echo --host twohost --hosts-file "$T_DIR/hosts"
expect_ok "a name with two addresses"
grep -q 'conn connect failed, trying the next address peer=127.0.0.2:' <<<"$OUT" ||
	t_fail "the first address was not tried: $OUT"
probe two_addr_tls echo "${TLS[@]}" --ca "$T_DIR/ca.pem" --name localhost \
	--host twohost --hosts-file "$T_DIR/hosts"
expect_ok "TLS to a name with two addresses"
t_ok "a name looked up without blocking: its first address refused, the next one connects (plain and TLS)"

probe wrong_ca echo "${TLS[@]}" --ca "$T_DIR/other.pem"
expect_fail "wrong CA" "certificate verify failed"
t_ok "verification against the wrong CA fails: ${OUT#FAIL client: }"

probe wrong_name echo "${TLS[@]}" --ca "$T_DIR/ca.pem" --name smsc.example.com
expect_fail "wrong name" "hostname mismatch"
t_ok "verification of the wrong name fails"

probe no_verify echo "${TLS[@]}" --ca "$T_DIR/other.pem" --no-verify
expect_ok "no verification"
t_ok "without verification the wrong CA is accepted"

probe refused echo --port "$(t_free_port)"
expect_fail "refused" "refused"
t_ok "connecting to a closed port ends with: ${OUT#FAIL client: }"

probe tls_to_plain echo "${TLS[@]}" --ca "$T_DIR/ca.pem" --plain-server
expect_fail "TLS client, plain server" "TLS"
t_ok "a TLS client facing a plain server fails: ${OUT#FAIL client: }"

probe plain_to_tls echo "${TLS[@]}" --plain-client
expect_fail "plain client, TLS server" "peer closed"
grep -q 'server side ended .*reason="TLS' <<<"$OUT" || t_fail "server did not report a TLS error: $OUT"
t_ok "a plain client facing a TLS server is dropped by the server"

probe lazy_plain echo --lazy --read-max 1000 --bytes 200000
expect_ok "plain flow control"
[ "$(field max_in)" -le 1000 ] || t_fail "plain input grew to $(field max_in) > 1000"
probe lazy_tls echo "${TLS[@]}" --ca "$T_DIR/ca.pem" --lazy --read-max 4096 --bytes 200000
expect_ok "TLS flow control"
[ "$(field max_in)" -le $((4096 + 16384)) ] || t_fail "TLS input grew to $(field max_in)"
t_ok "read_max holds a lazy reader's input (plain <= 1000, TLS <= 4096 + one record)"

probe mem_plain mem --count 200 --server-only
expect_ok "plain memory"
plain=$(field server_side_bytes)
probe mem_tls mem --count 200 --server-only "${TLS[@]}" --ca "$T_DIR/ca.pem"
expect_ok "TLS memory"
tls=$(field server_side_bytes)
if [ "$plain" = unknown ]; then
	t_ok "memory per connection not measured under sanitizers"
else
	[ "$plain" -le 4096 ] || t_fail "an idle plain connection costs $plain bytes"
	# Target 16 KiB; OpenSSL's own per-connection state is most of it. The
	# bound leaves room for other OpenSSL builds and catches buffer leaks.
	[ "$tls" -le 24576 ] || t_fail "an idle TLS connection costs $tls bytes"
	t_ok "idle connection heap: plain $plain bytes, TLS $tls bytes"
fi
