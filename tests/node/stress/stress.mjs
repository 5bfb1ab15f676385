// Fault and load test of the real server (issue 8), driven the way EHRs and attackers would:
// mixed load for a fixed time against one server process, then SIGTERM under load.
//
//   node stress.mjs --server BINARY --seconds N [--concurrency C] [--source-dir DIR]
//
// Starts, on loopback: a fake FHIR server with fault modes (ok, slow, hang, garbage; "down" is a
// closed port), and the CDS Hooks server with authentication on (a pinned ES384 key made here,
// every call with a fresh jose-signed token), the audit trail on, a 500 ms prefetch budget and
// small body/time limits. Then C workers run weighted scenarios for N seconds:
//   valid order-select (200, cards identical to the first answer's), feedback on a card that
//   was shown (200), malformed JSON (400), a tampered or missing token (401), an oversized body
//   (413), a prefetch key the FHIR server cannot give because it is down, hangs past the budget
//   or answers garbage (412, within the budget plus slack), and slow clients that trickle a
//   body past the body timeout (the connection ends; nothing else slows).
// The server's RSS is sampled every second; it must be stable after warm-up. Last, calls whose
// prefetch the FHIR server answers slowly are put in flight, the server gets SIGTERM: each of
// those calls must still get its 200 with cards, a new connection must be refused, and the
// server must exit 0. Any failure: exit code 1 and the reasons; a summary either way.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { SignJWT, generateKeyPair, exportJWK } from 'jose';

// ---- arguments -------------------------------------------------------------------------------
const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => {
    if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
    return pairs;
  }, []));
const SOURCE = resolve(args['source-dir'] ?? join(dirname(fileURLToPath(import.meta.url)), '../../..'));
const SERVER = args.server;
const SECONDS = Number(args.seconds ?? 60);
const CONCURRENCY = Number(args.concurrency ?? 16);
if (!SERVER || !(SECONDS > 0)) {
  console.error('usage: node stress.mjs --server BINARY --seconds N [--concurrency C]');
  process.exit(2);
}
const CA = readFileSync(join(SOURCE, 'certs/dev/ca.pem'));
const SELECT = '/cds-services/antimicrobial-stewardship-order-select';
const FEEDBACK = `${SELECT}/feedback`;
const ISS = 'https://stress-ehr.test';
const BUDGET_MS = 500;
const BODY_LIMIT = 256 * 1024;
const BODY_TIMEOUT_MS = 1000;

const failures = [];
function fail(what) {
  if (failures.length < 50) failures.push(what);
  else if (failures.length === 50) failures.push('... (more failures not listed)');
}

// ---- the fake FHIR server ----------------------------------------------------------------------
// Paths: /<mode>/<FHIR path>. ok: the resource or Bundle the complete request carried; slow: the
// same after 300 ms; hang: never answers; garbage: 200 with bytes that are not JSON.
const complete = JSON.parse(readFileSync(join(SOURCE, 'bench/data/order-select-10k.json'), 'utf8'));
complete.prefetch.medicationAdministrations = null;  // known empty: nothing to fetch
const patient = complete.prefetch.patient;
const fhirStats = { requests: 0, slow: 0 };
const fhir = http.createServer((req, res) => {
  fhirStats.requests++;
  const [, mode, ...rest] = new URL(req.url, 'http://x').pathname.split('/');
  if (mode === 'slow') fhirStats.slow++;
  const path = rest.join('/');
  const answer = () => {
    if (path === `Patient/${patient.id}`) {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(patient));
    } else {
      res.writeHead(404, { 'content-type': 'application/fhir+json' });
      res.end('{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"not-found"}]}');
    }
  };
  if (mode === 'ok') return answer();
  if (mode === 'slow') return setTimeout(answer, 300);
  if (mode === 'hang') return;  // the client's budget ends it
  if (mode === 'garbage') {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    return res.end('\u0000<html>not json');
  }
  res.writeHead(404);
  res.end();
});
fhir.keepAliveTimeout = 60000;
await new Promise((r) => fhir.listen(0, '127.0.0.1', r));
const fhirBase = `http://127.0.0.1:${fhir.address().port}`;
// A port nobody listens on: "FHIR server down".
const downPort = await new Promise((r) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const port = s.address().port;
    s.close(() => r(port));
  });
});

// ---- the server ----------------------------------------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'cds-stress-'));
const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
writeFileSync(join(dir, 'jwks.json'),
  JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'stress-1', alg: 'ES384', use: 'sig' }] }));
writeFileSync(join(dir, 'server.jsonc'), JSON.stringify({
  limits: { body_bytes: BODY_LIMIT, issuer_requests_per_second: 0, max_connections_per_client: 4096 },
  timeouts_ms: { body: BODY_TIMEOUT_MS, header: 2000, drain: 10000 },
  prefetch: { budget_ms: BUDGET_MS, fhir_allow: [fhirBase, `http://127.0.0.1:${downPort}`] },
  fhir_client: { allow_http: true },
}));
const serverLog = [];
const server = spawn(SERVER, ['--config', join(dir, 'server.jsonc'), '--port', '0', '--threads', '2',
  '--trust-issuer', `${ISS}=${join(dir, 'jwks.json')}`, '--audit-db', join(dir, 'audit.db'),
  // The clinical clock of the test data (its lookbacks would drift with the real date).
  '--now', '2026-11-21T12:00:00Z', '--log-level', 'warn'], {
  stdio: ['ignore', 'pipe', 'pipe'],
  // Under AddressSanitizer, a small quarantine so that RSS reflects live memory.
  env: { ...process.env, ASAN_OPTIONS: `${process.env.ASAN_OPTIONS ?? ''}:quarantine_size_mb=16` },
});
server.stderr.on('data', (d) => {
  serverLog.push(d.toString());
  if (serverLog.length > 200) serverLog.shift();
});
const exited = new Promise((r) => server.on('exit', (code, signal) => r({ code, signal })));
const port = await new Promise((resolvePort, reject) => {
  let out = '';
  const timer = setTimeout(() => reject(new Error('server did not start')), 60000);
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/listening on https:\/\/[^:]+:(\d+)/);
    if (m) {
      clearTimeout(timer);
      resolvePort(Number(m[1]));
    }
  });
  server.on('exit', (code) => reject(new Error(`server exited with ${code}: ${serverLog.join('')}`)));
});
const base = `https://localhost:${port}`;
// The audience: the listener's own URL (no --public-base-url here).
const audBase = `https://127.0.0.1:${port}`;

// ---- clients -------------------------------------------------------------------------------------
const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: CA });

async function token(path, { tamper = false } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: 'stress-1' })
    .setIssuer(ISS).setAudience(audBase + path).setIssuedAt(now).setExpirationTime(now + 300)
    .setJti(randomUUID()).sign(privateKey);
  if (!tamper) return jwt;
  const [h, p, s] = jwt.split('.');
  return `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
}

function request(path, body, { auth, agent: a = agent, timeoutMs = 15000 } = {}) {
  return new Promise((resolveResponse) => {
    const started = performance.now();
    const headers = { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${auth}`;
    const req = https.request(base + path, { method: 'POST', agent: a, headers, ca: CA }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolveResponse({
        status: res.statusCode, body: Buffer.concat(chunks).toString(), ms: performance.now() - started,
      }));
      res.on('error', (e) => resolveResponse({ status: 0, error: e.message, ms: performance.now() - started }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', (e) => resolveResponse({ status: 0, error: e.code ?? e.message, ms: performance.now() - started }));
    req.end(body);
  });
}

// Cards without their per-call uuids: what "answered correctly" compares.
function normalized(text) {
  return JSON.stringify(JSON.parse(text), (k, v) => (k === 'uuid' ? undefined : v));
}
function selectBody(fhirServer, withoutPatient = false) {
  const body = structuredClone(complete);
  body.hookInstance = randomUUID();
  if (fhirServer) body.fhirServer = fhirServer;
  if (withoutPatient) delete body.prefetch.patient;
  return JSON.stringify(body);
}

// ---- scenarios ------------------------------------------------------------------------------------
let reference = null;  // the first valid answer, normalized
const shownCards = [];
const counts = {};
const latencies = {};
function count(name, ms) {
  counts[name] = (counts[name] ?? 0) + 1;
  (latencies[name] ??= []).push(ms);
}
function expectStatus(name, r, status) {
  if (r.status !== status) fail(`${name}: expected ${status}, got ${r.status} ${r.error ?? (r.body ?? '').slice(0, 200)}`);
}

const scenarios = {
  async valid() {
    const r = await request(SELECT, selectBody(), { auth: await token(SELECT) });
    expectStatus('valid', r, 200);
    if (r.status === 200) {
      const n = normalized(r.body);
      reference ??= n;
      if (n !== reference) fail('valid: the cards differ from the first answer');
      for (const card of JSON.parse(r.body).cards ?? []) {
        if (shownCards.length < 1000) shownCards.push(card.uuid);
      }
    }
    return r;
  },
  async feedback() {
    const card = shownCards[Math.floor(Math.random() * shownCards.length)];
    if (!card) return scenarios.valid();
    const body = JSON.stringify({ feedback: [{ card, outcome: 'overridden',
      overrideReason: { reason: { system: 'https://cds.example.org/stewardship-override-reasons', code: 'id-approved' } },
      outcomeTimestamp: new Date().toISOString() }] });
    const r = await request(FEEDBACK, body, { auth: await token(FEEDBACK) });
    expectStatus('feedback', r, 200);
    return r;
  },
  async badJson() {
    const r = await request(SELECT, '{"hook":"order-select", "hookInstance": [', { auth: await token(SELECT) });
    expectStatus('badJson', r, 400);
    return r;
  },
  async badToken() {
    const tampered = Math.random() < 0.5;
    const r = await request(SELECT, selectBody(), { auth: tampered ? await token(SELECT, { tamper: true }) : undefined });
    expectStatus('badToken', r, 401);
    return r;
  },
  async oversized() {
    // Its own connection: the server closes it after the 413.
    const a = new https.Agent({ keepAlive: false, ca: CA });
    const r = await request(SELECT, 'x'.repeat(BODY_LIMIT + 1024), { auth: await token(SELECT), agent: a });
    // The 413 may race the upload: a reset while still sending is the same refusal.
    if (r.status !== 413 && !(r.status === 0 && /EPIPE|ECONNRESET/.test(r.error))) expectStatus('oversized', r, 413);
    return r;
  },
  async fhirDown() {
    const r = await request(SELECT, selectBody(`http://127.0.0.1:${downPort}`, true), { auth: await token(SELECT) });
    expectStatus('fhirDown', r, 412);
    return r;
  },
  async fhirHang() {
    const r = await request(SELECT, selectBody(`${fhirBase}/hang`, true), { auth: await token(SELECT) });
    expectStatus('fhirHang', r, 412);
    if (r.ms > BUDGET_MS + 1500) fail(`fhirHang: 412 after ${r.ms.toFixed(0)} ms (budget ${BUDGET_MS} ms)`);
    return r;
  },
  async fhirGarbage() {
    const r = await request(SELECT, selectBody(`${fhirBase}/garbage`, true), { auth: await token(SELECT) });
    expectStatus('fhirGarbage', r, 412);
    return r;
  },
  async fhirOk() {
    const r = await request(SELECT, selectBody(`${fhirBase}/ok`, true), { auth: await token(SELECT) });
    expectStatus('fhirOk', r, 200);
    if (r.status === 200 && reference && normalized(r.body) !== reference) {
      fail('fhirOk: cards on fetched data differ from cards on the complete request');
    }
    return r;
  },
  async slowClient() {
    // Headers and half the body, then one byte every 200 ms: the server must end it after the
    // body timeout (408 or a close), whatever the client does.
    const started = performance.now();
    const body = Buffer.from(selectBody());
    const jwt = await token(SELECT);
    const ended = await new Promise((done) => {
      const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: CA }, () => {
        const half = Math.floor(body.length / 2);
        socket.write(`POST ${SELECT} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
          `Authorization: Bearer ${jwt}\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body.subarray(0, half));
        let i = half;
        const timer = setInterval(() => {
          if (!socket.destroyed && i < body.length - 1) socket.write(body.subarray(i, ++i));
        }, 200);
        socket.on('close', () => { clearInterval(timer); done(performance.now() - started); });
      });
      socket.on('data', () => {});
      socket.on('error', () => {});
      setTimeout(() => { socket.destroy(); done(null); }, BODY_TIMEOUT_MS + 10000);
    });
    if (ended === null) fail('slowClient: the server kept a trickling connection open past its body timeout');
    return { status: 'closed', ms: ended ?? 0 };
  },
};
const weights = { valid: 40, feedback: 10, badJson: 6, badToken: 8, oversized: 3, fhirDown: 4,
  fhirHang: 3, fhirGarbage: 4, fhirOk: 6, slowClient: 2 };
const table = Object.entries(weights).flatMap(([name, w]) => Array(w).fill(name));

// ---- RSS --------------------------------------------------------------------------------------------
function rssMb() {
  try {
    const m = readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}
const rss = [];
const sampler = setInterval(() => rss.push(rssMb()), 1000);

// ---- the load phase ---------------------------------------------------------------------------------
// One valid call first: the reference answer.
await scenarios.valid();
if (!reference) fail('the first valid call did not answer 200; nothing else is meaningful');
const deadline = Date.now() + SECONDS * 1000;
async function worker() {
  while (Date.now() < deadline) {
    const name = table[Math.floor(Math.random() * table.length)];
    try {
      const r = await scenarios[name]();
      count(name, r.ms);
    } catch (e) {
      fail(`${name}: ${e.stack ?? e}`);
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
clearInterval(sampler);

// ---- SIGTERM under load -----------------------------------------------------------------------------
// Calls that wait 300 ms on the FHIR server are in flight when the signal arrives: the signal
// goes once the server has asked the FHIR server for every one of them (a connection still in
// the accept queue is not in flight: closing the listener resets it, as it should).
const INFLIGHT = 8;
const inflight = Array.from({ length: INFLIGHT }, async () => {
  const a = new https.Agent({ keepAlive: false, ca: CA });
  return request(SELECT, selectBody(`${fhirBase}/slow`, true), { auth: await token(SELECT), agent: a });
});
for (let waited = 0; fhirStats.slow < INFLIGHT && waited < 10000; waited += 5) {
  await new Promise((r) => setTimeout(r, 5));
}
if (fhirStats.slow < INFLIGHT) fail(`SIGTERM: only ${fhirStats.slow} of ${INFLIGHT} calls reached the server in 10 s`);
const signalled = performance.now();
server.kill('SIGTERM');
await new Promise((r) => setTimeout(r, 50));
const refused = await new Promise((done) => {
  const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: CA }, () => {
    s.destroy();
    done(false);
  });
  s.on('error', () => done(true));
});
const inflightResults = await Promise.all(inflight);
const exit = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 20000))]);
const drainMs = performance.now() - signalled;
inflightResults.forEach((r, i) => {
  if (r.status !== 200) fail(`SIGTERM: in-flight call ${i} got ${r.status} ${r.error ?? r.body?.slice(0, 200)}`);
  else if (normalized(r.body) !== reference) fail(`SIGTERM: in-flight call ${i} answered different cards`);
});
if (!refused) fail('SIGTERM: a new connection was accepted after the signal');
if (exit === null) {
  fail('SIGTERM: the server did not exit within 20 s');
  server.kill('SIGKILL');
} else if (exit.code !== 0) {
  fail(`SIGTERM: the server exited with ${exit.code ?? exit.signal}`);
}
agent.destroy();
fhir.closeAllConnections?.();
fhir.close();

// ---- verdict ----------------------------------------------------------------------------------------
// RSS after warm-up (a third of the run) must not keep growing: the last sample may exceed the
// warm-up sample by at most 25 % + 32 MB (allocator caches, the jti store, the audit page cache).
const samples = rss.filter((x) => x !== null);
if (samples.length >= 3) {
  const warm = samples[Math.floor(samples.length / 3)];
  const last = samples[samples.length - 1];
  if (last > warm * 1.25 + 32) fail(`RSS grew from ${warm.toFixed(1)} MB after warm-up to ${last.toFixed(1)} MB`);
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : 0;
};
const summary = {
  seconds: SECONDS, concurrency: CONCURRENCY,
  calls: Object.values(counts).reduce((a, b) => a + b, 0),
  scenarios: Object.fromEntries(Object.entries(counts).map(([k, n]) => [k, {
    n, p50_ms: Number(pct(latencies[k], 50).toFixed(1)), p99_ms: Number(pct(latencies[k], 99).toFixed(1)) }])),
  fhir_requests: fhirStats.requests,
  rss_mb: { first: samples[0], warm: samples[Math.floor(samples.length / 3)], last: samples.at(-1), max: Math.max(...samples) },
  sigterm: { inflight_ok: inflightResults.filter((r) => r.status === 200).length, inflight: inflightResults.length,
    new_connection_refused: refused, exit: exit?.code ?? exit?.signal ?? 'none', drain_ms: Math.round(drainMs) },
  failures,
};
console.log(JSON.stringify(summary, null, 2));
if (failures.length > 0) {
  console.error('server log (last lines):\n' + serverLog.join('').split('\n').slice(-30).join('\n'));
}
rmSync(dir, { recursive: true, force: true });
process.exit(failures.length > 0 ? 1 : 0);
