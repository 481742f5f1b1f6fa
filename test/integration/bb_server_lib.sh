# Shared set-up of the SMPP server tests (sourced by bb_server_*.sh after
# lib.sh): a Redis, accounts acme (max-binds 2), slow (5/s), poor (no credit)
# and off (disabled), the server driver on plain $PORT and TLS $TPORT, and
# helpers: cust (the npm smpp customer, test/interop/server_customer.js), jf
# (a field of its JSON output), expect, raw (a python client on $d/smpp.py).

IOP="$top_srcdir/test/interop"
command -v python3 >/dev/null || { echo "SKIP: python3 not found"; exit 77; }

t_redis_start
P='{t}'
PORT=$(t_free_port)
TPORT=$(t_free_port)
d=$T_DIR
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$d/srv.key" -out "$d/srv.pem" >"$d/openssl.out" 2>&1 ||
	t_fail "openssl could not make a certificate"
cat >"$d/s.conf" <<CONF
group = core
redis-url = "$T_REDIS_URL"
key-prefix = t
log-level = info

group = smsc
smsc-id = op1
host = 127.0.0.1
port = 1
system-id = x

group = route
default = yes
smsc-id = op1

group = smpp-server
port = $PORT
tls-port = $TPORT
tls-cert = "$d/srv.pem"
tls-key = "$d/srv.key"
interface = 127.0.0.1
max-binds = 3
enquire-link-interval = 2s
CONF

CTL="$top_builddir/hermodctl/hermodctl"
ctl() { "$CTL" -c "$d/s.conf" "$@" >>"$d/ctl.out" 2>&1 || t_fail "hermodctl $*"; }
ctl account add acme --password secret --credit 10 --max-binds 2
ctl account add slow --password pw2 --credit 10 --throughput 5
ctl account add poor --password pw3 --credit 0
ctl account add off --password pw4 --credit 10 --enabled no
ctl rate set default 0.01

t_spawn srv "$top_builddir/test/integration/bb_server_driver" -c "$d/s.conf"
t_wait_log srv "driver ready port=$PORT"
t_wait_log srv "redis connected"

N=0
# cust NAME args...: runs the customer, output in $d/NAME.out (exit status kept)
cust() {
	local name=$1
	shift
	N=$((N + 1))
	(cd "$IOP" && node server_customer.js port="$PORT" "$@") >"$d/$name.out" 2>"$d/$name.err"
}
# jf NAME EV FIELD [K]: FIELD of the K-th (1) event EV in NAME's output
jf() {
	grep "\"ev\":\"$2\"" "$d/$1.out" | sed -n "${4:-1}p" |
		python3 -c "import json,sys; v=json.load(sys.stdin).get('$3'); print(json.dumps(v) if isinstance(v,(dict,list)) else v)"
}
# qf ID FIELD: FIELD of the first queue entry of message ID in P:q:op1
qf() { t_qentry "$d/s.conf" op1 "id=$1" "$2"; }
expect() { [ "$2" = "$3" ] || { cat "$d/$4.out" >&2 2>/dev/null; t_fail "$1: got '$2', want '$3'"; }; }

raw() {	# raw NAME: python on stdin gets the port as argv[1]; output in $d/NAME.out
	python3 - "$PORT" >"$d/$1.out" 2>&1 || { cat "$d/$1.out" >&2; t_fail "raw $1"; }
}
cat >"$d/smpp.py" <<'PY'
import socket, struct, sys
PORT = int(sys.argv[1])
def pdu(cmd, seq, body=b'', status=0):
    return struct.pack('>IIII', 16 + len(body), cmd, status, seq) + body
def c(s): return s.encode() + b'\0'
def conn():
    s = socket.create_connection(('127.0.0.1', PORT)); s.settimeout(5); return s
def read(s):
    h = b''
    while len(h) < 16:
        x = s.recv(16 - len(h))
        if not x: return None
        h += x
    n, cmd, st, seq = struct.unpack('>IIII', h)
    b = b''
    while len(b) < n - 16: b += s.recv(n - 16 - len(b))
    return (cmd, st, seq, b)
def closed(s):
    try: return s.recv(1) == b''
    except ConnectionResetError: return True
def bind(s, sysid='acme', pw='secret'):
    s.sendall(pdu(9, 1, c(sysid) + c(pw) + c('') + bytes([0x34, 0, 0]) + c('')))
    return read(s)
def submit(src='Hermod', dst='4917000010', esm=0, dcs=0, msg=b'hi', ston=5,
           vp='', sched='', rd=0, tlvs=b''):
    return (c('') + bytes([ston, 0]) + c(src) + bytes([1, 1]) + c(dst) +
            bytes([esm, 0, 0]) + c(sched) + c(vp) + bytes([rd, 0, dcs, 0, len(msg)]) +
            msg + tlvs)
def tlv(tag, v): return struct.pack('>HH', tag, len(v)) + v
PY

