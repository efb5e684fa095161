// Reads an election record given as one .zip file (as `zip -r record.zip record/` makes it): the central
// directory, then each file, stored or deflated (inflated by the browser's own DecompressionStream), its size and
// CRC-32 checked. No third-party code. Refused, each with a ZipError whose `code` the page turns into words:
//   not_zip (not a readable zip), split (a zip in several parts), zip64 (ZIP64 archives), encrypted, method (a
//   compression other than stored or deflated), path (an absolute path, a backslash, or a `..` segment),
//   duplicate (a path twice), too_big (a file, or all together, over the page's limit), corrupt (a file whose
//   bytes do not match its directory entry).
// Paths are kept as the zip has them, less one leading folder that every file shares (`record/index.json` →
// `index.json`); folders' own entries are skipped.

/** The most bytes the page takes, per file and all together: verifier-web's MAX_RECORD_BYTES (2 GiB). */
export const MAX_BYTES = 2 * 1024 ** 3;

export class ZipError extends Error {
  constructor(code, vars = {}) {
    super(`${code}${vars.path ? `: ${vars.path}` : ""}${vars.reason ? ` (${vars.reason})` : ""}`);
    this.code = code;
    this.vars = vars;
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** Whether `file` (a Blob) starts like a zip archive (a local file header, or an empty archive's end record). */
export async function looksLikeZip(file) {
  if (file.size < 4) return false;
  const v = new DataView(await file.slice(0, 4).arrayBuffer());
  const sig = v.getUint32(0, true);
  return sig === LOCAL || sig === EOCD;
}

/** The end-of-central-directory record: where the directory is and how many entries it has. */
async function endRecord(file) {
  if (file.size < 22) throw new ZipError("not_zip", { reason: "too short" });
  const tailSize = Math.min(file.size, 22 + 0xffff);
  const start = file.size - tailSize;
  const tail = new DataView(await file.slice(start).arrayBuffer());
  for (let i = tailSize - 22; i >= 0; i--) {
    if (tail.getUint32(i, true) !== EOCD) continue;
    if (i + 22 + tail.getUint16(i + 20, true) !== tailSize) continue; // not the real end: the comment runs past it
    if (i >= 20 && tail.getUint32(i - 20, true) === ZIP64_LOCATOR) throw new ZipError("zip64");
    const disk = tail.getUint16(i + 4, true);
    const cdDisk = tail.getUint16(i + 6, true);
    const onDisk = tail.getUint16(i + 8, true);
    const count = tail.getUint16(i + 10, true);
    const size = tail.getUint32(i + 12, true);
    const offset = tail.getUint32(i + 16, true);
    if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) throw new ZipError("zip64");
    if (disk !== 0 || cdDisk !== 0 || onDisk !== count) throw new ZipError("split");
    if (offset + size > start + i) throw new ZipError("not_zip", { reason: "the directory lies outside the file" });
    return { count, size, offset };
  }
  throw new ZipError("not_zip", { reason: "no end of central directory" });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** A path the page may use: relative, `/`-separated, no `..` (nor `.`) segment. */
function checkPath(path) {
  const parts = path.split("/");
  if (path.startsWith("/") || path.includes("\\") || /^[A-Za-z]:/.test(path) ||
      parts.some((p) => p === ".." || p === ".")) {
    throw new ZipError("path", { path });
  }
}

/** Every file entry of the central directory: path, method, sizes, CRC-32 and where its local header is. */
function directory(bytes, count) {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = [];
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > v.byteLength || v.getUint32(p, true) !== CENTRAL) {
      throw new ZipError("not_zip", { reason: `directory entry ${n + 1} is damaged` });
    }
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    const compressed = v.getUint32(p + 20, true);
    const size = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const diskStart = v.getUint16(p + 34, true);
    const local = v.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > v.byteLength) throw new ZipError("not_zip", { reason: `directory entry ${n + 1} is damaged` });
    const nameBytes = bytes.subarray(p + 46, p + 46 + nameLen);
    let path;
    try { path = flags & 0x800 ? utf8.decode(nameBytes) : latin1.decode(nameBytes); } catch {
      throw new ZipError("not_zip", { reason: `the name of entry ${n + 1} is not UTF-8` });
    }
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen;) {
      if (v.getUint16(e, true) === 0x0001) throw new ZipError("zip64"); // the ZIP64 extra field
      e += 4 + v.getUint16(e + 2, true);
    }
    if (compressed === 0xffffffff || size === 0xffffffff || local === 0xffffffff || diskStart === 0xffff) {
      throw new ZipError("zip64");
    }
    p = end;
    checkPath(path);
    if (path.endsWith("/")) continue; // a folder
    if (flags & 0x41 || method === 99) throw new ZipError("encrypted", { path });
    if (method !== 0 && method !== 8) throw new ZipError("method", { path, method });
    if (size > MAX_BYTES) throw new ZipError("too_big", { path, size });
    entries.push({ path, method, crc, compressed, size, local });
  }
  return entries;
}

let crcTable = null;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Inflates raw deflate `data` into exactly `size` bytes (refused if it gives more or fewer). */
async function inflate(data, size, path) {
  const out = new Uint8Array(size);
  let at = 0;
  const reader = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (at + value.length > size) throw new ZipError("corrupt", { path, reason: "longer than its entry says" });
      out.set(value, at);
      at += value.length;
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof ZipError) throw e;
    throw new ZipError("corrupt", { path, reason: String(e.message || e) });
  }
  if (at !== size) throw new ZipError("corrupt", { path, reason: "shorter than its entry says" });
  return out;
}

/** One file's bytes, from its local header on. */
async function extract(file, e) {
  const head = new DataView(await file.slice(e.local, e.local + 30).arrayBuffer());
  if (head.byteLength < 30 || head.getUint32(0, true) !== LOCAL) {
    throw new ZipError("corrupt", { path: e.path, reason: "no local header where the directory says" });
  }
  const start = e.local + 30 + head.getUint16(26, true) + head.getUint16(28, true);
  if (start + e.compressed > file.size) throw new ZipError("corrupt", { path: e.path, reason: "cut short" });
  const data = new Uint8Array(await file.slice(start, start + e.compressed).arrayBuffer());
  let bytes;
  if (e.method === 0) {
    if (e.compressed !== e.size) throw new ZipError("corrupt", { path: e.path, reason: "stored sizes differ" });
    bytes = data;
  } else {
    bytes = await inflate(data, e.size, e.path);
  }
  if (crc32(bytes) !== e.crc) throw new ZipError("corrupt", { path: e.path, reason: "CRC-32 mismatch" });
  return bytes;
}

/** The files of the zip `file` (a Blob), as `[{ path, bytes: ArrayBuffer }]`; `progress(done, n)` after each. */
export async function unzip(file, progress = () => {}) {
  const end = await endRecord(file);
  const dir = new Uint8Array(await file.slice(end.offset, end.offset + end.size).arrayBuffer());
  const entries = directory(dir, end.count);
  const seen = new Set();
  let total = 0;
  for (const e of entries) {
    if (seen.has(e.path)) throw new ZipError("duplicate", { path: e.path });
    seen.add(e.path);
    total += e.size;
    if (total > MAX_BYTES) throw new ZipError("too_big", { path: e.path, size: total });
  }
  // One leading folder that every file has (the record's own folder) is dropped.
  const first = entries[0]?.path.split("/")[0];
  const strip = entries.length > 0 && entries.every((e) => e.path.startsWith(`${first}/`)) ? first.length + 1 : 0;
  const files = [];
  for (const e of entries) {
    const bytes = await extract(file, e);
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    files.push({ path: e.path.slice(strip),
      bytes: whole ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    progress(files.length, entries.length);
  }
  return files;
}
