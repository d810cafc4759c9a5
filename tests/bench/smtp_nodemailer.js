'use strict';
// Reference client for tests/bench/smtp_throughput: the same mail, sent the way n8n's "Send
// Email" node sends it (nodemailer), through a pool of `--connections` SMTP connections.
//   node smtp_nodemailer.js --port P --messages N --connections C
// Prints {"mails_per_s": …, "seconds": …} on stdout.

const path = require('path');
const nodemailer = require(path.join(__dirname, '../fakes/smtp/node_modules/nodemailer'));

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main() {
  const port = Number(arg('--port'));
  const total = Number(arg('--messages', '1000'));
  const connections = Number(arg('--connections', '1'));
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port, secure: false, ignoreTLS: true,
    pool: true, maxConnections: connections, maxMessages: Infinity,
  });
  const started = process.hrtime.bigint();
  const sends = [];
  for (let i = 0; i < total; i++) {
    sends.push(transport.sendMail({
      from: 'Acme Support <support@acme.example>',
      to: 'Ann Customer <ann@customer.example>',
      subject: 'Re: Rechnung falsch — bitte prüfen',
      text: 'Hello Ann,\n\nthank you for writing to us.\n\n> my invoice is wrong\n\nAcme Support',
      html: '<p>Hello Ann,</p><p>thank you for writing to us.</p><blockquote>my invoice is wrong' +
            '</blockquote><p>Acme Support</p>',
      messageId: `<bench.${i}@acme.example>`,
      inReplyTo: '<cust-1@customer.example>',
      references: ['<cust-1@customer.example>'],
    }));
  }
  await Promise.all(sends);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  transport.close();
  process.stdout.write(JSON.stringify({ mails_per_s: total / seconds, seconds }) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
