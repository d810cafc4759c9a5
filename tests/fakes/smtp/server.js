'use strict';
// A real, scriptable SMTP server (npm smtp-server) for the C++ SMTP client tests, with an HTTP
// control API on a second loopback port:
//
//   node server.js --port-file PATH [--tls-cert PEM --tls-key PEM] [--auth USER:PASS]
//                  [--require-tls] [--implicit-tls] [--host ADDR] [--sink]
//                  [--idle-timeout-ms MS]
//
// SMTP listens on ADDR (default 127.0.0.1), the control API on 127.0.0.1, both on ephemeral
// ports; once both listen, PATH receives {"smtp":P1,"control":P2} atomically (tmp + rename).
// With a certificate STARTTLS is offered (--implicit-tls: TLS from the first byte instead, as
// on port 465); AUTH PLAIN/LOGIN is offered only with --auth and then required (530 without),
// and in clear text only when there is no certificate. --require-tls refuses MAIL (530) on a
// session without TLS. --sink (benchmarks) counts messages without parsing or keeping them.
//
// Control API (JSON):
//   GET  /messages  → [{from, to:[...], raw, secure, user, parsed:{subject, text, html,
//                      messageId, inReplyTo, references:[...], replyTo, headers:{...},
//                      contentType}}]
//   POST /faults    ← [{stage:"connect"|"mail"|"rcpt"|"data", kind, code, text, times,
//                      delay_ms}] appended to a per-stage queue consumed in order
//                     → {"queued": n}. kind "reply" (default): after delay_ms answer `code`
//                     (or carry on normally without a code); "hang": never answer at that
//                     stage (the client must time out; nothing is delivered); "reset": after
//                     delay_ms abort the connection with a TCP RST (socket.resetAndDestroy).
//   GET  /fault-log → [{stage, kind, code, at_ms}] every fault applied, oldest first (a bare
//                     "reply" without code or delay is a spacer: not logged, not counted)
//   POST /reset     → clears messages, faults, the fault log and stats → {"ok": true}
//   GET  /stats     → {connections, messages, faults:{reply, hang, reset}}

const fs = require('fs');
const http = require('http');
const path = require('path');
const { SMTPServer } = require('smtp-server');
const { simpleParser } = require('mailparser');

function usage(message) {
  process.stderr.write(`server.js: ${message}\n` +
    'usage: node server.js --port-file PATH [--tls-cert PEM --tls-key PEM] ' +
    '[--auth USER:PASS] [--require-tls] [--implicit-tls] [--host ADDR]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    portFile: null, cert: null, key: null, auth: null, requireTls: false, implicitTls: false,
    host: '127.0.0.1', sink: false, idleTimeoutMs: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--port-file': opts.portFile = value(); break;
      case '--tls-cert': opts.cert = value(); break;
      case '--tls-key': opts.key = value(); break;
      case '--auth': {
        const v = value();
        const colon = v.indexOf(':');
        if (colon <= 0) usage('--auth wants USER:PASS');
        opts.auth = { user: v.slice(0, colon), pass: v.slice(colon + 1) };
        break;
      }
      case '--require-tls': opts.requireTls = true; break;
      case '--implicit-tls': opts.implicitTls = true; break;
      case '--host': opts.host = value(); break;
      // Benchmarks: accept and count messages without parsing or keeping them.
      case '--sink': opts.sink = true; break;
      // Closes idle connections with "421 Timeout" after this many ms (like a real MTA).
      case '--idle-timeout-ms': opts.idleTimeoutMs = Number(value()); break;
      default: usage(`unknown argument ${arg}`);
    }
  }
  if (!opts.portFile) usage('--port-file is required');
  if (!!opts.cert !== !!opts.key) usage('--tls-cert and --tls-key go together');
  if ((opts.requireTls || opts.implicitTls) && !opts.cert)
    usage('--require-tls and --implicit-tls need --tls-cert/--tls-key');
  return opts;
}

const opts = parseArgs(process.argv.slice(2));
const STAGES = ['connect', 'mail', 'rcpt', 'data'];
const KINDS = ['reply', 'hang', 'reset'];

let messages = [];
let faults = { connect: [], mail: [], rcpt: [], data: [] };
let faultLog = [];
const freshStats = () => ({ connections: 0, messages: 0, faults: { reply: 0, hang: 0, reset: 0 } });
let stats = freshStats();
// The raw TCP sockets by client port (under TLS too), so that "reset" can abort them.
const rawSockets = new Map();

// Takes the next fault of `stage` (decrementing its count), or null.
function nextFault(stage) {
  const queue = faults[stage];
  if (!queue.length) return null;
  const fault = queue[0];
  fault.times -= 1;
  if (fault.times <= 0) queue.shift();
  return fault;
}

// Runs `proceed(err)` after the fault's delay; err carries the fault's SMTP code. A "hang"
// never proceeds; a "reset" aborts the session's connection instead.
function applyFault(stage, session, proceed) {
  const fault = nextFault(stage);
  if (!fault) return proceed(null);
  // A bare "reply" (no code, no delay) only spaces faults out: not a fault, not logged.
  if (fault.kind === 'reply' && !fault.code && !(fault.delay_ms > 0)) return proceed(null);
  stats.faults[fault.kind] += 1;
  faultLog.push({ stage, kind: fault.kind, code: fault.code || 0, at_ms: Date.now() });
  if (fault.kind === 'hang') return;  // the client times out and closes; nothing is delivered
  if (fault.kind === 'reset') {
    const abort = () => {
      const socket = rawSockets.get(session.remotePort);
      if (socket && !socket.destroyed) socket.resetAndDestroy();
    };
    if (fault.delay_ms > 0) setTimeout(abort, fault.delay_ms);
    else abort();
    return;
  }
  const answer = () => {
    if (!fault.code) return proceed(null);
    const err = new Error(fault.text || `injected ${stage} fault`);
    err.responseCode = fault.code;
    proceed(err);
  };
  if (fault.delay_ms > 0) setTimeout(answer, fault.delay_ms);
  else answer();
}

function headerValues(headerLines) {
  const out = {};
  for (const { key, line } of headerLines || []) {
    if (Object.prototype.hasOwnProperty.call(out, key)) continue;  // first occurrence wins
    const colon = line.indexOf(':');
    out[key] = line.slice(colon + 1).replace(/\r?\n[ \t]/g, ' ').trim();
  }
  return out;
}

async function describe(raw) {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextLinks: true });
  let references = mail.references || [];
  if (!Array.isArray(references)) references = references.split(/\s+/).filter(Boolean);
  const ct = mail.headers.get('content-type');
  return {
    subject: mail.subject === undefined ? null : mail.subject,
    text: mail.text === undefined ? null : mail.text,
    html: mail.html === false || mail.html === undefined ? null : mail.html,
    messageId: mail.messageId || null,
    inReplyTo: mail.inReplyTo || null,
    references,
    replyTo: mail.replyTo ? mail.replyTo.text : null,
    headers: headerValues(mail.headerLines),
    contentType: ct && ct.value ? ct.value : 'text/plain',
  };
}

const smtpOptions = {
  logger: false,
  banner: 'steward fake smtp',
  secure: false,
  authOptional: !opts.auth,
  disabledCommands: [],
  // AUTH in clear text only when there is no TLS to use (loopback tests without a cert).
  allowInsecureAuth: !opts.cert,
  hideENHANCEDSTATUSCODES: true,
  ...(opts.idleTimeoutMs > 0 ? { socketTimeout: opts.idleTimeoutMs } : {}),
  onConnect(session, callback) {
    stats.connections += 1;
    applyFault('connect', session, callback);
  },
  onAuth(auth, session, callback) {
    if (!opts.auth || auth.username !== opts.auth.user || auth.password !== opts.auth.pass) {
      const err = new Error('5.7.8 Authentication credentials invalid');
      err.responseCode = 535;
      return callback(err);
    }
    callback(null, { user: auth.username });
  },
  onMailFrom(address, session, callback) {
    if (opts.requireTls && !session.secure) {
      const err = new Error('5.7.0 Must issue a STARTTLS command first');
      err.responseCode = 530;
      return callback(err);
    }
    applyFault('mail', session, callback);
  },
  onRcptTo(address, session, callback) {
    applyFault('rcpt', session, callback);
  },
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('error', (err) => callback(err));
    stream.on('end', () => {
      applyFault('data', session, async (err) => {
        if (err) return callback(err);
        const raw = Buffer.concat(chunks);
        if (opts.sink) {
          stats.messages += 1;
          return callback(null, 'OK: queued as fake-' + stats.messages);
        }
        let parsed;
        try {
          parsed = await describe(raw);
        } catch (e) {
          parsed = { error: String(e && e.message ? e.message : e) };
        }
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: raw.toString('utf8'),
          secure: !!session.secure,
          user: session.user || null,
          parsed,
        });
        stats.messages += 1;
        callback(null, 'OK: queued as fake-' + stats.messages);
      });
    });
  },
};
if (!opts.auth) smtpOptions.disabledCommands.push('AUTH');
if (opts.cert) {
  smtpOptions.key = fs.readFileSync(opts.key);
  smtpOptions.cert = fs.readFileSync(opts.cert);
  smtpOptions.secure = opts.implicitTls;
  if (opts.implicitTls) smtpOptions.disabledCommands.push('STARTTLS');
} else {
  smtpOptions.disabledCommands.push('STARTTLS');
}

const smtp = new SMTPServer(smtpOptions);
smtp.on('error', (err) => process.stderr.write(`smtp error: ${err.message}\n`));
smtp.server.on('connection', (socket) => {
  const port = socket.remotePort;
  rawSockets.set(port, socket);
  socket.on('close', () => {
    if (rawSockets.get(port) === socket) rawSockets.delete(port);
  });
});

function sendJson(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

function validFault(f) {
  return f && typeof f === 'object' && STAGES.includes(f.stage) &&
    (f.kind === undefined || KINDS.includes(f.kind)) &&
    (f.code === undefined || f.code === null || (Number.isInteger(f.code) && f.code >= 200 && f.code <= 599)) &&
    (f.text === undefined || typeof f.text === 'string') &&
    (f.times === undefined || (Number.isInteger(f.times) && f.times >= 1)) &&
    (f.delay_ms === undefined || (Number.isInteger(f.delay_ms) && f.delay_ms >= 0));
}

const control = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const route = `${req.method} ${req.url.split('?')[0]}`;
    if (route === 'GET /messages') return sendJson(res, 200, messages);
    if (route === 'GET /stats') return sendJson(res, 200, stats);
    if (route === 'GET /fault-log') return sendJson(res, 200, faultLog);
    if (route === 'POST /reset') {
      messages = [];
      faults = { connect: [], mail: [], rcpt: [], data: [] };
      faultLog = [];
      stats = freshStats();
      return sendJson(res, 200, { ok: true });
    }
    if (route === 'POST /faults') {
      let list;
      try {
        list = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return sendJson(res, 400, { error: 'body is not JSON' });
      }
      if (!Array.isArray(list) || !list.every(validFault))
        return sendJson(res, 400, {
          error: 'want an array of {stage, kind: reply|hang|reset, code, text, times, delay_ms}',
        });
      for (const f of list) {
        faults[f.stage].push({
          stage: f.stage, kind: f.kind || 'reply', code: f.code || 0, text: f.text || '',
          times: f.times || 1, delay_ms: f.delay_ms || 0,
        });
      }
      return sendJson(res, 200, { queued: list.length });
    }
    sendJson(res, 404, { error: `no route ${route}` });
  });
});

function listen(server, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const net = server.server || server;  // SMTPServer wraps a net.Server
      resolve(net.address().port);
    });
  });
}

(async () => {
  try {
    const smtpPort = await listen(smtp, opts.host);
    const controlPort = await listen(control, '127.0.0.1');
    const tmp = `${opts.portFile}.tmp${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ smtp: smtpPort, control: controlPort }));
    fs.renameSync(tmp, path.resolve(opts.portFile));
    process.stdout.write(`fake smtp on ${opts.host}:${smtpPort}, control on 127.0.0.1:${controlPort}\n`);
  } catch (err) {
    process.stderr.write(`server.js: cannot listen: ${err.message}\n`);
    process.exit(1);
  }
})();

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    control.close();
    smtp.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
