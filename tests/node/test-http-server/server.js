#!/usr/bin/env node
// A small HTTP(S) server with fault modes, for the tests of the outbound FHIR client
// (hooks/fhir_client.cpp). Plain node:http / node:https, no dependencies.
//
//   node server.js [--tls --cert FILE --key FILE] [--host 127.0.0.1] [--keep-alive-ms 5000]
//
// Prints "listening <port>" on stdout once it listens (an ephemeral port); SIGTERM stops it.
// The mode is chosen by the path:
//   /json                 200 JSON describing the request and its connection:
//                         {connection, requestOnConnection, method, path, accept, userAgent,
//                          contentType, bodyLength, authorization (true/false: whether an
//                          Authorization header arrived; its value is never echoed)}
//   /stats                {connections: TCP connections accepted so far, requests}
//   /status?code=N        status N with the JSON body
//   /hang                 never answers
//   /slow?ms=N            the JSON after N ms
//   /garbage              non-HTTP bytes, then close
//   /close-mid-body       Content-Length 1000, 11 bytes, then the connection is destroyed
//   /huge?bytes=N         N bytes with Content-Length;  /huge-chunked?bytes=N: chunked
//   /redirect?status=N&location=L   status N (default 302) to L
//   /redirect-chain?n=N   N same-origin redirects, then the JSON
//   /close                the JSON with "Connection: close"
//   /arm-drop             the JSON; the NEXT request on this connection gets no answer: the
//                         connection is destroyed (a pooled connection gone stale)
//   /no-length            the JSON without Content-Length, delimited by closing the connection
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');

const options = { tls: false, host: '127.0.0.1', keepAliveMs: 5000 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--tls') options.tls = true;
  else if (a === '--cert') options.cert = argv[++i];
  else if (a === '--key') options.key = argv[++i];
  else if (a === '--host') options.host = argv[++i];
  else if (a === '--keep-alive-ms') options.keepAliveMs = Number(argv[++i]);
  else {
    process.stderr.write(`unknown option ${a}\n`);
    process.exit(2);
  }
}

let connections = 0;
let requests = 0;
let nextSocketId = 0;
const sockets = new Set();

function describe(req, body) {
  const socket = req.socket;
  return {
    connection: socket.testId,
    requestOnConnection: socket.testRequests,
    method: req.method,
    path: req.url.split('?')[0],
    accept: req.headers['accept'] ?? null,
    userAgent: req.headers['user-agent'] ?? null,
    contentType: req.headers['content-type'] ?? null,
    bodyLength: body.length,
    authorization: req.headers['authorization'] !== undefined,
  };
}

function sendJson(res, status, value, headers = {}) {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': 'application/fhir+json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function handle(req, res, body) {
  const url = new URL(req.url, 'http://x');
  const q = url.searchParams;
  switch (url.pathname) {
    case '/json':
      return sendJson(res, 200, describe(req, body));
    case '/stats':
      return sendJson(res, 200, { connections, requests });
    case '/status':
      return sendJson(res, Number(q.get('code') ?? 200), describe(req, body));
    case '/hang':
      return;  // never answers; the socket stays open until the client gives up
    case '/slow':
      setTimeout(() => sendJson(res, 200, describe(req, body)), Number(q.get('ms') ?? 1000));
      return;
    case '/garbage':
      req.socket.end('SSH-2.0-OpenSSH_9.2 this is not HTTP\r\n\r\n');
      return;
    case '/close-mid-body':
      res.writeHead(200, { 'Content-Type': 'application/fhir+json', 'Content-Length': 1000 });
      res.write('{"partial":');
      setTimeout(() => req.socket.destroy(), 50);
      return;
    case '/huge': {
      const total = Number(q.get('bytes') ?? 16 * 1024 * 1024);
      res.writeHead(200, { 'Content-Type': 'application/fhir+json', 'Content-Length': total });
      return writeFiller(res, total);
    }
    case '/huge-chunked': {
      const total = Number(q.get('bytes') ?? 16 * 1024 * 1024);
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      return writeFiller(res, total);
    }
    case '/redirect':
      res.writeHead(Number(q.get('status') ?? 302), {
        Location: q.get('location') ?? '/json',
        'Content-Length': 0,
      });
      return res.end();
    case '/redirect-chain': {
      const n = Number(q.get('n') ?? 1);
      if (n <= 0) return sendJson(res, 200, describe(req, body));
      res.writeHead(302, { Location: `/redirect-chain?n=${n - 1}`, 'Content-Length': 0 });
      return res.end();
    }
    case '/close':
      return sendJson(res, 200, describe(req, body), { Connection: 'close' });
    case '/arm-drop':
      req.socket.dropNext = true;
      return sendJson(res, 200, describe(req, body));
    case '/no-length': {
      const text = JSON.stringify(describe(req, body));
      req.socket.end(
        'HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\nConnection: close\r\n\r\n' +
          text);
      return;
    }
    default:
      return sendJson(res, 404, { error: 'unknown mode', path: url.pathname });
  }
}

function writeFiller(res, total) {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const n = Math.min(chunk.length, total - sent);
      sent += n;
      if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  res.on('error', () => {});
  pump();
}

function onRequest(req, res) {
  const socket = req.socket;
  requests++;
  if (socket.testId === undefined) {
    socket.testId = ++nextSocketId;
    socket.testRequests = 0;
  }
  socket.testRequests++;
  if (socket.dropNext) {
    socket.destroy();
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => handle(req, res, Buffer.concat(chunks)));
}

const server = options.tls
    ? https.createServer(
          { cert: fs.readFileSync(options.cert), key: fs.readFileSync(options.key) }, onRequest)
    : http.createServer(onRequest);
server.keepAliveTimeout = options.keepAliveMs;
server.on('connection', (socket) => {
  connections++;
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => {});
});
server.on('tlsClientError', () => {});
server.on('clientError', (err, socket) => socket.destroy());

server.listen(0, options.host, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

function stop() {
  server.close();
  for (const s of sockets) s.destroy();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
