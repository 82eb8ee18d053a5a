// The Plan tab: a search plan (POST /api/plan) from a manual datum or a finished drift
// run of this station (picked from the list, newest first), drawn on the map (datum, each
// unit's area and route with ETAs) with a table of each unit's W, C, S, POC, POD, POS,
// route POS and time on scene, and the total POS. With a case selected in the Cases tab
// the server attaches the plan to it (case_id, as `sarwatch plan --case` does).
import L from "leaflet";
import { api, caseAttachmentLine, coordinatorSubmit, esc, formatPosition, formatUTC } from "./common.js";

const $ = (sel) => document.querySelector(sel);
const AIRCRAFT = new Set(["fixed_wing", "helicopter"]);
const pct = (v) => `${(Number(v) * 100).toFixed(1)} %`;
const pctCell = (v) => `${(Number(v) * 100).toFixed(1)}%`;
const nm = (v) => Number(v).toFixed(2);
const hhmm = (iso) => (iso ? formatUTC(iso).slice(11, 16) : "");

/** One line that tells a drift run from the others: where and when it started, for how
 * long, the object, and the start of its id. */
export function describeRun(run) {
  const r = run.request || {};
  const where = Number.isFinite(r.lat) && Number.isFinite(r.lon) ? formatPosition(r.lat, r.lon) : "?";
  const hours = r.hours !== undefined ? ` ${r.direction === "backward" ? "−" : "+"}${r.hours} h` : "";
  const obj = r.object ? ` · ${r.object}` : "";
  return `${formatUTC(r.time)}${hours} · ${where}${obj} · ${String(run.run_id).slice(0, 8)}`;
}

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
  const runField = $("#plan-run-field");
  const runSelect = $("#plan-run");

  // The station's finished drift runs, newest first; the choice is kept across refreshes.
  let runsLoaded = null;
  const loadRuns = () => {
    runsLoaded = fetchRuns();
    return runsLoaded;
  };
  const fetchRuns = async () => {
    let runs = [];
    try {
      runs = (await api("/api/drift?limit=100")).filter((r) => r.status === "done");
    } catch (err) {
      runSelect.innerHTML = `<option value="">${esc(errorText(err))}</option>`;
      return;
    }
    runs.sort((a, b) => String(b.finished_at).localeCompare(String(a.finished_at)));
    const keep = runSelect.value;
    runSelect.innerHTML = runs.length
      ? runs.map((r) => `<option value="${esc(r.run_id)}">${esc(describeRun(r))}</option>`).join("")
      : `<option value="">No finished drift run: run one in the Drift tab</option>`;
    if (runs.some((r) => r.run_id === keep)) runSelect.value = keep;
    runSelect.dataset.count = String(runs.length);
  };

  const syncSource = () => {
    const isManual = form.source.value === "manual";
    manual.hidden = !isManual;
    runField.hidden = isManual;
    runSelect.required = !isManual;
    for (const el of manual.querySelectorAll("input, select")) el.required = isManual && el.dataset.required === "1";
    if (!isManual) loadRuns();
  };
  form.source.addEventListener("change", syncSource);
  syncSource();

  // Which case the plan will be attached to (the case selected in the Cases tab, if open).
  const caseLine = caseAttachmentLine(form, ctx, "plan", "plan-case");
  const refreshCase = caseLine.refresh;
  document.querySelector(".sw-tabs button[data-tab='plan']")?.addEventListener("click", () => {
    refreshCase();
    if (form.source.value === "drift") loadRuns();
  });

  // A unit added by mistake can be removed again (the first one stays: a plan needs a unit).
  $("#plan-add-unit").addEventListener("click", () => {
    const copy = units.querySelector("fieldset").cloneNode(true);
    copy.querySelector('[name="name"]').value = `Unit${units.children.length + 1}`;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "sw-unit-remove";
    remove.textContent = "Remove this unit";
    remove.addEventListener("click", () => {
      copy.remove();
      $("#plan-add-unit").focus();
    });
    copy.append(remove);
    units.append(copy);
    copy.querySelector('[name="name"]').focus();
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

  const scene = (u) => {
    const s = u.on_scene;
    if (!s) return "";
    const at = s.basis === "datum" ? "the cloud at the datum time" : `the particles at ${formatUTC(s.cloud_time)} (${s.basis})`;
    return `searching ${formatUTC(s.arrival)} to ${formatUTC(s.end)} after ${nm(s.transit_nm)} nm of transit; area placed on ${at}`;
  };

  // a manual datum's probable error E; a drift run's 90 % radius (it has no E)
  const spread = (a) =>
    a.total_probable_error_nm === null || a.total_probable_error_nm === undefined
      ? `90 % within ${nm(a.search_radius_nm)} nm`
      : `E ${nm(a.total_probable_error_nm)} nm`;

  const table = (answer) => {
    const rows = (answer.units || [])
      .map(
        (u) =>
          `<tr data-unit="${esc(u.name)}"><td>${esc(u.name)}</td><td>${esc(u.pattern)}${u.drift_compensated ? "*" : ""}</td>` +
          `<td>${nm(u.sweep_width_nm)}</td><td>${Number(u.coverage).toFixed(2)}</td><td>${nm(u.track_spacing_nm)}</td>` +
          `<td>${pctCell(u.poc)}</td><td>${pctCell(u.pod)}</td><td>${pctCell(u.pos)}</td><td>${pctCell(u.route_pos)}</td>` +
          `<td data-field="on-scene" title="${esc(scene(u))}">${esc(hhmm(u.on_scene?.arrival))}–${esc(hhmm(u.on_scene?.end))}</td></tr>`,
      )
      .join("");
    const warnings = (answer.units || []).flatMap((u) => (u.warnings || []).map((w) => `<li>${esc(u.name)}: ${esc(w)}</li>`));
    result.innerHTML =
      `<p>Datum ${esc(formatUTC(answer.datum?.time))}, ${spread(answer)}, area ${Number(answer.area_nm2).toFixed(0)} nm²</p>` +
      `<div class="sw-plan-scroll"><table class="sw-table"><thead><tr><th>unit</th><th>pattern</th><th>W nm</th><th>C</th><th>S nm</th><th>POC</th><th>POD</th><th>POS</th><th>rPOS</th><th>on scene (UTC)</th></tr></thead>` +
      `<tbody>${rows}</tbody></table></div>` +
      `<p data-field="total-pos"><strong>Total POS ${pct(answer.total_pos)}</strong></p>` +
      `<p class="sw-muted">W sweep width, C coverage, S track spacing; rPOS the route as flown over the cloud; * drift-compensated.` +
      (answer.cloud?.allocation === "on_scene" ? " Each area is placed on the drift run's particles where they are while its unit searches." : "") +
      `</p>` +
      (warnings.length ? `<ul class="sw-muted">${warnings.join("")}</ul>` : "");
  };

  const request = async () => {
    const body = {
      search_object: form.search_object.value.trim(),
      units: [...units.querySelectorAll("fieldset")].map(unitOf),
    };
    if (form.visibility_km.value) body.visibility_km = Number(form.visibility_km.value);
    if (form.source.value === "drift") {
      await (runsLoaded || loadRuns());
      if (!runSelect.value) throw new Error("No finished drift run on this server: run one in the Drift tab or give a datum.");
      body.drift_run = runSelect.value;
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

  // The field a refusal names ("units.1.speed_kn: ...", "x_nm: ...") is marked and focused,
  // so the coordinator need not map the API's path onto the form.
  const FIELD_OF = { altitude_ft: "height_ft", "wind.speed_kn": "wind_kn", "wind.from_deg": "wind_from", "current.speed_kn": "current_kn", "current.to_deg": "current_to" };
  const markInvalid = (message) => {
    let input = null;
    const unit = /\bunits\.(\d+)\.(\w+)/.exec(message);
    if (unit) {
      const fs = units.querySelectorAll("fieldset")[Number(unit[1])];
      input = fs?.querySelector(`[name="${FIELD_OF[unit[2]] || unit[2]}"]`) || null;
    } else {
      const top = /^([a-z_]+(?:\.[a-z_]+)?):/.exec(message);
      if (top) input = form.querySelector(`[name="${FIELD_OF[top[1]] || top[1]}"]`);
    }
    if (!input) return;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  };
  const clearInvalid = () => {
    for (const el of form.querySelectorAll("[aria-invalid='true']")) el.removeAttribute("aria-invalid");
  };

  coordinatorSubmit(form, ctx, "Read only: your role cannot plan a search.", async () => {
    error.textContent = "";
    clearInvalid();
    result.dataset.state = "loading";
    try {
      const body = await request();
      await refreshCase(); // the case selected now, as the line above the button says
      const caseId = caseLine.caseId();
      if (caseId) body.case_id = caseId;
      const answer = await api("/api/plan", { method: "POST", body });
      table(answer);
      draw(answer);
      result.dataset.state = "done";
      result.dataset.caseId = caseId || "";
      toast(`Plan ready: total POS ${pct(answer.total_pos)}${caseId ? `, attached to case ${caseId}` : ""}.`);
    } catch (err) {
      result.dataset.state = "error";
      error.textContent = errorText(err);
      markInvalid(error.textContent);
      // A plan still shown (and drawn) is the previous request's: say so above it.
      if (result.querySelector("table") && !result.querySelector("[data-field='plan-stale']")) {
        result.insertAdjacentHTML(
          "afterbegin",
          '<p class="sw-warning" data-field="plan-stale">The plan below is the previous one: this request was refused, nothing was changed.</p>',
        );
      }
    }
  });

  return { layer };
}
