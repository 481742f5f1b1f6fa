#!/usr/bin/env bash
# modemsim end to end, over TCP (modem 0) and over the pseudo-terminal (modem 1):
# PIN flow and the init sequence, AT+CMGS with protocols.md §5.1 vectors (and a
# wrong <length>, ESC), status reports (delivered, the stat: rule, ENROUTE then
# final), +CMS ERROR injection, incoming +CMTI -> AT+CMGR (decoded with
# tpdu_decode) -> AT+CMGD, direct +CMT of a reversed concatenated message, a
# full SIM (+CMS ERROR 322, waiting messages), the control port (fail, kill,
# stats, sent), the submit log and a graceful SIGTERM exit.
. "$top_srcdir/test/integration/lib.sh"

SIM="$top_builddir/contrib/modemsim/modemsim"
CLIENT="$top_builddir/test/integration/modemsim_client"
[ -x "$SIM" ] || t_fail "$SIM not built"
[ -x "$CLIENT" ] || t_fail "$CLIENT not built"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed"; exit 77; }

t_spawn sim "$SIM" --modems 2 --tcp-port 0 --control-port 0 --pin 1234 \
	--pty-file "$T_DIR/ptys" --link-prefix "$T_DIR/tty" --log "$T_DIR/submits.log" \
	--sr-delay-ms 100 --sim-size 3 --imei 356938035643800 --mr-start 7 --seed 1
t_wait_log sim 'ready modems=2 control_port=[0-9]+'
PORT=$(sed -n 's/.*modem 0 .*tcp=\([0-9]*\).*/\1/p' "$T_DIR/sim.log")
CTL=$(sed -n 's/.*ready .*control_port=\([0-9]*\).*/\1/p' "$T_DIR/sim.log")
t_wait_port "$PORT"
t_wait_port "$CTL"
[ "$(wc -l <"$T_DIR/ptys")" -eq 2 ] || t_fail "pty file: $(cat "$T_DIR/ptys")"
[ "$(readlink "$T_DIR/tty1")" = "$(sed -n 2p "$T_DIR/ptys")" ] ||
	t_fail "link $T_DIR/tty1 -> $(readlink "$T_DIR/tty1"), pty file says $(sed -n 2p "$T_DIR/ptys")"
t_ok "modemsim: modem 0 on TCP $PORT, modem 1 on $(sed -n 2p "$T_DIR/ptys"), control on $CTL"

cat >"$T_DIR/at.py" <<'EOF'
import os, re, select, socket, subprocess, sys, time, tty

PORT, CTL, CLIENT, TDIR = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
P1 = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"          # 5.1 P1, length 23
P3 = "07911326040000F0310D0B911326880736F40000A90FF7FBDD454E87CDE1B0DB357EB701"  # P3 SRR, 28
P12 = "0001000B917228001011F100000CC8329BFD065DDF72363904"       # P12, length 24
n_ok = 0

def ok(msg):
    global n_ok
    n_ok += 1
    print("ok py%d - %s" % (n_ok, msg), flush=True)

def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)

def ctl(line):
    c = socket.create_connection(("127.0.0.1", CTL), timeout=5)
    f = c.makefile("rb")
    c.sendall(line.encode() + b"\n")
    out = []
    while True:
        l = f.readline().decode().rstrip("\n")
        out.append(l)
        if l.startswith("OK") or l.startswith("ERR") or l == "":
            break
    c.close()
    return out

def decode(hexpdu):
    r = subprocess.run([CLIENT, "decode", hexpdu], capture_output=True, text=True, encoding="utf-8")
    if r.returncode != 0:
        fail("tpdu_decode refused %s: %s" % (hexpdu, r.stdout))
    line = r.stdout.strip()
    d = dict(kv.split("=", 1) for kv in line.split(" text=")[0].split(" "))
    d["text"] = line.split(" text=", 1)[1] if " text=" in line else ""
    return d

def submit_pdus(*args):
    r = subprocess.run([CLIENT, "submit"] + list(args), capture_output=True, text=True, encoding="utf-8")
    if r.returncode != 0:
        fail("client submit %s" % (args,))
    return [l.split(" ") for l in r.stdout.strip().split("\n")]

# Unsolicited result codes: kept aside when they turn up before an answer.
URC_RE = rb"\r\n\+(?:CDS: \d+\r\n[0-9A-F]+|CMT: ,\d+\r\n[0-9A-F]+|CMTI: [^\r]+|CDSI: [^\r]+|CREG: \d)\r\n"

class Chan:
    """An AT peer over a socket or a pty fd; reads until a pattern matches."""
    def __init__(self, sock=None, fd=None):
        self.sock, self.fd, self.buf, self.urcs = sock, fd, b"", b""
    def send(self, b):
        if self.sock: self.sock.sendall(b)
        else: os.write(self.fd, b)
    def _read(self, t):
        f = self.sock.fileno() if self.sock else self.fd
        r, _, _ = select.select([f], [], [], t)
        if not r:
            return None
        d = self.sock.recv(4096) if self.sock else os.read(self.fd, 4096)
        return d
    def wait(self, pat, t=5.0):
        """Consumes the buffer up to the match; URCs skipped over are kept.
        Returns the match (on the old buffer) or None."""
        end = time.time() + t
        while True:
            m = re.search(pat, self.buf, re.S)
            if m:
                for u in re.finditer(URC_RE, self.buf[:m.start()]):
                    self.urcs += u.group(0)
                self.buf = self.buf[m.end():]
                return m
            left = end - time.time()
            if left <= 0:
                return None
            d = self._read(left)
            if d is None:
                continue
            if d == b"":
                return None
            self.buf += d
    def urc(self, pat, t=5.0):
        """A URC matching pat, kept earlier or still to come."""
        m = re.search(pat, self.urcs, re.S)
        if m:
            self.urcs = self.urcs[:m.start()] + self.urcs[m.end():]
            return m
        return self.wait(pat, t)
    def drain(self, t=0.2):
        while self._read(t):
            pass
        self.buf = b""
    def _answer(self, m):
        """The answer up to m's end, without the URCs that came before it."""
        return re.sub(URC_RE, b"", m.string[:m.start()]).decode() + \
            m.string[m.start():m.end()].decode()
    def at(self, cmd, want=None, t=5.0):
        self.send(cmd.encode() + b"\r")
        m = self.wait(rb"\r\n(OK|ERROR|\+CMS ERROR: \d+|\+CME ERROR: [^\r]+)\r\n", t)
        if m is None:
            fail("%s: no final result, got %r" % (cmd, self.buf))
        resp = self._answer(m)
        if want is not None and not re.search(want, resp):
            fail("%s: got %r, expected /%s/" % (cmd, resp, want))
        return resp
    def cmgs(self, length, hexpdu, want):
        self.send(b"AT+CMGS=%d\r" % length)
        if self.wait(rb"\r\n> ") is None:
            fail("AT+CMGS=%d: no prompt (%r)" % (length, self.buf))
        self.send(hexpdu.encode() + b"\x1a")
        return self.at_final("AT+CMGS", want)
    def at_final(self, what, want):
        m = self.wait(rb"\r\n(OK|ERROR|\+CMS ERROR: \d+)\r\n")
        if m is None:
            fail("%s: no final result (%r)" % (what, self.buf))
        resp = self._answer(m)
        if not re.search(want, resp):
            fail("%s: got %r, expected /%s/" % (what, resp, want))
        return resp
    def urc_pdu(self, head, t=5.0):
        m = self.urc(head + rb"\r\n([0-9A-F]+)\r\n", t)
        if m is None:
            fail("no %r URC, have %r / %r" % (head, self.urcs, self.buf))
        return m

def init(ch, imei):
    ch.at("AT", r"OK")
    ch.at("ATE0", r"OK")
    r = ch.at("AT", r"OK")
    if "AT" in r.replace("OK", ""):
        fail("echo still on: %r" % r)
    ch.at("AT+CMEE=1", r"OK")
    ch.at("AT+CPIN?", r"\+CPIN: SIM PIN")
    ch.at("AT+CMGL=4", r"\+CMS ERROR: 311")
    ch.at("AT+CIMI", r"\+CME ERROR: 11")
    ch.at('AT+CPIN="0000"', r"\+CME ERROR: 16")
    ch.at('AT+CPIN="1234"', r"OK")
    ch.at("AT+CPIN?", r"\+CPIN: READY")
    ch.at("AT+CMGF=1", r"\+CMS ERROR: 303")
    ch.at("AT+CMGF=0", r"OK")
    ch.at("AT+CMGF?", r"\+CMGF: 0")
    ch.at("AT+CNMI=2,1,0,1,0", r"OK")
    ch.at("AT+CNMI?", r"\+CNMI: 2,1,0,1,0")
    ch.at("AT+CSCA?", r'\+CSCA: "\+31624000000",145')
    ch.at('AT+CSCA="+31624000000",145', r"OK")
    ch.at("AT+CREG?;+CSQ", r"\+CREG: 0,1\r\n\r\n\+CSQ: 20,99\r\n\r\nOK")
    ch.at("AT+CGSN", r"\r\n%s\r\n\r\nOK" % imei)
    ch.at("AT+CIMI", r"\r\n00101000000000\d\r\n")
    ch.at("AT+CGMI;+CGMM;+CGMR", r"Hermod\r\n\r\nmodemsim\r\n\r\nmodemsim ")
    ch.at("AT+CPMS?", r'\+CPMS: "SM",\d,3,')
    ch.at("AT+CNUM", r"^\r\nOK\r\n$")
    ch.at("AT+XYZZY", r"^\r\nERROR\r\n$")
    ch.at("ATE9", r"^\r\nERROR\r\n$")

if len(sys.argv) > 5 and sys.argv[5] == "opts":
    # second simulator: --no-pty --index-base 0 --creg 5 --rssi 7 --smsc 0612345678
    # --sr-status 0x46 --cmgs-delay-ms 300
    tcp = Chan(sock=socket.create_connection(("127.0.0.1", PORT), timeout=5))
    tcp.at("ATE0;+CMEE=2;+CNMI=2,1,0,1,0", r"OK")
    tcp.at("AT+CREG?;+CSQ", r"\+CREG: 0,5\r\n\r\n\+CSQ: 7,99")
    tcp.at("AT+CSCA?", r'\+CSCA: "0612345678",129')
    tcp.at("AT+CIMI=1", r"\+CME ERROR: operation not supported")
    (ln, pdu), = submit_pdus("--srr", "+31611112222", "plain")
    t0 = time.time()
    tcp.send(b"AT+CMGS=%s\r" % ln.encode())
    tcp.wait(rb"\r\n> ")
    tcp.send(pdu.encode() + b"\x1aAT+CGMI\r")
    if ctl("sms 0 +4912345 during the delay") != ["OK parts=1"]:
        fail("ctl sms")
    # The answer comes after the delay, then the URCs held meanwhile, then the
    # answer to the command typed during the delay.
    m = tcp.wait(rb"^\r\n\+CMGS: 0\r\n\r\nOK\r\n(.*)\r\nHermod\r\n\r\nOK\r\n")
    if m is None or time.time() - t0 < 0.25:
        fail("delayed +CMGS / pipelined command: %r after %.2fs" %
             (tcp.buf, time.time() - t0))
    held = m.group(1)
    if b'\r\n+CMTI: "SM",0\r\n' not in held:
        fail("+CMTI not held until the final result: %r" % held)
    cds = re.search(rb"\+CDS: (\d+)\r\n([0-9A-F]+)\r\n", held)
    if cds is None:
        cds = tcp.urc_pdu(rb"\r\n\+CDS: (\d+)")
    d = decode(cds.group(2).decode())
    if d["st"] != "0x46" or d["stat"] != "EXPIRED" or d["sca"] != "0612345678":
        fail("--sr-status report %r" % d)
    tcp.buf = b""
    tcp.at("AT+CMGR=0", r"\+CMGR: 0,,\d+\r\n[0-9A-F]+\r\n\r\nOK")
    tcp.at("AT+CMGD=0;+CMGR=0", r"\+CMS ERROR: 321")
    tcp.at("AT+CNUM", r'^\r\n\+CNUM: "","\+46700000100",145\r\n\r\nOK\r\n$')
    tcp.at("AT+CNMI=2,1,0,2,0", r"OK")
    tcp.cmgs(int(ln), pdu, r"\+CMGS: 1\r\n\r\nOK")
    if tcp.urc(rb'\r\n\+CDSI: "SR",0\r\n') is None:
        fail("no +CDSI on SR: %r" % tcp.buf)
    tcp.at("AT+CMGR=0", r"\+CMS ERROR: 321")
    tcp.at('AT+CPMS="SR"', r"\+CPMS: 1,3,0,3,0,3")
    r = tcp.at("AT+CMGR=0", r"\+CMGR: 0,,25\r\n")
    d = decode(re.search(r"\r\n([0-9A-F]{20,})\r\n", r).group(1))
    if d["type"] != "report" or d["mr"] != "1":
        fail("stored report %r" % d)
    tcp.at("AT+CMGD=0;+CPMS?", r'\+CPMS: "SR",0,3,"SM",0,3')
    tcp.at('AT+CPMS="SM","SM","SM"', r"\+CPMS: 0,3,0,3,0,3")
    tcp.at('AT+CPMS="SM","SR"', r"\+CMS ERROR: 302")
    ok("options: delayed +CMGS holds URCs and queued input; index base 0; "
       "creg/rssi/smsc/msisdn; --sr-status 0x46; --sr-mem SR with +CDSI")
    tcp.at("AT+CREG=1", r"OK")
    if ctl("set 0 creg 2") != ["OK"] or tcp.urc(rb"\r\n\+CREG: 2\r\n") is None:
        fail("set creg 2 / +CREG URC: %r" % tcp.buf)
    tcp.cmgs(int(ln), pdu, r"\+CMS ERROR: 331")
    if ctl("sms 0 +4912345 while unregistered") != ["OK parts=1"] or \
       "waiting=1 " not in ctl("stats 0")[0] or tcp.wait(rb"CMTI", 0.3) is not None:
        fail("an SMS to an unregistered modem must wait: %r" % ctl("stats 0"))
    ctl("set * creg 1")
    if tcp.urc(rb"\r\n\+CREG: 1\r\n") is None:
        fail("set * creg 1: %r" % tcp.buf)
    if tcp.urc(rb'\r\n\+CMTI: "SM",0\r\n') is None:
        fail("no +CMTI once registered: %r" % tcp.buf)
    r = tcp.at("AT+CMGR=0;+CMGD=0", r"\+CMGR: 0,,")
    if decode(re.search(r"\r\n([0-9A-F]{20,})\r\n", r).group(1))["text"] != "while unregistered":
        fail("waited SMS: %r" % r)
    for cmd in ("set * cmgs-delay-ms 0", "set 0 error-rate 100", "set 0 error-code 42"):
        if ctl(cmd) != ["OK"]:
            fail(cmd)
    t0 = time.time()
    tcp.cmgs(int(ln), pdu, r"^\r\n\+CMS ERROR: 42\r\n$")
    if time.time() - t0 > 0.25:
        fail("set cmgs-delay-ms 0 not applied")
    ctl("set 0 error-rate 0")
    tcp.at("AT+CNMI=2,1,0,1,0", r"OK")
    tcp.cmgs(int(ln), pdu, r"\+CMGS: 2\r\n\r\nOK")
    # Part 2 of a "stat:UNDELIV" message inherits its outcome, even with another
    # message sent between the parts.
    parts = submit_pdus("--srr", "--ref", "90", "+31655556666", "stat:UNDELIV " + "z" * 160)
    (ln2, pdu2), = submit_pdus("--srr", "+31655556666", "other")
    tcp.cmgs(int(parts[0][0]), parts[0][1], r"\+CMGS: 3")
    tcp.cmgs(int(ln2), pdu2, r"\+CMGS: 4")
    tcp.cmgs(int(parts[1][0]), parts[1][1], r"\+CMGS: 5")
    sts = {}
    for _ in range(4):	# with the report of MR 2
        d = decode(tcp.urc_pdu(rb"\r\n\+CDS: (\d+)").group(2).decode())
        sts[d["mr"]] = d["st"]
    if sts != {"2": "0x46", "3": "0x41", "4": "0x46", "5": "0x41"}:
        fail("concat outcome %r" % sts)
    for cmd in ("set 0 bogus 1", "set 1 rssi 5", "set 0 rssi 40", "set 0 error-rate 101",
                "fail 0 maybe", "fail 3 on", "stats 9", "sent x", "kill", "nonsense"):
        r = ctl(cmd)
        if len(r) != 1 or not r[0].startswith("ERR"):
            fail("%s: %r" % (cmd, r))
    ok("set creg (+CREG URC; SMS wait while unregistered), cmgs-delay-ms, error-rate/-code at run time; later "
       "parts inherit stat:; bad control commands answer ERR")
    tcp.at("AT" + "X" * 1100, r"^\r\nERROR\r\n$")
    import random
    rnd = random.Random(7)
    junk = bytes(rnd.randrange(256) for _ in range(20000))
    tcp.send(junk + b"\x1b\r\r")
    tcp.drain(0.5)
    tcp.at("AT", r"^\r\nOK\r\n$")
    ok("a long line -> ERROR; 20000 random bytes, still alive")
    sys.exit(0)

# ---- modem 0 over TCP
s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
tcp = Chan(sock=s)
init(tcp, "356938035643800")
ok("TCP: PIN flow and init sequence")

tcp.cmgs(23, P1, r"\+CMGS: 7\r\n\r\nOK")
tcp.cmgs(22, P1, r"^\r\n\+CMS ERROR: 304\r\n$")
tcp.cmgs(24, P1, r"\+CMS ERROR: 304")
tcp.cmgs(23, "0011000B91", r"\+CMS ERROR: 304")
tcp.cmgs(23, "XYZ", r"\+CMS ERROR: 304")
tcp.at("AT+CMGS=0", r"\+CMS ERROR: 304")
tcp.send(b"AT+CMGS=23\r")
tcp.wait(rb"\r\n> ")
tcp.send(P1[:10].encode() + b"\x1b")
tcp.at_final("ESC", r"^\r\nOK\r\n$")
ok("AT+CMGS: P1 accepted with +CMGS: 7; wrong length / bad hex 304; ESC cancels")

tcp.cmgs(28, P3, r"\+CMGS: 8\r\n\r\nOK")
m = tcp.urc_pdu(rb"\r\n\+CDS: (\d+)")
d = decode(m.group(2).decode())
if d["type"] != "report" or d["mr"] != "8" or d["addr"] != "+31628870634" or \
   d["st"] != "0x00" or d["tpdu_len"] != m.group(1).decode() or d["dt_valid"] != "1":
    fail("status report %r" % d)
ok("SRR submit -> +CDS: %s with MR 8, RA +31628870634, TP-ST 0 (decoded)" % d["tpdu_len"])

(ln, pdu), = submit_pdus("--srr", "+31611112222", "stat:UNDELIV please")
tcp.cmgs(int(ln), pdu, r"\+CMGS: 9")
m = tcp.urc_pdu(rb"\r\n\+CDS: (\d+)")
d = decode(m.group(2).decode())
if d["mr"] != "9" or d["st"] != "0x41" or d["stat"] != "UNDELIV":
    fail("UNDELIV report %r" % d)
(ln, pdu), = submit_pdus("--srr", "+31611112222", "stat:ENROUTE slow")
tcp.cmgs(int(ln), pdu, r"\+CMGS: 10")
sts = [decode(tcp.urc_pdu(rb"\r\n\+CDS: (\d+)").group(2).decode())["st"] for _ in range(2)]
if sts != ["0x21", "0x00"]:
    fail("ENROUTE reports %r" % sts)
ok("stat:UNDELIV -> TP-ST 0x41; stat:ENROUTE -> 0x21 then 0x00")

(ln, pdu), = submit_pdus("+31611112222", "cms:38 network down")
tcp.cmgs(int(ln), pdu, r"^\r\n\+CMS ERROR: 38\r\n$")
parts = submit_pdus("--ref", "77", "+31633334444", "y" * 170)
if len(parts) != 2:
    fail("client split %r" % parts)
tcp.cmgs(int(parts[0][0]), parts[0][1], r"\+CMGS: 11")
tcp.cmgs(int(parts[1][0]), parts[1][1], r"\+CMGS: 12")
sent = ctl("sent 0")
if sent[-1] != "OK count=6 total=6" or "ref=77 seq=2 total=2" not in sent[-2] or \
   not sent[0].startswith("mr=7 to=+46708251358 srr=0 dcs=0x00 vp=170 text=hellohello"):
    fail("sent 0: %r" % sent)
ok("cms: rule -> +CMS ERROR: 38; concatenated submit; `sent` lists to/text/udh")

r = ctl("sms 0 +4912345 hello there")
if r != ["OK parts=1"]:
    fail("ctl sms: %r" % r)
m = tcp.urc(rb'\r\n\+CMTI: "SM",(\d)\r\n')
if m is None:
    fail("no +CMTI: %r" % tcp.buf)
idx = m.group(1).decode()
r = tcp.at("AT+CMGR=" + idx, r"\+CMGR: 0,,(\d+)\r\n([0-9A-F]+)\r\n\r\nOK")
hm = re.search(r"\+CMGR: 0,,(\d+)\r\n([0-9A-F]+)", r)
d = decode(hm.group(2))
if d["type"] != "deliver" or d["addr"] != "+4912345" or d["text"] != "hello there" or \
   d["tpdu_len"] != hm.group(1) or d["sca"] != "+31624000000" or d["scts_valid"] != "1":
    fail("stored deliver %r" % d)
tcp.at("AT+CMGL=4", r"\+CMGL: %s,1,,%s\r\n%s\r\n\r\nOK" % (idx, hm.group(1), hm.group(2)))
tcp.at("AT+CMGL=0", r"^\r\nOK\r\n$")
tcp.at("AT+CMGD=" + idx, r"OK")
tcp.at("AT+CMGR=" + idx, r"\+CMS ERROR: 321")
tcp.at("AT+CMGR=9", r"\+CMS ERROR: 321")
ok("incoming: +CMTI -> AT+CMGR (DELIVER decodes, length matches) -> AT+CMGL -> AT+CMGD")

tcp.at("AT+CNMI=2,2,0,1,0", r"OK")
text = "".join(chr(ord("a") + i % 26) for i in range(200))
r = ctl("sms --reverse 0 ACME " + text)
if r != ["OK parts=2"]:
    fail("ctl sms --reverse: %r" % r)
got = []
for _ in range(2):
    m = tcp.urc_pdu(rb"\r\n\+CMT: ,(\d+)")
    d = decode(m.group(2).decode())
    if d["tpdu_len"] != m.group(1).decode() or d["addr"] != "ACME" or d["toa"] != "0xD0":
        fail("+CMT %r" % d)
    got.append(d)
if [g["seq"] for g in got] != ["2", "1"] or got[0]["ref"] != got[1]["ref"] or \
   got[1]["text"] + got[0]["text"] != text:
    fail("reversed concat %r" % got)
r = ctl("sms --udh16 0 +4912345 " + text)
got = [decode(tcp.urc_pdu(rb"\r\n\+CMT: ,(\d+)").group(2).decode()) for _ in range(2)]
if r != ["OK parts=2"] or [g["seq"] for g in got] != ["1", "2"] or \
   int(got[0]["ref"]) < 256 or got[0]["ref"] != got[1]["ref"] or \
   got[0]["text"] + got[1]["text"] != text:
    fail("16-bit reference concat %r %r" % (r, got))
r = ctl("sms --ucs2 0 +4912345 \u00e9t\u00e9 \u3042")
m = tcp.urc_pdu(rb"\r\n\+CMT: ,(\d+)")
d = decode(m.group(2).decode())
if d["dcs"] != "0x08" or d["text"] != "\u00e9t\u00e9 \u3042":
    fail("UCS-2 +CMT %r" % d)
ok("direct +CMT: reversed 2-part concat (alphanumeric OA) reassembles; 16-bit "
   "reference; UCS-2")

r = ctl("fail 0 on")
tcp.at("AT", r"^\r\nERROR\r\n$")
ctl("fail 0 silent")
tcp.send(b"AT\r")
if tcp.wait(rb"OK|ERROR", 0.5) is not None:
    fail("silent modem answered")
ctl("fail 0 off")
tcp.at("AT", r"^\r\nOK\r\n$")
ok("fail on -> ERROR; fail silent -> no answer; fail off -> OK")

r = ctl("kill 0")
if not r[0].startswith("OK"):
    fail("kill 0: %r" % r)
try:
    gone = tcp._read(3) == b""
except OSError:
    gone = True
if not gone:
    fail("TCP peer not dropped")
s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
tcp = Chan(sock=s)
tcp.at("ATE0", r"OK")
tcp.at("AT+CPIN?", r"READY")
ok("kill drops the TCP peer; a new connection finds the SIM ready")

# ---- modem 1 over the pty (the link), SIM of 3 messages
for i in range(3):
    r = ctl("sim 1 preload +3160000000%d stored %d" % (i, i))
    if r != ["OK parts=1"]:
        fail("preload: %r" % r)
r = ctl("sim 1 preload +31600000009 one too many")
if not r[0].startswith("ERR") or "322" not in r[0]:
    fail("preload into a full SIM: %r" % r)
fd = os.open(os.path.join(TDIR, "tty1"), os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
pty = Chan(fd=fd)
pty.drain()
init(pty, "356938035643801")
ok("pty: PIN flow and init sequence through the link")

r = pty.at("AT+CMGL=4")
if len(re.findall(r"\+CMGL: \d,0,,\d+\r\n[0-9A-F]+", r)) != 3:
    fail("CMGL of preloaded: %r" % r)
pty.at("AT+CPMS?", r'\+CPMS: "SM",3,3,"SM",3,3')
pty.send(b"AT+CMGW=24\r")
pty.wait(rb"\r\n> ")
pty.send(P12.encode() + b"\x1a")
pty.at_final("CMGW", r"\+CMS ERROR: 322")
pty.cmgs(24, P12, r"\+CMGS: 7\r\n\r\nOK")
r = ctl("sms 1 +4955555 waits for room")
st = ctl("stats 1")[0]
if "waiting=1" not in st or "stored=3" not in st:
    fail("stats 1 while full: %r" % st)
pty.at("AT+CMGD=2", r"OK")
m = pty.urc(rb'\r\n\+CMTI: "SM",2\r\n')
if m is None:
    fail("no +CMTI after room freed: %r" % pty.buf)
r = pty.at("AT+CMGR=2", r"\+CMGR: 0,,")
d = decode(re.search(r"\r\n([0-9A-F]{20,})\r\n", r).group(1))
if d["text"] != "waits for room":
    fail("waited message %r" % d)
pty.at("AT+CMGD=1,4", r"OK")
pty.at("AT+CPMS?", r'\+CPMS: "SM",0,3')
ok("full SIM: preload refused, CMGW 322, incoming waits until AT+CMGD; CMGD flag 4")

old = os.readlink(os.path.join(TDIR, "tty1"))
r = ctl("kill 1")
if not r[0].startswith("OK pty=/dev/"):
    fail("kill 1: %r" % r)
try:
    os.write(fd, b"AT\r")
    hung = pty._read(1) in (b"", None)
except OSError:
    hung = True
if not hung:
    fail("old pty still answers")
os.close(fd)
new = os.readlink(os.path.join(TDIR, "tty1"))
with open(os.path.join(TDIR, "ptys")) as f:
    lines = f.read().split()
if new == old or lines[1] != new or r[0] != "OK pty=" + new:
    fail("pty after kill: old %s new %s file %r ctl %r" % (old, new, lines, r))
fd = os.open(new, os.O_RDWR | os.O_NOCTTY)
tty.setraw(fd)
pty = Chan(fd=fd)
pty.drain()
pty.at("ATE0", r"OK")
pty.at("ATZ", r"OK")
pty.at("AT+CNMI?", r"\+CNMI: 1,1,0,0,0")
ok("kill hangs up the pty; link and pty file point at the new one")

st = ctl("stats")
if st[-1] != "OK modems=2" or "submitted=6 " not in st[0] or "reports=4 " not in st[0] \
   or "delivered=6 " not in st[0] or "submitted=1 " not in st[1] or "kills=1" not in st[1]:
    fail("stats: %r" % st)
ok("stats counts submitted / delivered / reports per modem")
EOF

python3 "$T_DIR/at.py" "$PORT" "$CTL" "$CLIENT" "$T_DIR" || t_fail "AT conversation failed"

# The submit log: one line per accepted message, decoded.
grep -q 'modem=0 mr=7 to=+46708251358 srr=0 dcs=0x00 vp=170 text=hellohello$' "$T_DIR/submits.log" ||
	t_fail "log lacks P1: $(cat "$T_DIR/submits.log")"
grep -q 'modem=0 mr=12 to=+31633334444 .* ref=77 seq=2 total=2 text=y' "$T_DIR/submits.log" ||
	t_fail "log lacks the concat part: $(cat "$T_DIR/submits.log")"
[ "$(wc -l <"$T_DIR/submits.log")" -eq 7 ] || t_fail "log lines: $(cat "$T_DIR/submits.log")"
t_ok "submit log: 7 decoded lines"

kill -TERM "$T_PID_sim"
for ((i = 0; i < 100; i++)); do kill -0 "$T_PID_sim" 2>/dev/null || break; sleep 0.05; done
kill -0 "$T_PID_sim" 2>/dev/null && t_fail "modemsim ignores SIGTERM"
wait "$T_PID_sim" || t_fail "modemsim exit status $?"
grep -q 'modemsim: exit' "$T_DIR/sim.log" || t_fail "no clean exit line"
t_ok "graceful exit on SIGTERM"

# The encoders against protocols.md P4 / P5, then a second simulator for the
# options the first one leaves at their defaults.
"$SIM" --selftest >"$T_DIR/selftest.out" || t_fail "selftest: $(cat "$T_DIR/selftest.out")"
[ "$(grep -c ': ok ' "$T_DIR/selftest.out")" -eq 2 ] || t_fail "selftest: $(cat "$T_DIR/selftest.out")"
t_ok "DELIVER / STATUS-REPORT encoders reproduce P4 and P5"

t_spawn sim2 "$SIM" --no-pty --tcp-port 0 --control-port 0 --index-base 0 --creg 5 \
	--rssi 7 --smsc 0612345678 --sr-status 0x46 --sr-delay-ms 50 --cmgs-delay-ms 300 \
	--sim-size 3 --sr-mem SR --msisdn +46700000100
t_wait_log sim2 'ready modems=1 control_port=[0-9]+'
PORT2=$(sed -n 's/.*modem 0 .*tcp=\([0-9]*\).*/\1/p' "$T_DIR/sim2.log")
CTL2=$(sed -n 's/.*ready .*control_port=\([0-9]*\).*/\1/p' "$T_DIR/sim2.log")
grep -q 'pty=' "$T_DIR/sim2.log" && t_fail "--no-pty opened a pty"
python3 "$T_DIR/at.py" "$PORT2" "$CTL2" "$CLIENT" "$T_DIR" opts || t_fail "options run failed"

t_spawn sim3 "$SIM" --no-pty --tcp-port 0 --error-rate 100 --error-code 42
t_wait_log sim3 'ready modems=1'
PORT3=$(sed -n 's/.*modem 0 .*tcp=\([0-9]*\).*/\1/p' "$T_DIR/sim3.log")
out=$(python3 - "$PORT3" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"ATE0\r")
time.sleep(0.2)
s.recv(100)
s.sendall(b"AT+CMGS=23\r")
time.sleep(0.2)
s.sendall(b"0011000B916407281553F80000AA0AE8329BFD4697D9EC37\x1a")
buf = b""
end = time.time() + 5
while b"ERROR" not in buf and time.time() < end:
    buf += s.recv(100)
print(repr(buf))
PY
)
[ "$out" = "b'\\r\\n> \\r\\n+CMS ERROR: 42\\r\\n'" ] || t_fail "--error-rate 100: $out"
t_ok "--error-rate 100 --error-code 42 -> +CMS ERROR: 42"
