// The zip of an evidence bundle, read byte by byte (docs/evidence-format.md §7, "The zip"):
// the central directory, every member's local header, the bytes that belong to no member.
// Members are inflated with fflate; nothing leaves the page.
import { Inflate } from "fflate";

const u16 = (b, o) => b[o] | (b[o + 1] << 8);
const u32 = (b, o) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const sig = (b, o, s) => b[o] === 0x50 && b[o + 1] === 0x4b && b[o + 2] === s[0] && b[o + 3] === s[1];
const END = [5, 6];
const CENTRAL = [1, 2];
const LOCAL = [3, 4];
const DESCRIPTOR = [7, 8];

let crcTable = null;
export function crc32(data) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = crcTable[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export class NotAZip extends Error {}

const utf8 = new TextDecoder("utf-8");
const latin = new TextDecoder("latin1");

// The zip's directory, as Python's zipfile reads it (the last end record in the last
// 65,557 bytes; data prepended to the zip shifts every offset).
export function openZip(bytes) {
  let end = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--) {
    if (sig(bytes, o, END)) {
      end = o;
      break;
    }
  }
  if (end < 0) throw new NotAZip("no end-of-central-directory record");
  const count = u16(bytes, end + 10);
  const dirSize = u32(bytes, end + 12);
  const dirOffset = u32(bytes, end + 16);
  const commentLen = u16(bytes, end + 20);
  const concat = end - dirSize - dirOffset;
  if (concat < 0) throw new NotAZip("the directory is not where the end record says");
  const startDir = dirOffset + concat;
  const members = [];
  let p = startDir;
  for (let k = 0; k < count; k++) {
    if (p + 46 > bytes.length || !sig(bytes, p, CENTRAL)) throw new NotAZip("bad central directory");
    const flags = u16(bytes, p + 8);
    const n = u16(bytes, p + 28);
    const m = u16(bytes, p + 30);
    const c = u16(bytes, p + 32);
    const raw = bytes.subarray(p + 46, p + 46 + n);
    members.push({
      name: (flags & 0x800 ? utf8 : latin).decode(raw),
      flags,
      method: u16(bytes, p + 10),
      crc: u32(bytes, p + 16),
      compressSize: u32(bytes, p + 20),
      fileSize: u32(bytes, p + 24),
      headerOffset: u32(bytes, p + 42) + concat,
    });
    p += 46 + n + m + c;
  }
  return { bytes, members, startDir, end, dirSize, commentLen };
}

// Whether `gap` is exactly the data descriptor of `member`, which announces one.
function isDescriptor(gap, member) {
  if (!member || !(member.flags & 0x08)) return false;
  const body = gap.length >= 4 && sig(gap, 0, DESCRIPTOR) ? gap.subarray(4) : gap;
  return (
    body.length === 12 &&
    u32(body, 0) === member.crc &&
    u32(body, 4) === member.compressSize &&
    u32(body, 8) === member.fileSize
  );
}

// What other zip readers could show differently (the same sentences as
// services/bundle_zip.py).
export function layoutProblems(zip) {
  const { bytes } = zip;
  const counts = new Map();
  for (const m of zip.members) counts.set(m.name, (counts.get(m.name) || 0) + 1);
  const problems = [...counts.entries()]
    .filter(([, n]) => n > 1)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, n]) => `${name} appears ${n} times in the zip: other readers may show another copy than the one checked`);
  let position = 0;
  let previous = null;
  for (const info of [...zip.members].sort((a, b) => a.headerOffset - b.headerOffset)) {
    const h = info.headerOffset;
    if (h + 30 > bytes.length || !sig(bytes, h, LOCAL)) {
      problems.push(`${info.filename || info.name}: no local header where the directory says`);
      return problems;
    }
    const gap = h - position;
    if (gap && !isDescriptor(bytes.subarray(position, h), previous)) {
      const where = previous ? `between ${previous.name} and` : "before";
      problems.push(`${gap} bytes ${where} ${info.name} belong to no member: data was hidden in the zip`);
    }
    position = h + 30 + u16(bytes, h + 26) + u16(bytes, h + 28) + info.compressSize;
    previous = info;
  }
  const gap = zip.startDir - position;
  if (gap && !isDescriptor(bytes.subarray(position, zip.startDir), previous)) {
    problems.push(`${gap} bytes before the zip's directory belong to no member: data was hidden in the zip`);
  }
  const dirEnd = zip.startDir + zip.dirSize;
  if (zip.end !== dirEnd) {
    problems.push(
      zip.end > dirEnd
        ? `${zip.end - dirEnd} bytes between the zip's directory and its end record belong to no member (a zip64 record or hidden data): a bundle has none`
        : "the zip's end record does not follow its directory",
    );
  }
  if (zip.commentLen) {
    problems.push(
      `the zip carries a comment of ${zip.commentLen} bytes: a bundle has none (a reader may show it as if it were part of the evidence)`,
    );
  }
  const trailing = bytes.length - (zip.end + 22 + zip.commentLen);
  if (trailing > 0) {
    problems.push(`${trailing} bytes after the zip's end record belong to no member: data was appended to the bundle`);
  } else if (trailing < 0) {
    problems.push("the zip's comment runs past the end of the file: the zip was cut");
  }
  return problems;
}

// A member's bytes (the last member of that name, as Python reads it); throws an Error
// that says why it cannot be read.
export function readMember(zip, name) {
  const info = [...zip.members].reverse().find((m) => m.name === name);
  if (!info) throw new Error(`there is no item named '${name}' in the archive`);
  const { bytes } = zip;
  const h = info.headerOffset;
  if (h + 30 > bytes.length || !sig(bytes, h, LOCAL)) throw new Error("Bad magic number for file header");
  const n = u16(bytes, h + 26);
  const start = h + 30 + n + u16(bytes, h + 28);
  const localName = bytes.subarray(h + 30, h + 30 + n);
  if ((info.flags & 0x800 ? utf8 : latin).decode(localName) !== info.name) {
    throw new Error(`File name in directory '${info.name}' and header differ.`);
  }
  if (info.flags & 0x1) throw new Error(`File '${name}' is encrypted`);
  const raw = bytes.subarray(start, start + info.compressSize);
  let data;
  if (info.method === 0) data = raw.slice(0, info.fileSize);
  else if (info.method === 8) {
    // Streamed, and stopped past the stated size: a small member cannot inflate to gigabytes.
    const chunks = [];
    let total = 0;
    const inflate = new Inflate();
    inflate.ondata = (chunk) => {
      total += chunk.length;
      if (total > info.fileSize) throw new RangeError(`${name} inflates to more than the ${info.fileSize} bytes stated`);
      chunks.push(chunk);
    };
    try {
      inflate.push(raw, true);
    } catch (err) {
      throw new Error(err instanceof RangeError ? `Bad CRC-32 for file '${name}'` : `Error -3 while decompressing data: ${err.message}`);
    }
    data = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      data.set(chunk, at);
      at += chunk.length;
    }
  } else throw new Error("That compression method is not supported");
  if (crc32(data) !== info.crc && data.length === info.fileSize) throw new Error(`Bad CRC-32 for file '${name}'`);
  if (data.length !== info.fileSize) {
    throw new Error(`its data is ${data.length} bytes, not the ${info.fileSize} the directory states`);
  }
  return data;
}
