// The status page: paint the first screenful the HTML carries, fetch /status.json for the rest, then follow
// /events. Inline in the page (one request before the first paint). No library, no build step.
"use strict";
(() => {
  const COLOR = { u: "#2e7d32", d: "#b07800", p: "#e65100", f: "#c62828", n: "#d6d6d6" };
  const WORD = { u: "all ok", d: "warnings", p: "some failures", f: "mostly failures", n: "no result" };
  const ORDER = ["down", "degraded", "unknown", "up"];
  const $ = (id) => document.getElementById(id);
  let data = null;
  let byName = new Map();
  let refetch = 0;

  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const utc = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") + " UTC" : "");
  function dur(seconds) {
    if (seconds < 60) return `${Math.round(seconds)} s`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
    if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
    return `${(seconds / 86400).toFixed(1)} d`;
  }
  const ago = (iso) => (iso ? dur((Date.now() - Date.parse(iso)) / 1000) : "");

  // A bar of colours is one CSS gradient (runs of a colour merged), not one element per bucket.
  function gradient(bar) {
    const n = bar.length, stops = [];
    for (let i = 0, j; i < n; i = j) {
      for (j = i + 1; j < n && bar[j] === bar[i]; j++);
      stops.push(`${COLOR[bar[i]] || COLOR.n} ${(i * 100) / n}% ${(j * 100) / n}%`);
    }
    const gap = `repeating-linear-gradient(90deg,transparent 0 calc(${100 / n}% - 1px),#fff 0 ${100 / n}%)`;
    return `${gap},linear-gradient(90deg,${stops.join(",")})`;
  }

  function barCell(bar, uptime, span, cls) {
    const counts = {};
    for (const ch of bar) counts[ch] = (counts[ch] || 0) + 1;
    const parts = Object.keys(counts).map((k) => `${counts[k]} ${WORD[k] || k}`).join(", ");
    const up = uptime == null ? "no results" : `${uptime}% ok`;
    const label = esc(`last ${span}: ${up}; ${parts}`);
    return `<td class="${cls}"><div class="bar" role="img" aria-label="${label}" title="${label}" ` +
      `style="background:${gradient(bar)}"></div><small>${esc(up)}</small></td>`;
  }

  function spark(points, latency) {
    const vals = points.filter((v) => v != null);
    const now = latency == null ? "" : `${latency} ms now`;
    if (vals.length < 2) return `<td class="wide"><small>${esc(now)}</small></td>`;
    const lo = Math.min(...vals), hi = Math.max(...vals), step = 100 / Math.max(1, points.length - 1);
    const xy = [];
    points.forEach((v, i) => {
      if (v != null) xy.push(`${(i * step).toFixed(1)},${(22 - ((v - lo) / (hi - lo || 1)) * 20).toFixed(1)}`);
    });
    const label = esc(`mean latency per hour, last 24 h: ${lo}–${hi} ms`);
    return `<td class="wide"><svg class="spark" viewBox="0 0 100 24" preserveAspectRatio="none" role="img" ` +
      `aria-label="${label}"><title>${label}</title><polyline points="${xy.join(" ")}"/></svg>` +
      `<small>${esc(now)}</small></td>`;
  }

  function causeCell(c) {
    const lines = [];
    if (c.cause) lines.push(`<strong>${esc(c.cause)}</strong><small>${esc(c.layer)}</small>`);
    if (c.summary) lines.push(`<small>${esc(c.summary)}</small>`);
    if (c.blocked_by) lines.push(`<small>blocked by ${esc(c.blocked_by)}</small>`);
    const down = (c.vantages || []).filter((v) => v.state === "down").map((v) => v.name);
    if (c.verdict) lines.push(`<small>${esc(c.verdict)}</small>`);
    else if (down.length) lines.push(`<small>down from: ${esc(down.join(", "))}</small>`);
    const d = [];
    if (c.target) d.push(`target <code>${esc(c.target)}</code>`);
    if (c.evidence) d.push(`evidence <code>${esc(c.evidence)}</code>`);
    else if (c.message && c.state !== "up") d.push(`last result <code>${esc(c.message)}</code>`);
    if (c.guidance) d.push(`next: ${esc(c.guidance)}`);
    if (d.length) lines.push(`<div class="detail">${d.join("<br>")}</div>`);
    return `<td>${lines.join("") || '<span class="muted">–</span>'}</td>`;
  }

  function row(c, first) {
    const timing = first ? ' elementtiming="status-first-row"' : "";
    const since = c.since ? `<small>since ${esc(utc(c.since))} (${esc(ago(c.since))})</small>` : "";
    return `<tr id="c-${c._i}" class="${esc(c.state)}" data-name="${esc(c.name)}">` +
      `<th scope="row"${timing}>${esc(c.name)}<small>${esc(c.kind)}</small></th>` +
      `<td><span class="badge ${esc(c.state)}">${esc(c.state)}</span>${since}</td>` +
      causeCell(c) + spark(c.spark || [], c.latency_ms) +
      barCell(c.bars["24h"], c.uptime["24h"], "24 h", "wide") +
      barCell(c.bars["7d"], c.uptime["7d"], "7 days", "wide") + "</tr>";
  }

  function heading(name, members, gi) {
    const counts = {};
    for (const c of members) counts[c.state] = (counts[c.state] || 0) + 1;
    // The first screenful may hold part of a category: its counts wait for the whole page.
    const parts = data.partial ? "" : ORDER.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(", ");
    return `<h2 id="g-${gi}">${esc(name)}<small>${esc(parts)}</small></h2>`;
  }

  const HEAD = '<table><colgroup><col class="c-name"><col class="c-state"><col class="c-cause">' +
    '<col class="c-spark"><col class="c-bar"><col class="c-bar"></colgroup><thead><tr>' +
    '<th scope="col">Component</th><th scope="col">State</th><th scope="col">Cause</th>' +
    '<th scope="col" class="wide">Latency, 24 h</th><th scope="col" class="wide">Last 24 h</th>' +
    '<th scope="col" class="wide">Last 7 days</th></tr></thead><tbody>';

  function groups() {
    const out = new Map();
    for (const c of data.components) {
      if (!out.has(c.category)) out.set(c.category, []);
      out.get(c.category).push(c);
    }
    return out;
  }

  const FIRST_ROWS = 60;  // what fills a screen: painted first, the rest in the next task

  function section([name, members], gi) {
    const html = [`<section>${heading(name, members, gi)}${HEAD}`];
    for (const c of members) { c._g = gi; html.push(row(c, c._i === 0)); }
    html.push("</tbody></table></section>");
    return html.join("");
  }

  function renderAll() {
    byName = new Map();
    data.components.forEach((c, i) => { c._i = i; byName.set(c.name, c); });
    const all = [...groups()];
    let k = 0;
    for (let rows = 0; k < all.length && rows < FIRST_ROWS; k++) rows += all[k][1].length;
    $("groups").innerHTML = all.slice(0, k).map((g, i) => section(g, i)).join("");
    const complete = () => { if (!data.partial) performance.mark("status-complete"); };
    const rest = () => {
      $("groups").insertAdjacentHTML("beforeend", all.slice(k).map((g, i) => section(g, k + i)).join(""));
      complete();
    };
    if (k < all.length) requestAnimationFrame(() => setTimeout(rest, 0));  // after the first paint
    else complete();
    renderSummary();
    if (!data.partial) renderIncidents();
  }

  function renderSummary() {
    const counts = {};
    if (data.partial) Object.assign(counts, data.counts);  // the first screenful: counts of all components
    else for (const c of data.components) counts[c.state] = (counts[c.state] || 0) + 1;
    const parts = ORDER.filter((s) => counts[s]).map((s) => `${counts[s]} ${s}`).join(", ");
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    $("summary").textContent = `${total} components: ${parts}. Seen from ${data.vantage}; ` +
      `history as of ${utc(data.history_at)}.`;
    document.title = `${counts.down ? `(${counts.down} down) ` : ""}Status · infraprobe monitor`;
  }

  function renderIncidents() {
    if (!data.incidents.length) { $("incidents").innerHTML = '<p class="muted">None.</p>'; return; }
    const rows = data.incidents.map((i) => {
      const ev = i.evidence ? `<small><code>${esc(i.evidence)}</code></small>` : "";
      const blocked = i.blocked_by ? `<small>blocked by ${esc(i.blocked_by)}</small>` : "";
      const end = i.end ? dur(i.duration_s) : `${dur(i.duration_s)}, ongoing`;
      return `<tr class="${i.end ? "" : "down"}"><th scope="row">${esc(i.component)}<small>${esc(i.vantage)}</small></th>` +
        `<td><strong>${esc(i.cause || "")}</strong><small>${esc(i.layer || "")}</small>${blocked}${ev}</td>` +
        `<td>${esc(utc(i.start))}</td><td>${esc(end)}</td></tr>`;
    });
    const more = data.incidents_not_shown ? `<p class="muted">${data.incidents_not_shown} older not shown.</p>` : "";
    $("incidents").innerHTML = '<table><thead><tr><th scope="col">Component</th><th scope="col">Cause</th>' +
      `<th scope="col">Started</th><th scope="col">Duration</th></tr></thead><tbody>${rows.join("")}</tbody></table>${more}`;
  }

  // A state event carries the changed components' public fields: patch their rows and headings only.
  function patch(update) {
    const touched = new Set();
    for (const s of update.components) {
      const c = byName.get(s.name);
      if (!c) { scheduleFetch(0); return; }
      Object.assign(c, s);
      const tr = $(`c-${c._i}`);
      if (tr) tr.outerHTML = row(c, c._i === 0);
      touched.add(c._g);
    }
    const all = groups();
    let gi = 0;
    for (const [name, members] of all) {
      if (touched.has(gi)) $(`g-${gi}`).outerHTML = heading(name, members, gi);
      gi++;
    }
    renderSummary();
    if (token()) scheduleFetch(500);  // details (evidence, guidance) come with the full page only
  }

  const token = () => sessionStorage.getItem("infraprobe-token") || "";

  async function fetchStatus() {
    const headers = token() ? { Authorization: `Bearer ${token()}` } : {};
    const response = await fetch("/status.json", { headers, cache: "no-store" });
    data = await response.json();
    renderAll();
    $("token-state").textContent = token() ? (data.detail ? "details shown" : "token not accepted") : "";
  }

  function scheduleFetch(delay) {
    clearTimeout(refetch);
    refetch = setTimeout(() => fetchStatus().catch(() => {}), delay);
  }

  function follow() {
    const events = new EventSource("/events");
    let lost = false;
    events.onopen = () => {
      $("conn").textContent = "live: updates as states change";
      if (lost) scheduleFetch(0);  // the monitor restarted or the network blinked: read everything again
      lost = false;
    };
    events.onerror = () => { lost = true; $("conn").textContent = "monitor not answering; retrying…"; };
    events.addEventListener("state", (e) => patch(JSON.parse(e.data)));
    events.addEventListener("history", () => scheduleFetch(0));
  }

  // Once the first paint is on screen. Sooner, the whole page's JSON, parsed and rendered, delays it, and rows
  // replaced before they are presented count as never painted (Element Timing, which the bench reads).
  function afterFirstPaint(run) {
    let started = false;
    const once = () => { if (!started) { started = true; run(); } };
    setTimeout(once, 2000);  // a page opened in a background tab is not painted until shown
    if (window.PerformanceObserver && PerformanceObserver.supportedEntryTypes.includes("paint")) {
      new PerformanceObserver((list, observer) => { observer.disconnect(); setTimeout(once, 0); })
        .observe({ type: "paint", buffered: true });
    } else requestAnimationFrame(() => setTimeout(once, 0));
  }

  $("token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("infraprobe-token", $("token").value);
    $("token").value = "";
    scheduleFetch(0);
  });

  // The first screenful comes with the page (public fields only): painted before anything is fetched.
  const first = $("first-screen").textContent.trim();
  if (first) { data = JSON.parse(first); renderAll(); }
  performance.mark("status-rendered");  // the first screenful is in the page (bench/bench_statuspage.py)
  const rest = () => fetchStatus().then(follow, () => {
    $("summary").textContent = "could not read /status.json";
    follow();
  });
  if (first) afterFirstPaint(rest);
  else rest();
})();
