#!/usr/bin/env node
// A scriptable SMPP customer (ESME role) on the npm `smpp` package, the foreign
// peer of the bearerbox SMPP server tests (test/integration/bb_server_*.sh).
// Options are key=value arguments:
//   port=N host=H            where to connect (host 127.0.0.1)
//   tls=1                    SMPP over TLS (certificate not verified)
//   sys=S pw=P               system_id / password
//   mode=tx|rx|trx           bind_transmitter / _receiver / _transceiver
//   ver=0x34|0x33            interface_version
//   submit=TO:TEXT           a submit_sm (repeat with submit2=, submit3=, ...)
//   udh=HEX                  the UDH of submit (udh2= of submit2...): put
//                            before the text, esm_class UDHI
//   sar=REF:TOTAL:SEQ        the SAR TLVs of submit (sar2= of submit2...)
//   from=F ton=N             source_addr and its TON (default Hermod, 5)
//   dlr=1                    registered_delivery 1
//   dcs=N                    data_coding (default: the package chooses)
//   multi=TO,TO,...:TEXT     a submit_multi
//   payload=TO:TEXT          a data_sm with message_payload
//   query=ID                 query_sm (ID "last": the last submit's id)
//   cancel=ID                cancel_sm (ID "last": the last submit's id)
//   flood=N:TO               N submit_sm without waiting for the answers
//   wait=N                   wait for N deliver_sm (answered ESME_ROK)
//   nack-first=1             answer the first deliver_sm ESME_RX_T_APPN
//   no-resp=1                never answer deliver_sm (they stay pending)
//   timeout=MS               give up after MS (default 10000): exit 3
//   unbind=0                 close without unbind
// One JSON line per event on stdout: {"ev":"bind","status":0}, {"ev":"submit",
// "status":0,"id":"1"}, {"ev":"deliver","esm_class":4,"text":"...","tlv":{...}},
// {"ev":"query",...}, {"ev":"flood","ok":N,"throttled":N,"other":N}.
// Exit 0 after the last step, 2 when the bind failed, 3 on timeout.
'use strict';
const smpp = require('smpp');
const defs = require('smpp/lib/defs');

defs.filters.message.decode = (v) => v;

const opt = {};
for (const a of process.argv.slice(2)) {
	const i = a.indexOf('=');
	opt[i < 0 ? a : a.slice(0, i)] = i < 0 ? '1' : a.slice(i + 1);
}
const out = (ev) => process.stdout.write(JSON.stringify(ev) + '\n');
const host = opt.host || '127.0.0.1';
const url = (opt.tls ? 'ssmpp://' : 'smpp://') + host + ':' + opt.port;
const session = smpp.connect({ url, rejectUnauthorized: false,
	auto_enquire_link_period: 0 });
let lastId = null;
let delivered = 0;
let nacked = false;
const want = Number(opt.wait || 0);

const timer = setTimeout(() => { out({ ev: 'timeout' }); process.exit(3); },
	Number(opt.timeout || 10000));

function text(m) {
	if (m === undefined || m === null) return '';
	if (Buffer.isBuffer(m)) return m.toString('latin1');
	if (m.message !== undefined) return Buffer.isBuffer(m.message) ?
		m.message.toString('latin1') : String(m.message);
	return String(m);
}

session.on('error', (e) => { out({ ev: 'error', msg: String(e.message || e) }); });
session.on('close', () => { out({ ev: 'close' }); });
session.on('unbind', (pdu) => { session.send(pdu.response()); out({ ev: 'unbound' }); });
session.on('enquire_link', (pdu) => { session.send(pdu.response()); out({ ev: 'enquire_link' }); });

let waiter = null;
session.on('deliver_sm', (pdu) => {
	if (opt['no-resp']) {
		out({ ev: 'deliver', unanswered: true });
		delivered++;
		if (waiter && delivered >= want) { const w = waiter; waiter = null; w(); }
		return;
	}
	if (opt['nack-first'] && !nacked) {
		nacked = true;
		session.send(pdu.response({ command_status: 0x64 }));
		out({ ev: 'deliver', nacked: true });
		return;
	}
	session.send(pdu.response());
	const tlv = {};
	if (pdu.receipted_message_id !== undefined) tlv.receipted_message_id = pdu.receipted_message_id;
	if (pdu.message_state !== undefined) tlv.message_state = pdu.message_state;
	const sm = pdu.message_payload !== undefined && pdu.message_payload !== null &&
		(!pdu.short_message || text(pdu.short_message) === '') ?
		pdu.message_payload : pdu.short_message;
	const raw = Buffer.isBuffer(sm) ? sm : (sm && Buffer.isBuffer(sm.message) ? sm.message : Buffer.from(text(sm), 'latin1'));
	out({ ev: 'deliver', esm_class: pdu.esm_class, data_coding: pdu.data_coding,
		source_addr: pdu.source_addr, destination_addr: pdu.destination_addr,
		text: pdu.data_coding === 8 && raw.length % 2 === 0 ?
			Buffer.from(raw).swap16().toString('utf16le') : raw.toString('latin1'),
		tlv });
	delivered++;
	if (waiter && delivered >= want) { const w = waiter; waiter = null; w(); }
});

const call = (fn, pdu) => new Promise((res) => session[fn](pdu, (r) => res(r)));

function split(v) {
	const i = v.indexOf(':');
	return [v.slice(0, i), v.slice(i + 1)];
}

function base() {
	const p = { source_addr: opt.from || 'Hermod',
		source_addr_ton: Number(opt.ton || 5), source_addr_npi: 0,
		dest_addr_ton: 1, dest_addr_npi: 1,
		registered_delivery: Number(opt.dlr || 0) };
	if (opt.dcs !== undefined) p.data_coding = Number(opt.dcs);
	return p;
}

async function steps() {
	const mode = opt.mode || 'trx';
	const fn = mode === 'tx' ? 'bind_transmitter' : mode === 'rx' ? 'bind_receiver' :
		'bind_transceiver';
	const b = await call(fn, { system_id: opt.sys || '', password: opt.pw || '',
		interface_version: Number(opt.ver || 0x34) });
	out({ ev: 'bind', status: b.command_status, system_id: b.system_id });
	if (b.command_status !== 0) { clearTimeout(timer); session.close(); process.exit(2); }
	const subs = Object.keys(opt).filter((k) => /^submit\d*$/.test(k));
	for (const k of subs) {
		const [to, t] = split(opt[k]);
		const p = base();
		p.destination_addr = to;
		p.short_message = opt.dcs !== undefined ? Buffer.from(t, 'latin1') : t;
		const n = k.slice(6);
		if (opt['udh' + n] !== undefined) {
			p.esm_class = 0x40;
			p.short_message = Buffer.concat([Buffer.from(opt['udh' + n], 'hex'),
				Buffer.from(t, 'latin1')]);
		}
		if (opt['sar' + n] !== undefined) {
			const [ref, total, seq] = opt['sar' + n].split(':').map(Number);
			p.sar_msg_ref_num = ref;
			p.sar_total_segments = total;
			p.sar_segment_seqnum = seq;
		}
		const r = await call('submit_sm', p);
		lastId = r.message_id;
		out({ ev: 'submit', status: r.command_status, id: r.message_id });
	}
	if (opt.multi) {
		const [tos, t] = split(opt.multi);
		const p = base();
		p.dest_address = tos.split(',').map((a) => ({ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: a }));
		p.short_message = t;
		const r = await call('submit_multi', p);
		lastId = r.message_id;
		out({ ev: 'multi', status: r.command_status, id: r.message_id,
			unsuccess: (r.unsuccess_sme || []).map((u) => [u.destination_addr, u.error_status_code]) });
	}
	if (opt.payload) {
		const [to, t] = split(opt.payload);
		const p = base();
		delete p.registered_delivery;
		p.destination_addr = to;
		p.registered_delivery = Number(opt.dlr || 0);
		p.message_payload = t;
		const r = await call('data_sm', p);
		lastId = r.message_id;
		out({ ev: 'data_sm', status: r.command_status, id: r.message_id });
	}
	if (opt.query) {
		const id = opt.query === 'last' ? lastId : opt.query;
		const r = await call('query_sm', { message_id: id, source_addr: opt.from || 'Hermod' });
		out({ ev: 'query', status: r.command_status, id: r.message_id,
			state: r.message_state, error: r.error_code });
	}
	if (opt.cancel) {
		const id = opt.cancel === 'last' ? lastId : opt.cancel;
		const r = await call('cancel_sm', { message_id: id, source_addr: opt.from || 'Hermod',
			dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '' });
		out({ ev: 'cancel', status: r.command_status });
	}
	if (opt.flood) {
		const [n, to] = split(opt.flood);
		const cnt = { ev: 'flood', ok: 0, throttled: 0, other: 0 };
		const ps = [];
		for (let i = 0; i < Number(n); i++) {
			const p = base();
			p.destination_addr = to;
			p.short_message = 'flood ' + i;
			ps.push(call('submit_sm', p).then((r) => {
				if (r.command_status === 0) cnt.ok++;
				else if (r.command_status === 0x58) cnt.throttled++;
				else cnt.other++;
			}));
		}
		await Promise.all(ps);
		out(cnt);
	}
	if (want > delivered)
		await new Promise((res) => { waiter = res; });
	if (opt['no-resp'])
		await new Promise((res) => setTimeout(res, Number(opt['hold-ms'] || 500)));
	clearTimeout(timer);
	if (opt.unbind === '0') {
		session.destroy();
		process.exit(0);
	}
	const u = await call('unbind', {});
	out({ ev: 'unbind', status: u.command_status });
	session.close();
	process.exit(0);
}

let started = false;
function start() {
	if (started) return;
	started = true;
	steps().catch((e) => { out({ ev: 'error', msg: String(e) }); process.exit(1); });
}
session.on(opt.tls ? 'secureConnect' : 'connect', start);
