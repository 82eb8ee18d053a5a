// The /verify page: a dropped evidence bundle checked entirely in this browser (no
// request is made with it), with the verdict, every problem and the case's timeline.
// Every text from the bundle is shown with textContent, never as markup.
import "./style.css";
import "./verify.css";
import { canonicalDouble, canonicalText, parseJSON } from "./verify-json.js";
import { entryFromLine, entryHash, fromHex, headMessage, headFromJSON, verifySignature } from "./verify-chain.js";
import { verifyBundle } from "./verify-bundle.js";

const $ = (sel) => document.querySelector(sel);

function text(tag, content, cls) {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls) el.className = cls;
  return el;
}

const val = (m, k) => (m instanceof Map && m.has(k) ? m.get(k) : undefined);
const show = (v) => (v === undefined || v === null ? "" : typeof v === "string" ? v : v.token ?? String(v));

// One line of details for an event of the timeline.
function details(entry) {
  const p = entry.payload;
  switch (entry.kind) {
    case "case_opened":
      return `${show(val(p, "title"))} (alert ${show(val(p, "alert_time"))}, region ${show(val(p, "region"))})`;
    case "position_reported":
      return `${show(val(p, "lat"))}, ${show(val(p, "lon"))} at ${show(val(p, "time"))} (${show(val(val(p, "source"), "name"))}, ±${show(val(p, "uncertainty_nm"))} nm)`;
    case "contact_logged":
      return `${show(val(p, "channel"))} with ${show(val(p, "counterpart"))}: ${show(val(p, "summary"))}`;
    case "status_changed":
      return `${show(val(p, "from"))} → ${show(val(p, "to"))}`;
    case "decision_recorded":
      return `${show(val(p, "summary"))} (${show(val(p, "by"))})`;
    case "outcome_recorded":
      return `${show(val(p, "kind"))}; survivors ${show(val(p, "survivors"))}, dead ${show(val(p, "dead"))}, missing ${show(val(p, "missing"))}`;
    case "attachment_added":
      return `attachment: ${show(val(p, "kind"))}`;
    case "people_updated":
      return `people on board: ${show(val(p, "total"))}`;
    case "vessel_updated":
      return `vessel: ${show(val(p, "kind"))} ${show(val(p, "condition"))}`;
    default:
      return "";
  }
}

function render(report) {
  const verdict = $("#verdict");
  const lines = report.summary().split("\n");
  verdict.textContent = lines[0];
  verdict.dataset.state = report.ok ? "ok" : "failed";
  verdict.dataset.ok = report.ok ? "true" : "false";
  const list = $("#problems");
  list.replaceChildren(...lines.slice(1).map((l) => text("li", l.replace(/^ {2}- /, ""))));
  const body = $("#timeline tbody");
  body.replaceChildren(
    ...report.entries.map((e) => {
      const row = document.createElement("tr");
      const status = report.eventStatus.get(e.seq);
      if (status) row.className = "sw-bad";
      for (const cell of [String(e.seq), show(e.recorded_at), show(e.kind), show(e.actor), details(e), status || "✓ signed, in the chain"]) {
        row.append(text("td", cell));
      }
      return row;
    }),
  );
  $("#timeline").hidden = !report.entries.length;
  $("#timeline-title").hidden = !report.entries.length;
  document.body.dataset.verified = String(Number(document.body.dataset.verified || 0) + 1);
}

async function check(file) {
  $("#verdict").dataset.state = "busy";
  $("#verdict").textContent = `checking ${file.name}…`;
  const bytes = new Uint8Array(await file.arrayBuffer());
  const keyId = $("#key-id").value.trim().toLowerCase() || null;
  let report;
  try {
    report = verifyBundle(bytes, file.name, keyId);
  } catch (err) {
    $("#verdict").dataset.state = "failed";
    $("#verdict").dataset.ok = "false";
    $("#verdict").textContent = `${file.name}: verification FAILED: the bundle could not be read (${err.message})`;
    return;
  }
  render(report);
}

function install() {
  const night = $("#night-toggle");
  const apply = (on) => {
    document.body.classList.toggle("night", on);
    night.setAttribute("aria-pressed", on ? "true" : "false");
    try {
      localStorage.setItem("sarwatch.night", on ? "1" : "0");
    } catch {
      /* storage may be off: the toggle still works */
    }
  };
  try {
    apply(localStorage.getItem("sarwatch.night") === "1");
  } catch {
    apply(false);
  }
  night.addEventListener("click", () => apply(!document.body.classList.contains("night")));
  const input = $("#bundle-file");
  let last = null;
  input.addEventListener("change", () => {
    if (!input.files[0]) return;
    last = input.files[0];
    input.value = ""; // choosing the same file again checks it again
    check(last);
  });
  $("#key-id").addEventListener("change", () => last && check(last));
  const drop = $("#drop");
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (ev) => {
      ev.preventDefault();
      drop.classList.add("sw-over");
    });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("sw-over"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("sw-over");
    const file = ev.dataTransfer && ev.dataTransfer.files[0];
    if (file) check((last = file));
  });
  // For tests and for anyone who wants to script the page: the same functions.
  window.sarwatchVerify = {
    verifyBundle: (bytes, name, keyId) => {
      const report = verifyBundle(new Uint8Array(bytes), name, keyId);
      return { ok: report.ok, summary: report.summary() };
    },
    canonicalText,
    canonicalDouble: (hex, form) => canonicalDouble(new DataView(fromHex(hex).buffer).getFloat64(0), form),
    checkEvent: (line, publicKeyHex) => {
      const entry = entryFromLine(parseJSON(line));
      return { hash: entryHash(entry), signed: verifySignature(fromHex(publicKeyHex), entry.signature, fromHex(entry.hash)) };
    },
    checkHead: (headJSON, publicKeyHex) => {
      const head = headFromJSON(parseJSON(headJSON));
      return { message: new TextDecoder().decode(headMessage(head)), signed: verifySignature(fromHex(publicKeyHex), head.signature, headMessage(head)) };
    },
  };
  document.body.dataset.interactive = "1";
}

install();
