// Open cases with their position history; forms to open a case, add a report, log a contact.
import L from "leaflet";
import { api, coordinatorSubmit, esc, getToken, showFormError } from "./common.js";

const $ = (sel) => document.querySelector(sel);

const caseId = (c) => c.id ?? c.case_id;
const caseTitle = (c) => c.title || c.name || c.summary || caseId(c);
const OPEN = new Set(["alert", "active", "located"]);

/** Position reports of a case, oldest first, as {lat, lon, time, source}. */
export function positionsOf(c) {
  const raw = c.positions || c.reports || c.position_reports || [];
  const list = raw
    .map((p) => ({
      lat: Number(p.lat ?? p.latitude),
      lon: Number(p.lon ?? p.longitude),
      time: p.time || p.observed_at || p.at || p.timestamp,
      source: [p.kind, p.source?.name ?? (typeof p.source === "string" ? p.source : "")].filter(Boolean).join(" · "),
      onLand: p.on_land || null,
      uncertaintyNm: Number.isFinite(Number(p.uncertainty_nm)) && p.uncertainty_nm !== null ? Number(p.uncertainty_nm) : null,
      note: p.note || "",
    }))
    .filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
  list.sort((a, b) => String(a.time).localeCompare(String(b.time)));
  const last = c.last_position;
  if (!list.length && last && Number.isFinite(Number(last.lat)) && Number.isFinite(Number(last.lon))) {
    list.push({ lat: Number(last.lat), lon: Number(last.lon), time: last.time, source: last.kind || "" });
  }
  return list;
}

export function createCases(ctx, { parsePosition, inputToISO, formatPosition, formatUTC }) {
  const { map, toast, errorText } = ctx;
  const layer = L.layerGroup().addTo(map);
  const listEl = $("#case-list");
  const detailEl = $("#case-detail");
  const downloadsEl = $("#case-downloads");
  let cases = [];
  let selected = null;
  let refreshTimer = null;
  let prefilled = "";
  let lastRead = null; // when the list was last read from the station
  let staleSince = null; // set while the station does not answer: the list shown is of then

  const draw = () => {
    layer.clearLayers();
    for (const c of cases) {
      const pts = positionsOf(c);
      if (!pts.length) continue;
      const isSel = caseId(c) === selected;
      if (pts.length > 1) {
        L.polyline(
          pts.map((p) => [p.lat, p.lon]),
          { className: "sw-case-track", weight: isSel ? 3 : 2, dashArray: "4 3" },
        ).addTo(layer);
      }
      pts.forEach((p, i) => {
        const last = i === pts.length - 1;
        const m = L.circleMarker([p.lat, p.lon], {
          radius: last ? (isSel ? 8 : 6) : 3,
          className: "sw-case-pos",
          weight: last ? 2 : 1,
          fillOpacity: last ? 0.95 : 0.6,
        }).addTo(layer);
        m.bindTooltip(`<b>${esc(caseTitle(c))}</b><br>${esc(formatPosition(p.lat, p.lon))}${p.uncertaintyNm !== null && p.uncertaintyNm !== undefined ? ` ±${esc(p.uncertaintyNm.toFixed(1))} nm` : ""}<br>${esc(formatUTC(p.time))}${p.source ? `<br>${esc(p.source)}` : ""}`);
        m.on("click", (e) => {
          L.DomEvent.stop(e);
          select(caseId(c));
        });
      });
    }
  };

  const renderList = () => {
    listEl.innerHTML = "";
    const open = $("#show-closed").checked ? cases : cases.filter((c) => !c.status || OPEN.has(c.status));
    if (!open.length) {
      listEl.innerHTML =
        ctx.role && ctx.role !== "none"
          ? `<p class="sw-muted" data-field="no-open-cases">No open cases${$("#show-closed").checked ? "" : " (tick “also show closed cases” above for the others)"}.</p>`
          : '<p class="sw-hint" data-field="sign-in-help">Sign in (top right) with your API token to see and work the cases. ' +
            "A station administrator creates one with <code>sarwatch user add NAME --role coordinator</code> " +
            "(or <code>--role observer</code> to read only).</p>";
    }
    for (const c of open) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.caseId = caseId(c);
      b.setAttribute("aria-current", caseId(c) === selected ? "true" : "false");
      const pts = positionsOf(c);
      const last = pts[pts.length - 1];
      b.innerHTML = `<b>${esc(caseId(c))}</b> · ${esc(c.status || "")}<br>${esc(caseTitle(c))}` +
        (last ? `<br><span class="sw-muted">${esc(formatPosition(last.lat, last.lon))} · ${esc(formatUTC(last.time))}</span>` : "");
      b.addEventListener("click", () => select(caseId(c), true));
      listEl.appendChild(b);
    }
  };

  // A position the coastline puts on land is recorded as reported and flagged: say so
  // under it, with the nearest sea point, for the coordinator to confirm with the source.
  const landNote = (p) =>
    p.onLand
      ? `<div class="sw-on-land" data-field="on-land">⚠ On land by the ${esc(p.onLand.coastline || "station's")} coastline; ` +
        `nearest sea point ${esc(formatPosition(p.onLand.sea_lat, p.onLand.sea_lon))}. Recorded as reported: confirm it with the source, ` +
        "or add the corrected position.</div>"
      : "";

  // How far off the reported position may be, as recorded with it (nm).
  const uncertainty = (p) =>
    p.uncertaintyNm !== null && p.uncertaintyNm !== undefined
      ? ` <span data-field="uncertainty">±${esc(p.uncertaintyNm.toFixed(1))} nm</span>`
      : "";

  // chosen: the coordinator selected this case now (its position is offered even over a
  // typed one); otherwise a refresh, which leaves typed values alone.
  const renderDetail = async (chosen = false) => {
    const c = cases.find((x) => caseId(x) === selected);
    if (!c) {
      detailEl.innerHTML = '<p class="sw-muted">Select a case to add reports and contacts.</p>';
      downloadsEl.innerHTML = "";
      delete downloadsEl.dataset.caseId;
      return;
    }
    const full = c;
    const pts = positionsOf(full);
    const contacts = full.contacts || [];
    const decisions = full.decisions || [];
    const pob = full.people?.total ?? full.people_total;
    detailEl.innerHTML =
      `<h3 data-field="case-id">${esc(caseId(full))}: ${esc(caseTitle(full))}</h3>` +
      `<dl class="sw-kv"><dt>Status</dt><dd>${esc(full.status || "")}</dd>` +
      (pob !== undefined && pob !== null ? `<dt>People on board</dt><dd>${esc(pob)}</dd>` : "") +
      (full.vessel?.kind ? `<dt>Boat</dt><dd>${esc(full.vessel.kind)}${full.vessel.condition ? `, ${esc(full.vessel.condition)}` : ""}</dd>` : "") +
      // head_seq is the number of the last event, counted from 1: the number of events.
      (full.head_seq !== undefined && full.head_seq !== null ? `<dt>Ledger</dt><dd data-field="ledger-count">${esc(full.head_seq)} signed events</dd>` : "") +
      (full.outcome ? `<dt>Outcome</dt><dd>${esc(full.outcome.kind)}${full.outcome.by ? ` by ${esc(full.outcome.by)}` : ""}${full.outcome.taken_to ? `, taken to ${esc(full.outcome.taken_to)}` : ""}</dd>` : "") +
      `</dl><h3>Positions (${pts.length})</h3><table data-field="positions">` +
      pts
        .slice()
        .reverse()
        .map(
          (p) =>
            `<tr><td>${esc(formatUTC(p.time))}</td><td>${esc(formatPosition(p.lat, p.lon))}${uncertainty(p)}</td>` +
            `<td>${esc(p.source)}${p.note ? `<br><span class="sw-muted" data-field="position-note">${esc(p.note)}</span>` : ""}${landNote(p)}</td></tr>`,
        )
        .join("") +
      "</table>" +
      (contacts.length
        ? `<h3>Contacts (${contacts.length})</h3><table>` +
          contacts
            .map((k) => `<tr><td>${esc(formatUTC(k.time || k.at))}</td><td>${esc(k.channel || "")} · ${esc(k.counterpart || "")}</td><td>${esc(k.summary || "")}</td></tr>`)
            .join("") +
          "</table>"
        : "") +
      // The decisions taken and by whom: what the next watch must know first.
      (decisions.length
        ? `<h3>Decisions (${decisions.length})</h3><table data-field="decisions">` +
          decisions
            .map((d) => `<tr><td>${esc(formatUTC(d.time))}</td><td>${esc(d.by || "")}</td><td>${esc(d.summary || "")}</td></tr>`)
            .join("") +
          "</table>"
        : "");
    const id = encodeURIComponent(selected);
    const role = ctx.role || "none";
    if (downloadsEl.dataset.caseId !== selected || downloadsEl.dataset.role !== role) {
      // Re-rendered only when the selection (or the role) changes, so a download in
      // progress keeps its link. The bundle is for coordinators only (the server answers
      // 403 to anyone else): others are told so instead of given a link that fails.
      downloadsEl.dataset.caseId = selected;
      downloadsEl.dataset.role = role;
      const bundle =
        role === "coordinator"
          ? `<a href="/api/cases/${id}/bundle" data-download="bundle" data-filename="${esc(selected)}.zip">evidence bundle (.zip)</a>`
          : '<span class="sw-muted" data-field="bundle-coordinators-only">evidence bundle: coordinators only</span>';
      downloadsEl.innerHTML = `Downloads: ${bundle}` +
        ` · reconstruction <a href="/api/cases/${id}/reconstruction.html" data-download="reconstruction-html" data-filename="reconstruction-${esc(selected)}.html">(.html)</a>` +
        ` <a href="/api/cases/${id}/reconstruction.pdf" data-download="reconstruction-pdf" data-filename="reconstruction-${esc(selected)}.pdf">(.pdf)</a>`;
    }
    const last = pts[pts.length - 1];
    const lastKey = last ? `${selected} ${last.time} ${last.lat} ${last.lon}` : "";
    if (last && lastKey !== prefilled) {
      // Offer the latest position as the drift start, once per new position; never over
      // what the coordinator typed there (a report arriving by the feed must not erase it).
      prefilled = lastKey;
      const driftForm = $("#drift-form");
      const untouched = (input) =>
        chosen || !input.value || input.value === input.dataset.prefilled || input.dataset.prefilled === undefined;
      // A position flagged on land offers its nearest sea point (a drift starts at sea).
      const start = last.onLand ? { lat: last.onLand.sea_lat, lon: last.onLand.sea_lon } : last;
      if (untouched(driftForm.position)) {
        driftForm.position.value = formatPosition(start.lat, start.lon);
        driftForm.position.dataset.prefilled = driftForm.position.value;
      }
      if (last.time && untouched(driftForm.time)) {
        driftForm.time.value = new Date(last.time).toISOString().slice(0, 16).replace("T", " ");
        driftForm.time.dataset.prefilled = driftForm.time.value;
        driftForm.time.dataset.auto = ""; // the case's time: no longer following the clock
      }
    }
  };

  const select = (id, pan = false) => {
    selected = id;
    ctx.selectedCase = id;
    renderList();
    renderDetail(true);
    draw();
    ctx.showTab("cases");
    const c = cases.find((x) => caseId(x) === id);
    const pts = c ? positionsOf(c) : [];
    if (pan && pts.length) map.panTo([pts[pts.length - 1].lat, pts[pts.length - 1].lon]);
    // Show the case's latest drift run if this station still holds it (runs live until restart).
    const runs = (c?.attachments || []).filter((a) => a.kind === "drift_run" && a.record?.run_id);
    if (runs.length && ctx.drift) {
      ctx.drift.load(runs[runs.length - 1].record.run_id, { fit: false }).catch(() => {});
    }
  };

  const refresh = async () => {
    try {
      // Signed out: nothing to ask (the list says how to sign in; no 401 in the console).
      if (!getToken()) throw Object.assign(new Error("not signed in"), { status: 401 });
      const query = $("#show-closed").checked ? "limit=100" : "status=alert&status=active&status=located&limit=100";
      const data = await api(`/api/cases?${query}`);
      const summaries = Array.isArray(data) ? data : data.cases || data.items || [];
      // The list holds the last position; the map wants each case's whole history.
      cases = await Promise.all(
        summaries.map((c) => api(`/api/cases/${encodeURIComponent(caseId(c))}`).catch(() => c)),
      );
      staleSince = null;
    } catch (err) {
      if (err.status === 401 || err.status === 404) {
        cases = [];
        staleSince = null;
      } else {
        // No answer (a dropped link, a stopped station, a fault): the cases already shown
        // stay on the list and the map, marked with the time they were last read.
        if (cases.length && !staleSince) staleSince = lastRead;
        toast(errorText(err), true);
      }
    }
    if (!staleSince) lastRead = new Date();
    listEl.dataset.count = String(cases.length);
    renderList();
    if (staleSince) {
      const note = document.createElement("p");
      note.className = "sw-warning";
      note.dataset.field = "cases-stale";
      note.textContent = `Not updated: the station did not answer. As last read at ${formatUTC(staleSince)}.`;
      listEl.prepend(note);
    }
    draw();
    if (selected) renderDetail();
  };

  $("#show-closed").addEventListener("change", () => refresh());

  const submit = (form, handler) =>
    coordinatorSubmit(form, ctx, "Read only: your role cannot write.", async () => {
      try {
        await handler(form);
        form.reset();
        for (const input of form.querySelectorAll("input.sw-time")) {
          input.value = new Date().toISOString().slice(0, 16).replace("T", " ");
          input.dataset.auto = input.value; // following the clock again
        }
      } catch (err) {
        showFormError(form, errorText(err));
        toast(errorText(err), true);
      }
    });

  // The answer to a write holds the case; the position just recorded is the last in its list.
  const landWarning = (c) => {
    const p = (c.positions || [])[(c.positions || []).length - 1];
    return p?.on_land
      ? ` It is on land by the coastline: recorded as reported and flagged; nearest sea point ${formatPosition(p.on_land.sea_lat, p.on_land.sea_lon)}. Confirm it with the source.`
      : "";
  };

  const positionBody = async (f) => {
    const { lat, lon } = await parsePosition(f.position.value);
    return {
      time: inputToISO(f.time.value),
      lat,
      lon,
      kind: f.kind.value,
      source: { name: f.source.value.trim() },
      uncertainty_nm: Number(f.uncertainty_nm.value) || 0,
    };
  };

  submit($("#open-case-form"), async (f) => {
    const position = await positionBody(f);
    const body = { title: f.title.value.trim(), alert_time: position.time, position, vessel: { kind: f.boat.value } };
    if (f.people.value) body.people = { total: Number(f.people.value) };
    const created = await api("/api/cases", { method: "POST", body });
    toast(`Case ${caseId(created)} opened.${landWarning(created)}`, Boolean(landWarning(created)));
    await refresh();
    select(caseId(created), true);
  });

  submit($("#report-form"), async (f) => {
    if (!selected) throw new Error("Select a case first.");
    const updated = await api(`/api/cases/${encodeURIComponent(selected)}/reports`, { method: "POST", body: await positionBody(f) });
    toast(`Position report added.${landWarning(updated)}`, Boolean(landWarning(updated)));
    await refresh();
  });

  submit($("#contact-form"), async (f) => {
    if (!selected) throw new Error("Select a case first.");
    await api(`/api/cases/${encodeURIComponent(selected)}/contacts`, {
      method: "POST",
      body: {
        time: inputToISO(f.time.value),
        channel: f.channel.value,
        counterpart: f.counterpart.value.trim(),
        summary: f.summary.value.trim(),
      },
    });
    toast("Contact logged.");
    await refresh();
  });

  return {
    refresh,
    select,
    get selected() {
      return selected;
    },
    onFeed() {
      // Coalesce bursts of events into one refresh.
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refresh, 250);
    },
  };
}
