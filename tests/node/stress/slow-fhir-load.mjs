// Background load for the issue 8 budget "a call whose prefetch must be fetched from a FHIR
// server that takes 1 s does not slow calls that need no fetch": keeps C calls in flight for S
// seconds, each needing the patient from a FHIR server (started here) that answers after 1 s.
//   node slow-fhir-load.mjs --port PORT --fhir-port FPORT --seconds S [--concurrency C]
// The server must allow http://127.0.0.1:FPORT (--fhir-allow, --allow-http-fhir) and run with
// --insecure-no-auth. Prints {"calls": n, "ok": n, "p50_ms": ..}. Not a test.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((p, a, i, all) => {
  if (a.startsWith('--')) p.push([a.slice(2), all[i + 1]]);
  return p;
}, []));
const source = args['source-dir'] ?? '.';
const ca = readFileSync(join(source, 'certs/dev/ca.pem'));
const body = JSON.parse(readFileSync(join(source, 'bench/data/order-select-10k.json'), 'utf8'));
const patient = body.prefetch.patient;
delete body.prefetch.patient;
body.fhirServer = `http://127.0.0.1:${args['fhir-port']}`;
const text = JSON.stringify(body);

const fhir = http.createServer((req, res) => setTimeout(() => {
  res.writeHead(200, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(patient));
}, 1000));
fhir.keepAliveTimeout = 60000;
await new Promise((r) => fhir.listen(Number(args['fhir-port']), '127.0.0.1', r));

const agent = new https.Agent({ keepAlive: true, ca });
const deadline = Date.now() + Number(args.seconds) * 1000;
const times = [];
let ok = 0;
async function loop() {
  while (Date.now() < deadline) {
    const t = performance.now();
    const status = await new Promise((resolve) => {
      const req = https.request(`https://localhost:${args.port}/cds-services/antimicrobial-stewardship-order-select`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        });
      req.on('error', () => resolve(0));
      req.end(text);
    });
    times.push(performance.now() - t);
    if (status === 200) ok++;
  }
}
await Promise.all(Array.from({ length: Number(args.concurrency ?? 32) }, loop));
times.sort((a, b) => a - b);
console.log(JSON.stringify({ calls: times.length, ok, p50_ms: Math.round(times[Math.floor(times.length / 2)]) }));
agent.destroy();
fhir.close();
