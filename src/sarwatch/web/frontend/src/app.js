// The coordinator's operations map: base layers, assessment on click, cases,
// drift runs with their animated cloud, search plans, downloads and the live feed.
import "leaflet/dist/leaflet.css";
import "./style.css";
import L from "leaflet";
import {
  api,
  ApiError,
  createBaseMap,
  downloadWithToken,
  esc,
  formatDecimal,
  formatDM,
  formatPosition,
  formatUTC,
  getToken,
  installClock,
  installNightMode,
  inputToISO,
  nowUTCInput,
  parsePosition,
  setDecimalMode,
  setToken,
  showFormError,
  subscribe,
} from "./common.js";
import { renderAssessment } from "./assess.js";
import { createCases } from "./cases.js";
import { createDrift } from "./drift.js";
import { createMonitor } from "./monitor.js";
import { createPlan } from "./plan.js";
import { createVessels } from "./vessels.js";

const $ = (sel) => document.querySelector(sel);

export function toast(message, isError = false) {
  const el = $("#toast");
  el.textContent = message;
  el.classList.toggle("sw-error", isError);
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => {
    el.textContent = "";
  }, isError ? 9000 : 4000);
}

function showTab(name) {
  for (const b of document.querySelectorAll(".sw-tabs button")) {
    b.setAttribute("aria-selected", b.dataset.tab === name ? "true" : "false");
    b.setAttribute("aria-controls", `tab-${b.dataset.tab}`);
  }
  for (const s of document.querySelectorAll(".sw-tab")) {
    s.dataset.active = s.id === `tab-${name}` ? "1" : "0";
    s.setAttribute("role", "tabpanel");
  }
}

function errorText(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return `Sign in first (token missing or not accepted): ${err.detail}`;
    if (err.status === 403) return `Your role cannot do this: ${err.detail}`;
    if (err.status === 404 && /Not Found/.test(err.detail)) return "This service is not available on this server.";
    return err.detail;
  }
  // fetch() rejects with a TypeError when no answer came back at all (the satellite link
  // dropped, the station stopped): "Failed to fetch" tells a coordinator nothing.
  if (err instanceof TypeError && /fetch|network/i.test(err.message)) {
    return (
      "No answer from the station (the link is down or the station stopped). Check the " +
      "connection and try again; a write sent just now may or may not have been recorded: " +
      "look at the case before sending it again."
    );
  }
  return err.message || String(err);
}

async function main() {
  installClock($("#clock"));
  installNightMode($("#night-toggle"));
  const base = createBaseMap($("#map"));
  const { map } = base;
  // The map and the notation helpers, for the console and the browser tests.
  window.sarwatch = { map, parsePosition, formatDM, formatDecimal, inputToISO };

  for (const b of document.querySelectorAll(".sw-tabs button")) {
    b.addEventListener("click", () => showTab(b.dataset.tab));
  }
  // The tab pattern for the keyboard: arrows, Home and End move between the tabs (and open
  // the tab reached, as a click does); each tab names the panel it controls.
  $(".sw-tabs").addEventListener("keydown", (e) => {
    const tabs = [...document.querySelectorAll(".sw-tabs button[role='tab']")];
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length];
    tab.focus();
    tab.click();
  });
  // The UTC time fields start at "now" and keep following the clock until someone types in
  // them (or the page puts a case's time there): a page left open for hours must not offer
  // the time it was loaded as the time of a new case or report.
  for (const input of document.querySelectorAll("input.sw-time")) {
    if (!input.value) input.value = nowUTCInput();
    input.dataset.auto = input.value;
  }
  setInterval(() => {
    const now = nowUTCInput();
    for (const input of document.querySelectorAll("input.sw-time")) {
      if (input.value === input.dataset.auto && input !== document.activeElement && input.value !== now) {
        input.value = now;
        input.dataset.auto = now;
      }
    }
  }, 15_000);

  const ctx = { map, toast, errorText, showTab, refreshAll: () => {} };

  // ---------------------------------------------------------------- role
  const roleEl = $("#role");
  const setRole = (role, name) => {
    roleEl.dataset.role = role;
    roleEl.textContent = role === "none" ? "not signed in" : `${name ? name + " · " : ""}${role}`;
    $("#sign-out").hidden = !getToken();
    const readOnly = role !== "coordinator";
    document.body.classList.toggle("read-only", readOnly);
    for (const el of document.querySelectorAll(".sw-write input, .sw-write select, .sw-write textarea, .sw-write button")) {
      el.disabled = readOnly;
    }
    ctx.role = role;
  };
  const loadRole = async () => {
    if (!getToken()) return setRole("none");
    try {
      const me = await api("/api/me");
      setRole(me.role || "observer", me.name || me.user || "");
    } catch (err) {
      setRole("none");
      if (err instanceof ApiError && err.status === 401) toast("Token not accepted.", true);
    }
  };
  $("#token-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const typed = $("#token-input").value.trim();
    // An empty field signed the coordinator out without a word: signing out is its own button.
    if (!typed) {
      toast("Paste your API token in the field first (sarwatch user add prints it).", true);
      $("#token-input").focus();
      return;
    }
    setToken(typed);
    $("#token-input").value = "";
    await loadRole();
    ctx.refreshAll();
  });
  $("#sign-out").addEventListener("click", async () => {
    setToken("");
    await loadRole();
    ctx.refreshAll();
    startFeed();
    toast("Signed out: the token is removed from this browser.");
  });

  // ---------------------------------------------------------------- positions notation
  const decimalToggle = $("#decimal-toggle");
  decimalToggle.checked = localStorage.getItem("sarwatch.decimal") === "1";
  setDecimalMode(decimalToggle.checked);
  const cursor = $("#cursor");
  map.on("mousemove", (e) => {
    cursor.textContent = formatPosition(e.latlng.lat, e.latlng.lng);
  });
  map.on("mouseout", () => {
    cursor.textContent = "";
  });

  // ---------------------------------------------------------------- assessment
  const assessLayer = L.layerGroup().addTo(map);
  const assessEl = $("#assessment");
  let lastAssess = null;
  const assess = async (lat, lon) => {
    showTab("assess");
    lastAssess = { lat, lon };
    const speed = Number($("#assess-form").speed_kn.value) || 10;
    assessLayer.clearLayers();
    L.circleMarker([lat, lon], { radius: 6, className: "sw-click", weight: 2, fillOpacity: 0.6 }).addTo(assessLayer);
    assessEl.innerHTML = `<p class="sw-muted">Assessing ${esc(formatPosition(lat, lon))}…</p>`;
    assessEl.dataset.state = "loading";
    try {
      const result = await api(`/api/assess?lat=${lat.toFixed(5)}&lon=${lon.toFixed(5)}&speed_kn=${speed}`);
      renderAssessment(assessEl, result, assessLayer);
      assessEl.dataset.state = "done";
      if (ctx.role !== "coordinator") assessEl.querySelector("button[data-action='drift-sea-point']")?.remove();
      for (const b of assessEl.querySelectorAll("button[data-action]")) {
        const sea = { lat: Number(b.dataset.lat), lon: Number(b.dataset.lon) };
        b.addEventListener("click", () => {
          if (b.dataset.action === "assess-sea-point") {
            map.panTo([sea.lat, sea.lon]);
            assess(sea.lat, sea.lon);
          } else {
            const drift = $("#drift-form");
            drift.position.value = formatPosition(sea.lat, sea.lon);
            drift.position.dispatchEvent(new Event("change"));
            showTab("drift");
            drift.position.focus();
          }
        });
      }
      if (ctx.selectedCase && ctx.role === "coordinator") {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = `Attach this assessment to case ${ctx.selectedCase}`;
        button.addEventListener("click", async () => {
          if (button.disabled) return;
          // Disabled at once: a second click while the first is under way would attach
          // the same assessment to the case twice (two events in its ledger).
          button.disabled = true;
          button.textContent = `Attaching to case ${ctx.selectedCase}…`;
          try {
            // A request, not a record: the server assesses and attaches (as `assess --case`).
            await api(`/api/cases/${encodeURIComponent(ctx.selectedCase)}/assessments`, {
              method: "POST",
              body: { lat, lon, speed_kn: speed },
            });
            button.textContent = `Attached to case ${ctx.selectedCase}`;
          } catch (err) {
            button.disabled = false;
            button.textContent = `Attach this assessment to case ${ctx.selectedCase}`;
            toast(errorText(err), true);
          }
        });
        assessEl.prepend(button);
      }
    } catch (err) {
      assessEl.innerHTML = `<p class="sw-error">${esc(errorText(err))}</p>`;
      assessEl.dataset.state = "error";
    }
  };
  map.on("click", (e) => assess(e.latlng.lat, e.latlng.lng));
  $("#assess-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    showFormError(e.target, "");
    try {
      const { lat, lon } = await parsePosition(e.target.position.value);
      map.panTo([lat, lon]);
      assess(lat, lon);
    } catch (err) {
      showFormError(e.target, errorText(err));
      toast(errorText(err), true);
    }
  });
  decimalToggle.addEventListener("change", () => {
    setDecimalMode(decimalToggle.checked);
    localStorage.setItem("sarwatch.decimal", decimalToggle.checked ? "1" : "0");
    if (lastAssess) assess(lastAssess.lat, lastAssess.lon);
    ctx.refreshAll();
  });

  // ---------------------------------------------------------------- cases and drift
  const cases = createCases(ctx, { parsePosition, inputToISO, formatPosition, formatUTC });
  const drift = createDrift(ctx, { parsePosition, inputToISO });
  ctx.cases = cases;
  ctx.drift = drift;
  ctx.plan = createPlan(ctx, { parsePosition, inputToISO });
  const vessels = createVessels(ctx, base);
  ctx.vessels = vessels;
  showTab("assess"); // every tab made (Responders by vessels.js): name their panels
  const monitor = createMonitor(ctx);
  window.sarwatch.monitor = monitor;
  for (const b of document.querySelectorAll(".sw-tabs button[data-tab='monitor']")) {
    b.addEventListener("click", () => monitor.show());
  }
  ctx.refreshAll = () => {
    cases.refresh();
    vessels.refresh();
  };

  // ---------------------------------------------------------------- downloads (with the token)
  document.addEventListener("click", async (e) => {
    const link = e.target.closest("a[data-download]");
    if (!link) return;
    e.preventDefault();
    try {
      const size = await downloadWithToken(link.getAttribute("href"), link.dataset.filename || link.getAttribute("download"));
      link.dataset.downloaded = String(size);
      toast(`Downloaded ${link.textContent} (${(size / 1024).toFixed(0)} KB).`);
    } catch (err) {
      toast(errorText(err), true);
    }
  });

  // ---------------------------------------------------------------- live feed
  const feedEl = $("#feed-state");
  let unsubscribe = null;
  const startFeed = () => {
    unsubscribe?.();
    if (!getToken()) {
      feedEl.dataset.state = "off";
      feedEl.textContent = "feed: sign in";
      return;
    }
    unsubscribe = subscribe(
      "/api/cases/feed",
      (msg) => {
        feedEl.dataset.last = new Date().toISOString();
        cases.onFeed(msg);
        clearTimeout(startFeed.vesselsTimer);
        startFeed.vesselsTimer = setTimeout(() => vessels.onCase(), 2000);
      },
      (state) => {
        feedEl.dataset.state = state;
        const said = { revoked: "access withdrawn, sign in again", refused: "token refused, sign in again" };
        feedEl.textContent = `feed: ${said[state] ?? state}`;
        if (state === "revoked") toast("The live feed stopped: this token was withdrawn. Sign in again.");
      },
    );
  };

  await loadRole();
  startFeed();
  $("#token-form").addEventListener("submit", () => setTimeout(startFeed, 0));
  cases.refresh();
  vessels.refresh();
  await base.ready;
  document.body.dataset.interactive = String(Math.round(performance.now()));
}

main().catch((err) => {
  console.error(err);
  toast(`The map failed to start: ${err.message}`, true);
});
