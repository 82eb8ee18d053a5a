// keys.json (docs/evidence-format.md §13): the station's key history after a rotation,
// checked as services/keys.py bundle_keys and ledger/keys.py KeyHistory do, same words.
import { sha256Hex, verifySignature } from "./verify-chain.js";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function handoverMessage(h) {
  // RFC 8785 of ASCII strings with sorted keys: JSON.stringify writes the same bytes.
  return encoder.encode(JSON.stringify({ handover: "sarwatch-key-handover/1", new_key_id: h.new_key_id, old_key_id: h.old_key_id, time: h.time }));
}

function problemsOf(history, keyFromPem) {
  const problems = [];
  const keys = new Map();
  for (const record of history.keys) {
    try {
      keys.set(record.key_id, keyFromPem(encoder.encode(record.public_key_pem)));
    } catch (err) {
      problems.push(`key ${record.key_id}: ${err.message}`);
      continue;
    }
    if (sha256Hex(keys.get(record.key_id)).slice(0, 16) !== record.key_id) problems.push(`key ${record.key_id} is not the id of its public key`);
  }
  const n = history.keys.length;
  if (history.handovers.length !== n - 1) problems.push(`${n} key(s) need ${n - 1} hand-over(s), found ${history.handovers.length}`);
  for (let i = 0; i + 1 < n && i < history.handovers.length; i++) {
    const [old, neu, h] = [history.keys[i], history.keys[i + 1], history.handovers[i]];
    if (h.old_key_id !== old.key_id || h.new_key_id !== neu.key_id) {
      problems.push(`hand-over #${i + 1} is not from key ${old.key_id} to ${neu.key_id}`);
      continue;
    }
    const message = handoverMessage(h);
    for (const [role, kid, sig] of [["old", old.key_id, h.old_signature], ["new", neu.key_id, h.new_signature]]) {
      if (!keys.has(kid) || !verifySignature(keys.get(kid), sig, message)) problems.push(`hand-over #${i + 1} is not signed by the ${role} key ${kid}`);
    }
    if (old.valid_until !== h.time || neu.valid_from !== h.time) problems.push(`hand-over #${i + 1} at ${h.time} does not match the keys' validity`);
  }
  if (n && history.keys[n - 1].valid_until !== null) problems.push("the last key of the history is retired: no key is current");
  return { problems, keys };
}

// The keys a bundle's events may be signed with: adds keys.json's to `keys` (which holds
// public_key.pem's) when its hand-overs hold; returns the history or null, with problems pushed.
export function readKeyHistory(bytes, keyId, keys, report, keyFromPem) {
  let history;
  try {
    history = JSON.parse(utf8.decode(bytes));
    if (!Array.isArray(history.keys) || !Array.isArray(history.handovers) || !history.keys.length) throw new Error("malformed key history");
  } catch (err) {
    report.problems.push(`keys.json is unreadable: ${err.message}`);
    return null;
  }
  const { problems, keys: found } = problemsOf(history, keyFromPem);
  const current = history.keys[history.keys.length - 1].key_id;
  if (current !== keyId) problems.push(`its current key is ${current}, but the bundle is signed with ${keyId}`);
  if (problems.length) {
    for (const p of problems) report.problems.push(`keys.json: ${p}`);
    return null;
  }
  for (const [id, key] of found) if (!keys.has(id)) keys.set(id, key);
  return history;
}

// Events signed by a key outside its validity (KeyHistory.retired_use): findings "inserted".
export function retiredUse(history, entries) {
  const byId = new Map(history.keys.map((k) => [k.key_id, k]));
  const handed = new Map(history.handovers.map((h) => [h.old_key_id, h.new_key_id]));
  const findings = [];
  for (const entry of entries) {
    const record = byId.get(entry.key_id);
    if (!record) continue;
    const at = Date.parse(entry.recorded_at);
    if (Number.isNaN(at)) continue;
    if (record.valid_until !== null && at > Date.parse(record.valid_until)) {
      findings.push({ problem: "inserted", seq: entry.seq, message: `event #${entry.seq} is signed by key ${entry.key_id}, retired at ${record.valid_until} (handed over to ${handed.get(entry.key_id)}), but says it was recorded at ${entry.recorded_at}: refused` });
    } else if (record.valid_from !== null && at < Date.parse(record.valid_from)) {
      findings.push({ problem: "inserted", seq: entry.seq, message: `event #${entry.seq} is signed by key ${entry.key_id} before it was valid (${record.valid_from}): refused` });
    }
  }
  return findings;
}
