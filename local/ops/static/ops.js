// Messenger Bank operations view: executions and their timelines. Vanilla JS, no build step.
// Every value from the API goes into the page as text (textContent), never as HTML.
"use strict";

const REFRESH_MS = 3000;
const STATUSES = ["", "RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"];
const app = document.getElementById("app");
const refreshState = document.getElementById("refresh-state");
let timer = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function duration(ms) {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60000);
  return `${minutes}m ${String(Math.round((ms % 60000) / 1000)).padStart(2, "0")}s`;
}

function when(iso) {
  if (!iso) return "–";
  const date = new Date(iso);
  const time = date.toLocaleTimeString([], { hour12: false });
  return date.toDateString() === new Date().toDateString() ? time : `${date.toLocaleDateString()} ${time}`;
}

function badge(status) {
  return el("span", { class: `badge s-${status}`, "data-status": status }, status);
}

function json(value) {
  return el("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function schedule(fn) {
  clearTimeout(timer);
  timer = setTimeout(fn, REFRESH_MS);
}

function stamp(text) {
  refreshState.textContent = text;
}

// ---------------------------------------------------------------- index
function executionHref(arn) {
  return `/execution/${encodeURIComponent(arn)}`;
}

function renderIndex() {
  const params = new URLSearchParams(location.search);
  const status = el("select", { id: "status", name: "status" },
    STATUSES.map((s) => el("option", { value: s, selected: s === (params.get("status") || "") }, s || "any")));
  const query = el("input", {
    id: "q", name: "q", type: "search", value: params.get("q") || "",
    placeholder: "name, customer ref, chat id, application id", autocomplete: "off",
  });
  const auto = el("input", { id: "auto", type: "checkbox", checked: localStorage.getItem("ops.auto") !== "0" });
  const count = el("span", { class: "muted", id: "count" });
  const table = el("div", { id: "executions" });
  const form = el("form", { class: "filters", role: "search", onsubmit: (e) => { e.preventDefault(); apply(); } },
    el("label", {}, "Status", status),
    el("label", {}, "Customer reference", query),
    el("label", { class: "check" }, auto, "auto-refresh"),
    count);
  app.replaceChildren(el("h1", {}, "State-machine executions"), form, table);

  function current() {
    const p = new URLSearchParams();
    if (status.value) p.set("status", status.value);
    if (query.value.trim()) p.set("q", query.value.trim());
    return p.toString();
  }

  async function load() {
    const search = current();
    try {
      const data = await getJSON(`/api/executions${search ? "?" + search : ""}`);
      if (search === current()) draw(data);
      stamp(`updated ${new Date().toLocaleTimeString([], { hour12: false })}`);
    } catch (error) {
      stamp(`refresh failed: ${error.message}`);
    }
    if (auto.checked) schedule(load);
  }

  function apply() {
    const search = current();
    history.replaceState(null, "", search ? `/?${search}` : "/");
    sessionStorage.setItem("ops.filter", search);
    load();
  }

  function draw(data) {
    const rows = data.executions;
    count.textContent = `${rows.length} execution${rows.length === 1 ? "" : "s"}`;
    if (!rows.length) {
      table.replaceChildren(el("div", { class: "card empty" }, "No executions match."));
      return;
    }
    table.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["Status", "Execution", "State machine", "Started", "Duration", "Reference"]
        .map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((row) => el("tr", { "data-arn": row.arn, "data-status": row.status },
        el("td", {}, badge(row.status)),
        el("td", { class: "name" }, el("a", { href: executionHref(row.arn) }, row.name),
          row.error ? el("div", { class: "err" }, row.error) : null),
        el("td", { "data-label": "machine" }, row.state_machine),
        el("td", { class: "num", "data-label": "started" }, when(row.started_at)),
        el("td", { class: "num", "data-label": "took" }, row.status === "RUNNING"
          ? `${duration(row.duration_ms)} so far` : duration(row.duration_ms)),
        el("td", { "data-label": "ref" }, row.references.customer_ref || row.references.application_id
          || row.references.chat_id || "–"))))));
  }

  status.addEventListener("change", apply);
  let typing = null;
  query.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(apply, 300); });
  auto.addEventListener("change", () => {
    localStorage.setItem("ops.auto", auto.checked ? "1" : "0");
    if (auto.checked) load(); else { clearTimeout(timer); stamp("auto-refresh off"); }
  });
  sessionStorage.setItem("ops.filter", current());
  load();
}

// ---------------------------------------------------------------- one execution
function renderExecution(arn) {
  const back = sessionStorage.getItem("ops.filter");
  const opened = new Set();
  let first = true;

  async function load() {
    let data;
    try {
      data = await getJSON(`/api/executions/${encodeURIComponent(arn)}`);
    } catch (error) {
      app.replaceChildren(el("p", {}, el("a", { href: back ? `/?${back}` : "/" }, "← all executions")),
        el("div", { class: "failure" }, error.message));
      return;
    }
    app.querySelectorAll("details[data-key]").forEach((d) => {
      if (d.open) opened.add(d.dataset.key); else opened.delete(d.dataset.key);
    });
    draw(data);
    first = false;
    stamp(`updated ${new Date().toLocaleTimeString([], { hour12: false })}`);
    if (data.status === "RUNNING") schedule(load);
  }

  function fold(key, label, content, openByDefault) {
    const open = first ? openByDefault : opened.has(key);
    return el("details", { "data-key": key, open }, el("summary", {}, label), content);
  }

  function draw(data) {
    const total = Math.max(data.duration_ms, 1);
    const facts = el("dl", { class: "facts" },
      el("dt", {}, "State machine"), el("dd", {}, data.state_machine),
      el("dt", {}, "Started"), el("dd", { class: "num" }, when(data.started_at)),
      el("dt", {}, "Duration"), el("dd", { class: "num", id: "duration" }, duration(data.duration_ms)),
      el("dt", {}, "Chat"), el("dd", {}, data.chat
        ? (data.chat_link
          ? el("a", { href: data.chat_link, target: "_blank", rel: "noopener", id: "chat-link" },
            `${data.chat.channel} · ${data.chat.chat_id} — open the chat`)
          : `${data.chat.channel} · ${data.chat.chat_id}`)
        : "–"),
      el("dt", {}, "References"), el("dd", {}, Object.entries(data.references)
        .filter(([k]) => k !== "channel" && k !== "chat_id").map(([k, v]) => `${k} ${v}`).join(" · ") || "–"),
      el("dt", {}, "ARN"), el("dd", { class: "muted" }, data.arn));

    const failure = data.failed ? el("section", { class: "failure", id: "failure" },
      el("div", {}, "Failed in ", el("strong", { id: "failed-state" }, data.failed_state || "?"), ": ",
        el("strong", { id: "failed-error" }, data.error || "")),
      data.cause ? el("pre", { id: "failed-cause" }, data.cause) : null) : null;

    const steps = el("ol", { class: "timeline", id: "timeline" }, data.timeline.map((step, index) => {
      const bar = el("div", { class: "bar" });
      bar.style.left = `${Math.min(100, (step.offset_ms / total) * 100)}%`;
      bar.style.width = `${Math.max(0.4, (step.duration_ms / total) * 100)}%`;
      const isFailing = step.status === "failed";
      const badges = [];
      if (step.attempts > 1) badges.push(el("span", { class: "badge b-retry" }, `${step.attempts} attempts`));
      if (step.status === "caught") badges.push(el("span", { class: "badge b-caught" }, "error caught"));
      if (step.status === "running") badges.push(badge("RUNNING"));
      return el("li", { class: `step ${step.status}`, "data-state": step.name },
        el("div", { class: "step-head" },
          el("div", { class: "step-name" }, step.name, el("small", {}, `${step.type} · +${duration(step.offset_ms)}`)),
          el("div", { class: "track", title: `${duration(step.duration_ms)} of ${duration(data.duration_ms)}` }, bar),
          el("div", { class: "step-time num" }, duration(step.duration_ms))),
        badges.length ? el("div", { class: "badges" }, badges) : null,
        step.errors.length ? el("div", { class: "step-error" }, step.errors.map((e) =>
          el("div", {}, step.attempts > 0 ? `attempt ${e.attempt}: ` : "", el("strong", {}, e.error),
            e.cause ? el("pre", { class: "json" }, e.cause) : null))) : null,
        fold(`in-${index}`, "Input", json(step.input), isFailing),
        step.exited_at && step.output !== null ? fold(`out-${index}`, "Output", json(step.output), false) : null);
    }));

    const logs = data.logs === null ? null : el("section", { class: "card logs", id: "logs" },
      data.logs.length ? el("ul", {}, data.logs.map((line) => el("li", {},
        el("span", { class: "src" }, `[${line.source}] ${line.timestamp || ""} `),
        line.level ? el("span", { class: `lvl-${line.level}` }, `${line.level} `) : null,
        typeof line.message === "string" ? line.message : JSON.stringify(line.message),
        line.record ? fold(`log-${line.source}-${line.order}`, "record", json(line.record), false) : null)))
        : el("p", { class: "muted" }, "No log lines mention this execution."));

    app.replaceChildren(...[
      el("p", {}, el("a", { href: back ? `/?${back}` : "/", id: "back" }, "← all executions")),
      el("h1", {}, badge(data.status), " ", data.name),
      el("div", { class: "card" }, facts),
      failure,
      el("h2", {}, `Timeline (${data.timeline.length} state${data.timeline.length === 1 ? "" : "s"})`),
      data.timeline.length ? steps : el("p", { class: "muted" }, "No state entered yet."),
      el("h2", {}, "Execution input and output"),
      fold("exec-in", "Execution input", json(data.input), false),
      data.output !== null ? fold("exec-out", "Execution output", json(data.output), false) : null,
      logs ? el("h2", {}, "Around it: log lines") : null,
      logs,
    ].filter((node) => node !== null));
    document.title = `${data.name} · Messenger Bank ops`;
  }

  load();
}

// ---------------------------------------------------------------- route
if (location.pathname.startsWith("/execution/")) {
  renderExecution(decodeURIComponent(location.pathname.slice("/execution/".length)));
} else {
  renderIndex();
}
