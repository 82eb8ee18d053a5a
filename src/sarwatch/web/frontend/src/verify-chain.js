// Ledger events, the chain, the case head and the register entry (docs/evidence-format.md
// §4-§6), checked as sarwatch's ledger/chain.py and ledger/register.py check them, with
// the same findings in the same words.
import * as ed from "@noble/ed25519";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { CanonicalError, Num, canonical } from "./verify-json.js";

ed.hashes.sha512 = sha512;

export const GENESIS = "0".repeat(64);
export const REGISTER_DOMAIN = "sarwatch-station-register/1";
const enc = new TextEncoder();

export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
export const sha256Hex = (bytes) => toHex(sha256(bytes));

export function fromHex(text) {
  if (typeof text !== "string" || text.length % 2 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// Whether signatureHex is the Ed25519 signature of message by publicKey (32 raw bytes).
export function verifySignature(publicKey, signatureHex, message) {
  const sigBytes = fromHex(signatureHex);
  if (!sigBytes || sigBytes.length !== 64) return false;
  try {
    return ed.verify(sigBytes, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

const isIntNum = (v) => v instanceof Num && v.isInt;
const str = (v) => (typeof v === "string" ? v : v instanceof Num ? v.token : JSON.stringify(v));

// One line of ledger.jsonl as an event; throws an Error saying what is malformed.
export function entryFromLine(map) {
  if (!(map instanceof Map)) throw new Error("a ledger line is not a JSON object");
  for (const key of ["case_id", "seq", "recorded_at", "kind", "actor", "payload", "prev_hash", "key_id"]) {
    if (!map.has(key)) throw new Error(`KeyError('${key}')`);
  }
  if (!isIntNum(map.get("seq"))) throw new Error(`seq must be an integer, got ${str(map.get("seq"))}`);
  if (!(map.get("payload") instanceof Map)) throw new Error("payload must be an object");
  let format = 1;
  if (map.has("format")) {
    const f = map.get("format");
    if (!isIntNum(f) || f.token !== "2") {
      throw new Error(`record format ${str(f)} is not one this sarwatch reads (a record without 'format' is format 1; later ones: 2); a newer sarwatch may read it`);
    }
    format = 2;
  }
  const text = (key) => map.get(key);
  return {
    case_id: text("case_id"),
    seqNum: map.get("seq"),
    seq: Number(map.get("seq").token),
    recorded_at: text("recorded_at"),
    kind: text("kind"),
    actor: text("actor"),
    payload: map.get("payload"),
    prev_hash: text("prev_hash"),
    key_id: text("key_id"),
    hash: map.has("hash") ? text("hash") : "",
    signature: map.has("signature") ? text("signature") : "",
    format,
  };
}

// The entry's hash (hex) with its body as given, or with another seq; null when the
// body cannot be written canonically (or holds what no station writes).
export function entryHash(entry, seq = entry.seq) {
  const body = new Map([
    ["case_id", entry.case_id],
    ["seq", seq === entry.seq ? entry.seqNum : new Num(String(seq))],
    ["recorded_at", entry.recorded_at],
    ["kind", entry.kind],
    ["actor", entry.actor],
    ["payload", entry.payload],
    ["prev_hash", entry.prev_hash],
    ["key_id", entry.key_id],
  ]);
  if (entry.format === 2) body.set("format", new Num("2"));
  for (const k of ["case_id", "recorded_at", "kind", "actor", "prev_hash", "key_id"]) {
    if (typeof body.get(k) !== "string") return null;
  }
  try {
    return sha256Hex(enc.encode(canonical(body, entry.format)));
  } catch (err) {
    if (err instanceof CanonicalError) return null;
    throw err;
  }
}

const isHash = (t) => typeof t === "string" && t.length === 64 && fromHex(t) !== null;

// verify_chain of ledger/chain.py: the findings, in its order and words.
export function verifyChain(entries, keys, caseId, head) {
  const findings = [];
  const add = (problem, seq, message) => findings.push({ problem, seq, message });
  const original = [];
  const maxSeq = Math.max(...entries.map((e) => e.seq), head ? head.seq : 0, entries.length);
  for (const entry of entries) {
    const key = typeof entry.key_id === "string" ? keys.get(entry.key_id) : undefined;
    const signed = key !== undefined && isHash(entry.hash) && verifySignature(key, entry.signature, fromHex(entry.hash));
    if (!signed) {
      const why = key === undefined ? `signed by unknown key '${str(entry.key_id)}'` : "its signature does not match";
      add("inserted", entry.seq, `event #${entry.seq} (${str(entry.kind)}) is not signed by the station key (${why}): inserted or forged`);
      continue;
    }
    if (entry.case_id !== caseId) {
      add("inserted", entry.seq, `event #${entry.seq} (${entry.kind}) belongs to case ${str(entry.case_id)}, not ${caseId}: inserted`);
      continue;
    }
    if (entryHash(entry) === entry.hash) {
      original.push([entry.seq, entry]);
      continue;
    }
    const twin = entries.find((e) => e !== entry && e.hash === entry.hash);
    if (twin && entryHash(twin) === twin.hash) {
      add("inserted", entry.seq, `event #${entry.seq} (${entry.kind}) carries the hash and signature of event #${twin.seq}: a forged copy was inserted`);
      continue;
    }
    let movedFrom = null;
    for (let j = 1; j < maxSeq + 2; j++) {
      if (j !== entry.seq && entryHash(entry, j) === entry.hash) {
        movedFrom = j;
        break;
      }
    }
    if (movedFrom !== null) {
      add("reordered", movedFrom, `event #${movedFrom} (${entry.kind}) now carries number #${entry.seq}: the events were reordered`);
      original.push([movedFrom, entry]);
    } else {
      add("edited", entry.seq, `event #${entry.seq} (${entry.kind}) was edited after it was signed: its content no longer matches its signed hash`);
      original.push([entry.seq, entry]);
    }
  }
  const flaggedMoved = new Set(findings.filter((f) => f.problem === "reordered").map((f) => f.seq));
  const seen = new Map();
  let previous = 0;
  for (const [seq, entry] of original) {
    if (seen.has(seq)) {
      add("inserted", entry.seq, `event #${seq} appears twice: a copy was inserted`);
      continue;
    }
    if (seq < previous && !flaggedMoved.has(seq)) {
      add("reordered", seq, `event #${seq} (${entry.kind}) appears after event #${previous}: reordered`);
    }
    seen.set(seq, entry);
    previous = Math.max(previous, seq);
  }
  let last = seen.size ? Math.max(...seen.keys()) : 0;
  const maxSeen = last;
  if (head) {
    const headKey = keys.get(head.key_id);
    if (headKey === undefined || head.case_id !== caseId || !verifySignature(headKey, head.signature, headMessage(head))) {
      add("bad_head", head.seq, "the head record is not signed by the station key");
    } else {
      if (head.seq > last) {
        const cut = head.seq === last + 1 ? `#${last + 1}` : `#${last + 1}–#${head.seq}`;
        add("deleted", last + 1, `event(s) ${cut} cut from the end: the signed head says the chain has ${head.seq} events`);
      } else if (seen.has(head.seq) && seen.get(head.seq).hash !== head.hash) {
        add("bad_head", head.seq, `event #${head.seq} is not the signed head`);
      }
      last = Math.max(last, head.seq);
    }
  }
  for (let seq = 1; seq <= last; seq++) {
    if (!seen.has(seq) && !(head && seq > maxSeen)) add("deleted", seq, `event #${seq} is missing: deleted`);
  }
  const reported = new Set(findings.map((f) => `${f.problem}:${f.seq}`));
  for (const seq of [...seen.keys()].sort((a, b) => a - b)) {
    const expected = seq === 1 ? GENESIS : seen.has(seq - 1) ? seen.get(seq - 1).hash : null;
    if (expected === null || seen.get(seq).prev_hash === expected) continue;
    if (reported.has(`edited:${seq}`) || reported.has(`edited:${seq - 1}`)) continue;
    add("broken_link", seq, `event #${seq} does not point to event #${seq - 1}: the chain was spliced`);
  }
  // Python sorts by (seq or 0, problem), stably.
  return findings
    .map((f, i) => [f, i])
    .sort(([a, i], [b, j]) => (a.seq ?? 0) - (b.seq ?? 0) || (a.problem < b.problem ? -1 : a.problem > b.problem ? 1 : i - j))
    .map(([f]) => f);
}

// The case head's signed message: {"case_id":…,"hash":…,"seq":N}.
export function headMessage(head) {
  return enc.encode(canonical(new Map([["case_id", head.case_id], ["hash", head.hash], ["seq", new Num(String(head.seq))]]), 1));
}

function intOf(v) {
  // Python's int(): an integer, an integral float, or a text of digits
  if (v instanceof Num && v.isInt) return Number(v.token);
  if (typeof v === "string" && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v.trim());
  if (v instanceof Num && Number.isFinite(v.value)) return Math.trunc(v.value);
  throw new Error(`invalid literal for int(): ${str(v)}`);
}

export function headFromJSON(map) {
  if (!(map instanceof Map)) throw new Error("the head is not an object");
  for (const k of ["case_id", "seq", "hash", "key_id", "signature"]) if (!map.has(k)) throw new Error(`KeyError('${k}')`);
  return { case_id: str(map.get("case_id")), seq: intOf(map.get("seq")), hash: str(map.get("hash")), key_id: str(map.get("key_id")), signature: str(map.get("signature")) };
}

// check_registration of ledger/register.py on register.json's content.
export function checkRegistration(stated, keys, caseId, firstHash) {
  const entryMap = stated.get("entry");
  const headMap = stated.get("head");
  if (!(entryMap instanceof Map) || !(headMap instanceof Map)) throw new Error("KeyError('entry')");
  const entry = {};
  for (const k of ["seq", "case_id", "opened_at", "first_hash", "prev_hash", "key_id"]) {
    if (!entryMap.has(k)) throw new Error(`malformed register entry: KeyError('${k}')`);
    entry[k] = k === "seq" ? intOf(entryMap.get(k)) : str(entryMap.get(k));
  }
  entry.hash = entryMap.has("hash") ? str(entryMap.get("hash")) : "";
  entry.signature = entryMap.has("signature") ? str(entryMap.get("signature")) : "";
  const head = {};
  for (const k of ["seq", "hash", "key_id", "signature"]) {
    if (!headMap.has(k)) throw new Error(`malformed register head: KeyError('${k}')`);
    head[k] = k === "seq" ? intOf(headMap.get(k)) : str(headMap.get(k));
  }
  const body = new Map([
    ["register", REGISTER_DOMAIN], ["seq", new Num(String(entry.seq))], ["case_id", entry.case_id],
    ["opened_at", entry.opened_at], ["first_hash", entry.first_hash], ["prev_hash", entry.prev_hash], ["key_id", entry.key_id],
  ]);
  const computed = sha256Hex(enc.encode(canonical(body, 1)));
  const key = keys.get(entry.key_id);
  const digest = fromHex(entry.hash);
  const signed = key !== undefined && digest !== null && digest.length === 32 && verifySignature(key, entry.signature, digest);
  const problems = [];
  if (!signed || computed !== entry.hash) problems.push("the register entry is not signed by the station key, or was edited");
  if (entry.case_id !== caseId) problems.push(`the register entry is for case ${entry.case_id}, not ${caseId}`);
  if (entry.first_hash !== firstHash) problems.push("the register entry names another first event than the ledger's");
  const headKey = keys.get(head.key_id);
  const message = enc.encode(canonical(new Map([["register_head", REGISTER_DOMAIN], ["seq", new Num(String(head.seq))], ["hash", head.hash]]), 1));
  if (headKey === undefined || !verifySignature(headKey, head.signature, message)) problems.push("the register head is not signed by the station key");
  else if (head.seq < entry.seq) problems.push(`the register head #${head.seq} is older than the entry #${entry.seq}`);
  return { problems, seq: entry.seq };
}
