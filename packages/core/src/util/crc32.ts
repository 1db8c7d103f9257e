/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320 — the zlib/PNG/gzip one), used to
 * checksum WAL frames, meta log records, file formats and replica file transfers. Portable:
 * tables built once, no runtime APIs. Incremental: crc32(b, crc32(a)) === crc32(concat(a, b)).
 *
 * Slicing-by-8: eight 256-entry tables let the loop fold 8 bytes per step with independent
 * lookups instead of one byte per dependent lookup. A replica checks every file it copies
 * (tens of MB at a time) and the server checks every file it serves; byte-at-a-time ran at
 * ~300 MB/s in V8 and was a fifth of an initial sync's wall time (docs/BENCHMARKS.md, "Local
 * replicas"); this runs several times faster.
 */
const TABLES = /* @__PURE__ */ (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  // t[k*256 + n]: the CRC of byte n followed by k zero bytes
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/** Whether 32-bit words read back little-endian here (every platform Vesper runs on; checked, not assumed). */
const LITTLE_ENDIAN = /* @__PURE__ */ new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The CRC-32 of bytes, continuing from `previous` (the CRC of the bytes before them). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  const t = TABLES;
  let c = ~previous >>> 0;
  const n = bytes.length;
  let i = 0;
  // bytes one at a time up to a 4-byte boundary, then 8 at a time as two aligned words
  const head = LITTLE_ENDIAN && n >= 64 ? (4 - (bytes.byteOffset & 3)) & 3 : n;
  for (; i < head; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  if (i < n) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (n - i) >>> 2);
    const pairs = words.length >>> 1;
    for (let w = 0; w < pairs * 2; w += 2) {
      const lo = (c ^ words[w]!) >>> 0;
      const hi = words[w + 1]!;
      c =
        t[1792 + (lo & 0xff)]! ^
        t[1536 + ((lo >>> 8) & 0xff)]! ^
        t[1280 + ((lo >>> 16) & 0xff)]! ^
        t[1024 + (lo >>> 24)]! ^
        t[768 + (hi & 0xff)]! ^
        t[512 + ((hi >>> 8) & 0xff)]! ^
        t[256 + ((hi >>> 16) & 0xff)]! ^
        t[hi >>> 24]!;
    }
    i += pairs * 8;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
