// Drift runs: start one, watch its progress, animate the cloud and its 50/90/95 %
// containment contours over the output times, and chart the share per SAR region.
import L from "leaflet";
import { api, caseAttachmentLine, coordinatorSubmit, esc, formatUTC, showFormError } from "./common.js";

const $ = (sel) => document.querySelector(sel);
const OUTSIDE = "outside_packaged_regions";
const SHARE_COLOURS = { IT: "#2f7ed8", MT: "#d8452f", LY: "#8a5a00", TN: "#2a9d55", GR: "#7b4fd0", EG: "#b0307a", stranded: "#555", none: "#bbb", [OUTSIDE]: "#e3e3e3" };
const SHARE_LABELS = { [OUTSIDE]: "outside packaged regions", none: "no SAR region" };

/** The shares to draw: particles outside the packaged regions are counted once, as
 * "outside packaged regions", not also in "none" (which the server's shares include). */
export function displayShare(share) {
  const out = Number(share?.[OUTSIDE]) || 0;
  if (!out) return share;
  return { ...share, none: Math.max(0, (Number(share.none) || 0) - out) };
}
const LEVEL_OPACITY = { 50: 0.45, 90: 0.25, 95: 0.12 };

const runId = (r) => r.id ?? r.run_id;
const timeOf = (props) => props.time ?? props.t ?? props.datetime ?? props.valid_time;

/** Split a run's GeoJSON into frames by output time. */
export function framesOf(geojson) {
  const frames = new Map();
  const frame = (t) => {
    if (!frames.has(t)) frames.set(t, { time: t, contours: [], particles: [], centroid: null, share: null });
    return frames.get(t);
  };
  let track = null;
  let start = null;
  for (const f of geojson.features || []) {
    const p = f.properties || {};
    const kind = p.kind || p.type || "";
    const t = timeOf(p);
    if (kind === "start") {
      start = f;
      continue;
    }
    if (/track/.test(kind) || (f.geometry?.type === "LineString" && t === undefined)) {
      track = f;
      continue;
    }
    if (t === undefined) continue;
    const fr = frame(t);
    if (p.srr_share) fr.share = p.srr_share;
    if (p.hours !== undefined) fr.hours = p.hours;
    const g = f.geometry?.type;
    if (g === "Polygon" || g === "MultiPolygon") fr.contours.push(f);
    else if (g === "MultiPoint" && !/centroid/.test(kind)) fr.particles.push(f);
    else if (g === "Point") fr.centroid = f;
  }
  const list = [...frames.values()].sort((a, b) => String(a.time).localeCompare(String(b.time)));
  return { frames: list, track, start };
}

/** Containment level as a percentage: 0.9 and 90 both mean 90 %. */
export function levelPercent(props) {
  const v = Number(props.level ?? props.percent);
  return v <= 1 ? Math.round(v * 100) : Math.round(v);
}

/** Shares per SAR region per time from the frames or from the run's summary. */
function sharesOf(frames, status) {
  const fromSummary = status?.summary?.srr_share_over_time || status?.srr_share_over_time;
  if (Array.isArray(fromSummary) && fromSummary.length) {
    return fromSummary.map((s) => ({ time: s.time, share: displayShare(s.share || s.srr_share || s) }));
  }
  return frames.filter((f) => f.share).map((f) => ({ time: f.time, share: displayShare(f.share) }));
}

function shareChart(el, shares, currentIndex) {
  if (!shares.length) {
    el.innerHTML = '<p class="sw-muted">No SAR-region share in this run\'s output.</p>';
    return;
  }
  // Regions that never hold any of the cloud stay out of the chart and its legend.
  const keys = [...new Set(shares.flatMap((s) => Object.keys(s.share)))].filter((k) =>
    shares.some((s) => Number(s.share[k]) > 0),
  );
  const w = 300;
  const h = 100;
  const bw = w / shares.length;
  const bars = shares
    .map((s, i) => {
      let y = h;
      return keys
        .map((k) => {
          const v = Math.max(0, Number(s.share[k]) || 0);
          const bh = v * h;
          y -= bh;
          return `<rect x="${(i * bw).toFixed(2)}" y="${y.toFixed(2)}" width="${Math.max(bw - 1, 0.5).toFixed(2)}" height="${bh.toFixed(2)}" fill="${SHARE_COLOURS[k] || "#999"}"><title>${esc(formatUTC(s.time))} ${esc(SHARE_LABELS[k] || k)} ${(v * 100).toFixed(0)} %</title></rect>`;
        })
        .join("");
    })
    .join("");
  const cursor = `<rect x="${(currentIndex * bw).toFixed(2)}" y="0" width="${Math.max(bw - 1, 0.5).toFixed(2)}" height="${h}" fill="none" stroke="currentColor" stroke-width="1.5"/>`;
  const now = shares[Math.min(currentIndex, shares.length - 1)];
  el.innerHTML =
    `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="Share of particles per SAR region over time">${bars}${cursor}</svg>` +
    `<div class="sw-muted">Share of the cloud per SAR region, ${esc(formatUTC(shares[0].time))} → ${esc(formatUTC(shares[shares.length - 1].time))}</div>` +
    `<div class="sw-legend" data-field="share-now">${keys
      .map((k) => `<span><i style="background:${SHARE_COLOURS[k] || "#999"}"></i>${esc(SHARE_LABELS[k] || k)} ${((Number(now.share[k]) || 0) * 100).toFixed(0)} %</span>`)
      .join("")}</div>`;
}

/** The products that drove a finished run, one line per role (from its summary). */
export function forcingUsed(summary) {
  const files = summary?.forcing?.files || [];
  const byRole = new Map();
  for (const f of files) {
    const p = f.product;
    const text = p ? `${p.provider} ${p.product_id} run ${formatUTC(p.run_time)}` : f.file;
    if (!byRole.has(f.role)) byRole.set(f.role, new Set());
    byRole.get(f.role).add(text);
  }
  const lines = [...byRole].map(([role, set]) => `${role}: ${[...set].join(", ")}`);
  for (const role of ["wind", "current"]) {
    const described = summary?.forcing?.[role];
    if (!byRole.has(role) && described) lines.push(`${role}: ${described}`);
  }
  return lines;
}

/** Which library forecasts would drive a run, or why one is refused: a list of lines. */
export function choiceLines(roles) {
  return (roles || []).map((r) => ({ text: r.line, warning: Boolean(r.warning), products: r.products || [] }));
}

/**
 * The line under the progress bar. While a run's steps cannot be counted (its forcing
 * read, its particles seeded, the kernels loaded, its outputs written) the server names
 * the phase: "Reading forcing… 3 s"; while it drifts, the share of steps done:
 * "running 45 % · 30 s". `waitedS` is the seconds since the request (none when done).
 */
export function progressText(run, waitedS) {
  const state = run.status;
  const percent = Math.round((state === "done" ? 1 : Number(run.progress ?? 0)) * 100);
  const waited = state === "done" ? "" : `${Math.round(waitedS)} s`;
  const phase = state === "running" ? String(run.phase || "") : "";
  if (phase && phase !== "drifting") {
    const name = phase[0].toUpperCase() + phase.slice(1);
    return `${name}… ${percent > 0 ? `${percent} % · ` : ""}${waited}`;
  }
  return `${state} ${percent} %${waited ? ` · ${waited}` : ""}`;
}

export function createDrift(ctx, { parsePosition, inputToISO }) {
  const { map, toast, errorText } = ctx;
  const layer = L.layerGroup().addTo(map);
  const renderer = L.canvas({ padding: 0.2 });
  const form = $("#drift-form");
  const progress = $("#drift-progress");
  const view = $("#drift-view");
  const slider = $("#drift-time");
  const label = $("#drift-time-label");
  const playButton = $("#drift-play");
  const shareEl = $("#drift-share");
  let frames = [];
  let shares = [];
  let track = null;
  let start = null;
  let status = null;
  let timer = null;

  // Which case a run will be attached to (the case selected in the Cases tab, if open):
  // the form says it before the run; the server attaches the finished run itself.
  const caseLine = caseAttachmentLine(form, ctx, "run", "drift-case");
  const refreshCase = caseLine.refresh;
  document.querySelector(".sw-tabs button[data-tab='drift']")?.addEventListener("click", () => refreshCase());

  // The forcing: the station's forecast library by default (the freshest forecasts that
  // cover the run, as the server will choose them); the on-scene wind is the override.
  const forcingBox = document.createElement("div");
  forcingBox.className = "sw-forcing";
  forcingBox.dataset.field = "drift-forcing";
  forcingBox.innerHTML =
    '<div class="sw-muted">Forcing from the forecast library</div><ul class="sw-forcing-lines"></ul>' +
    '<label><input type="checkbox" name="wind_override"> Use the on-scene wind below instead of the forecast wind</label>';
  const windField = form.wind_kn?.closest("label");
  form.insertBefore(forcingBox, windField || caseLine);
  const forcingList = forcingBox.querySelector("ul");
  const override = forcingBox.querySelector("input[name='wind_override']");
  let windFromLibrary = false;
  let forcingRefused = null;
  let forcingSeq = 0;
  const showForcing = (lines, refused) => {
    forcingList.innerHTML = "";
    for (const line of lines) {
      const li = document.createElement("li");
      li.textContent = line.text;
      if (line.warning) li.className = "sw-warning";
      forcingList.appendChild(li);
    }
    if (refused) {
      const li = document.createElement("li");
      li.className = "sw-error";
      li.dataset.refused = "1";
      li.textContent = refused;
      forcingList.appendChild(li);
    }
    if (!lines.length && !refused) {
      const li = document.createElement("li");
      li.className = "sw-muted";
      li.textContent = "No forecast in the library for this run: the on-scene wind below drives it (`sarwatch forcing fetch` fills the library).";
      forcingList.appendChild(li);
    }
    const windOnScene = override.checked || !windFromLibrary;
    forcingBox.dataset.wind = windOnScene ? "on-scene" : "library";
    for (const name of ["wind_kn", "wind_from"]) {
      const label = form[name]?.closest("label");
      if (label) label.classList.toggle("sw-disabled", !windOnScene);
    }
  };
  const refreshForcing = async () => {
    const seq = ++forcingSeq;
    let pos;
    try {
      pos = await parsePosition(form.position.value);
    } catch {
      return; // no position yet: nothing to choose
    }
    if (!form.time.value) return;
    let time;
    try {
      time = inputToISO(form.time.value);
    } catch {
      return; // a time still being typed (or not a date): the run's submit says why
    }
    const q = new URLSearchParams({
      lat: String(pos.lat),
      lon: String(pos.lon),
      time,
      hours: String(Number(form.hours.value) || 24),
      backward: String(form.direction.value === "backward"),
      wind_on_scene: String(override.checked),
    });
    let lines = [];
    let refused = null;
    try {
      const answer = await api(`/api/forcing/choice?${q}`);
      lines = choiceLines(answer.roles);
    } catch (err) {
      refused = errorText(err);
    }
    if (seq !== forcingSeq) return; // a newer question was asked meanwhile
    const wind = lines.find((l) => l.text.startsWith("wind:"));
    windFromLibrary = Boolean(wind && wind.products.length); // false under the override
    forcingRefused = refused;
    showForcing(lines, refused);
    forcingBox.dataset.ready = "1";
  };
  let forcingTimer = null;
  const forcingSoon = () => {
    clearTimeout(forcingTimer);
    forcingTimer = setTimeout(refreshForcing, 300);
  };
  for (const name of ["position", "time", "hours", "direction"]) form[name]?.addEventListener("change", forcingSoon);
  override.addEventListener("change", () => refreshForcing());

  const showFrame = (i) => {
    const fr = frames[i];
    if (!fr) return;
    layer.clearLayers();
    if (track) L.geoJSON(track, { style: { className: "sw-case-track", weight: 2 } }).addTo(layer);
    if (start) {
      const [lon, lat] = start.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 5, className: "sw-click", weight: 2 }).bindTooltip("start").addTo(layer);
    }
    const contours = fr.contours.slice().sort((a, b) => levelPercent(b.properties) - levelPercent(a.properties));
    for (const c of contours) {
      const lvl = levelPercent(c.properties);
      L.geoJSON(c, {
        style: { className: `sw-contour sw-contour-${lvl}`, weight: lvl === 50 ? 2 : 1, fillOpacity: LEVEL_OPACITY[lvl] ?? 0.2 },
      })
        .bindTooltip(`${lvl} % containment · ${esc(formatUTC(fr.time))}`)
        .addTo(layer);
    }
    for (const p of fr.particles) {
      for (const [lon, lat] of p.geometry.coordinates) {
        L.circleMarker([lat, lon], { renderer, radius: 1.2, className: "sw-cloud", stroke: false, fillOpacity: 0.5 }).addTo(layer);
      }
    }
    if (fr.centroid) {
      const [lon, lat] = fr.centroid.geometry.coordinates;
      L.circleMarker([lat, lon], { radius: 4, className: "sw-case-pos", weight: 1 }).addTo(layer);
    }
    label.textContent = `${formatUTC(fr.time)}${fr.hours !== undefined ? ` (${fr.hours >= 0 ? "+" : ""}${Number(fr.hours).toFixed(0)} h)` : ""}`;
    slider.value = String(i);
    view.dataset.frame = String(i);
    const si = shares.findIndex((s) => s.time === fr.time);
    shareChart(shareEl, shares, si >= 0 ? si : Math.min(i, shares.length - 1));
  };

  const stop = () => {
    clearInterval(timer);
    timer = null;
    playButton.textContent = "▶";
    playButton.setAttribute("aria-label", "Play");
  };
  playButton.addEventListener("click", () => {
    if (timer) return stop();
    playButton.textContent = "⏸";
    playButton.setAttribute("aria-label", "Pause");
    timer = setInterval(() => {
      const next = (Number(slider.value) + 1) % frames.length;
      showFrame(next);
    }, 600);
  });
  slider.addEventListener("input", () => {
    stop();
    showFrame(Number(slider.value));
  });

  const setProgress = (fraction, text) => {
    progress.hidden = false;
    const percent = Math.round(fraction * 100);
    progress.querySelector(".sw-bar-fill").style.width = `${percent}%`;
    progress.querySelector(".sw-progress-track").setAttribute("aria-valuenow", String(percent));
    progress.querySelector(".sw-progress-text").textContent = text;
    progress.dataset.fraction = String(fraction);
  };

  const load = async (id, { fit = true } = {}) => {
    status = await api(`/api/drift/${encodeURIComponent(id)}`);
    const geojson = await api(`/api/drift/${encodeURIComponent(id)}/geojson`);
    ({ frames, track, start } = framesOf(geojson));
    shares = sharesOf(frames, status);
    if (!frames.length) throw new Error("the run produced no output times");
    slider.max = String(frames.length - 1);
    view.hidden = false;
    view.dataset.runId = id;
    const q = encodeURIComponent(id);
    $("#drift-downloads").innerHTML =
      `Downloads: <a href="/api/drift/${q}/geojson" data-filename="drift-${esc(id)}.geojson" data-download="geojson">GeoJSON</a> · ` +
      `<a href="/api/drift/${q}/png" data-filename="drift-${esc(id)}.png" data-download="png">PNG map</a>`;
    let used = $("#drift-forcing-used");
    if (!used) {
      used = document.createElement("p");
      used.id = "drift-forcing-used";
      used.className = "sw-muted";
      used.dataset.field = "drift-forcing-used";
      $("#drift-downloads").insertAdjacentElement("beforebegin", used);
    }
    const usedLines = forcingUsed(status?.summary);
    used.textContent = usedLines.length ? `Driven by: ${usedLines.join("; ")}` : "";
    showFrame(frames.length - 1);
    const all = L.featureGroup(frames.flatMap((f) => f.contours.map((c) => L.geoJSON(c))));
    if (fit && all.getLayers().length) map.fitBounds(all.getBounds().pad(0.3), { maxZoom: 9 });
  };

  class RunFailed extends Error {}

  const poll = async (id) => {
    const started = Date.now();
    for (;;) {
      status = await api(`/api/drift/${encodeURIComponent(id)}`);
      const state = status.status;
      const fraction = state === "done" ? 1 : Number(status.progress ?? 0);
      // The phase and the seconds since the request: a run can sit at 0 % for a while
      // (queued, its forcing being read, the kernels compiled on a new station) and must
      // not look hung.
      setProgress(fraction, progressText(status, (Date.now() - started) / 1000));
      progress.dataset.state = state;
      progress.dataset.phase = (state === "running" && status.phase) || "";
      if (state === "done") return status;
      if (state === "failed") throw new RunFailed(`the drift run failed: ${status.error || "no reason given"}`);
      await new Promise((r) => setTimeout(r, 700));
    }
  };

  /** The run is done; say whether its case took it, separately from the run itself. */
  const reportAttachment = (run) => {
    const a = run.attachment;
    progress.dataset.attachment = a ? a.status : "none";
    if (!a) {
      toast("Drift run finished.");
    } else if (a.status === "attached") {
      toast(`Drift run finished and attached to case ${a.case_id}.`);
    } else {
      toast(`Drift run finished. It was not attached to case ${a.case_id}: ${a.error || "refused"}`, true);
    }
  };

  coordinatorSubmit(form, ctx, "Read only: your role cannot start a drift run.", async () => {
    stop();
    try {
      const { lat, lon } = await parsePosition(form.position.value);
      await refreshForcing(); // the library's choice for this very request
      if (forcingRefused) throw new Error(forcingRefused);
      const body = {
        lat,
        lon,
        time: inputToISO(form.time.value),
        object: form.object.value,
        hours: Number(form.hours.value),
        backward: form.direction.value === "backward",
        particles: Number(form.particles.value),
        use_library: true,
      };
      // The on-scene wind: the override, or the only wind when the library has none.
      if (override.checked || !windFromLibrary) {
        body.wind_kn = Number(form.wind_kn.value);
        body.wind_from = Number(form.wind_from.value);
      }
      delete progress.dataset.state;
      delete progress.dataset.attachment;
      await refreshCase();
      // A request, not a record: the server attaches the finished run to the case itself,
      // with its request, seed, forcing and output hashes.
      if (caseLine.caseId()) body.case_id = caseLine.caseId();
      setProgress(0, "starting…");
      const run = await api("/api/drift", { method: "POST", body });
      const id = runId(run);
      progress.dataset.runId = id;
      const done = await poll(id);
      reportAttachment(done);
      await load(id);
    } catch (err) {
      // A finished run stays "done" (showing it or attaching it may fail, the run did not);
      // a request refused before it started is not a failed run either.
      if (err instanceof RunFailed) setProgress(0, "failed");
      else if (progress.dataset.state !== "done") setProgress(0, "not started");
      showFormError(form, errorText(err));
      toast(errorText(err), true);
    }
  });

  return { load };
}
