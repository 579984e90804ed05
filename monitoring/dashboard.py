"""The wall-screen dashboard: one page, one screen per queue group, live over the SSE feed.

The page holds no data itself; it reads the token from the URL fragment (``#token=...``,
never sent to the server in logs) or from the browser's storage, then follows
``/api/feed``. Kept as a string here so the package needs no data files.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse

router = APIRouter(tags=["dashboard"])

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>accueil — supervision</title>
<style>
:root { --bg:#0f1419; --card:#1b2430; --fg:#e8edf2; --dim:#8a99a8; --ok:#3fb950;
        --bad:#f85149; --warn:#d29922; --accent:#58a6ff; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
       font: 18px/1.3 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display:flex; align-items:center; gap:1.5rem; padding:.8rem 1.5rem;
         background:#151c24; border-bottom:2px solid #263241; flex-wrap:wrap; }
header h1 { font-size:1.4rem; margin:0; letter-spacing:.05em; }
nav a { color:var(--dim); margin-right:1rem; text-decoration:none; font-size:1.1rem; }
nav a.current { color:var(--fg); border-bottom:3px solid var(--accent); }
#clock { margin-left:auto; font-size:1.6rem; font-variant-numeric: tabular-nums; }
#conn { font-size:.9rem; color:var(--dim); }
#conn.live { color:var(--ok); } #conn.down { color:var(--bad); }
main { display:grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr));
       gap:1.2rem; padding:1.2rem 1.5rem; }
.queue { background:var(--card); border-radius:12px; padding:1rem 1.3rem; }
.queue h2 { margin:0 0 .6rem; font-size:1.6rem; }
.big { display:grid; grid-template-columns: repeat(3, 1fr); gap:.6rem; }
.fig { background:#111820; border-radius:8px; padding:.5rem .7rem; }
.fig .v { font-size:2.6rem; font-weight:700; font-variant-numeric: tabular-nums; }
.fig .l { color:var(--dim); font-size:.9rem; }
.ok .v { color:var(--ok); } .bad .v { color:var(--bad); } .warn .v { color:var(--warn); }
.agents { display:flex; gap:.8rem; margin-top:.7rem; flex-wrap:wrap; font-size:1.05rem; }
.agents span b { font-size:1.3rem; }
#file0 { margin:0 1.5rem 1.5rem; background:var(--card); border-radius:12px;
         padding:1rem 1.3rem; display:flex; gap:1rem; align-items:center; flex-wrap:wrap; }
#file0 input, #file0 select { font-size:1rem; padding:.4rem; background:#111820;
         color:var(--fg); border:1px solid #33414f; border-radius:6px; }
#file0-text { min-width: 22rem; }
#file0-switch { font-size:1.2rem; padding:.5rem 1.4rem; border-radius:20px; border:0;
                cursor:pointer; background:#33414f; color:var(--fg); }
#file0-switch.on { background:var(--bad); }
#file0-state { font-weight:700; font-size:1.3rem; }
#file0-state.on { color:var(--bad); }
#message { color:var(--warn); }
</style></head>
<body>
<header><h1>accueil</h1><nav id="groups"></nav>
<span id="conn">connecting…</span><span id="clock">--:--:--</span></header>
<main id="queues"></main>
<section id="file0">
  <span>File 0</span><span id="file0-state">OFF</span>
  <select id="file0-mode"><option value="inform">inform then continue</option>
    <option value="dissuade">dissuade and hang up</option></select>
  <input id="file0-text" placeholder="Message (e.g. the e-filing site is down)">
  <input id="file0-reason" placeholder="Reason">
  <button id="file0-switch" type="button">Switch on</button>
  <span id="message"></span>
</section>
<script>
"use strict";
const hash = new URLSearchParams(location.hash.slice(1));
let token = hash.get("token") || localStorage.getItem("accueil-token") || "";
if (hash.get("token")) { localStorage.setItem("accueil-token", token);
  history.replaceState(null, "", location.pathname + location.search); }
if (!token) { token = prompt("API token") || ""; localStorage.setItem("accueil-token", token); }
const group = new URLSearchParams(location.search).get("group");
let last = null, receivedAt = 0;
const STATES = [["available","free"],["ringing","ringing"],["on_call","on call"],
                ["wrap_up","wrap-up"],["paused","paused"]];
const $ = (id) => document.getElementById(id);
function fmtWait(s) { if (s === null || s === undefined) return "–";
  s = Math.max(0, Math.floor(s)); const m = Math.floor(s / 60);
  return m + ":" + String(s % 60).padStart(2, "0"); }
function pct(v) { return v === null || v === undefined ? "–" : Math.round(v * 100) + "%"; }
function cls(status) { return status === "met" ? "ok" : status === "missed" ? "bad" : ""; }
function card(name) {
  let el = $("queue-" + name);
  if (el) return el;
  el = document.createElement("article"); el.className = "queue"; el.id = "queue-" + name;
  el.dataset.queue = name;
  el.innerHTML = `<h2></h2><div class="big">
    <div class="fig" data-box="waiting"><div class="v" data-field="waiting">0</div>
      <div class="l">waiting</div></div>
    <div class="fig" data-box="longest"><div class="v" data-field="longest">–</div>
      <div class="l">longest wait</div></div>
    <div class="fig" data-box="sl"><div class="v" data-field="sl">–</div>
      <div class="l" data-field="sl-label">answered ≤ 40 s</div></div>
    <div class="fig" data-box="abandon"><div class="v" data-field="abandoned">0</div>
      <div class="l" data-field="abandon-label">abandoned</div></div>
    <div class="fig"><div class="v" data-field="answered">0</div>
      <div class="l">answered today</div></div>
    <div class="fig"><div class="v" data-field="in_progress">0</div>
      <div class="l">in progress</div></div></div>
    <div class="agents">${STATES.map(([k, l]) =>
      `<span>${l} <b data-field="agents-${k}">0</b></span>`).join("")}</div>`;
  el.querySelector("h2").textContent = name;
  $("queues").appendChild(el);
  return el;
}
function set(el, field, text) { const f = el.querySelector(`[data-field="${field}"]`);
  if (f && f.textContent !== String(text)) f.textContent = text; }
function render(state) {
  last = state; receivedAt = Date.now() / 1000;
  const groups = state.groups; const names = Object.keys(groups);
  const current = group && groups[group] ? group : names[0];
  $("groups").innerHTML = names.map((g) =>
    `<a href="?group=${encodeURIComponent(g)}" class="${g === current ? "current" : ""}">`
    + `${g.replace(/[<>&"]/g, "")}</a>`).join("");
  const shown = new Set(groups[current] || []);
  for (const el of document.querySelectorAll(".queue"))
    if (!shown.has(el.dataset.queue)) el.remove();
  for (const name of groups[current] || []) {
    const q = state.queues[name]; if (!q) continue;
    const el = card(name);
    set(el, "waiting", q.waiting); set(el, "in_progress", q.in_progress);
    set(el, "answered", q.answered); set(el, "abandoned", q.abandoned);
    const sl = q.kpis["T2-IQ01"], ab = q.kpis["T2-IQ02"];
    set(el, "sl", pct(sl.value));
    set(el, "sl-label", `${sl.name} · target ${pct(sl.target)}`);
    el.querySelector('[data-box="sl"]').className = "fig " + cls(sl.status);
    set(el, "abandon-label", `abandoned · ${pct(ab.value)} (max ${pct(ab.target)})`);
    el.querySelector('[data-box="abandon"]').className = "fig " + cls(ab.status);
    for (const [k] of STATES) set(el, "agents-" + k, q.agents[k] || 0);
    el.dataset.longest = q.longest_wait_s === null ? "" : q.longest_wait_s;
  }
  const on = state.file0.length > 0;
  $("file0-state").textContent = on ? "ON: " + state.file0.map((a) =>
    a.text || "(recorded message)").join(" / ") : "OFF";
  $("file0-state").className = on ? "on" : "";
  $("file0-switch").textContent = on ? "Switch off" : "Switch on";
  $("file0-switch").className = on ? "on" : "";
  document.body.dataset.seq = state.seq;
  tick();
}
function tick() {
  const now = new Date(); $("clock").textContent = now.toLocaleTimeString();
  if (!last) return;
  const drift = Date.now() / 1000 - receivedAt;
  for (const el of document.querySelectorAll(".queue")) {
    const base = el.dataset.longest;
    set(el, "longest", base === "" ? "–" : fmtWait(parseFloat(base) + drift));
    el.querySelector('[data-box="longest"]').className = "fig " +
      (base !== "" && parseFloat(base) + drift > 40 ? "warn" : "");
  }
}
async function api(method, path, body) {
  const r = await fetch(path, { method, headers: { "Authorization": "Bearer " + token,
    "Content-Type": "application/json" }, body: body ? JSON.stringify(body) : undefined });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(data.detail || r.statusText);
  return data;
}
$("file0-switch").addEventListener("click", async () => {
  $("message").textContent = "";
  try {
    if (last && last.file0.length) {
      for (const a of last.file0) await api("DELETE", "/api/file0/" + a.id +
        "?reason=" + encodeURIComponent($("file0-reason").value || "dashboard"));
    } else {
      await api("POST", "/api/file0", { mode: $("file0-mode").value,
        text: $("file0-text").value || "We are aware of an incident.",
        reason: $("file0-reason").value || "switched on from the dashboard" });
    }
  } catch (e) { $("message").textContent = e.message; }
});
function connect() {
  const es = new EventSource("/api/feed?access_token=" + encodeURIComponent(token));
  es.onopen = () => { $("conn").textContent = "live"; $("conn").className = "live"; };
  es.onmessage = (e) => render(JSON.parse(e.data));
  es.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").className = "down"; };
}
setInterval(tick, 1000);
connect();
</script></body></html>
"""


@router.get("/", include_in_schema=False)
def root() -> RedirectResponse:
    return RedirectResponse("/dashboard")


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard() -> str:
    """The wall-screen page (it asks the API for data with the token)."""
    return PAGE
