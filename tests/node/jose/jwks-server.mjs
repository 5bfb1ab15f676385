// A local HTTPS key-set server for the auth integration tests, as an EHR publishes its JWK Set
// at its jku. Usage: node jwks-server.mjs CERT KEY JWKS_FILE
// Serves GET /jwks.json from JWKS_FILE, re-read on every request (the test rotates keys by
// rewriting the file); GET /__count?path=/x answers how many requests /x received (any path
// is counted, so a test can assert that a URL was never fetched). Prints
// "listening on https://localhost:PORT" once ready.
import { createServer } from 'node:https';
import { readFileSync } from 'node:fs';

const [cert, key, jwksFile] = process.argv.slice(2);
const counts = new Map();
const server = createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => {
  const url = new URL(req.url, 'https://localhost');
  if (url.pathname === '/__count') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: counts.get(url.searchParams.get('path')) ?? 0 }));
    return;
  }
  counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
  if (url.pathname === '/jwks.json') {
    res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
    res.end(readFileSync(jwksFile));
    return;
  }
  res.writeHead(404);
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on https://localhost:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
