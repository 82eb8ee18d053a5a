// Shared by the operations page and the public page: positions as sailors write
// them, UTC times, the API client, and the offline base map (vector layers only).
import L from "leaflet";

// ------------------------------------------------------------------ positions

/** Degrees and decimal minutes, e.g. 33°12.000'N 012°30.000'E. */
export function formatDM(lat, lon, decimals = 3) {
  const part = (value, width, pos, neg) => {
    const hemi = value >= 0 ? pos : neg;
    const abs = Math.abs(value);
    let deg = Math.floor(abs);
    let min = (abs - deg) * 60;
    if (Number(min.toFixed(decimals)) >= 60) {
      deg += 1;
      min = 0;
    }
    const minText = min.toFixed(decimals).padStart(decimals > 0 ? decimals + 3 : 2, "0");
    return `${String(deg).padStart(width, "0")}°${minText}'${hemi}`;
  };
  return `${part(lat, 2, "N", "S")} ${part(lon, 3, "E", "W")}`;
}

/** Decimal degrees, e.g. 33.20000, 12.50000. */
export function formatDecimal(lat, lon, decimals = 5) {
  return `${lat.toFixed(decimals)}, ${lon.toFixed(decimals)}`;
}

let decimalMode = false;
export function setDecimalMode(on) {
  decimalMode = on;
}
export function isDecimalMode() {
  return decimalMode;
}

/** A position in the user's chosen notation (degrees+minutes by default). */
export function formatPosition(lat, lon) {
  return decimalMode ? formatDecimal(lat, lon) : formatDM(lat, lon);
}

/**
 * Read a position as people write it (33°12'N 012°30'E, 3312N 01230E, 33-12.5N
 * 012-30.1E, 33,2N 12,5E, 33.2, 12.5 ...) with the server's parser,
 * sarwatch.geo.position, through GET /api/position: the page, the CLI and the API
 * read every text the same way, because there is one parser. Resolves {lat, lon};
 * rejects with the server's reason (an ApiError whose message says what to write).
 */
export async function parsePosition(text) {
  const raw = String(text ?? "").trim();
  const data = await api(`/api/position?text=${encodeURIComponent(raw)}`, { auth: false });
  return { lat: data.lat, lon: data.lon };
}

// ------------------------------------------------------------------ times (always UTC)

/** 2026-11-23 04:10 UTC */
export function formatUTC(value) {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The current UTC time as typed in the time fields: 2026-11-23 04:10. */
export function nowUTCInput() {
  return new Date().toISOString().slice(0, 16).replace("T", " ");
}

// The zone a typed time may end with: UTC, written as people copy it off a sat-phone
// message or an ISO time (Z, UTC, +00:00, +0000, +00). Anything else is refused.
const UTC_ZONE = /^(?:Z|UTC|\+00(?::?00)?)$/i;
const OFFSET = /^[+-](\d{2}):?(\d{2})?$/;

/**
 * A UTC time as typed to ISO 8601 with Z: 2026-11-23 04:10, with a space or T, optional
 * seconds, and optionally the zone of a UTC time (2026-11-23 04:10 UTC, 2026-11-23T04:10Z,
 * 2026-11-23 04:10:00+00:00). Another offset or zone (+02:00, CET, local) is refused with
 * a message that says to give UTC: the page never guesses or converts a time zone.
 */
export function inputToISO(value) {
  const text = String(value ?? "").trim();
  const example = "e.g. 2026-11-23 04:10 or 2026-11-23 04:10 UTC";
  const m = text.match(/^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?\s*(\S.*)?$/i);
  if (!m) throw new Error(`time "${value}": expected UTC as YYYY-MM-DD HH:MM, ${example}`);
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] || "00"}Z`;
  const date = new Date(iso);
  // a day or hour past its end (2026-02-30, 24:00) would roll over into the next one
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== iso.slice(0, 19)) {
    throw new Error(`time "${value}" is not a real date: ${example}`);
  }
  const zone = (m[7] || "").trim();
  if (!zone || UTC_ZONE.test(zone)) return iso;
  const offset = zone.match(OFFSET);
  if (offset) {
    const minutes = (zone[0] === "-" ? -1 : 1) * (Number(offset[1]) * 60 + Number(offset[2] || 0));
    const utc = formatUTC(new Date(date.getTime() - minutes * 60_000));
    throw new Error(`time "${value}" is not in UTC (offset ${zone}): give it in UTC (that is ${utc})`);
  }
  throw new Error(`time "${value}": "${zone}" is not UTC; give the time in UTC, ${example}`);
}

// ------------------------------------------------------------------ escaping

export function esc(value) {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// ------------------------------------------------------------------ API client

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

export function getToken() {
  return localStorage.getItem("sarwatch.token") || "";
}
export function setToken(token) {
  if (token) localStorage.setItem("sarwatch.token", token);
  else localStorage.removeItem("sarwatch.token");
}

/** fetch JSON with the bearer token; throws ApiError with the server's detail. */
export async function api(path, { method = "GET", body, auth = true, raw = false } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const token = getToken();
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) {
    let detail = `${response.status} ${response.statusText}`;
    try {
      const data = await response.json();
      detail = typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail ?? data);
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, detail);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

/** Download a file that needs the bearer token (a plain link cannot send it). */
export async function downloadWithToken(url, filename) {
  const response = await api(url, { raw: true });
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename || url.split("/").pop();
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return blob.size;
}

/**
 * Server-sent events over fetch (so the bearer token goes in a header, not the URL).
 * Calls onEvent({event, data}) for each message; reconnects after a pause.
 */
export function subscribe(path, onEvent, onState = () => {}) {
  let stopped = false;
  let controller;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { Accept: "text/event-stream" };
        const token = getToken();
        if (token) headers.Authorization = `Bearer ${token}`;
        const response = await fetch(path, { headers, signal: controller.signal });
        if (!response.ok || !response.body) throw new ApiError(response.status, "feed unavailable");
        onState("live");
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n/g, "\n");
          let cut;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = "message";
            const data = [];
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) event = line.slice(6).trim();
              else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
            }
            if (data.length) {
              let parsed = data.join("\n");
              try {
                parsed = JSON.parse(parsed);
              } catch {
                /* plain text */
              }
              if (event === "revoked") {
                // the token was withdrawn while the stream was open: no retry can succeed
                stopped = true;
                onState("revoked", parsed);
                controller.abort();
                return;
              }
              onEvent({ event, data: parsed });
            }
          }
        }
        onState("reconnecting");
      } catch (err) {
        if (stopped) return;
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
          stopped = true; // a refused token stays refused: sign in again, then the feed restarts
          onState("refused");
          return;
        }
        onState(err instanceof ApiError && err.status === 404 ? "unavailable" : "reconnecting");
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  };
  run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

// ------------------------------------------------------------------ a form's case

/**
 * The line above a form's submit button that says which case the result will be attached
 * to (the case selected in the Cases tab, unless it is closed), kept up to date.
 * `noun` names the result ("run", "plan"); `field` is the line's data-field. Returns
 * `refresh()` (awaitable: call it just before submitting) and `caseId()` (or null).
 */
export function caseAttachmentLine(form, ctx, noun, field) {
  const line = document.createElement("p");
  line.className = "sw-muted";
  line.dataset.field = field;
  form.insertBefore(line, form.querySelector('button[type="submit"]'));
  let attachTo = null;
  const refresh = async () => {
    const id = ctx.selectedCase || null;
    attachTo = null;
    if (!id) {
      line.dataset.caseId = "";
      line.textContent = `No case selected: the ${noun} will not be attached to a case.`;
      return;
    }
    let closed = false;
    try {
      const c = await api(`/api/cases/${encodeURIComponent(id)}`);
      closed = c?.status === "closed";
    } catch {
      // unknown to this server now: let the server refuse it with its reason
    }
    if (id !== (ctx.selectedCase || null)) return; // the selection changed meanwhile
    line.dataset.caseId = closed ? "" : id;
    if (closed) {
      line.textContent = `Case ${id} is closed: the ${noun} will not be attached to it.`;
    } else {
      attachTo = id;
      line.textContent = `The ${noun} will be attached to case ${id}.`;
    }
  };
  form.addEventListener("focusin", () => refresh());
  refresh();
  return { refresh, caseId: () => attachTo };
}

// ------------------------------------------------------------------ the base map

/** Fetch JSON layers, remembering answers by URL (the server also sends ETags). */
const layerCache = new Map();
export async function getLayer(url) {
  if (!layerCache.has(url)) {
    layerCache.set(
      url,
      fetch(url).then((r) => {
        if (!r.ok) throw new ApiError(r.status, `${url}: ${r.status}`);
        return r.json();
      }),
    );
  }
  try {
    return await layerCache.get(url);
  } catch (err) {
    layerCache.delete(url);
    throw err;
  }
}

/** The largest 1, 2, 3 or 5 × 10^k nautical miles not over `maxNm` (a scale bar's length). */
export function roundScaleNm(maxNm) {
  const pow10 = 10 ** Math.floor(Math.log10(maxNm));
  const d = maxNm / pow10;
  const step = d >= 5 ? 5 : d >= 3 ? 3 : d >= 2 ? 2 : 1;
  return Number((step * pow10).toPrecision(2));
}

/** Metres per international nautical mile: the page's one copy of sarwatch.geo.units.M_PER_NM
 * (the server gives every other distance in nautical miles already). */
export const M_PER_NM = 1852;

/** Leaflet's scale with nautical miles in place of its imperial line (miles and feet):
 * every distance the page gives (zones, routes, plans, ETAs) is in nautical miles. */
const NauticalScale = L.Control.Scale.extend({
  _updateImperial(maxMeters) {
    const maxNm = maxMeters / M_PER_NM;
    const nm = roundScaleNm(maxNm);
    this._updateScale(this._iScale, `${nm} nm`, nm / maxNm);
    this._iScale.dataset.nm = String(nm);
  },
});

const SRR_COLOURS = { IT: "#2f7ed8", MT: "#d8452f", LY: "#8a5a00", TN: "#2a9d55", GR: "#7b4fd0", EG: "#b0307a" };

/**
 * Create the Leaflet map with the offline base layers: coastline (per zoom),
 * SAR regions with overlaps, approximate zone lines and ports.
 * Returns {map, overlays, ready} where ready resolves when the first coastline is drawn.
 */
export function createBaseMap(element, { ports = true, zones = true } = {}) {
  const map = L.map(element, {
    center: [35.0, 14.0],
    zoom: 6,
    minZoom: 4,
    maxZoom: 13,
    preferCanvas: false,
    zoomSnap: 1,
    worldCopyJump: false,
    attributionControl: true,
  });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Coast: GSHHG · SRR: IMO GISIS · Ports: NGA WPI");
  new NauticalScale({ metric: true, imperial: true }).addTo(map);

  const land = L.geoJSON(null, {
    interactive: false,
    style: { className: "sw-land", weight: 1 },
  }).addTo(map);
  const srr = L.geoJSON(null, {
    style: (f) =>
      f.properties.kind === "overlap"
        ? { className: "sw-srr-overlap", weight: 0, fillOpacity: 0.35 }
        : {
            className: "sw-srr",
            color: SRR_COLOURS[f.properties.srr_id] || "#555",
            weight: 1.5,
            dashArray: "6 4",
            fill: false,
          },
    interactive: false,
  });
  const zoneLayer = L.geoJSON(null, {
    style: (f) => ({
      className: `sw-zone sw-zone-${f.properties.distance_nm}`,
      weight: 1,
      dashArray: f.properties.distance_nm === 12 ? "2 3" : "1 5",
    }),
    interactive: false,
  });
  const portLayer = L.geoJSON(null, {
    pointToLayer: (f, latlng) =>
      L.circleMarker(latlng, {
        radius: 5,
        className: `sw-port sw-port-${f.properties.status}`,
        weight: 1.5,
        fillOpacity: 0.9,
      }),
    onEachFeature: (f, layer) => {
      const p = f.properties;
      const [lon, lat] = f.geometry.coordinates;
      layer.bindTooltip(
        `<b>${esc(p.name)}</b> (${esc(p.country)})<br>${esc(statusLabel(p.status))}` +
          (p.reason ? `<br><span class="sw-muted">${esc(p.reason)}</span>` : "") +
          `<br>${esc(formatDM(lat, lon, 1))}`,
      );
    },
  });

  const overlays = {
    "SAR regions (overlaps hatched)": srr,
    "≈12 / 24 nm lines (approximate)": zoneLayer,
    "Ports (place of safety)": portLayer,
  };
  srr.addTo(map);
  if (zones) zoneLayer.addTo(map);
  if (ports) portLayer.addTo(map);

  const control = L.control.layers(null, overlays, { collapsed: true }).addTo(map);

  const legend = L.control({ position: "bottomleft" });
  legend.onAdd = () => {
    const div = L.DomUtil.create("div", "sw-legend-box leaflet-bar");
    div.innerHTML =
      '<details><summary>Legend</summary>' +
      '<div><i class="sw-dot sw-dot-eligible"></i> place of safety</div>' +
      '<div><i class="sw-dot sw-dot-contested"></i> contested (flagged)</div>' +
      '<div><i class="sw-dot sw-dot-excluded"></i> excluded (not a place of safety)</div>' +
      '<div><i class="sw-line sw-line-srr"></i> SAR region limit</div>' +
      '<div><i class="sw-swatch sw-swatch-overlap"></i> SAR regions overlap</div>' +
      '<div><i class="sw-line sw-line-12"></i> ≈12 nm, <i class="sw-line sw-line-24"></i> ≈24 nm (approximate, from the shoreline)</div>' +
      '<div><i class="sw-dot sw-dot-case"></i> case position (track: history)</div>' +
      "</details>";
    L.DomEvent.disableClickPropagation(div);
    return div;
  };
  legend.addTo(map);

  let currentCoastUrl = "";
  const coastUrl = () => {
    const z = map.getZoom();
    if (z < 8) return `/api/layers/coast?zoom=${Math.min(z, 7)}`;
    const b = map.getBounds().pad(0.3);
    const q = (v, f) => (f(v * 4) / 4).toFixed(2);
    return (
      `/api/layers/coast?zoom=${z}&bbox=` +
      `${q(b.getWest(), Math.floor)},${q(b.getSouth(), Math.floor)},${q(b.getEast(), Math.ceil)},${q(b.getNorth(), Math.ceil)}`
    );
  };
  const loadCoast = async (attempt = 0) => {
    const url = coastUrl();
    if (url === currentCoastUrl) return;
    currentCoastUrl = url;
    let data;
    try {
      data = await getLayer(url);
    } catch (err) {
      if (url === currentCoastUrl) currentCoastUrl = ""; // not loaded: the next call tries again
      if (err instanceof ApiError && err.status === 503 && attempt < 5) {
        // the station is busy (it limits the work anonymous requests may do): try again soon
        await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
        return loadCoast(attempt + 1);
      }
      throw err;
    }
    if (url !== currentCoastUrl) return;
    land.clearLayers();
    land.addData(data);
    element.dataset.coastLevel = String(data.level);
  };
  map.on("zoomend moveend", () => {
    loadCoast().catch((err) => console.warn("coast", err));
  });

  const loading = L.DomUtil.create("div", "sw-loading", element);
  loading.textContent = "Loading the coastline… (the first start of a station builds its caches: up to a minute)";
  const ready = loadCoast()
    .then(() => {
      element.dataset.ready = "1";
      loading.remove();
    })
    .catch((err) => {
      loading.textContent = `The coastline could not be loaded: ${err.message}`;
      throw err;
    });
  // A base layer from /api/layers/NAME into its overlay; the map element's data-NAME says
  // how many features were drawn (or `failed`, where the page shows that it has none).
  const loadOverlay = (name, layer, count = (d) => d.features.length, failed = null) =>
    getLayer(`/api/layers/${name}`)
      .then((d) => {
        layer.addData(d);
        element.dataset[name] = String(count(d));
      })
      .catch((err) => {
        if (failed !== null) element.dataset[name] = failed;
        console.warn(name, err);
      });
  loadOverlay("srr", srr, (d) => d.features.filter((f) => f.properties.kind === "srr").length);
  if (zones) loadOverlay("zones", zoneLayer);
  if (ports) loadOverlay("ports", portLayer, undefined, "unavailable");
  return { map, overlays, control, ready, layers: { land, srr, zones: zoneLayer, ports: portLayer } };
}

export function statusLabel(status) {
  return (
    {
      eligible: "place of safety: eligible",
      excluded: "NOT a place of safety (excluded by policy)",
      contested: "place-of-safety status contested",
    }[status] || "place-of-safety status unknown"
  );
}

/** Night mode: a dark, red-tinted palette for a dark bridge; remembered per browser. */
export function installNightMode(button) {
  const apply = (on) => {
    document.body.classList.toggle("night", on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    localStorage.setItem("sarwatch.night", on ? "1" : "0");
  };
  apply(localStorage.getItem("sarwatch.night") === "1");
  button.addEventListener("click", () => apply(!document.body.classList.contains("night")));
}

/** A clock showing UTC, labelled. */
export function installClock(element) {
  const tick = () => {
    element.textContent = `${new Date().toISOString().slice(11, 19)} UTC`;
  };
  tick();
  setInterval(tick, 1000);
}

/**
 * Show why a form's request failed, under its submit button, until its next submit: a
 * toast fades after a few seconds, a coordinator who looked away must still read it.
 * An empty message clears it. What was typed stays in the form.
 */
export function showFormError(form, message) {
  let el = form.querySelector(":scope > .sw-form-error");
  if (!el) {
    if (!message) return;
    el = document.createElement("p");
    el.className = "sw-error sw-form-error";
    el.dataset.field = "form-error";
    el.setAttribute("role", "alert");
    form.appendChild(el);
  }
  el.textContent = message;
  el.hidden = !message;
}

/**
 * Run `handler()` when `form` is submitted by a coordinator, its submit button disabled
 * meanwhile; anyone else gets the `readOnly` message (`ctx.toast`) and nothing is sent.
 * The handler reports its own errors.
 */
export function coordinatorSubmit(form, ctx, readOnly, handler) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (ctx.role !== "coordinator") {
      ctx.toast(readOnly, true);
      return;
    }
    const button = form.querySelector('button[type="submit"]');
    if (button.disabled) return; // a request of this form is still under way
    showFormError(form, "");
    button.disabled = true;
    try {
      await handler();
    } finally {
      button.disabled = ctx.role !== "coordinator";
    }
  });
}
