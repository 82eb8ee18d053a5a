// The assessment panel: zone, SAR regions, RCCs, places of safety with their routes.
import L from "leaflet";
import { esc, formatPosition, formatUTC } from "./common.js";

const ZONES = {
  internal_or_land: "internal waters or land",
  territorial_sea: "territorial sea (≈12 nm, approximate)",
  contiguous_zone: "contiguous zone (≈24 nm, approximate)",
  high_seas: "high seas (beyond ≈24 nm)",
};

function contactsHtml(contacts) {
  if (!contacts) return "";
  if (Array.isArray(contacts)) {
    return contacts
      .map((c) => {
        if (typeof c === "string") return esc(c);
        if (c.value !== undefined) {
          const v = esc(c.value);
          const link = c.kind === "phone" ? `<a href="tel:${v.replace(/\s/g, "")}">${v}</a>` : c.kind === "email" ? `<a href="mailto:${v}">${v}</a>` : v;
          return `${esc(c.kind || "")} ${link}`;
        }
        return Object.entries(c).map(([k, v]) => `${esc(k)}: ${esc(v)}`).join(", ");
      })
      .join("<br>");
  }
  if (typeof contacts === "object") {
    return Object.entries(contacts)
      .map(([k, v]) => `${esc(k)}: ${esc(Array.isArray(v) ? v.join(", ") : v)}`)
      .join("<br>");
  }
  return esc(contacts);
}

// The distance to the nearest coast; the server sends null when it found no coast within
// its search radius (outside the packaged regions), which is not "0 nm".
export function coastText(a) {
  const state = a.nearest_coast_state ? ` (${a.nearest_coast_state})` : "";
  if (a.distance_to_coast_nm === null || a.distance_to_coast_nm === undefined) {
    const far = (a.notes || []).map((n) => /no coast within (\d+(?:\.\d+)?) nm/.exec(n)).find(Boolean);
    return far ? `more than ${far[1]} nm` : "not found";
  }
  const dist = Number(a.distance_to_coast_nm);
  return Number.isFinite(dist) ? `${dist.toFixed(1)} nm${state}${bearsText(a.bearing_to_coast_deg_true)}` : "not found";
}

// A true bearing as the CLI writes it ("bears 190°T"); "" when the server sent none.
export function bearsText(deg) {
  if (deg === null || deg === undefined || !Number.isFinite(Number(deg))) return "";
  return `, bears ${String(Math.round(Number(deg)) % 360).padStart(3, "0")}°T`;
}

export function renderAssessment(el, a, layer) {
  const parts = [];
  parts.push(`<h3 data-field="position">${esc(formatPosition(a.lat, a.lon))}</h3>`);
  if (a.on_land) {
    parts.push(`<p class="sw-error" data-field="on_land">This position is on land.</p>`);
    if (a.nearest_sea_point) {
      const p = a.nearest_sea_point;
      const lat = p.lat ?? p[1];
      const lon = p.lon ?? p[0];
      if (Number.isFinite(lat) && Number.isFinite(lon)) {
        // The sea point is drawn on the map and offered, to assess it or to start a drift
        // there, by buttons (a keyboard reaches them; a map click may miss the coast).
        parts.push(
          `<p data-field="sea-point">Nearest sea point: ${esc(formatPosition(lat, lon))}<br>` +
            `<button type="button" data-action="assess-sea-point" data-lat="${lat}" data-lon="${lon}">Assess the sea point</button> ` +
            `<button type="button" data-action="drift-sea-point" data-lat="${lat}" data-lon="${lon}">Start a drift there</button></p>`,
        );
        L.circleMarker([lat, lon], { radius: 5, className: "sw-sea-point", weight: 2, fillOpacity: 0.9 })
          .bindTooltip(`nearest sea point ${esc(formatPosition(lat, lon))}`)
          .addTo(layer);
      }
    }
  }
  parts.push('<dl class="sw-kv">');
  parts.push(`<dt>Zone</dt><dd data-field="zone">${esc(ZONES[a.zone] || a.zone)}${a.zone_state ? ` of ${esc(a.zone_state)}` : ""}</dd>`);
  parts.push(`<dt>Nearest coast</dt><dd data-field="distance">${esc(coastText(a))}</dd>`);
  const srr = a.srr || [];
  parts.push(
    `<dt>SAR region(s)</dt><dd data-field="srr">${srr.length ? srr.map(esc).join(" + ") : "none of the packaged regions"}${srr.length > 1 ? " (overlap)" : ""}</dd>`,
  );
  parts.push("</dl>");
  // What the server says it could not answer (outside the packaged regions, on land, ...).
  const notes = a.notes || [];
  if (notes.length) {
    parts.push(`<ul class="sw-warning" data-field="notes">${notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`);
  }
  if (a.zone_note) parts.push(`<p class="sw-muted">${esc(a.zone_note)}</p>`);

  if (a.rccs?.length) {
    parts.push("<h3>Rescue coordination centres to inform</h3>");
    parts.push(`<p class="sw-warning">${esc(a.rcc_warning || "Verify before use: contacts are as published on the date shown.")}</p><table>`);
    for (const r of a.rccs) {
      parts.push(
        `<tr><td><b>${esc(r.name)}</b>${r.srr_id ? ` (${esc(r.srr_id)})` : ""}</td><td>${contactsHtml(r.contacts) || '<span class="sw-muted">no reliable published contact</span>'}` +
          `<br><span class="sw-muted">${esc(r.source || "")}${r.published ? `, published ${esc(r.published)}` : ""}${r.retrieved ? `, retrieved ${esc(r.retrieved)}` : ""}</span>` +
          `${r.note ? `<br><span class="sw-warning">${esc(r.note)}</span>` : ""}</td></tr>`,
      );
    }
    parts.push("</table>");
  }

  const places = a.places_of_safety || [];
  parts.push("<h3>Places of safety by sea</h3>");
  if (places.length) {
    parts.push('<table data-field="places"><tr><th>Port</th><th>by sea, bearing</th><th>ETA</th></tr>');
    places.forEach((p, i) => {
      const nm = Number(p.sea_distance_nm);
      const eta = Number(p.eta_h);
      parts.push(
        `<tr data-route="${i}"><td>${esc(p.port)} (${esc(p.country)})${p.flag ? `<br><span class="sw-warning" title="${esc(p.flag.source || "")}">${esc(p.flag.status)}: ${esc(p.flag.reason || "")}</span>` : ""}</td>` +
          `<td>${Number.isFinite(nm) ? nm.toFixed(1) + " nm" : ""}${esc(bearsText(p.bearing_deg_true))}</td><td>${Number.isFinite(eta) ? eta.toFixed(1) + " h" : ""}</td></tr>`,
      );
    });
    parts.push("</table>");
  } else {
    parts.push('<p class="sw-muted">None found.</p>');
  }
  const excluded = a.excluded_ports || [];
  if (excluded.length) {
    parts.push('<h3>Excluded as places of safety</h3><table data-field="excluded">');
    for (const x of excluded) {
      parts.push(
        `<tr><td class="sw-excluded">${esc(x.port)}${x.country ? ` (${esc(x.country)})` : ""}${Number.isFinite(Number(x.great_circle_nm)) ? `<br>${Number(x.great_circle_nm).toFixed(1)} nm straight line${esc(bearsText(x.bearing_deg_true))}` : ""}</td><td>${esc(x.reason)}<br><span class="sw-muted">${esc(x.source || "")}</span></td></tr>`,
      );
    }
    parts.push("</table>");
  }
  if (a.rules?.length) {
    parts.push("<h3>Duties and rules that apply</h3><ul>");
    for (const r of a.rules) {
      const title = r.title || r.name || r.id || "";
      parts.push(
        `<li><b>${esc(title)}</b>${r.summary ? `: ${esc(r.summary)}` : ""}${r.why ? ` <i>${esc(r.why)}</i>` : ""}` +
          `${r.source ? ` <span class="sw-muted">(${esc(r.source)}${r.date ? `, ${esc(r.date)}` : ""})</span>` : ""}</li>`,
      );
    }
    parts.push("</ul>");
  }
  if (a.unreachable_ports?.length) {
    parts.push(`<p class="sw-muted">No sea route found to: ${a.unreachable_ports.map(esc).join(", ")}.</p>`);
  }
  if (a.pos_policy) {
    parts.push(`<p class="sw-muted">Place-of-safety policy: ${esc(a.pos_policy.policy_id)} ${esc(a.pos_policy.version)} (${esc(a.pos_policy.origin)}).</p>`);
  }
  parts.push(`<p class="sw-muted">Assessed ${esc(formatUTC(new Date()))}.</p>`);
  el.innerHTML = parts.join("");

  // Routes to the places of safety: the best one bold, the others thin.
  places.forEach((p, i) => {
    if (!p.route) return;
    const line = L.geoJSON(p.route, {
      style: { className: "sw-route", weight: i === 0 ? 3 : 1.5, opacity: i === 0 ? 0.95 : 0.6 },
    }).addTo(layer);
    line.bindTooltip(`${esc(p.port)}: ${Number(p.sea_distance_nm).toFixed(1)} nm by sea`);
    const row = el.querySelector(`tr[data-route="${i}"]`);
    if (row) {
      row.addEventListener("mouseenter", () => line.setStyle({ weight: 5 }));
      row.addEventListener("mouseleave", () => line.setStyle({ weight: i === 0 ? 3 : 1.5 }));
    }
  });
}
