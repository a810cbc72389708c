// Messenger Bank operations view: the journeys' charts, the stuck money, the dead letters, executions and
// their timelines, and an operator's actions. Vanilla JS and the vendored Chart.js, no build step.
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

// ---------------------------------------------------------------- session and actions
// The session cookie is HttpOnly: the page knows only who is signed in and the CSRF token it must send.
const sessionBox = document.getElementById("session");
const notice = document.getElementById("notice");
let session = { signed_in: false, sign_in: false };
const sessionListeners = [];

function say(text, bad) {
  notice.textContent = text;
  notice.className = bad ? "notice bad" : "notice";
  notice.hidden = false;
}

function mayAct() {
  return session.signed_in && session.may_act;
}

async function loadSession() {
  try {
    session = await getJSON("/api/session");
  } catch (error) {
    session = { signed_in: false, sign_in: false };
  }
  drawSession();
  sessionListeners.forEach((listener) => listener());
}

function drawSession() {
  if (session.signed_in) {
    sessionBox.replaceChildren(
      el("span", { id: "operator" }, session.operator, session.may_act ? "" : " (no operator role)"),
      el("button", { type: "button", id: "sign-out", onclick: signOut }, "Sign out"));
  } else if (session.sign_in) {
    const username = el("input", { id: "username", name: "username", autocomplete: "username", placeholder: "username", required: true });
    const password = el("input", { id: "password", name: "password", type: "password", autocomplete: "current-password", placeholder: "password", required: true });
    sessionBox.replaceChildren(el("form", { id: "sign-in", class: "sign-in", onsubmit: (e) => {
      e.preventDefault();
      signIn(username.value, password.value);
    } }, username, password, el("button", { type: "submit" }, "Sign in")));
  } else {
    sessionBox.replaceChildren(el("span", { class: "muted" }, "read-only"));
  }
}

async function send(method, url, body) {
  const headers = { Accept: "application/json" };
  if (session.csrf) headers["X-CSRF-Token"] = session.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

async function signIn(username, password) {
  try {
    await send("POST", "/api/session", { username, password });
    say(`Signed in as ${username}.`);
  } catch (error) {
    say(`Sign-in refused: ${error.message}`, true);
  }
  loadSession();
}

async function signOut() {
  await send("DELETE", "/api/session").catch(() => null);
  say("Signed out.");
  loadSession();
}

// An operator's action: asked once more, then done; the page says what happened and reloads its data.
async function act(question, url, done, after) {
  if (!window.confirm(question)) return;
  try {
    await send("POST", url);
    say(done);
  } catch (error) {
    say(`Refused: ${error.message}`, true);
  }
  if (after) after();
}

function retryButton(arn, name, after) {
  return el("button", { type: "button", class: "act", "data-action": "retry", "data-arn": arn,
    onclick: () => act(`Retry ${name}? It continues from the state it stopped in (RedriveExecution).`,
      `/api/executions/${encodeURIComponent(arn)}/retry`, `Retry of ${name} started.`, after) }, "Retry");
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
  const overview = el("div", { id: "overview" });
  app.replaceChildren(overview, el("h2", { class: "big" }, "State-machine executions"), form, table);
  renderOverview(overview);

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

// ---------------------------------------------------------------- overview: stuck money, charts, dead letters, audit
const OVERVIEW_MS = 5000;
const METRICS = [
  { key: "started", title: "Executions a minute", type: "bar", color: "#6c8cd5" },
  { key: "failure_rate", title: "Failure rate %", type: "line", color: "#c0262d", scale: 100 },
  { key: "p50_ms", title: "Duration p50 / p95 (s)", type: "line", color: "#1a7f37", scale: 0.001, second: "p95_ms" },
];

function minuteLabel(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hour12: false });
}

function percent(rate) {
  if (rate === null || rate === undefined) return "–";
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)} %`;
}

function scaled(values, factor) {
  return values.map((v) => (v === null ? null : factor ? +(v * factor).toFixed(3) : v));
}

function renderOverview(root) {
  const stuck = el("section", { id: "stuck", class: "card stuck" });
  const journeys = el("section", { id: "journeys", class: "journeys" });
  const deadLetters = el("section", { id: "dead-letters", class: "card" });
  const audit = el("section", { id: "audit", class: "card audit" });
  const inbox = el("section", { id: "inbox", class: "card inbox" });
  root.replaceChildren(
    el("h1", {}, "Stuck money"), stuck,
    el("h2", { class: "big" }, "Customers waiting for a person"), inbox,
    el("h2", { class: "big" }, "Journeys — the last hour"), journeys,
    el("h2", { class: "big" }, "Dead-letter queues"), deadLetters,
    el("h2", { class: "big" }, "Operators' actions"), audit);
  const charts = new Map();  // "<machine>|<metric>" -> Chart
  let machines = "";
  let overviewTimer = null;

  async function load() {
    clearTimeout(overviewTimer);
    const [stuckData, chartData, queues, records] = await Promise.all([
      getJSON("/api/stuck"), getJSON("/api/charts"), getJSON("/api/dead-letters"), getJSON("/api/audit"),
    ].map((p) => p.catch((error) => ({ error: error.message }))));
    if (!stuckData.error) drawStuck(stuckData.executions);
    if (!chartData.error) drawCharts(chartData);
    if (!queues.error) drawDeadLetters(queues.queues);
    if (!records.error) drawAudit(records.records);
    loadInbox();
    overviewTimer = setTimeout(load, OVERVIEW_MS);
  }

  function drawStuck(rows) {
    if (!rows.length) {
      stuck.replaceChildren(el("p", { class: "ok-line", id: "no-stuck" }, "No money is stuck."));
      return;
    }
    stuck.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["Parked in", "Journey", "Execution", "Since", "Reference", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((row) => el("tr", { "data-arn": row.arn, "data-error": row.error },
        el("td", {}, el("strong", { class: "err" }, row.error), el("div", { class: "muted" }, row.what)),
        el("td", {}, row.state_machine),
        el("td", { class: "name" }, el("a", { href: executionHref(row.arn) }, row.name)),
        el("td", { class: "num" }, when(row.stopped_at)),
        el("td", {}, row.references.customer_ref || row.references.chat_id || "–"),
        el("td", {}, mayAct() ? retryButton(row.arn, row.name, load) : null))))));
  }

  function drawCharts(data) {
    const names = data.journeys.map((j) => j.state_machine).join(",");
    const labels = data.labels.map(minuteLabel);
    if (names !== machines) {
      charts.forEach((chart) => chart.destroy());
      charts.clear();
      machines = names;
      journeys.replaceChildren(...data.journeys.map((journey) => el("article", {
        class: "card journey", "data-machine": journey.state_machine },
        el("h3", {}, journey.state_machine),
        el("p", { class: "totals muted" }),
        el("div", { class: "charts" }, METRICS.map((metric) => el("figure", {},
          el("figcaption", {}, metric.title),
          el("div", { class: "chart-box" }, el("canvas", {
            "data-machine": journey.state_machine, "data-metric": metric.key,
            role: "img", "aria-label": `${journey.state_machine}: ${metric.title}`,
          }))))))));
    }
    for (const journey of data.journeys) {
      const card = journeys.querySelector(`article[data-machine="${CSS.escape(journey.state_machine)}"]`);
      const t = journey.totals;
      card.querySelector(".totals").textContent = `${t.started} started · ${t.ended} ended · ${t.failed} failed ` +
        `(${percent(t.failure_rate)}) · p50 ${duration(t.p50_ms)} · p95 ${duration(t.p95_ms)}`;
      for (const metric of METRICS) {
        const canvas = card.querySelector(`canvas[data-metric="${metric.key}"]`);
        const datasets = [{ label: metric.second ? "p50" : metric.title, data: scaled(journey[metric.key], metric.scale),
          backgroundColor: metric.color, borderColor: metric.color, spanGaps: false, pointRadius: 2, borderWidth: 1.5 }];
        if (metric.second) {
          datasets.push({ label: "p95", data: scaled(journey[metric.second], metric.scale), backgroundColor: "#9a6700",
            borderColor: "#9a6700", spanGaps: false, pointRadius: 2, borderWidth: 1.5 });
        }
        const key = `${journey.state_machine}|${metric.key}`;
        const chart = charts.get(key);
        if (chart) {
          chart.data.labels = labels;
          chart.data.datasets.forEach((dataset, index) => { dataset.data = datasets[index].data; });
          chart.update("none");
        } else if (window.Chart) {
          charts.set(key, new window.Chart(canvas, {
            type: metric.type,
            data: { labels, datasets },
            options: {
              animation: false, responsive: true, maintainAspectRatio: false,
              plugins: { legend: { display: Boolean(metric.second), labels: { boxWidth: 10 } } },
              scales: { x: { ticks: { maxTicksLimit: 6, maxRotation: 0 } }, y: { beginAtZero: true, suggestedMax: metric.key === "failure_rate" ? 100 : undefined } },
            },
          }));
        }
      }
    }
  }

  function drawDeadLetters(queues) {
    if (!queues.length) {
      deadLetters.replaceChildren(el("p", { class: "muted" }, "No dead-letter queues."));
      return;
    }
    deadLetters.replaceChildren(el("table", {},
      el("thead", {}, el("tr", {}, ["Queue", "Messages", "Serves", "Last redrive", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, queues.map((queue) => el("tr", { "data-queue": queue.name },
        el("td", { class: "name" }, queue.name),
        el("td", { class: "num", "data-label": "messages" }, String(queue.messages), queue.in_flight ? ` (+${queue.in_flight} in flight)` : ""),
        el("td", {}, queue.serves.join(", ")),
        el("td", {}, queue.last_move ? `${queue.last_move.status} · ${queue.last_move.moved} of ${queue.last_move.to_move}` +
          (queue.last_move.failure ? ` · ${queue.last_move.failure}` : "") : "–"),
        el("td", {}, mayAct() && queue.messages > 0 ? el("button", { type: "button", class: "act", "data-action": "redrive",
          onclick: () => act(`Send the ${queue.messages} message(s) of ${queue.name} back to ${queue.serves.join(", ")}?`,
            `/api/dead-letters/${encodeURIComponent(queue.arn)}/redrive`, `Redrive of ${queue.name} started.`, load) },
        "Redrive") : null))))));
  }

  // The operators' inbox (messenger_bank/handoff through the internal API): only a signed-in operator sees it.
  const drafts = new Map();  // handoff id -> the answer being typed, kept across refreshes
  async function loadInbox() {
    if (!mayAct()) {
      inbox.replaceChildren(el("p", { class: "muted" }, "Sign in as an operator to see the chats waiting for a person."));
      return;
    }
    if (!session.inbox) {
      inbox.replaceChildren(el("p", { class: "muted" }, "No internal API is configured: the inbox is off (--internal-api)."));
      return;
    }
    if (inbox.contains(document.activeElement)) return;  // never redraw under the operator's typing
    try {
      drawInbox((await getJSON("/api/inbox")).chats);
    } catch (error) {
      inbox.replaceChildren(el("p", { class: "muted" }, `The inbox is unavailable: ${error.message}`));
    }
  }

  async function inboxAction(id, verb, body, done) {
    try {
      await send("POST", `/api/inbox/${encodeURIComponent(id)}/${verb}`, body);
      say(done);
      if (verb === "answer") drafts.delete(id);
    } catch (error) {
      say(`Refused: ${error.message}`, true);
    }
    if (inbox.contains(document.activeElement)) document.activeElement.blur();  // the redraw may go ahead
    load();
  }

  function drawInbox(chats) {
    if (!chats.length) {
      inbox.replaceChildren(el("p", { class: "ok-line", id: "no-waiting" }, "Nobody is waiting for a person."));
      return;
    }
    inbox.replaceChildren(...chats.map((chat) => {
      const answer = el("textarea", { rows: 2, maxlength: 4000, placeholder: "Your answer (sent on the customer's messenger)",
        oninput: (e) => drafts.set(chat.handoff_id, e.target.value) });
      answer.value = drafts.get(chat.handoff_id) || "";
      const who = chat.state === "waiting" ? `waiting ${duration(chat.waiting_seconds * 1000)}` : `with ${chat.taken_by}`;
      return el("article", { class: "handoff", "data-handoff": chat.handoff_id, "data-state": chat.state },
        el("h3", {}, `${chat.channel} · ${chat.language} · ${chat.reason}${chat.refusal ? ` (${chat.refusal})` : ""} · ${who}`),
        el("p", { class: "muted" }, chat.customer_id ? `customer ${chat.customer_id}` : "not a customer yet"),
        el("ol", { class: "turns" }, chat.turns.map((turn) => el("li", { "data-by": turn.by },
          el("span", { class: "num muted" }, when(turn.at)), " ",
          el("strong", {}, turn.by === "operator" ? turn.operator || "operator" : turn.by), ": ", turn.text))),
        el("form", { class: "answer", onsubmit: (e) => {
          e.preventDefault();
          if (answer.value.trim()) inboxAction(chat.handoff_id, "answer", { text: answer.value }, "Answer sent.");
        } }, answer, el("button", { type: "submit" }, "Send")),
        el("div", { class: "actions" },
          chat.state === "waiting" ? el("button", { type: "button", class: "act", "data-action": "take",
            onclick: () => inboxAction(chat.handoff_id, "take", undefined, "The chat is yours.") }, "Take") : null,
          el("button", { type: "button", class: "act", "data-action": "hand-back",
            onclick: () => window.confirm("Hand this chat back to the bot? The customer is told.") &&
              inboxAction(chat.handoff_id, "hand-back", undefined, "Handed back to the bot.") }, "Hand back to the bot")));
    }));
  }

  function drawAudit(records) {
    audit.replaceChildren(records.length ? el("ol", { id: "audit-records" }, records.map((r) => el("li", {
      "data-outcome": r.outcome },
      el("span", { class: "num muted" }, when(r.at)), " ", el("strong", {}, r.operator), ` ${r.action} `,
      el("span", { class: "target" }, r.target.split(":").pop()), " — ",
      el("span", { class: `outcome o-${r.outcome}` }, r.outcome), r.detail ? ` (${r.detail})` : "")))
      : el("p", { class: "muted" }, "No operator has acted yet."));
  }

  sessionListeners.push(load);
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
      el("dt", {}, "Redriven"), el("dd", { id: "redrive-count" }, data.redrive_count ? `${data.redrive_count}×` : "no"),
      el("dt", {}, "ARN"), el("dd", { class: "muted" }, data.arn));

    const actions = mayAct() ? el("div", { class: "actions", id: "actions" },
      data.redrivable ? retryButton(data.arn, data.name, load) : null,
      data.status === "RUNNING" ? el("button", { type: "button", class: "act danger", "data-action": "stop",
        onclick: () => act(`Stop ${data.name}? The journey ends where it is.`,
          `/api/executions/${encodeURIComponent(data.arn)}/stop`, `${data.name} stopped.`, load) }, "Stop") : null) : null;

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
      actions,
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

  sessionListeners.push(load);
}

// ---------------------------------------------------------------- route
// Pages draw once the session is known (its listeners), so that an operator's buttons come with them.
if (location.pathname.startsWith("/execution/")) {
  renderExecution(decodeURIComponent(location.pathname.slice("/execution/".length)));
} else {
  renderIndex();
}
loadSession();
