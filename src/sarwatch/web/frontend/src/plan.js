// The Plan tab: a search plan (POST /api/plan) from a manual datum or the last finished
// drift run, drawn on the map (datum, each unit's area and route with ETAs) with a table
// of each unit's W, C, S, POC, POD, POS and the total POS.
import L from "leaflet";
import { api, coordinatorSubmit, esc, formatPosition, formatUTC } from "./common.js";

const $ = (sel) => document.querySelector(sel);
const AIRCRAFT = new Set(["fixed_wing", "helicopter"]);
const pct = (v) => `${(Number(v) * 100).toFixed(1)} %`;
const nm = (v) => Number(v).toFixed(2);

/** The rectangle's corners [[lat, lon], ...] (length along orientation_deg, flat earth:
 * for drawing only; the server's files hold the exact ones). */
export function areaCorners(a) {
  const th = (Number(a.orientation_deg) * Math.PI) / 180;
  const coslat = Math.cos((a.lat * Math.PI) / 180);
  return [
    [-1, -1],
    [1, -1],
    [1, 1],
    [-1, 1],
  ].map(([su, sv]) => {
    const u = (su * a.length_nm) / 2;
    const v = (sv * a.width_nm) / 2;
    const east = u * Math.sin(th) + v * Math.cos(th);
    const north = u * Math.cos(th) - v * Math.sin(th);
    return [a.lat + north / 60, a.lon + east / (60 * coslat)];
  });
}

/** One unit fieldset's request. */
function unitOf(fs) {
  const f = (name) => fs.querySelector(`[name="${name}"]`);
  const platform = f("platform").value;
  const unit = {
    name: f("name").value.trim(),
    platform,
    speed_kn: Number(f("speed_kn").value),
    hours: Number(f("hours").value),
    pattern: f("pattern").value,
    drift_compensated: f("drift_compensated").checked,
  };
  if (f("height_ft").value) unit[AIRCRAFT.has(platform) ? "altitude_ft" : "height_ft"] = Number(f("height_ft").value);
  return unit;
}

export function createPlan(ctx, { parsePosition, inputToISO }) {
  const { map, toast, errorText } = ctx;
  const layer = L.layerGroup().addTo(map);
  const form = $("#plan-form");
  const units = $("#plan-units");
  const result = $("#plan-result");
  const error = $("#plan-error");
  const manual = $("#plan-manual");

  const syncSource = () => {
    const isManual = form.source.value === "manual";
    manual.hidden = !isManual;
    for (const el of manual.querySelectorAll("input, select")) el.required = isManual && el.dataset.required === "1";
  };
  form.source.addEventListener("change", syncSource);
  syncSource();

  $("#plan-add-unit").addEventListener("click", () => {
    const copy = units.querySelector("fieldset").cloneNode(true);
    copy.querySelector('[name="name"]').value = `Unit${units.children.length + 1}`;
    units.append(copy);
  });

  const draw = (answer) => {
    layer.clearLayers();
    const all = L.featureGroup().addTo(layer);
    for (const p of answer.datum?.points || []) {
      L.circleMarker([p.lat, p.lon], { radius: 6, className: "sw-plan-datum", weight: 2, fillOpacity: 0.8 })
        .bindTooltip(`datum ${esc(formatUTC(answer.datum.time))}`)
        .addTo(all);
    }
    for (const u of answer.units || []) {
      if (u.area) {
        L.polygon(areaCorners(u.area), { className: "sw-plan-area", weight: 2, fillOpacity: 0.08 })
          .bindTooltip(`${esc(u.name)}: ${nm(u.area.length_nm)} × ${nm(u.area.width_nm)} nm`)
          .addTo(all);
      }
      const wps = u.waypoints || [];
      if (wps.length > 1) {
        L.polyline(
          wps.map((w) => [w.lat, w.lon]),
          { className: "sw-plan-route", weight: 2 },
        ).addTo(all);
      }
      for (const w of wps) {
        L.circleMarker([w.lat, w.lon], { radius: 3, className: "sw-plan-wp", weight: 1, fillOpacity: 0.9 })
          .bindTooltip(`${esc(u.name)} ${esc(w.name)} · ${esc(formatPosition(w.lat, w.lon))} · ETA ${esc(formatUTC(w.eta))}`)
          .addTo(all);
      }
    }
    if (all.getLayers().length) map.fitBounds(all.getBounds().pad(0.2), { maxZoom: 11 });
  };

  const table = (answer) => {
    const rows = (answer.units || [])
      .map(
        (u) =>
          `<tr data-unit="${esc(u.name)}"><td>${esc(u.name)}</td><td>${esc(u.pattern)}${u.drift_compensated ? "*" : ""}</td>` +
          `<td>${nm(u.sweep_width_nm)}</td><td>${Number(u.coverage).toFixed(2)}</td><td>${nm(u.track_spacing_nm)}</td>` +
          `<td>${pct(u.poc)}</td><td>${pct(u.pod)}</td><td>${pct(u.pos)}</td></tr>`,
      )
      .join("");
    const warnings = (answer.units || []).flatMap((u) => (u.warnings || []).map((w) => `<li>${esc(u.name)}: ${esc(w)}</li>`));
    result.innerHTML =
      `<p>Datum ${esc(formatUTC(answer.datum?.time))}, E ${nm(answer.total_probable_error_nm)} nm, area ${Number(answer.area_nm2).toFixed(0)} nm²</p>` +
      `<table class="sw-table"><thead><tr><th>unit</th><th>pattern</th><th>W nm</th><th>C</th><th>S nm</th><th>POC</th><th>POD</th><th>POS</th></tr></thead>` +
      `<tbody>${rows}</tbody></table>` +
      `<p data-field="total-pos"><strong>Total POS ${pct(answer.total_pos)}</strong></p>` +
      `<p class="sw-muted">W sweep width, C coverage, S track spacing; * drift-compensated.</p>` +
      (warnings.length ? `<ul class="sw-muted">${warnings.join("")}</ul>` : "");
  };

  const request = async () => {
    const body = {
      search_object: form.search_object.value.trim(),
      units: [...units.querySelectorAll("fieldset")].map(unitOf),
    };
    if (form.visibility_km.value) body.visibility_km = Number(form.visibility_km.value);
    if (form.source.value === "drift") {
      const runs = (await api("/api/drift")).filter((r) => r.status === "done");
      runs.sort((a, b) => String(a.finished_at).localeCompare(String(b.finished_at)));
      if (!runs.length) throw new Error("No finished drift run on this server: run one in the Drift tab or give a datum.");
      body.drift_run = runs[runs.length - 1].run_id;
      return body;
    }
    const { lat, lon } = await parsePosition(form.position.value);
    Object.assign(body, {
      datum: { lat, lon, time: inputToISO(form.time.value) },
      x_nm: Number(form.x_nm.value),
      elapsed_h: Number(form.elapsed_h.value),
      object: form.object.value,
      wind: { speed_kn: Number(form.wind_kn.value), from_deg: Number(form.wind_from.value) },
      current: { speed_kn: Number(form.current_kn.value), to_deg: Number(form.current_to.value) },
      wind_kn_on_scene: Number(form.wind_kn.value),
    });
    return body;
  };

  coordinatorSubmit(form, ctx, "Read only: your role cannot plan a search.", async () => {
    error.textContent = "";
    result.dataset.state = "loading";
    try {
      const answer = await api("/api/plan", { method: "POST", body: await request() });
      table(answer);
      draw(answer);
      result.dataset.state = "done";
      toast(`Plan ready: total POS ${pct(answer.total_pos)}.`);
    } catch (err) {
      result.dataset.state = "error";
      error.textContent = errorText(err);
    }
  });

  return { layer };
}
