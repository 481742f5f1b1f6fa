#!/usr/bin/env node
// A scriptable SMPP operator (SMSC role) on the npm `smpp` package, the foreign
// peer of Hermod's bearerbox link tests. Options are key=value arguments:
//   port=0            listen port (0: a free one; printed as "listening port=N")
//   tls-key=F tls-cert=F   serve SMPP over TLS
//   system-id=S password=P   required credentials (unset: any)
//   log=FILE          one JSON line per event (bind, submit, enquire_link, ...)
//   latency-ms=N      delay each submit_sm_resp
//   throttle=N        accept at most N submits per wall-clock second; the rest
//                     get ESME_RTHROTTLED
//   drop-after=N      at the N-th submit_sm (counted over all sessions), do not
//                     answer it and close that connection 50 ms later (once)
//   reject-to=NUM:STATUS   answer submits to NUM with STATUS (decimal or 0x..)
//   empty-id=NUM      accept submits to NUM with an empty message_id
//   silent-to=NUM     never answer submits to NUM (logged as submit_unanswered)
//   enquire-ms=N      send enquire_link on every bound session each N ms
//   mo=NUM            after a receiver/transceiver bind, send one deliver_sm to NUM
//   dlr=1             send a DELIVRD receipt for each submit asking for one
// Submits are answered with message ids counting up from 1000.
'use strict';
const fs = require('fs');
const smpp = require('smpp');
const defs = require('smpp/lib/defs');

// Keep short_message / message_payload as raw octets.
defs.filters.message.decode = (v) => v;

const opt = {};
for (const a of process.argv.slice(2)) {
	const i = a.indexOf('=');
	opt[i < 0 ? a : a.slice(0, i)] = i < 0 ? '1' : a.slice(i + 1);
}
const num = (k, d) => (opt[k] === undefined ? d : Number(opt[k]));
const logFd = opt.log ? fs.openSync(opt.log, 'a') : null;
function log(ev) {
	ev.t = Date.now();
	const line = JSON.stringify(ev, (k, v) =>
		v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v) + '\n';
	if (logFd !== null) fs.writeSync(logFd, line);
}

let nextId = 1000;
let submits = 0;
let dropped = false;
let sessionSeq = 0;
const rejects = {};
if (opt['reject-to']) {
	const [n, st] = opt['reject-to'].split(':');
	rejects[n] = Number(st);
}
let secStart = 0;
let secCount = 0;

function hex(b) {
	if (!b) return '';
	if (Buffer.isBuffer(b)) return b.toString('hex');
	if (b.message !== undefined) return Buffer.from(b.message).toString('hex');
	return Buffer.from(String(b)).toString('hex');
}

function onBind(session, pdu) {
	const ok = (!opt['system-id'] || pdu.system_id === opt['system-id']) &&
		(!opt.password || pdu.password === opt.password);
	session.bound = ok;
	session.mode = pdu.command;
	log({ev: 'bind', sid: session.sid, cmd: pdu.command, system_id: pdu.system_id,
		system_type: pdu.system_type, version: pdu.interface_version, ok});
	session.send(pdu.response({
		command_status: ok ? 0 : defs.errors.ESME_RINVPASWD,
		system_id: 'interop',
	}));
	if (!ok) return;
	if (opt['enquire-ms']) {
		session.enqTimer = setInterval(() => {
			log({ev: 'enquire_link_sent', sid: session.sid});
			session.enquire_link({}, (resp) => {
				log({ev: 'enquire_link_resp', sid: session.sid,
					status: resp.command_status});
			});
		}, num('enquire-ms', 1000));
	}
	if (opt.mo && pdu.command !== 'bind_transmitter') {
		setTimeout(() => session.deliver_sm({
			source_addr: '447700900001', source_addr_ton: 1, source_addr_npi: 1,
			destination_addr: opt.mo, dest_addr_ton: 1, dest_addr_npi: 1,
			data_coding: 0, short_message: Buffer.from('hello from the operator'),
		}, (resp) => log({ev: 'deliver_sm_resp', sid: session.sid,
			status: resp.command_status})), 50);
	}
}

function answer(session, pdu) {
	const to = pdu.destination_addr;
	let status = 0;
	const now = Math.floor(Date.now() / 1000);
	if (opt.throttle) {
		if (now !== secStart) { secStart = now; secCount = 0; }
		if (secCount >= num('throttle', 0)) status = defs.errors.ESME_RTHROTTLED;
		else secCount++;
	}
	if (status === 0 && rejects[to] !== undefined) status = rejects[to];
	const id = status === 0 && to !== opt['empty-id'] ? String(nextId++) : '';
	log({ev: 'submit', sid: session.sid, seq: pdu.sequence_number, to,
		from: pdu.source_addr, ston: pdu.source_addr_ton, snpi: pdu.source_addr_npi,
		dton: pdu.dest_addr_ton, dnpi: pdu.dest_addr_npi, dcs: pdu.data_coding,
		esm: pdu.esm_class, rd: pdu.registered_delivery, vp: pdu.validity_period,
		sm: hex(pdu.short_message), payload: hex(pdu.message_payload),
		sar: pdu.sar_msg_ref_num !== undefined ?
			[pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum] : null,
		status, id, outstanding: session.outstanding});
	const send = () => {
		session.outstanding--;
		if (session.closed) return;
		session.send(pdu.response({command_status: status, message_id: id}));
		log({ev: 'resp', sid: session.sid, seq: pdu.sequence_number, to, status, id});
		if (status === 0 && opt.dlr && (pdu.registered_delivery & 3)) {
			setTimeout(() => {
				if (session.closed) return;
				session.deliver_sm({
					source_addr: to, source_addr_ton: 1, source_addr_npi: 1,
					destination_addr: pdu.source_addr, esm_class: 4, data_coding: 0,
					short_message: Buffer.from(`id:${id} sub:001 dlvrd:001 submit date:2611220500 done date:2611220500 stat:DELIVRD err:000 text:x`),
				}, (resp) => log({ev: 'receipt_resp', sid: session.sid, id,
					status: resp.command_status}));
			}, 20);
		}
	};
	const lat = num('latency-ms', 0);
	if (lat > 0) setTimeout(send, lat); else send();
}

function onSession(session) {
	session.sid = ++sessionSeq;
	session.closed = false;
	log({ev: 'connect', sid: session.sid});
	for (const b of ['bind_transceiver', 'bind_transmitter', 'bind_receiver'])
		session.on(b, (pdu) => onBind(session, pdu));
	session.on('enquire_link', (pdu) => {
		log({ev: 'enquire_link', sid: session.sid});
		session.send(pdu.response());
	});
	session.on('submit_sm', (pdu) => {
		if (!session.bound || session.mode === 'bind_receiver') {
			session.send(pdu.response({command_status: defs.errors.ESME_RINVBNDSTS}));
			return;
		}
		submits++;
		session.outstanding = (session.outstanding || 0) + 1;
		if (opt['drop-after'] && !dropped && submits >= num('drop-after', 0)) {
			dropped = true;
			log({ev: 'submit_unanswered', sid: session.sid, seq: pdu.sequence_number,
				to: pdu.destination_addr});
			session.dropping = true;
			setTimeout(() => { log({ev: 'drop', sid: session.sid}); session.destroy(); }, 50);
			return;
		}
		if (pdu.destination_addr === opt['silent-to']) {
			log({ev: 'submit_unanswered', sid: session.sid, seq: pdu.sequence_number,
				to: pdu.destination_addr});
			return;
		}
		if (session.dropping) {
			log({ev: 'submit_unanswered', sid: session.sid, seq: pdu.sequence_number,
				to: pdu.destination_addr});
			return;
		}
		answer(session, pdu);
	});
	session.on('unbind', (pdu) => {
		log({ev: 'unbind', sid: session.sid});
		session.send(pdu.response());
		setTimeout(() => session.close(), 10);
	});
	session.on('close', () => {
		session.closed = true;
		if (session.enqTimer) clearInterval(session.enqTimer);
		log({ev: 'close', sid: session.sid});
	});
	session.on('error', (e) => log({ev: 'error', sid: session.sid, msg: String(e)}));
}

const sopts = {};
if (opt['tls-key']) {
	sopts.key = fs.readFileSync(opt['tls-key']);
	sopts.cert = fs.readFileSync(opt['tls-cert']);
}
const server = smpp.createServer(sopts, onSession);
server.listen(num('port', 0), '127.0.0.1', () => {
	console.log(`listening port=${server.address().port}`);
});
process.on('SIGTERM', () => process.exit(0));
