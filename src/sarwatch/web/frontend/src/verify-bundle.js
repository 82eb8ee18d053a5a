// verifyBundle: the checks of docs/evidence-format.md §7 on a bundle's bytes, in the order
// and words of `sarwatch bundle verify` (services/evidence.py), entirely in the page.
import { CanonicalError, Num, parseJSON, sameJSON, toPlain } from "./verify-json.js";
import { NotAZip, layoutProblems, openZip, readMember } from "./verify-zip.js";
import { checkRegistration, entryFromLine, headFromJSON, sha256Hex, verifyChain, verifySignature } from "./verify-chain.js";
import { FoldError, fold } from "./verify-fold.js";
import { readKeyHistory, retiredUse } from "./verify-keys.js";

export const BUNDLE_FORMATS = ["sarwatch-evidence-bundle/1", "sarwatch-evidence-bundle/2"];
const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;
const MEDIA_PREFIX = "media/"; // docs/evidence-format.md §11: checked against the ledger
const SPKI_PREFIX = "302a300506032b6570032100";
const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin = new TextDecoder("latin1");

function publicKeyFromPem(bytes) {
  const text = latin.decode(bytes);
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(text);
  if (!m) throw new Error("public key is not valid PEM: no PUBLIC KEY block");
  let der;
  try {
    der = Uint8Array.from(atob(m[1].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw new Error("public key is not valid PEM: bad base64");
  }
  const hex = Array.from(der, (b) => b.toString(16).padStart(2, "0")).join("");
  if (der.length !== 44 || !hex.startsWith(SPKI_PREFIX)) throw new Error("expected an Ed25519 public key");
  return der.subarray(12);
}

function attachmentName(entry) {
  const kind = entry.payload instanceof Map && entry.payload.has("kind") ? entry.payload.get("kind") : null;
  const shown = typeof kind === "string" ? kind : kind instanceof Num ? kind.token : kind === null ? "None" : String(kind);
  return `attachments/${String(entry.seq).padStart(4, "0")}-${shown}.json`;
}

export class Report {
  constructor(name) {
    Object.assign(this, { name, caseId: "?", keyId: "?", nEvents: 0, problems: [], findings: [], registeredAs: null, createdAt: "?", format: "?", entries: [], eventStatus: new Map(), mediaLeftOut: [] });
  }
  get ok() {
    return !this.problems.length && !this.findings.length;
  }
  summary() {
    if (this.ok) {
      const registered = this.registeredAs ? `, the station's case #${this.registeredAs}` : "";
      const left = this.mediaLeftOut.length;
      const media = left ? `; ${left} media file(s) listed by hash only, not carried` : "";
      return `${this.name}: case ${this.caseId}${registered}, ${this.nEvents} events: bundle intact, chain and signatures valid (station key ${this.keyId}); the case as exported at ${this.createdAt}${media}`;
    }
    return [
      `${this.name}: case ${this.caseId}: verification FAILED`,
      ...this.problems.map((p) => `  - ${p}`),
      ...this.findings.map((f) => `  - ${f.problem}: ${f.message}`),
    ].join("\n");
  }
}

export function verifyBundle(bytes, name = "bundle.zip", expectedKeyId = null) {
  const report = new Report(name);
  let zip;
  try {
    zip = openZip(bytes);
  } catch (err) {
    if (!(err instanceof NotAZip)) throw err;
    report.problems.push(`${name} is not a zip file, so not a bundle (${err.message})`);
    return report;
  }
  const names = new Set(zip.members.map((m) => m.name));
  report.problems.push(...layoutProblems(zip));
  const unpacked = zip.members.filter((m) => !m.name.startsWith(MEDIA_PREFIX)).reduce((s, m) => s + m.fileSize, 0);
  if (unpacked > MAX_UNPACKED_BYTES) {
    report.problems.push(`the zip unpacks to ${unpacked.toLocaleString("en")} bytes, more than a bundle holds (${MAX_UNPACKED_BYTES.toLocaleString("en")}): not read (a zip bomb?)`);
    return report;
  }
  const missing = ["manifest.json", "manifest.sig", "public_key.pem", "ledger.jsonl"].filter((r) => !names.has(r));
  if (missing.length) {
    report.problems.push(...missing.map((r) => `${r} is missing from the bundle`));
    return report;
  }
  const read = (member) => {
    try {
      return readMember(zip, member);
    } catch (err) {
      report.problems.push(`${member} cannot be read from the zip (${err.message}): damaged or altered`);
      return null;
    }
  };
  const manifestBytes = read("manifest.json");
  let manifest;
  let listed;
  try {
    manifest = parseJSON(utf8.decode(manifestBytes || new Uint8Array()));
    if (!(manifest instanceof Map) || !manifest.has("case_id")) throw new Error("no case_id");
    const caseId = manifest.get("case_id");
    report.caseId = typeof caseId === "string" ? caseId : String(toPlain(caseId));
    report.createdAt = manifest.has("created_at") ? String(toPlain(manifest.get("created_at"))) : "?";
    report.format = manifest.has("format") ? String(toPlain(manifest.get("format"))) : "?";
    listed = manifest.has("files") ? manifest.get("files") : new Map();
    if (!(listed instanceof Map) || ![...listed.values()].every((v) => typeof v === "string")) throw new Error("files");
  } catch {
    report.problems.push("manifest.json is not valid JSON with a case_id and files");
    return report;
  }
  let publicKey;
  try {
    publicKey = publicKeyFromPem(read("public_key.pem") || new Uint8Array());
  } catch (err) {
    report.problems.push(err.message);
    return report;
  }
  report.keyId = sha256Hex(publicKey).slice(0, 16);
  if (!BUNDLE_FORMATS.includes(report.format)) {
    report.problems.push(`manifest.json says format '${report.format}': this sarwatch verifies ${BUNDLE_FORMATS.join(", ")}; a newer sarwatch may read it`);
  }
  if (expectedKeyId && report.keyId !== expectedKeyId) {
    report.problems.push(`signed with key ${report.keyId}, not the expected station key ${expectedKeyId}`);
  }
  const keys = new Map([[report.keyId, publicKey]]);
  const signature = latin.decode(read("manifest.sig") || new Uint8Array()).trim();
  if (!verifyManifest(publicKey, signature, manifestBytes || new Uint8Array())) {
    report.problems.push("manifest.json was modified: its signature does not match");
  }
  const contents = new Map();
  for (const member of [...listed.keys()].sort(byCodePoint)) {
    if (!names.has(member)) {
      report.problems.push(`${member} was deleted from the bundle`);
      continue;
    }
    const data = read(member);
    if (data !== null && sha256Hex(data) !== listed.get(member)) report.problems.push(`${member} was modified after export (SHA-256 differs)`);
    contents.set(member, data || new Uint8Array());
  }
  for (const member of [...names].filter((n) => !listed.has(n) && n !== "manifest.json" && n !== "manifest.sig" && !n.startsWith(MEDIA_PREFIX)).sort(byCodePoint)) {
    report.problems.push(`${member} was added to the bundle after export`);
  }
  const ledger = contents.get("ledger.jsonl") || read("ledger.jsonl") || new Uint8Array();
  const entries = readLedger(ledger, report);
  report.entries = entries;
  report.nEvents = entries.length;
  if (report.format === BUNDLE_FORMATS[0] && entries.some((e) => e.format !== 1)) {
    report.problems.push("ledger.jsonl holds events of record format 2 in a bundle of format 1, which cannot carry them");
  }
  let head = null;
  try {
    if (!manifest.has("head")) throw new Error("KeyError('head')");
    head = headFromJSON(manifest.get("head"));
  } catch {
    report.problems.push("manifest.json has no valid signed head");
  }
  const history = contents.has("keys.json") ? readKeyHistory(contents.get("keys.json"), report.keyId, keys, report, publicKeyFromPem) : null;
  const findings = verifyChain(entries, keys, report.caseId, head);
  if (history) findings.push(...retiredUse(history, entries)); // §13: a retired key after its hand-over
  report.findings.push(...findings);
  for (const f of findings) if (f.seq !== null) report.eventStatus.set(f.seq, `${f.problem}: ${f.message}`);
  const chainOk = findings.length === 0;
  if (names.has("register.json") && entries.length) {
    const data = contents.get("register.json") || read("register.json") || new Uint8Array();
    checkRegisterJSON(data, entries[0], keys, report);
  }
  if (chainOk && names.has("case.json")) {
    const data = contents.get("case.json") || read("case.json") || new Uint8Array();
    checkCaseJSON(data, entries, report);
  }
  if (chainOk) {
    checkAttachments(zip, names, contents, entries, report, read);
    const recorded = recordedMedia(entries);
    report.problems.push(...mediaProblems(zip, recorded));
    report.mediaLeftOut = [...recorded.keys()].filter((d) => !names.has(MEDIA_PREFIX + d)).sort();
  }
  return report;
}

// The media files the ledger records (§11): SHA-256 → size in bytes.
function recordedMedia(entries) {
  const found = new Map();
  for (const e of entries) {
    const p = toPlain(e.payload);
    if (e.kind !== "attachment_added" || p.kind !== "media") continue;
    const record = p.record && typeof p.record === "object" ? p.record : {};
    const result = record.result && typeof record.result === "object" ? record.result : {};
    if (typeof result.sha256 === "string" && Number.isInteger(result.size_bytes)) found.set(result.sha256, result.size_bytes);
  }
  return found;
}

function mediaProblems(zip, recorded) {
  const problems = [];
  for (const info of zip.members) {
    if (!info.name.startsWith(MEDIA_PREFIX)) continue;
    const digest = info.name.slice(MEDIA_PREFIX.length);
    if (!recorded.has(digest)) {
      problems.push(`${info.name} is not a media file the ledger records`);
      continue;
    }
    if (info.fileSize !== recorded.get(digest)) {
      problems.push(`${info.name} holds ${info.fileSize.toLocaleString("en")} bytes; the ledger recorded ${recorded.get(digest).toLocaleString("en")}: modified after export`);
      continue;
    }
    let data;
    try {
      data = readMember(zip, info.name);
    } catch (err) {
      problems.push(`${info.name} cannot be read from the zip (${err.message})`);
      continue;
    }
    if (sha256Hex(data) !== digest) problems.push(`${info.name} was modified after export (SHA-256 differs)`);
  }
  return problems;
}

const byCodePoint = (a, b) => {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k] - y[k];
  return x.length - y.length;
};

const verifyManifest = (key, sigHex, bytes) => verifySignature(key, sigHex, bytes);

// Lines as Python's bytes.splitlines() cuts them (\n, \r\n, \r), blank ones skipped.
function readLedger(data, report) {
  const entries = [];
  let text;
  try {
    text = utf8.decode(data);
  } catch {
    report.problems.push("ledger.jsonl line 1 is unreadable: not UTF-8 text");
    return entries;
  }
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, index) => {
    if (index === lines.length - 1 && line === "") return;
    if (!line.replace(/[ \t\x0b\x0c]/g, "")) return;
    try {
      entries.push(entryFromLine(parseJSON(line)));
    } catch (err) {
      report.problems.push(`ledger.jsonl line ${index + 1} is unreadable: ${err.message}`);
    }
  });
  return entries;
}

function checkRegisterJSON(data, first, keys, report) {
  let result;
  try {
    const stated = parseJSON(utf8.decode(data));
    if (!(stated instanceof Map)) throw new Error("not an object");
    result = checkRegistration(stated, keys, report.caseId, first.hash);
  } catch (err) {
    report.problems.push(`register.json is unreadable: ${err.message}`);
    return;
  }
  for (const p of result.problems) report.problems.push(`register.json: ${p}`);
  if (!report.problems.some((p) => p.startsWith("register.json"))) report.registeredAs = result.seq;
}

function checkCaseJSON(data, entries, report) {
  let stated;
  let rebuilt;
  try {
    stated = JSON.parse(utf8.decode(data));
    rebuilt = fold(entries.map((e) => ({ kind: e.kind, payload: toPlain(e.payload), recorded_at: e.recorded_at })));
  } catch (err) {
    if (!(err instanceof FoldError || err instanceof SyntaxError || err instanceof TypeError)) throw err;
    report.problems.push(`case.json cannot be checked against the ledger: ${err.message}`);
    return;
  }
  report.caseState = rebuilt;
  if (!sameJSON(stated, rebuilt)) report.problems.push("case.json does not match the state the ledger rebuilds");
}

function checkAttachments(zip, names, contents, entries, report, read) {
  const expected = new Map();
  for (const e of entries) if (e.kind === "attachment_added") expected.set(attachmentName(e), e);
  for (const [member, entry] of [...expected.entries()].sort(([a], [b]) => byCodePoint(a, b))) {
    if (!names.has(member)) {
      report.problems.push(`${member} is missing: event #${entry.seq} attached it and the bundle must carry it`);
      continue;
    }
    const data = contents.has(member) ? contents.get(member) : read(member);
    let stated = null;
    try {
      stated = parseJSON(utf8.decode(data || new Uint8Array()));
    } catch {
      stated = null;
    }
    let same = false;
    try {
      same = stated !== null && sameJSON(stated, entry.payload);
    } catch (err) {
      if (!(err instanceof CanonicalError)) throw err;
    }
    if (!same) report.problems.push(`${member} is not the attachment that event #${entry.seq} records in the ledger`);
  }
  for (const member of [...names].filter((n) => n.startsWith("attachments/") && !expected.has(n)).sort(byCodePoint)) {
    report.problems.push(`${member} is carried by no attachment event of the ledger: it is not part of the record`);
  }
}
