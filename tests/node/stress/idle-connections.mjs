// Resident memory of the server with N idle keep-alive TLS connections (issue 8 budget: 2,000
// idle connections under 256 MB; an idle server under 64 MB). Each connection completes its TLS
// handshake and one GET /healthz, then stays open and silent. Usage:
//   node idle-connections.mjs --pid PID --port PORT [--connections N] [--source-dir DIR]
// Prints {"idle_rss_mb": ..., "connections": N, "rss_mb": ..., "open": ...}. Not a test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';

const args = Object.fromEntries(process.argv.slice(2).reduce((p, a, i, all) => {
  if (a.startsWith('--')) p.push([a.slice(2), all[i + 1]]);
  return p;
}, []));
const pid = Number(args.pid);
const port = Number(args.port);
const n = Number(args.connections ?? 2000);
const ca = readFileSync(join(args['source-dir'] ?? '.', 'certs/dev/ca.pem'));
const rss = () => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;

const idle = rss();
const sockets = [];
let open = 0;
for (let i = 0; i < n; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca }, () => {
      s.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    });
    s.once('data', () => { open++; resolve(); });
    s.on('error', () => resolve());
    s.on('close', () => { open--; });
    sockets.push(s);
  })));
}
await new Promise((r) => setTimeout(r, 2000));
console.log(JSON.stringify({ idle_rss_mb: Number(idle.toFixed(1)), connections: n, open, rss_mb: Number(rss().toFixed(1)) }));
for (const s of sockets) s.destroy();
