#!/bin/bash
# shared/io/httpd and httpc: the probe's self-test (both on one loop), then the
# probe's server checked from outside with the real curl(1).
. "$top_srcdir/test/integration/lib.sh"

probe="$top_builddir/test/integration/io_http_probe"
[ -x "$probe" ] || t_fail "missing $probe"
command -v curl >/dev/null || t_fail "curl(1) is needed"

# 1. the self-test: httpc against httpd on one event loop
"$probe" >"$T_DIR/selftest.log" 2>&1 || { cat "$T_DIR/selftest.log"; t_fail "self-test failed"; }
grep -q '^PASS: 0 failure' "$T_DIR/selftest.log" || t_fail "self-test did not pass"
t_ok "probe self-test: $(grep -c '^ok' "$T_DIR/selftest.log") checks"

# 2. httpc over HTTPS (libcurl's OpenSSL) against openssl s_server, peer verified
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T_DIR/key.pem" -out "$T_DIR/cert.pem" -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 >"$T_DIR/openssl-req.log" 2>&1 ||
		t_fail "cannot make a test certificate"
	tls_port=$(t_free_port)
	t_spawn tls openssl s_server -accept "127.0.0.1:$tls_port" -cert "$T_DIR/cert.pem" \
		-key "$T_DIR/key.pem" -www -naccept 2
	t_wait_port "$tls_port"
	out=$("$probe" --get "https://127.0.0.1:$tls_port/" "$T_DIR/cert.pem" 2>&1) ||
		t_fail "HTTPS GET with the CA: $out"
	t_ok "HTTPS GET, certificate verified against its CA"
	out=$("$probe" --get "https://127.0.0.1:$tls_port/" 2>&1) &&
		t_fail "HTTPS GET to an untrusted certificate succeeded: $out"
	case $out in *status=0*) ;; *) t_fail "untrusted certificate: $out" ;; esac
	t_ok "HTTPS GET to an untrusted certificate fails"
fi

# 3. server mode, checked with curl(1)
t_spawn srv "$probe" --serve
t_wait_log srv 'listening port=[0-9]+'
port=$(sed -n 's/^listening port=\([0-9]*\).*/\1/p' "$T_DIR/srv.log" | head -n1)
[ -n "$port" ] || t_fail "no port reported"
t_wait_port "$port"
base="http://127.0.0.1:$port"
c() { curl -sS --max-time 10 "$@"; }

out=$(c "$base/sync?to=%2B4917&text=a+b&password=hunter2") || t_fail "curl GET failed"
[ "$out" = "method=GET path=/sync query=to=%2B4917&text=a+b&password=hunter2 body=0 ip=127.0.0.1 ua=curl/$(curl -V | sed -n '1s/^curl \([^ ]*\).*/\1/p')" ] ||
	t_fail "GET answer: $out"
t_ok "GET: raw query kept, headers and client ip seen"

out=$(c -d 'from=x&text=hello' "$base/async?ms=50") || t_fail "curl POST failed"
[ "$out" = "async body=from=x&text=hello" ] || t_fail "POST answer: $out"
t_ok "POST answered asynchronously"

code=$(c -o "$T_DIR/413.txt" -w '%{http_code}' --data-binary "@-" "$base/sync" < <(head -c 5000 /dev/zero | tr '\0' a))
[ "$code" = 413 ] || t_fail "oversize POST got $code"
grep -q 'too large (max 1024 bytes)' "$T_DIR/413.txt" || t_fail "413 body: $(cat "$T_DIR/413.txt")"
t_ok "oversize POST (Content-Length) gets 413 with a clear body"

code=$(c -o "$T_DIR/413c.txt" -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary "@-" "$base/sync" < <(head -c 3000 /dev/zero | tr '\0' b))
[ "$code" = 413 ] || t_fail "oversize chunked POST got $code"
t_ok "oversize chunked POST gets 413"

out=$(c -H 'Transfer-Encoding: chunked' --data-binary 'a=1' "$base/sync") || t_fail "chunked POST failed"
case $out in *"body=3 "*) ;; *) t_fail "small chunked POST: $out" ;; esac
t_ok "small chunked POST accepted"

# keep-alive: curl reuses one connection for several URLs on the command line
c -v -o /dev/null -o /dev/null -o /dev/null "$base/sync" "$base/sync" "$base/sync" 2>"$T_DIR/ka.txt" ||
	t_fail "keep-alive run failed"
[ "$(grep -c 'Re-using existing connection\|Reusing existing' "$T_DIR/ka.txt")" -ge 2 ] ||
	t_fail "connection not reused: $(grep -i connect "$T_DIR/ka.txt")"
t_ok "HTTP/1.1 keep-alive: connection reused"

# constant answers: 20 of them (the server keeps 16), each twice, over one
# connection; the status is per answer (200 or 201), the body the word
urls=() outs=()
for r in 1 2; do for i in $(seq 0 19); do urls+=("$base/static?i=$i"); outs+=(-o "$T_DIR/st.$r.$i"); done; done
c -w '%{http_code} %{content_type}\n' "${outs[@]}" "${urls[@]}" >"$T_DIR/st.codes" || t_fail "static answers"
for r in 1 2; do for i in $(seq 0 19); do
	[ "$(cat "$T_DIR/st.$r.$i")" = "w$i" ] || t_fail "static answer $i: $(cat "$T_DIR/st.$r.$i")"
done; done
[ "$(sort "$T_DIR/st.codes" | uniq -c | awk '{ print $1 ":" $2 ":" $3 }' | tr '\n' ' ')" = \
	"20:200:text/x-probe 20:201:text/x-probe " ] || t_fail "static statuses: $(sort "$T_DIR/st.codes" | uniq -c)"
t_ok "constant answers (shared and copied) keep their body, status and type"
grep -qE 'http GET /static\?i=17 status=201 .* word=w17$' "$T_DIR/srv.log" ||
	t_fail "no note on the access line"
t_ok "httpd_req_note() ends the access line"

code=$(c -o /dev/null -w '%{http_code}' "$base/nope")
[ "$code" = 404 ] || t_fail "unknown path got $code"

# the access log: one line per request, the password redacted
grep -q 'password=\*\*\*' "$T_DIR/srv.log" || t_fail "no redacted access-log line"
! grep -q hunter2 "$T_DIR/srv.log" || t_fail "password leaked into the log"
t_ok "access log redacts the password"

# a request the server never answers: SIGTERM must still stop it cleanly (503)
c -o "$T_DIR/never.txt" -w '%{http_code}' "$base/never" >"$T_DIR/never.code" 2>&1 &
never=$!
t_wait_log srv 'probe: holding path=/never' 10
kill -TERM "$T_PID_srv"
wait "$T_PID_srv"
rc=$?
[ "$rc" -eq 0 ] || t_fail "server exited with $rc"
wait "$never"
[ "$(cat "$T_DIR/never.code")" = 503 ] || t_fail "held request got $(cat "$T_DIR/never.code")"
t_ok "SIGTERM: held request answered 503, clean exit"
echo "1..$T_PASSED"
