// The vessels layer and the Responders tab: the live AIS picture on the map (markers by
// kind, the last hour of each track), and for the selected case every vessel's time to
// intercept its drifting target (GET /api/cases/{id}/responders), ETAs on the markers.
// Polled every 30 s and when the map moves or the selected case changes; a coordinator
// can attach the ranking (with the AIS picture used) to the case.
import L from "leaflet";
import { api, esc, formatPosition, formatUTC, getToken } from "./common.js";

/** Marker colour per vessel kind (sarwatch.vessels.types.VesselKind). */
export const KIND_COLOURS = {
  sar_vessel: "#d7191c",
  sar_aircraft: "#d7191c",
  law_enforcement: "#7b3294",
  military: "#7b3294",
  merchant: "#2c7bb6",
  passenger: "#1a9641",
  fishing: "#fdae61",
  sart: "#ff00ff",
  other: "#636363",
};
const POLL_MS = 30_000;

/** Hours as "1 h 05 min" / "40 min"; null as "unreachable". */
export function formatEta(h) {
  if (h === null || h === undefined) return "unreachable";
  const total = Math.round(h * 60);
  const hours = Math.floor(total / 60);
  const mins = total % 60;
  return hours ? `${hours} h ${String(mins).padStart(2, "0")} min` : `${mins} min`;
}

function tabElements() {
  // The tab is made here (its button and section), next to the others.
  const nav = document.querySelector(".sw-tabs");
  let section = document.querySelector("#tab-responders");
  if (nav && !section) {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "tab");
    button.dataset.tab = "responders";
    button.setAttribute("aria-selected", "false");
    button.textContent = "Responders";
    nav.appendChild(button);
    section = document.createElement("section");
    section.id = "tab-responders";
    section.className = "sw-tab";
    section.dataset.active = "0";
    section.innerHTML = `
      <p class="sw-muted" data-field="responders-case">Select a case in the Cases tab.</p>
      <p class="sw-muted" data-field="responders-cloud"></p>
      <div class="sw-list" id="responders-list"></div>
      <p class="sw-write"><button type="button" id="responders-attach" disabled>Attach to the case (with the AIS picture used)</button></p>
      <p class="sw-muted" data-field="vessels-state"></p>`;
    const last = [...document.querySelectorAll(".sw-tab")].pop();
    (last?.parentNode || document.body).insertBefore(section, last ? last.nextSibling : null);
  }
  return section;
}

export function createVessels(ctx, base) {
  const { map } = base;
  const layer = L.layerGroup().addTo(map);
  base.control.addOverlay(layer, "Vessels (AIS)");
  const section = tabElements();
  const $s = (sel) => section?.querySelector(sel);
  const markers = new Map(); // mmsi -> {marker, track}
  let vessels = [];
  let ranking = null; // the answer of /responders for ctx.selectedCase
  let rankedCase = null;

  const tooltip = (v) => {
    const eta = ranking?.byMmsi.get(v.mmsi);
    const lines = [
      `<b>${esc(v.name || "unknown")}</b> ${v.sar ? "<b>[SAR]</b> " : ""}(${esc(String(v.mmsi))})`,
      `${esc(v.type.replace("_", " "))}${v.callsign ? ` · ${esc(v.callsign)}` : ""}`,
      `${esc(formatPosition(v.lat, v.lon))} at ${esc(formatUTC(v.time))}`,
      `SOG ${v.sog_kn ?? "?"} kn · COG ${v.cog_deg ?? "?"}°`,
    ];
    if (eta) {
      lines.push(
        `to case ${esc(rankedCase)}: ETA 50 % ${esc(formatEta(eta.eta_p50_h))}, 90 % ${esc(formatEta(eta.eta_p90_h))}` +
          ` · ${eta.distance_nm} nm`,
      );
    }
    return lines.join("<br>");
  };

  const draw = () => {
    const seen = new Set();
    for (const v of vessels) {
      seen.add(v.mmsi);
      const colour = KIND_COLOURS[v.type] || KIND_COLOURS.other;
      const radius = v.sar ? 7 : 5;
      let entry = markers.get(v.mmsi);
      if (!entry) {
        const marker = L.circleMarker([v.lat, v.lon], {
          radius,
          color: colour,
          fillColor: colour,
          fillOpacity: 0.8,
          weight: v.sar ? 3 : 1,
          className: `sw-vessel sw-vessel-${v.type}`,
        }).addTo(layer);
        const track = L.polyline([], { color: colour, weight: 1, opacity: 0.6, interactive: false }).addTo(layer);
        entry = { marker, track };
        markers.set(v.mmsi, entry);
      }
      entry.marker.setLatLng([v.lat, v.lon]);
      entry.marker.bindTooltip(tooltip(v));
      entry.marker.getElement?.()?.setAttribute("data-mmsi", String(v.mmsi));
      entry.track.setLatLngs((v.track || []).map((p) => [p[1], p[0]]));
    }
    for (const [mmsi, entry] of markers) {
      if (!seen.has(mmsi)) {
        layer.removeLayer(entry.marker);
        layer.removeLayer(entry.track);
        markers.delete(mmsi);
      }
    }
    layer.vesselCount = vessels.length; // for the browser tests
  };

  const refreshVessels = async () => {
    if (!getToken() || !map.hasLayer(layer)) return;
    const b = map.getBounds().pad(0.2);
    const clamp = (x, lo, hi) => Math.min(Math.max(x, lo), hi);
    const box = [
      clamp(b.getWest(), -180, 179.9), clamp(b.getSouth(), -90, 89.9),
      clamp(b.getEast(), -179.9, 180), clamp(b.getNorth(), -89.9, 90),
    ].map((x) => x.toFixed(3));
    try {
      const data = await api(`/api/vessels?bbox=${box.join(",")}&track_min=60`);
      vessels = data.vessels;
      const state = $s('[data-field="vessels-state"]');
      if (state) state.textContent = `${data.count} vessels in view (AIS, as of ${formatUTC(data.as_of)})`;
      draw();
    } catch (err) {
      const state = $s('[data-field="vessels-state"]');
      if (state) state.textContent = ctx.errorText(err);
    }
  };

  const renderRanking = () => {
    const list = $s("#responders-list");
    const caseLine = $s('[data-field="responders-case"]');
    const cloudLine = $s('[data-field="responders-cloud"]');
    const attach = $s("#responders-attach");
    if (!list) return;
    attach.disabled = !(ranking && ctx.role === "coordinator");
    if (!ranking) {
      list.innerHTML = "";
      cloudLine.textContent = "";
      caseLine.textContent = ctx.selectedCase ? `Ranking vessels for case ${ctx.selectedCase}…` : "Select a case in the Cases tab.";
      return;
    }
    const c = ranking.answer.cloud;
    caseLine.textContent = `Case ${rankedCase} at ${formatUTC(ranking.answer.computed_at)}`;
    cloudLine.textContent =
      (c.source === "drift_run" ? `Target: drift run ${c.run_id} (${c.particles} particles)` : "Target: the last known position (no drift cloud)") +
      (c.note ? `. ${c.note.charAt(0).toUpperCase()}${c.note.slice(1)}.` : "");
    cloudLine.dataset.source = c.source;
    const rows = ranking.answer.vessels.slice(0, 30).map(
      (v, i) => `<div class="sw-item" data-mmsi="${esc(String(v.mmsi))}" data-eta="${v.eta_p50_h ?? ""}">
        ${i + 1}. <b>${esc(v.name || String(v.mmsi))}</b>${v.sar ? " <b>[SAR]</b>" : ""}
        <span class="sw-muted">${esc(v.type.replace("_", " "))}</span><br>
        ETA 50 % ${esc(formatEta(v.eta_p50_h))} · 90 % ${esc(formatEta(v.eta_p90_h))}
        <span class="sw-muted" data-field="eta-basis">${v.eta_basis === "sea_route" ? "by sea route" : "straight line"}</span> ·
        ${v.distance_nm} nm · reach ${Math.round(v.reachable_fraction * 100)} % ·
        report ${Math.round(v.report_age_min)} min old${v.speed_basis === "assumed" ? ` · speed assumed ${v.speed_kn} kn` : ""}${
          v.land_between
            ? `<br><span class="sw-warning" data-field="land-between">Land between: sea route ${v.sea_nm} nm, about +${Math.round(v.sea_extra_h * 60)} min, in the ETAs</span>`
            : ""
        }${v.note ? `<br><span class="sw-warning" data-field="vessel-note">${esc(v.note)}</span>` : ""}
      </div>`,
    );
    const left = ranking.answer.left_out || {};
    const why = [
      left.older ? `${left.older} with reports older than ${ranking.answer.max_report_age_h} h` : "",
      left.ahead ? `${left.ahead} with a report time ahead of the station's clock` : "",
      left.sart ? `${left.sart} distress beacon(s)` : "",
    ].filter(Boolean);
    const leftLine = why.length ? `<p class="sw-muted" data-field="left-out">Left out: ${esc(why.join("; "))}.</p>` : "";
    list.innerHTML =
      leftLine + (rows.length ? rows.join("") : `<p class="sw-muted">${why.length ? "No vessel to rank." : "No vessels in the live AIS picture."}</p>`);
  };

  const refreshRanking = async () => {
    const id = ctx.selectedCase || null;
    if (!id || !getToken()) {
      ranking = null;
      rankedCase = null;
      renderRanking();
      return;
    }
    try {
      const answer = await api(`/api/cases/${encodeURIComponent(id)}/responders`);
      if (id !== (ctx.selectedCase || null)) return; // the selection changed meanwhile
      ranking = { answer, byMmsi: new Map(answer.vessels.map((v) => [v.mmsi, v])) };
      rankedCase = id;
    } catch (err) {
      ranking = null;
      rankedCase = null;
      const caseLine = $s('[data-field="responders-case"]');
      if (caseLine) caseLine.textContent = ctx.errorText(err);
      return;
    }
    renderRanking();
    draw();
  };

  $s("#responders-attach")?.addEventListener("click", async (e) => {
    const id = rankedCase;
    if (!id) return;
    e.target.disabled = true;
    try {
      const answer = await api(`/api/cases/${encodeURIComponent(id)}/responders`, { method: "POST" });
      ctx.toast(`Attached to case ${id} (AIS picture SHA-256 ${answer.attachment.picture_sha256.slice(0, 12)}…).`);
    } catch (err) {
      ctx.toast(ctx.errorText(err), true);
    } finally {
      e.target.disabled = false;
    }
  });
  document.querySelector(".sw-tabs button[data-tab='responders']")?.addEventListener("click", () => {
    ctx.showTab("responders");
    refreshRanking();
  });

  let moveTimer = null;
  map.on("moveend", () => {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(refreshVessels, 300);
  });
  map.on("overlayadd", (e) => {
    if (e.layer === layer) refreshVessels();
  });
  let lastCase = null;
  const tick = () => {
    refreshVessels();
    if ((ctx.selectedCase || null) !== lastCase || section?.dataset.active === "1") {
      lastCase = ctx.selectedCase || null;
      refreshRanking();
    }
  };
  setInterval(tick, POLL_MS);
  return {
    refresh: () => {
      refreshVessels();
      refreshRanking();
    },
    // a case was selected, or the event feed says a case changed (a new drift run)
    onCase: () => refreshRanking(),
    layer,
  };
}
