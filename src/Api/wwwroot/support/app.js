// Souk Loop support console: plain JavaScript on the support API (/api/v1/support). The token lives in sessionStorage.
"use strict";

const api = "/api/v1";
const $ = (id) => document.getElementById(id);
let currentOffer = null;

function token() { return sessionStorage.getItem("souk.support.token"); }

async function call(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (token()) headers["Authorization"] = "Bearer " + token();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(api + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  return { status: response.status, ok: response.ok, data };
}

function problemText(r) {
  if (r.data && typeof r.data === "object") {
    const errors = r.data.errors ? " " + Object.values(r.data.errors).flat().join(" ") : "";
    return `${r.status} ${r.data.code || ""}: ${r.data.detail || r.data.title || ""}${errors}`;
  }
  return `${r.status}`;
}

function say(text, isError) {
  $("message").textContent = text || "";
  $("message").className = isError ? "error" : "";
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c === null || c === undefined ? "" : String(c);
    tr.appendChild(td);
  }
  return tr;
}

function show(section) {
  for (const id of ["list", "offer", "machine"]) $(id).hidden = id !== section;
}

// ---------------------------------------------------------------- sign in
function signedIn(user) {
  $("sign-in").hidden = true;
  $("console").hidden = false;
  $("sign-out").hidden = false;
  $("who").textContent = user ? `${user.display_name} (${user.email})` : "";
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  const r = await call("POST", "/auth/login", { email: $("email").value, password: $("password").value });
  if (!r.ok) { $("sign-in-error").textContent = problemText(r); return; }
  sessionStorage.setItem("souk.support.token", r.data.access_token);
  sessionStorage.setItem("souk.support.user", JSON.stringify(r.data.user));
  // The support API answers 404 to anyone without the support role.
  const probe = await call("GET", "/support/offers?per_page=1");
  if (!probe.ok) {
    sessionStorage.clear();
    $("sign-in-error").textContent = "This account has no support access.";
    return;
  }
  signedIn(r.data.user);
  await showStuck();
});

$("sign-out").addEventListener("click", () => { sessionStorage.clear(); location.reload(); });

// ---------------------------------------------------------------- lists
function offerLink(id) {
  const a = el("a", id);
  a.href = "#offer=" + id;
  a.addEventListener("click", (e) => { e.preventDefault(); openOffer(id); });
  return a;
}

async function showList(title, query) {
  say("Loading…");
  const r = await call("GET", "/support/offers?" + query);
  if (!r.ok) { say(problemText(r), true); return; }
  $("list-title").textContent = `${title} (${r.data.total})`;
  const body = $("list-rows");
  body.replaceChildren();
  for (const o of r.data.items) {
    body.appendChild(row([offerLink(o.id), o.state, o.product_title, o.buyer_id, o.seller_id, o.expires_at || "",
      o.stuck_reasons.map((s) => s.code).join(", ")]));
  }
  show("list");
  say(r.data.items.length === 0 ? "No offers found." : "");
}

function showStuck() { return showList("Stuck offers", "stuck=true&per_page=100"); }

$("show-stuck").addEventListener("click", showStuck);

$("search-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const id = $("search-id").value.trim();
  const kind = $("search-kind").value;
  if (kind === "offer") await openOffer(id);
  else if (kind === "user") await showList("Offers of user " + id, "user_id=" + encodeURIComponent(id) + "&per_page=100");
  else await showList("Offers on product " + id, "product_id=" + encodeURIComponent(id) + "&per_page=100");
});

// ---------------------------------------------------------------- one offer
async function diagram(target, state) {
  const path = "/support/offers/state-machine.svg" + (state ? "?highlight=" + encodeURIComponent(state) : "");
  const r = await call("GET", path);
  // Our own API's SVG, generated from the state machine: shown inline so the current state can be styled and read.
  if (!r.ok) { target.textContent = problemText(r); return; }
  target.innerHTML = r.data;
  const svg = target.querySelector("svg");
  if (svg) { svg.setAttribute("width", "100%"); svg.removeAttribute("height"); }
}

function fields(table, object) {
  table.replaceChildren();
  for (const [key, value] of Object.entries(object)) {
    const tr = document.createElement("tr");
    tr.appendChild(el("th", key));
    tr.appendChild(el("td", value === null ? "—" : value, "mono"));
    tr.dataset.field = key;
    table.appendChild(tr);
  }
}

async function openOffer(id) {
  say("Loading…");
  const r = await call("GET", "/support/offers/" + encodeURIComponent(id));
  if (!r.ok) { say(problemText(r), true); return; }
  render(r.data);
  show("offer");
  say("");
}

function render(d) {
  currentOffer = d.saga.id;
  history.replaceState(null, "", "#offer=" + d.saga.id);
  $("offer-id").textContent = d.saga.id;
  $("offer-state").textContent = d.saga.state;
  const stuck = $("offer-stuck");
  stuck.hidden = d.stuck_reasons.length === 0;
  stuck.textContent = d.stuck_reasons.map((s) => `Stuck (${s.code}): ${s.detail}`).join("\n");
  fields($("saga"), d.saga);
  fields($("timeout"), d.scheduled_timeout || { status: "no scheduled timeout row for its expiration token" });

  const timeline = $("timeline");
  timeline.replaceChildren();
  for (const e of d.timeline) {
    timeline.appendChild(row([e.at, e.action, e.actor_id, e.state_before, e.state_after, e.detail, e.message_id, e.correlation_id, e.trace_id]));
  }

  const faults = $("faults");
  faults.replaceChildren();
  for (const f of d.faults) {
    const cell = document.createElement("span");
    if (!f.resolved) {
      const button = el("button", "Re-drive");
      button.type = "button";
      button.dataset.fault = f.id;
      button.addEventListener("click", () => redrive(f.id));
      cell.appendChild(button);
    }
    faults.appendChild(row([f.at, f.message_type, f.destination, `${f.exception_type}: ${f.exception_message}`,
      f.resolved ? `${f.redriven_at} by ${f.redriven_by}: ${f.redrive_reason}` : "no", cell]));
  }
  if (d.faults.length === 0) faults.appendChild(row(["none"]));

  const outbox = $("outbox");
  outbox.replaceChildren();
  for (const m of d.outbox) outbox.appendChild(row([m.sequence_number, m.message_type, m.destination, m.sent_time]));
  if (d.outbox.length === 0) outbox.appendChild(row(["none"]));

  diagram($("offer-diagram"), d.saga.state);
}

function reason() {
  const text = $("reason").value.trim();
  if (!text) { say("Write the reason first: it is recorded in the offer's timeline.", true); return null; }
  return text;
}

async function act(action) {
  const why = reason();
  if (!why || !currentOffer) return;
  say("Sending to the saga…");
  const r = await call("POST", `/support/offers/${currentOffer}/${action}`, { reason: why });
  if (r.status === 200) { render(r.data); $("reason").value = ""; say(`Done: ${action} → ${r.data.saga.state}.`); }
  else if (r.status === 202) { say("Accepted; the saga has not answered yet. Reload the offer in a moment."); }
  else say(problemText(r), true);
}

async function redrive(faultId) {
  const why = reason();
  if (!why) return;
  const r = await call("POST", `/support/faults/${faultId}/redrive`, { reason: why });
  if (!r.ok) { say(problemText(r), true); return; }
  $("reason").value = "";
  say(`Re-driven to ${r.data.redriven_to}.`);
  setTimeout(() => openOffer(currentOffer), 800);
}

$("expire").addEventListener("click", () => act("expire"));
$("rearm").addEventListener("click", () => act("rearm"));

$("show-machine").addEventListener("click", async () => {
  show("machine");
  await diagram($("machine-diagram"), null);
});

// ---------------------------------------------------------------- start
(async function start() {
  if (!token()) return;
  const user = JSON.parse(sessionStorage.getItem("souk.support.user") || "null");
  signedIn(user);
  const match = /#offer=([0-9a-f-]{36})/i.exec(location.hash);
  if (match) await openOffer(match[1]); else await showStuck();
})();
