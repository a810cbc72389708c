// The flows live now, read-only: the version customers are spoken to with, its deployments, each flow's picture.
"use strict";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

async function show() {
  const main = document.getElementById("flows");
  const response = await fetch("/api/flows", { credentials: "same-origin" });
  main.replaceChildren();
  if (response.status === 401 || response.status === 403) {
    main.append(el("p", {}, "Sign in on the ", el("a", { href: "/" }, "operations view"), " to see the flows."));
    return;
  }
  const data = await response.json();
  if (!response.ok) {
    main.append(el("p", { class: "error" }, data.error || "the flows could not be read"));
    return;
  }
  const live = data.live;
  const served = live.deployment;
  main.append(
    el("h1", {}, "Live version ", el("code", { id: "live-version" }, live.version)),
    el("p", { class: "muted" }, live.label || ""),
    el("p", {}, served ? `AppConfig deployment ${served.deployment} (configuration version ${served.configuration_version}), ${served.state}` : "Nothing published: the flows packaged with the code."),
  );
  if (data.deployments.length) {
    const rows = data.deployments.map((d) =>
      el("tr", {}, el("td", {}, String(d.deployment)), el("td", {}, d.version), el("td", {}, d.state), el("td", {}, d.started_at)));
    main.append(el("h2", {}, "Deployments"),
      el("table", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "version"), el("th", {}, "state"), el("th", {}, "started")), ...rows));
  }
  for (const flow of data.flows) {
    main.append(el("section", { class: "flow", id: `flow-${flow.name}` },
      el("h2", {}, `${flow.title} (${flow.name})`),
      el("img", { src: `/api/flows/${encodeURIComponent(flow.name)}.svg`, alt: `the ${flow.name} flow` })));
  }
}

show();
