// The page: everything it shows is read from the server's JSON API (ml/web/server.py), which
// reads the chain. Sending is from a local test account (the server signs, local chains only)
// or from the person's wallet: any injected EIP-1193 provider (window.ethereum), asked with
// eth_sendTransaction for the transaction the server prepared.
"use strict";

const $ = (id) => document.getElementById(id);
const WALLET = "wallet";
let current = null; // the selected deployment's view

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  const json = await response.json();
  if (!response.ok) throw new Error(json.error || response.statusText);
  return json;
}

function show(id, text, error) {
  $(id + "-result").textContent = error ? "" : text;
  $(id + "-error").textContent = error ? text : "";
}

function fact(name, value) {
  const dt = document.createElement("dt");
  dt.textContent = name;
  const dd = document.createElement("dd");
  dd.textContent = value;
  return [dt, dd];
}

const percent = (x) => (x === null || x === undefined ? "-" : (100 * x).toFixed(2) + "%");

function renderModel(m) {
  const params = Object.entries(m.mechanism.parameters).map(([k, v]) => `${k} ${v}`).join(", ");
  const settled = Object.entries(m.settlements).map(([k, v]) => `${k} ${v}`).join(", ");
  const facts = [
    ["kind", `${m.model.kind} at ${m.model.address}`],
    ["trainer", m.address],
    ["classes", m.classes.join(", ")],
    ["encoder", `${m.encoder.kind}, ${m.encoder.features} features (spec hash ${m.encoder.hash.slice(0, 12)}…)`],
    ["dataset", m.dataset],
    ["accuracy", `${percent(m.accuracy.now)} now, ${percent(m.accuracy.deployment)} at deployment`],
    ["contributions", `${m.contributions}${settled ? "; " + settled : ""}`],
    ["ETH at stake", m.held.text],
    ["next deposit", m.next_deposit.text],
    ["mechanism", `${m.mechanism.kind}${params ? " (" + params + ")" : ""}`],
  ];
  if (m.registry) facts.push(["registry", `line ${m.registry.line} at ${m.registry.address}`]);
  $("facts").replaceChildren(...facts.flatMap(([k, v]) => fact(k, v)));
  $("versions").hidden = !m.versions.length;
  $("versions").tBodies[0].replaceChildren(
    ...m.versions.map((v) => {
      const row = document.createElement("tr");
      for (const x of [v.version, v.parent || "-", percent(v.accuracy), v.cids.snapshot]) row.insertCell().textContent = x;
      return row;
    }),
  );
  $("deposit").textContent = m.next_deposit.text;
  $("deposit-input").value = m.next_deposit.wei;
  $("block").textContent = `block ${m.block}`;
  const placeholder = m.encoder.vector ? `${m.encoder.features} numbers, comma separated` : "a text";
  $("predict-input").placeholder = placeholder;
  $("contribute-input").placeholder = placeholder;
  $("label").replaceChildren(...m.classes.map((name) => new Option(name, name)));
}

function plot(svg, series, { max } = {}) {
  // series: [{points: [[x, y], ...], color, label}] drawn on shared axes
  const all = series.flatMap((s) => s.points);
  const ns = "http://www.w3.org/2000/svg";
  svg.replaceChildren();
  if (!all.length) return;
  const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const top = max ?? Math.max(...all.map((p) => p[1]), 1e-18);
  const X = (x) => 30 + (360 * (x - x0)) / Math.max(1, x1 - x0);
  const Y = (y) => 125 - (110 * y) / top;
  series.forEach((s, i) => {
    const line = document.createElementNS(ns, "polyline");
    line.setAttribute("points", s.points.map(([x, y]) => `${X(x)},${Y(y)}`).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", s.color);
    line.setAttribute("stroke-width", "2");
    svg.appendChild(line);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", 35 + 120 * i);
    label.setAttribute("y", 12);
    label.setAttribute("fill", s.color);
    label.textContent = s.label;
    svg.appendChild(label);
  });
  const axis = document.createElementNS(ns, "text");
  axis.setAttribute("x", 30);
  axis.setAttribute("y", 138);
  axis.textContent = `blocks ${x0}-${x1}; top ${max === 1 ? "100%" : top.toPrecision(3)}`;
  svg.appendChild(axis);
}

function cumulative(events, start) {
  // ETH summed over the events, from 0 at the deployment's block
  let total = 0;
  return [[start, 0], ...events.map((e) => [e.block, (total += Number(e.wei) / 1e18)])];
}

async function refresh() {
  const address = $("models").value;
  current = await api(`/api/models/${address}`);
  renderModel(current);
  const [standings, history] = await Promise.all([
    api(`/api/models/${address}/standings`),
    api(`/api/models/${address}/history`),
  ]);
  $("ranking").tBodies[0].replaceChildren(
    ...standings.accounts.map((a) => {
      const row = document.createElement("tr");
      row.dataset.address = a.address;
      for (const v of [a.address, a.reputation, a.in, a.out]) row.insertCell().textContent = v;
      return row;
    }),
  );
  const points = history.accuracy.filter((p) => p.accuracy !== null);
  const start = history.accuracy[0].block;
  plot($("accuracy-plot"), [
    { points: points.map((p) => [p.block, p.accuracy]), color: "#2f6fde", label: "accuracy" },
  ], { max: 1 });
  plot($("money-plot"), [
    { points: cumulative(history.deposits, start), color: "#135f2c", label: "deposits (ETH)" },
    { points: cumulative(history.takes, start), color: "#b3261e", label: "takes (ETH)" },
  ]);
  await refreshClaims();
}

async function refreshClaims() {
  const account = $("account").value;
  const body = $("claims").tBodies[0];
  if (!account || account === WALLET) {
    body.replaceChildren();
    return;
  }
  const claims = await api(`/api/models/${$("models").value}/claims?account=${account}`);
  body.replaceChildren(
    ...claims.contributions.map((c) => {
      const row = document.createElement("tr");
      const now = c.claimable ? `${c.claimable} ${c.amount}` : c.wait ? `wait ${c.wait} s` : "nothing";
      const from = new Date(c.from * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC";
      for (const v of [c.id.slice(0, 12) + "…", c.label, now, from]) row.insertCell().textContent = v;
      return row;
    }),
  );
  $("takes").textContent = claims.takes;
  $("credit").textContent = claims.credit;
}

async function sendFromWallet(address, input, label) {
  if (!window.ethereum) throw new Error("no wallet in this browser: choose a local test account");
  const tx = await api(`/api/models/${address}/prepare`, { input, label });
  const [from] = await window.ethereum.request({ method: "eth_requestAccounts" });
  const chainId = await window.ethereum.request({ method: "eth_chainId" });
  if (chainId !== tx.chainId) throw new Error(`the wallet is on chain ${chainId}, the model on ${tx.chainId}`);
  const hash = await window.ethereum.request({
    method: "eth_sendTransaction",
    params: [{ from, to: tx.to, data: tx.data, value: tx.value }],
  });
  return `sent from ${from} with a deposit of ${tx.deposit}: tx ${hash}`;
}

async function init() {
  const [models, accounts] = await Promise.all([api("/api/models"), api("/api/accounts")]);
  $("models").replaceChildren(
    ...models.map((m) => new Option(`${m.model.kind} on ${m.dataset} (${m.address.slice(0, 10)}…)`, m.address)),
  );
  const options = accounts.accounts.map((a) => new Option(`${a.address} (${a.balance})`, a.address));
  if (window.ethereum || !accounts.local) options.unshift(new Option("your wallet", WALLET));
  $("account").replaceChildren(...options);
  if (accounts.local && options.length > 1) $("account").value = accounts.accounts[1].address;

  const plots = await api("/api/report");
  $("report").replaceChildren(
    ...plots.flatMap((src) => {
      const title = document.createElement("h3");
      title.textContent = `Simulation report: ${src.split("/").pop()}`;
      const img = document.createElement("img");
      img.src = src;
      img.alt = title.textContent;
      img.className = "report";
      return [title, img];
    }),
  );
  $("models").onchange = refresh;
  $("account").onchange = refreshClaims;
  $("predict-form").onsubmit = async (event) => {
    event.preventDefault();
    try {
      const r = await api(`/api/models/${$("models").value}/predict`, { input: $("predict-input").value });
      show("predict", `Predicted: ${r.class}`);
    } catch (err) {
      show("predict", err.message, true);
    }
  };
  $("contribute-form").onsubmit = async (event) => {
    event.preventDefault();
    const [address, input, label] = [$("models").value, $("contribute-input").value, $("label").value];
    try {
      if ($("account").value === WALLET) {
        show("contribute", await sendFromWallet(address, input, label));
      } else {
        const deposit = $("deposit-input").value;
        const r = await api(`/api/models/${address}/contribute`, { input, label, deposit, account: $("account").value });
        show("contribute", `Contributed as ${r.class} with a deposit of ${r.deposit}: id ${r.id}, block ${r.block}, gas ${r.gas}`);
      }
      await refresh();
    } catch (err) {
      show("contribute", err.message, true);
    }
  };
  $("claim-button").onclick = async () => {
    try {
      const r = await api(`/api/models/${$("models").value}/claim`, { account: $("account").value });
      const what = r.claimed.map((c) => `${c.action} ${c.amount}`).join(", ") || "no claim";
      show("claim", `Claimed: ${what}; withdrew ${r.withdrawn ?? "nothing"}`);
      await refresh();
    } catch (err) {
      show("claim", err.message, true);
    }
  };
  await refresh();
  document.body.dataset.ready = "true";
}

init().catch((err) => {
  document.body.dataset.ready = "error";
  show("predict", err.message, true);
});
