/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320 — the zlib/PNG/gzip one), used to
 * checksum WAL frames, meta log records and file formats. Portable: a 1 KiB table built once,
 * no runtime APIs. Incremental: crc32(b, crc32(a)) === crc32(concat(a, b)).
 */
const TABLE = /* @__PURE__ */ (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 of bytes, continuing from `previous` (the CRC of the bytes before them). */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
