// The audit review page (GET /admin/) in headless Chromium against the real server binary:
// it refuses a missing or wrong admin token, loads with the right one, shows the same counts as
// the JSON API for a store the test seeds through real hook calls and feedback, drills down
// from an alert to its evidence and feedback, raises no CSP violation, and leaves a
// screenshot under $ARTIFACT_DIR.
//
// Environment (set by ctest, tests/integration/CMakeLists.txt): SERVER_BINARY, CERTS_DIR,
// CDS_SOURCE_DIR, ARTIFACT_DIR. Chromium: /usr/bin/chromium (apt), driven by playwright-core.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import https from "node:https";
import { randomUUID } from "node:crypto";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through ctest)`);
  return value;
};
const SERVER = env("SERVER_BINARY");
const CA = readFileSync(join(env("CERTS_DIR"), "ca.pem"));
const BODY = readFileSync(join(env("CDS_SOURCE_DIR"), "bench/data/order-select-10k.json"), "utf8");
const ARTIFACTS = env("ARTIFACT_DIR");
const TOKEN = "browser-test-token-" + randomUUID();
const SELECT = "/cds-services/antimicrobial-stewardship-order-select";

let dir, server, base, browser;

function request(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(base + path, { method, ca: CA, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    if (body) req.end(body);
    else req.end();
  });
}
const post = (path, json) =>
  request("POST", path, JSON.stringify(json), { "Content-Type": "application/json" });
const adminGet = async (path) => {
  const res = await request("GET", path, null, { Authorization: "Bearer " + TOKEN });
  assert.equal(res.status, 200, res.text);
  return JSON.parse(res.text);
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "cds-review-page-"));
  const tokenFile = join(dir, "admin-token");
  writeFileSync(tokenFile, TOKEN + "\n", { mode: 0o600 });
  server = spawn(SERVER, ["--port", "0", "--threads", "2", "--insecure-no-auth", "--now", "2026-11-21T12:00:00Z", "--audit-db", join(dir, "audit.db"),
    "--admin-token-file", tokenFile], { stdio: ["ignore", "pipe", "ignore"] });
  base = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start")), 60000);
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (https:\/\/[^\s]+)/);
      if (match) { clearTimeout(timer); resolve(match[1]); }
    });
    server.on("exit", (code) => reject(new Error("server exited with " + code)));
  });

  // Seed through the real protocol: 6 calls (2 cards each), feedback on 7 cards
  // (4 accepted, 3 overridden), one item on an unknown card.
  const cards = [];
  for (let i = 0; i < 6; i++) {
    const call = JSON.parse(BODY);
    call.hookInstance = randomUUID();
    const res = await post(SELECT, call);
    assert.equal(res.status, 200, res.text);
    cards.push(...JSON.parse(res.text).cards);
  }
  assert.equal(cards.length, 12);
  const items = cards.slice(0, 7).map((card, i) => i < 4
    ? { card: card.uuid, outcome: "accepted", acceptedSuggestions: [{ id: card.suggestions[0].uuid }],
        outcomeTimestamp: new Date().toISOString() }
    : { card: card.uuid, outcome: "overridden", outcomeTimestamp: new Date().toISOString(),
        overrideReason: { reason: { system: "https://cds.example.org/stewardship-override-reasons",
          code: "id-approved" }, userComment: "Discussed with ID" } });
  items.push({ card: randomUUID(), outcome: "overridden", overrideReason: { userComment: "?" },
    outcomeTimestamp: new Date().toISOString() });
  const fb = await post(SELECT + "/feedback", { feedback: items });
  assert.equal(fb.status, 200, fb.text);

  // Playwright's launch() gives every browser a new, temporary user-data-dir of its own.
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill("SIGTERM");
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function openPage() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error" && !/401/.test(m.text())) problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(base + "/admin/");
  return { context, page, problems };
}

test("the page refuses to show data without the right token", async () => {
  const { context, page, problems } = await openPage();
  await page.waitForSelector("#signin:not([hidden])");
  assert.equal(await page.isHidden("#app"), true);
  await page.fill("#token", "not-the-token");
  await page.click("#signin button[type=submit]");
  await page.waitForSelector("#message:has-text('refused')");
  assert.equal(await page.isHidden("#app"), true);
  assert.equal(await page.textContent("#total-cards"), "–");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("cdsAdminToken")), null);
  // The API itself refuses a request from the page without the token.
  const status = await page.evaluate(async () => (await fetch("/admin/api/summary")).status);
  assert.equal(status, 401);
  assert.deepEqual(problems, []);
  await context.close();
});

test("with the token it shows the API's counts, a chart and a drill-down", async () => {
  const summary = await adminGet("/admin/api/summary");
  assert.equal(summary.cards, 12);
  const { context, page, problems } = await openPage();
  await page.fill("#token", TOKEN);
  await page.click("#signin button[type=submit]");
  await page.waitForSelector("body[data-state=ready]");
  assert.equal(await page.isVisible("#app"), true);

  const number = async (selector) => Number((await page.textContent(selector)).replace(/\D/g, ""));
  const sum = (key) => summary.rules.reduce((n, r) => n + r[key], 0);
  assert.equal(await number("#total-calls"), summary.calls);
  assert.equal(await number("#total-cards"), summary.cards);
  assert.equal(await number("#total-accepted"), sum("accepted"));
  assert.equal(await number("#total-overridden"), sum("overridden"));
  assert.equal(await number("#total-nofeedback"), sum("noFeedback"));
  assert.equal(await number("#total-unknown"), summary.unknownCardFeedback);
  assert.equal(sum("accepted"), 4);
  assert.equal(sum("overridden"), 3);

  const rows = await page.$$eval("#rules-table tbody tr", (trs) => trs.map((tr) => ({
    rule: tr.dataset.ruleId,
    name: tr.cells[0].textContent,
    fired: Number(tr.querySelector(".fired").textContent),
    accepted: Number(tr.querySelector(".accepted").textContent),
    overridden: Number(tr.querySelector(".overridden").textContent),
    none: Number(tr.querySelector(".nofeedback").textContent),
  })));
  assert.equal(rows.length, summary.rules.length);
  for (const r of summary.rules) {
    const row = rows.find((x) => x.rule === r.ruleId);
    assert.ok(row, r.ruleId);
    assert.deepEqual([row.fired, row.accepted, row.overridden, row.none],
      [r.fired, r.accepted, r.overridden, r.noFeedback]);
    assert.ok(row.name.includes(r.ruleTitle), "rules are named, not only ids");
  }
  // Charts: one bar per series per rule, drawn as inline SVG.
  assert.equal(await page.locator("#chart-rules svg rect").count(), 3 * summary.rules.length);
  assert.ok(await page.locator("#chart-days svg rect").count() >= 3);
  // The alert list, then one alert's evidence and feedback.
  assert.equal(await page.locator("#cards-table tbody tr").count(), 12);
  await page.locator("#cards-table tbody tr").last().click();
  await page.waitForSelector("#detail:not([hidden])");
  assert.ok(await page.locator("#detail-evidence li").count() >= 1);
  assert.ok((await page.textContent("#detail-evidence")).includes("Observation/"));
  assert.match(await page.textContent("#detail-feedback"), /Accepted|Overridden/);
  // Filters: only overridden alerts.
  await page.selectOption("#f-outcome", "overridden");
  await page.click("#filters button[type=submit]");
  await page.waitForSelector("body[data-state=ready]");
  await page.waitForFunction(() => document.querySelectorAll("#cards-table tbody tr").length === 3);

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.selectOption("#f-outcome", "");
  await page.click("#filters button[type=submit]");
  await page.waitForSelector("body[data-state=ready]");
  await page.locator("#cards-table tbody tr").first().click();
  await page.waitForSelector("#detail:not([hidden])");
  await page.screenshot({ path: join(ARTIFACTS, "review-page.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});
