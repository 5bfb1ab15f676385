// Review page of the stewardship audit trail (served at /admin/ with a strict CSP: this file is
// the only script). It reads /admin/api/ with the admin token the user types; the token lives
// in sessionStorage (this tab only) and is sent as "Authorization: Bearer". All text is set
// with textContent, never parsed as HTML.
"use strict";

(function () {
  const TOKEN_KEY = "cdsAdminToken";
  const PAGE_SIZE = 50;
  const $ = (id) => document.getElementById(id);
  const ruleNames = new Map();  // ruleId -> {title, catalogueId}
  let nextCards = null;

  // ---- small DOM helpers ----------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const clear = (node) => { while (node.firstChild) node.removeChild(node.firstChild); };
  const fmtInt = (n) => Number(n || 0).toLocaleString();
  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : "");
  const pct = (part, whole) => (whole > 0 ? Math.round((100 * part) / whole) + " %" : "–");
  const ruleLabel = (id, title) => (ruleNames.get(id) || {}).title || title || id;

  function badge(kind, text) { return el("span", { class: "badge " + kind }, text); }
  function outcomeBadge(outcome) {
    if (outcome === "accepted") return badge("accepted", "Accepted");
    if (outcome === "overridden") return badge("overridden", "Overridden");
    return badge("none", "No feedback");
  }
  const indicatorText = { critical: "Critical", warning: "Warning", info: "Info" };

  function showMessage(text, info) {
    const m = $("message");
    m.textContent = text;
    m.className = info ? "message info" : "message";
    m.hidden = !text;
  }

  // ---- API --------------------------------------------------------------------------------
  class AuthError extends Error {}

  async function api(path, params, method) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) throw new AuthError("Enter the admin token to sign in.");
    const query = params ? new URLSearchParams(params).toString() : "";
    const response = await fetch("/admin/api/" + path + (query ? "?" + query : ""), {
      method: method || "GET",
      headers: { Authorization: "Bearer " + token, Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
    if (response.status === 401) {
      throw new AuthError("The server refused this token (401). Check it and sign in again.");
    }
    if (!response.ok) {
      let detail = "";
      try {
        const body = await response.json();
        detail = ((body.issue || [])[0] || {}).diagnostics || "";
      } catch (e) { /* not JSON */ }
      throw new Error("The server answered " + response.status + (detail ? ": " + detail : "."));
    }
    return response.json();
  }

  // ---- filters ----------------------------------------------------------------------------
  function isoDay(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }
  function localMidnight(value, plusDays) {
    const [y, m, d] = value.split("-").map(Number);
    return new Date(y, m - 1, d + (plusDays || 0)).toISOString();
  }
  function defaultFilters() {
    const today = new Date();
    const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 29);
    $("f-from").value = isoDay(from);
    $("f-to").value = isoDay(today);
    for (const id of ["f-rule", "f-indicator", "f-outcome", "f-patient", "f-user"]) $(id).value = "";
  }
  function filterParams(withOutcome) {
    const p = {};
    if ($("f-from").value) p.from = localMidnight($("f-from").value, 0);
    if ($("f-to").value) p.to = localMidnight($("f-to").value, 1);
    if ($("f-rule").value) p.rule = $("f-rule").value;
    if ($("f-indicator").value) p.indicator = $("f-indicator").value;
    if (withOutcome && $("f-outcome").value) p.outcome = $("f-outcome").value;
    if ($("f-patient").value.trim()) p.patient = $("f-patient").value.trim();
    if ($("f-user").value.trim()) p.user = $("f-user").value.trim();
    return p;
  }

  // ---- summary ----------------------------------------------------------------------------
  function renderSummary(s) {
    let accepted = 0, overridden = 0, none = 0;
    for (const r of s.rules) { accepted += r.accepted; overridden += r.overridden; none += r.noFeedback; }
    $("total-calls").textContent = fmtInt(s.calls);
    $("total-cards").textContent = fmtInt(s.cards);
    $("total-accepted").textContent = fmtInt(accepted);
    $("total-overridden").textContent = fmtInt(overridden);
    $("total-nofeedback").textContent = fmtInt(none);
    $("total-errors").textContent = fmtInt(s.errorCalls);
    $("total-unknown").textContent = fmtInt(s.unknownCardFeedback);

    const body = $("rules-table").tBodies[0];
    clear(body);
    $("rules-empty").hidden = s.rules.length > 0;
    $("rules-table").hidden = s.rules.length === 0;
    for (const r of s.rules) {
      const reasons = el("ul", { class: "list" });
      for (const reason of r.topOverrideReasons) {
        reasons.append(el("li", {}, (reason.display || reason.code) + " ", el("span", { class: "ref" }, "× " + reason.count)));
      }
      body.append(el("tr", { dataset: { ruleId: r.ruleId } },
        el("td", {}, ruleLabel(r.ruleId, r.ruleTitle), el("br"),
          el("span", { class: "rule-id" }, [r.catalogueId, r.ruleId].filter(Boolean).join(" · "))),
        el("td", { class: "num fired" }, fmtInt(r.fired)),
        el("td", { class: "num accepted" }, fmtInt(r.accepted)),
        el("td", { class: "num overridden" }, fmtInt(r.overridden)),
        el("td", { class: "num nofeedback" }, fmtInt(r.noFeedback)),
        el("td", { class: "num" }, pct(r.accepted, r.fired)),
        el("td", {}, r.topOverrideReasons.length ? reasons : el("span", { class: "ref" }, "—"))));
    }
    drawBars($("chart-rules"), s.rules.map((r) => ({ label: r.catalogueId || r.ruleId, title: ruleLabel(r.ruleId, r.ruleTitle), ...r })));
    drawBars($("chart-days"), s.days.map((d) => ({ label: d.day.slice(5), title: d.day, ...d })));
  }

  // Grouped bars (fired, accepted, overridden) drawn as inline SVG elements.
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function drawBars(container, groups) {
    clear(container);
    if (groups.length === 0) {
      container.append(el("p", { class: "empty" }, "Nothing to chart for this period."));
      return;
    }
    const series = ["fired", "accepted", "overridden"];
    const width = 640, height = 220, left = 36, bottom = 28, top = 10;
    const max = Math.max(1, ...groups.map((g) => g.fired));
    const step = (width - left) / groups.length;
    const bar = Math.max(2, Math.min(18, (step - 6) / series.length));
    const y = (v) => top + (height - top - bottom) * (1 - v / max);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": "Bar chart of fired, accepted and overridden alerts" });
    for (const tick of [0, 0.5, 1]) {
      const v = Math.round(max * tick);
      chart.append(svg("line", { x1: left, x2: width, y1: y(v), y2: y(v), stroke: "#d8dee6" }));
      chart.append(svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end" }, String(v)));
    }
    const every = Math.ceil(groups.length / 16);  // label at most ~16 groups
    groups.forEach((g, i) => {
      const x0 = left + i * step + (step - bar * series.length) / 2;
      series.forEach((name, j) => {
        const rect = svg("rect", { class: name, x: x0 + j * bar, y: y(g[name]), width: bar - 1,
          height: Math.max(0, y(0) - y(g[name])) });
        rect.append(svg("title", {}, `${g.title}: ${g[name]} ${name}`));
        chart.append(rect);
      });
      if (i % every === 0) {
        chart.append(svg("text", { x: left + i * step + step / 2, y: height - 10, "text-anchor": "middle" }, g.label));
      }
    });
    container.append(chart, el("div", { class: "legend" }, el("span", { class: "fired" }, "Fired"),
      el("span", { class: "accepted" }, "Accepted"), el("span", { class: "overridden" }, "Overridden")));
  }

  // ---- cards ------------------------------------------------------------------------------
  function cardRow(c) {
    const row = el("tr", { tabindex: "0", dataset: { uuid: c.uuid } },
      el("td", {}, fmtTime(c.received)),
      el("td", {}, ruleLabel(c.ruleId, c.ruleTitle)),
      el("td", {}, badge(c.indicator, indicatorText[c.indicator] || c.indicator)),
      el("td", {}, c.summary),
      el("td", {}, c.patientId),
      el("td", {}, outcomeBadge(c.outcome)));
    const open = () => showDetail(c.uuid).catch(handleError);
    row.addEventListener("click", open);
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
    return row;
  }

  async function loadCards(append) {
    const params = { ...filterParams(true), limit: String(PAGE_SIZE) };
    if (append && nextCards) params.before = String(nextCards);
    const page = await api("cards", params);
    const body = $("cards-table").tBodies[0];
    if (!append) clear(body);
    for (const c of page.items) body.append(cardRow(c));
    nextCards = page.next;
    $("cards-more").hidden = !page.next;
    const shown = body.rows.length;
    $("cards-empty").hidden = shown > 0;
    $("cards-table").hidden = shown === 0;
    $("cards-count").textContent = shown ? "(" + shown + (page.next ? "+" : "") + ")" : "";
  }

  function fact(dl, term, value) {
    if (value === undefined || value === null || value === "") return;
    dl.append(el("dt", {}, term), el("dd", {}, value));
  }

  async function showDetail(uuid) {
    const d = await api("cards/" + encodeURIComponent(uuid));
    const c = d.card, call = d.call;
    $("detail-title").textContent = c.summary;
    const facts = $("detail-facts");
    clear(facts);
    fact(facts, "Rule", ruleLabel(c.ruleId, c.ruleTitle) + " (" + [c.catalogueId, c.ruleId, c.ruleVersion ? "v" + c.ruleVersion : ""].filter(Boolean).join(", ") + ")");
    fact(facts, "Severity", badge(c.indicator, indicatorText[c.indicator] || c.indicator));
    fact(facts, "Shown", fmtTime(c.received));
    fact(facts, "Response", outcomeBadge(c.outcome));
    fact(facts, "Patient", call.patientId);
    fact(facts, "Clinician", call.userId);
    fact(facts, "Encounter", call.encounterId);
    fact(facts, "Hook", call.hook + " · " + call.service);
    fact(facts, "hookInstance", call.hookInstance);
    fact(facts, "Merged rules", (c.mergedRules || []).join(", "));
    fact(facts, "Alert id", c.uuid);

    const list = (id, items, render, empty) => {
      const ul = $(id);
      clear(ul);
      if (!items.length) ul.append(el("li", { class: "empty" }, empty));
      for (const item of items) ul.append(render(item));
    };
    list("detail-evidence", c.evidence || [], (e) => el("li", {}, e.value || e.path, " ",
      el("span", { class: "ref" }, [e.reference, e.path].filter(Boolean).join(" · "))), "No evidence recorded.");
    const accepted = new Set(d.feedback.flatMap((f) => f.acceptedSuggestions));
    list("detail-suggestions", c.suggestions || [], (s) => el("li", {}, s.label, " ",
      accepted.has(s.uuid) ? badge("accepted", "accepted") : null), "No suggestions were offered.");
    list("detail-orders", call.orders || [], (o) => el("li", {}, o.medication || "(no medication yet)", " ",
      el("span", { class: "ref" }, o.resourceType + "/" + o.id + (o.selected ? " · selected" : ""))), "No draft orders.");
    list("detail-feedback", d.feedback, (f) => {
      const reason = f.overrideReason && f.overrideReason.reason;
      return el("li", {}, outcomeBadge(f.outcome), " ", fmtTime(f.outcomeTimestamp),
        reason ? " — " + (reason.display || reason.code) : "",
        f.overrideReason && f.overrideReason.userComment ? " — “" + f.overrideReason.userComment + "”" : "");
    }, "No feedback from the EHR for this alert.");
    $("detail").hidden = false;
    $("detail").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  // ---- flow -------------------------------------------------------------------------------
  function handleError(error) {
    if (error instanceof AuthError) {
      sessionStorage.removeItem(TOKEN_KEY);
      setSignedIn(false);
    }
    showMessage(error.message || String(error));
  }

  function setSignedIn(signedIn) {
    $("signin").hidden = signedIn;
    $("signedin").hidden = !signedIn;
    $("app").hidden = !signedIn;
    document.body.dataset.state = signedIn ? "ready" : "signed-out";
  }

  async function refresh() {
    document.body.dataset.state = "loading";
    const summary = await api("summary", { ...filterParams(false), tz: String(-new Date().getTimezoneOffset()) });
    renderSummary(summary);
    await loadCards(false);
    document.body.dataset.state = "ready";
  }

  async function start() {
    const rules = await api("rules");
    const select = $("f-rule");
    while (select.options.length > 1) select.remove(1);
    for (const r of rules) {
      ruleNames.set(r.ruleId, { title: r.ruleTitle, catalogueId: r.catalogueId });
      select.append(el("option", { value: r.ruleId }, (r.catalogueId ? r.catalogueId + " · " : "") + r.ruleTitle));
    }
    setSignedIn(true);
    showMessage("");
    await refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    defaultFilters();
    $("signin").addEventListener("submit", (e) => {
      e.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
      $("token").value = "";
      start().catch(handleError);
    });
    $("signout").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      setSignedIn(false);
      showMessage("Signed out.", true);
    });
    $("filters").addEventListener("submit", (e) => {
      e.preventDefault();
      $("detail").hidden = true;
      refresh().catch(handleError);
    });
    $("f-reset").addEventListener("click", () => { defaultFilters(); refresh().catch(handleError); });
    $("cards-more").addEventListener("click", () => loadCards(true).catch(handleError));
    $("detail-close").addEventListener("click", () => { $("detail").hidden = true; });
    setSignedIn(false);
    if (sessionStorage.getItem(TOKEN_KEY)) start().catch(handleError);
    else showMessage("Enter the admin token to review the audit trail.", true);
  });
})();
