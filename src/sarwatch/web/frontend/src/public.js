// The public page: the base map and the public feed only. It never asks the
// authenticated cases API; what it shows is what /api/public returns (delayed,
// positions coarsened by the server's stated policy).
import "leaflet/dist/leaflet.css";
import "./style.css";
import L from "leaflet";
import { createBaseMap, esc, formatDM, formatUTC, installClock, installNightMode } from "./common.js";

const $ = (sel) => document.querySelector(sel);

function positionsOf(c) {
  const raw = c.positions || c.reports || [];
  const list = raw
    .map((p) => ({ lat: Number(p.lat), lon: Number(p.lon), time: p.time || p.at }))
    .filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
  if (!list.length && Number.isFinite(Number(c.lat)) && Number.isFinite(Number(c.lon))) {
    list.push({ lat: Number(c.lat), lon: Number(c.lon), time: c.time });
  }
  return list;
}

async function main() {
  installClock($("#clock"));
  installNightMode($("#night-toggle"));
  const { map, ready } = createBaseMap($("#map"), { ports: true, zones: true });
  const layer = L.layerGroup().addTo(map);
  const listEl = $("#public-list");
  const stateEl = document.createElement("p");
  stateEl.className = "sw-hint";
  stateEl.dataset.field = "public-state";
  listEl.before(stateEl);
  let loadedAt = null;
  const load = async () => {
    let data;
    try {
      const response = await fetch("/api/public/cases", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`the station answered ${response.status}`);
      data = await response.json();
    } catch (err) {
      const why = err instanceof TypeError ? "the station did not answer" : err.message;
      if (loadedAt) {
        // A list already shown stays (a dropped link must not blank it); say how old it is.
        stateEl.textContent = `As of ${formatUTC(loadedAt)}: ${why} at ${formatUTC(new Date())}; retrying every minute.`;
        stateEl.dataset.state = "stale";
        return;
      }
      listEl.innerHTML = `<p class="sw-muted">The public record could not be loaded (${esc(why)}); retrying every minute.</p>`;
      listEl.dataset.state = "unavailable";
      return;
    }
    loadedAt = new Date();
    stateEl.textContent = `As of ${formatUTC(loadedAt)}.`;
    stateEl.dataset.state = "fresh";
    const cases = Array.isArray(data) ? data : data.cases || data.items || [];
    try {
      const policy = await (await fetch("/api/public/policy")).json();
      if (policy.description) $("#policy").textContent = policy.description;
    } catch {
      /* keep the default wording */
    }
    layer.clearLayers();
    listEl.innerHTML = cases.length ? "" : '<p class="sw-muted">No cases in the public record yet.</p>';
    for (const c of cases) {
      const pts = positionsOf(c);
      const item = document.createElement("div");
      item.className = "sw-result";
      item.innerHTML =
        `<b>${esc(c.case_id ?? c.id ?? "")}</b> · ${esc(c.status || "")}${c.boat ? ` · ${esc(c.boat)} boat` : ""}` +
        (pts.length ? `<br>${esc(formatDM(pts[pts.length - 1].lat, pts[pts.length - 1].lon, 0))} (coarsened)` : "") +
        (c.outcome?.kind ? `<br>outcome: ${esc(c.outcome.kind)}` : "") +
        (c.opened ? `<br><span class="sw-muted">opened ${esc(formatUTC(c.opened))}</span>` : "");
      listEl.appendChild(item);
      for (const p of pts) {
        L.circleMarker([p.lat, p.lon], { radius: 5, className: "sw-case-pos", weight: 1, fillOpacity: 0.9 })
          .bindTooltip(`${esc(c.case_id ?? "")} · ${esc(formatUTC(p.time))} (coarsened)`)
          .addTo(layer);
      }
    }
    listEl.dataset.state = "loaded";
  };
  await load();
  setInterval(load, 60_000);
  await ready;
  document.body.dataset.interactive = String(Math.round(performance.now()));
}

main().catch((err) => console.error(err));
