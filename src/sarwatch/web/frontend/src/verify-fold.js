// The fold from events to case.json (docs/evidence-format.md §8), as domain/events.py
// applies events and domain/projection.py writes the case. Values are plain JavaScript
// (toPlain); the station's range checks on values are not part of the format.

export class FoldError extends Error {}

const ALLOWED = {
  alert: ["active"],
  active: ["located", "arrived", "lost"],
  located: ["rescued", "intercepted", "arrived", "lost", "active"],
  rescued: ["closed"],
  intercepted: ["closed"],
  arrived: ["closed"],
  lost: ["closed"],
  closed: [],
};
const OUTCOME_STATUS = { rescued: "rescued", intercepted: "intercepted", arrived: "arrived", shipwreck: "lost", unknown: "lost" };
const OPEN = new Set(["alert", "active", "located"]);

const has = (o, k) => o !== null && typeof o === "object" && Object.prototype.hasOwnProperty.call(o, k);
const get = (o, k, d) => (has(o, k) ? o[k] : d);
// Python's `value or default`: null, false, 0, "", [] and {} give the default.
const truthy = (v) => !(v === null || v === undefined || v === false || v === 0 || v === "" || (typeof v === "object" && Object.keys(v).length === 0));
const or = (v, d) => (truthy(v) ? v : d);

// An ISO 8601 time with a zone: [instant in microseconds, the text sarwatch writes].
export function parseTime(text, what = "time") {
  const m = typeof text === "string" && /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,6})\d*)?)?(Z|z|[+-]\d\d:?\d\d)$/.exec(text);
  if (!m) throw new FoldError(`${what} must be ISO 8601 with a zone, e.g. 2018-03-15T06:30:00Z; got ${JSON.stringify(text)}`);
  const [, y, mo, d, h, mi, s = "00", frac = "", zone] = m;
  let offsetMin = 0;
  if (!/^[Zz]$/.test(zone)) {
    const z = zone.replace(":", "");
    offsetMin = (z[0] === "-" ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5)));
  }
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) - offsetMin * 60000;
  const micro = BigInt(ms) * 1000n + BigInt(frac.padEnd(6, "0") || "0");
  const date = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  let out = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  if (Number(frac.padEnd(6, "0") || "0")) out += "." + frac.padEnd(6, "0");
  return [micro, out + "Z"];
}

const time = (t, what) => parseTime(t, what)[1];

function source(s) {
  return { name: String(get(s, "name", "")), quality: get(s, "quality", 1), verification: get(s, "verification", "unverified"), url: get(s, "url", null) };
}

function positionOf(p) {
  return position(p);
}

function position(p) {
  const out = {
    time: time(get(p, "time"), "position time"),
    lon: Number(get(p, "lon")),
    lat: Number(get(p, "lat")),
    kind: get(p, "kind", "estimate"),
    source: source(or(get(p, "source", null), { name: "unknown" })),
    uncertainty_nm: Number(get(p, "uncertainty_nm", 0)),
    note: String(get(p, "note", "")),
  };
  const onLand = get(p, "on_land", null);
  if (truthy(onLand)) {
    out.on_land = { sea_lon: Number(get(onLand, "sea_lon")), sea_lat: Number(get(onLand, "sea_lat")), coastline: String(get(onLand, "coastline", "GSHHG full resolution")) };
  }
  return out;
}

function contact(c) {
  return {
    time: time(get(c, "time"), "contact time"),
    channel: String(get(c, "channel")),
    counterpart: String(get(c, "counterpart")),
    summary: String(get(c, "summary", "")),
    direction: String(get(c, "direction", "outgoing")),
    mmsi: get(c, "mmsi", null),
    attachments: [...get(c, "attachments", [])],
  };
}

const people = (p) => Object.fromEntries(["total", "women", "minors", "medical"].map((k) => [k, get(p, k, null)]));

function vessel(v) {
  return { kind: get(v, "kind", "unknown"), condition: get(v, "condition", ""), name: get(v, "name", null), mmsi: get(v, "mmsi", null), flag: get(v, "flag", null), length_m: get(v, "length_m", null) };
}

const decision = (d) => ({ time: time(get(d, "time"), "decision time"), summary: String(get(d, "summary")), by: String(get(d, "by", "")) });

function outcome(o) {
  const kind = get(o, "kind");
  if (typeof kind !== "string" || !has(OUTCOME_STATUS, kind)) throw new FoldError(`unknown outcome kind ${JSON.stringify(kind)}`);
  return {
    time: time(get(o, "time"), "outcome time"),
    kind,
    by: String(get(o, "by", "")),
    taken_to: String(get(o, "taken_to", "")),
    survivors: get(o, "survivors", null),
    dead: get(o, "dead", null),
    missing: get(o, "missing", null),
    note: String(get(o, "note", "")),
  };
}

function transition(current, next) {
  if (typeof next !== "string" || !has(ALLOWED, next)) throw new FoldError(`unknown case status ${JSON.stringify(next)}`);
  if (!ALLOWED[current].includes(next)) {
    const names = [...ALLOWED[current]].sort().join(", ") || "nothing (the case is closed)";
    throw new FoldError(`a case in status '${current}' cannot become '${next}'; allowed: ${names}`);
  }
  return next;
}

const CORRECTED_KIND = { position: "position_reported", outcome: "outcome_recorded", reopen: "status_changed" };
const isInt = (v) => Number.isInteger(v) && typeof v === "number";

// A correction (docs/evidence-format.md §12): appended to `corrections`, then the
// corrected position, outcome or status.
function correct(c, payload) {
  const target = get(payload, "corrects", null);
  if (target === null || typeof target !== "object" || Array.isArray(target)) {
    throw new FoldError("a correction names the event it corrects: corrects = {seq, hash, kind}");
  }
  const seq = get(target, "seq");
  if (!isInt(seq) || seq < 1) throw new FoldError(`a correction names an event number (seq >= 1), got ${JSON.stringify(seq)}`);
  const what = String(get(payload, "what"));
  if (!has(CORRECTED_KIND, what)) throw new FoldError(`a correction corrects one of position, outcome, reopen; got ${JSON.stringify(get(payload, "what"))}`);
  if (get(target, "kind") !== CORRECTED_KIND[what]) throw new FoldError(`a ${what} correction corrects a ${CORRECTED_KIND[what]} event`);
  if (!String(get(payload, "reason", "")).trim()) throw new FoldError("a correction needs a reason (why the recorded value was wrong)");
  if (!String(get(payload, "by", "")).trim()) throw new FoldError("a correction needs its author (by)");
  const givenPosition = get(payload, "position", null);
  const givenOutcome = get(payload, "outcome", null);
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
  const position = isObject(givenPosition) ? positionOf(givenPosition) : null;
  const corrected = isObject(givenOutcome) ? outcome(givenOutcome) : null;
  c.corrections = [...(c.corrections || []), payload];
  if (what === "position") {
    const index = get(payload, "index");
    if (!isInt(index) || index < 0 || index >= c.positions.length) {
      throw new FoldError(`the case has ${c.positions.length} positions; a position correction names one by its index, got ${JSON.stringify(index)}`);
    }
    if (!position) throw new FoldError("a position correction carries the corrected position");
    c.positions[index] = position;
  } else if (what === "outcome") {
    if (c.outcome === null) throw new FoldError("the case has no outcome to correct; record its outcome instead");
    if (!corrected) throw new FoldError("an outcome correction carries the corrected outcome");
    c.outcome = corrected;
    if (["rescued", "intercepted", "arrived", "lost"].includes(c.status)) c.status = OUTCOME_STATUS[corrected.kind];
  } else {
    const back = get(payload, "status", "");
    if (c.status !== "closed") throw new FoldError("only a closed case can be reopened");
    if (!["rescued", "intercepted", "arrived", "lost"].includes(back)) throw new FoldError(`a case is reopened to rescued, intercepted, arrived or lost; got ${JSON.stringify(back)}`);
    c.status = back;
  }
}

// case.json from the events [{kind, payload (plain), recorded_at}], or a FoldError.
export function fold(events) {
  let c = null;
  let updated = null;
  for (const { kind, payload, recorded_at: recordedAt } of events) {
    const at = parseTime(recordedAt, "recorded_at");
    if (kind === "case_opened") {
      if (c) throw new FoldError(`case ${c.case_id} is already open`);
      c = {
        case_id: String(get(payload, "case_id")),
        title: String(get(payload, "title", "")),
        status: "alert",
        opened_at: time(get(payload, "alert_time"), "alert time"),
        updated_at: at[1],
        region: String(get(payload, "region")),
        positions: [],
        contacts: [],
        decisions: [],
        people: people(or(get(payload, "people", null), {})),
        vessel: vessel(or(get(payload, "vessel", null), {})),
        outcome: null,
        attachments: [],
        sources: get(payload, "sources", []).map(source),
      };
      updated = at;
      continue;
    }
    if (!c) throw new FoldError(`event '${kind}' comes before the case was opened`);
    // A closed case takes a correction, and attachments made about it afterwards
    // (domain/events.py AFTER_CLOSING_ATTACHMENTS: a reconstruction).
    const afterClosing = kind === "correction_recorded" || (kind === "attachment_added" && get(payload, "kind") === "reconstruction");
    if (c.status === "closed" && !afterClosing) {
      throw new FoldError(`case ${c.case_id} is closed; nothing can be added. Open a new case if needed.`);
    }
    if (at[0] > updated[0]) updated = at;
    c.updated_at = updated[1];
    if (kind === "position_reported") c.positions.push(position(payload));
    else if (kind === "contact_logged") c.contacts.push(contact(payload));
    else if (kind === "people_updated") c.people = people(payload);
    else if (kind === "vessel_updated") c.vessel = vessel(payload);
    else if (kind === "decision_recorded") c.decisions.push(decision(payload));
    else if (kind === "status_changed") c.status = transition(c.status, get(payload, "to"));
    else if (kind === "outcome_recorded") {
      const o = outcome(payload);
      const target = OUTCOME_STATUS[o.kind];
      c.status = c.outcome === null && c.status === target ? target : transition(c.status, target);
      c.outcome = o;
    } else if (kind === "attachment_added") c.attachments.push(payload);
    else if (kind === "correction_recorded") correct(c, payload);
    else throw new FoldError(`'${kind}' is not a valid EventKind`);
  }
  if (!c) throw new FoldError("a case needs at least its opening event");
  c.is_open = OPEN.has(c.status);
  let last = null;
  for (const p of c.positions) if (!last || parseTime(p.time)[0] > parseTime(last.time)[0]) last = p;
  c.last_position = last;
  return c;
}
