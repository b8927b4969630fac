#include <string>

#include "gateway/dashboard/dashboard.hpp"

namespace switchyard {

// The page is self-contained (no scripts, fonts or styles from elsewhere) so it
// works offline and under a strict Content-Security-Policy that allows only
// inline code. Data comes from /v1/stats/share; values from it are inserted
// with textContent, never as HTML. The API key, when one is needed, lives in a
// JavaScript variable only: never in storage, never in the URL.
const std::string& dashboard_html() {
  static const std::string page = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard: traffic shares</title>
<style>
  :root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --muted:#667085; --line:#e4e7ec; }
  @media (prefers-color-scheme: dark) {
    :root { --bg:#111418; --card:#1a1f26; --ink:#e6e8eb; --muted:#98a2b3; --line:#2a313b; }
  }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
         background:var(--bg); color:var(--ink); }
  header { display:flex; flex-wrap:wrap; gap:12px; align-items:center;
           padding:12px 20px; border-bottom:1px solid var(--line); background:var(--card); }
  h1 { font-size:17px; margin:0 12px 0 0; }
  label { color:var(--muted); }
  select, input, button { font:inherit; color:inherit; background:var(--bg);
                          border:1px solid var(--line); border-radius:6px; padding:4px 8px; }
  button { cursor:pointer; }
  #status { margin-left:auto; color:var(--muted); }
  #status.error { color:#d92d20; }
  main { display:grid; gap:16px; padding:16px 20px;
         grid-template-columns:repeat(auto-fill, minmax(340px, 1fr)); }
  section { background:var(--card); border:1px solid var(--line); border-radius:10px;
            padding:14px 16px; }
  h2 { font-size:15px; margin:0 0 8px; }
  .total { color:var(--muted); font-weight:normal; }
  .chart { display:flex; gap:14px; align-items:flex-start; }
  svg { flex:none; }
  table { border-collapse:collapse; width:100%; font-variant-numeric:tabular-nums; }
  td { padding:2px 4px; border-bottom:1px solid var(--line); }
  td.num { text-align:right; white-space:nowrap; }
  .swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; }
  .empty { color:var(--muted); padding:24px 0; }
</style>
</head>
<body>
<header>
  <h1>Switchyard &middot; traffic shares since start</h1>
  <label>Metric
    <select id="metric">
      <option value="tokens">tokens</option>
      <option value="requests">requests</option>
      <option value="cost">cost (USD)</option>
    </select>
  </label>
  <label>API key
    <input id="key" type="password" autocomplete="off" placeholder="only if required" size="18">
  </label>
  <button id="apply" type="button">Use key</button>
  <span id="status">loading&hellip;</span>
</header>
<main id="panels"></main>
<script>
"use strict";
(function () {
  const DIMENSIONS = ["origin", "family", "provider", "hosting"];
  const TITLES = { origin: "By origin", family: "By family", provider: "By provider",
                   hosting: "By hosting" };
  const COLORS = ["#2e90fa", "#f79009", "#12b76a", "#f04438", "#7a5af8", "#ee46bc",
                  "#06aed4", "#a15c07", "#667085", "#84cc16", "#0e9384", "#e31b54"];
  const REFRESH_MS = 5000;
  const SVG = "http://www.w3.org/2000/svg";

  let apiKey = "";  // memory only
  let inFlight = false;
  const metricSelect = document.getElementById("metric");
  const statusText = document.getElementById("status");
  const panels = {};

  // Stable colour per key, so a group keeps its colour as shares move.
  function colorFor(key) {
    let hash = 0;
    for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
    return COLORS[hash % COLORS.length];
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function formatValue(value, metric) {
    if (metric === "cost") return "$" + value;  // exact decimal string from the server
    return Number(value).toLocaleString();
  }

  function buildPanels() {
    const main = document.getElementById("panels");
    for (const by of DIMENSIONS) {
      const section = el("section");
      const heading = el("h2", TITLES[by] + " ");
      const total = el("span", "", "total");
      heading.appendChild(total);
      const body = el("div", "", "chart");
      section.append(heading, body);
      main.appendChild(section);
      panels[by] = { total, body };
    }
  }

  function arcPath(cx, cy, r, start, end) {
    const x1 = cx + r * Math.sin(start), y1 = cy - r * Math.cos(start);
    const x2 = cx + r * Math.sin(end), y2 = cy - r * Math.cos(end);
    const large = end - start > Math.PI ? 1 : 0;
    return "M" + x1 + " " + y1 + "A" + r + " " + r + " 0 " + large + " 1 " + x2 + " " + y2;
  }

  function donut(shares) {
    const size = 140, r = 52, cx = size / 2, cy = size / 2;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", size);
    svg.setAttribute("height", size);
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    svg.setAttribute("role", "img");
    let angle = 0;
    for (const s of shares) {
      if (s.share <= 0) continue;
      const node = s.share >= 0.9999
          ? document.createElementNS(SVG, "circle")
          : document.createElementNS(SVG, "path");
      if (s.share >= 0.9999) {
        node.setAttribute("cx", cx); node.setAttribute("cy", cy); node.setAttribute("r", r);
      } else {
        const sweep = s.share * 2 * Math.PI;
        node.setAttribute("d", arcPath(cx, cy, r, angle, angle + sweep));
        angle += sweep;
      }
      node.setAttribute("fill", "none");
      node.setAttribute("stroke", colorFor(s.key));
      node.setAttribute("stroke-width", "26");
      const title = document.createElementNS(SVG, "title");
      title.textContent = s.key + ": " + (s.share * 100).toFixed(1) + "%";
      node.appendChild(title);
      svg.appendChild(node);
    }
    return svg;
  }

  function legend(shares, metric) {
    const table = el("table");
    for (const s of shares) {
      const row = el("tr");
      const name = el("td");
      const swatch = el("span", "", "swatch");
      swatch.style.background = colorFor(s.key);
      name.append(swatch, document.createTextNode(s.key));
      row.append(name, el("td", formatValue(s.value, metric), "num"),
                 el("td", (s.share * 100).toFixed(1) + "%", "num"));
      table.appendChild(row);
    }
    return table;
  }

  function draw(by, data) {
    const panel = panels[by];
    panel.total.textContent = "(total " + formatValue(data.total, data.metric) + ")";
    panel.body.replaceChildren();
    if (!data.shares.length) {
      panel.body.appendChild(el("div", "No traffic yet.", "empty"));
      return;
    }
    panel.body.append(donut(data.shares), legend(data.shares, data.metric));
  }

  async function fetchShare(by, metric) {
    const headers = {};
    if (apiKey) headers["Authorization"] = "Bearer " + apiKey;
    const url = "/v1/stats/share?by=" + encodeURIComponent(by) +
                "&metric=" + encodeURIComponent(metric);
    const response = await fetch(url, { headers, cache: "no-store" });
    if (response.status === 401 || response.status === 403)
      throw new Error("this gateway needs an API key: paste one above");
    if (!response.ok) throw new Error("HTTP " + response.status + " from " + url);
    return response.json();
  }

  async function refresh() {
    if (inFlight) return;  // a slow gateway must not pile up requests
    inFlight = true;
    const metric = metricSelect.value;
    try {
      const results = await Promise.all(DIMENSIONS.map((by) => fetchShare(by, metric)));
      DIMENSIONS.forEach((by, i) => draw(by, results[i]));
      statusText.className = "";
      statusText.textContent = "updated " + new Date().toLocaleTimeString();
    } catch (err) {
      statusText.className = "error";
      statusText.textContent = String(err.message || err);
    } finally {
      inFlight = false;
    }
  }

  function applyKey() {
    const input = document.getElementById("key");
    apiKey = input.value.trim();
    input.value = "";
    input.placeholder = apiKey ? "key set" : "only if required";
    refresh();
  }

  document.getElementById("apply").addEventListener("click", applyKey);
  document.getElementById("key").addEventListener("keydown", (e) => {
    if (e.key === "Enter") applyKey();
  });
  metricSelect.addEventListener("change", refresh);
  buildPanels();
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
</script>
</body>
</html>
)HTML";
  return page;
}

}  // namespace switchyard
