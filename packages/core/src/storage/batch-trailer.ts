/**
 * The checksum trailer of insert logs and delete logs (docs/format/segment.md): the Arrow IPC
 * file is followed by 24 bytes — its length, a CRC-32, reader flags and a magic — so a torn
 * or bit-flipped file is FORMAT_CORRUPT before the Arrow reader sees it (a corrupt Arrow
 * footer or message header can send a reader into a huge allocation, a long loop, or a wrong
 * answer). Files written before the trailer end with Arrow's own magic and are read as they
 * are. WAL insert bodies carry no trailer: the WAL adapters frame and check their records.
 *
 * Trailer, little-endian: u64 length | u32 crc | u32 flags | "VSPRSUM1". `length` counts every
 * byte before the trailer and the CRC covers them and then the flags word, so a flipped flag is
 * corruption, not an unknown flag. Flag 1 (`DIRECTORY_FLAG`): a column directory section
 * (column-directory.ts) sits between the Arrow bytes and the trailer; readers that predate it
 * refuse the file (FORMAT_UNSUPPORTED) after its length and CRC check out.
 */
import { VesperError } from '../errors/index.ts';
import { crc32 } from '../util/crc32.ts';
import { SECTION_TAIL_BYTES, sectionLength } from './column-directory.ts';

export const TRAILER_BYTES = 24;
/** The Arrow metadata feature flag of files that end with the trailer. */
export const TRAILER_FEATURE = 'crc32-trailer';
const MAGIC = new TextEncoder().encode('VSPRSUM1');
const ARROW_MAGIC = new TextEncoder().encode('ARROW1');
/** Trailer flag: a column directory section precedes the trailer. */
export const DIRECTORY_FLAG = 1;
/** Trailer flags this reader understands. */
const KNOWN_FLAGS = DIRECTORY_FLAG;

function endsWith(bytes: Uint8Array, tail: Uint8Array): boolean {
  if (bytes.byteLength < tail.byteLength) return false;
  const at = bytes.byteLength - tail.byteLength;
  for (let i = 0; i < tail.byteLength; i++) if (bytes[at + i] !== tail[i]) return false;
  return true;
}

/**
 * The Arrow file's parts joined, followed by the trailer (one copy of each byte). With `flags`
 * DIRECTORY_FLAG the last part is the column directory section.
 */
export function joinWithTrailer(parts: readonly Uint8Array[], byteLength: number, flags = 0): Uint8Array {
  const out = new Uint8Array(byteLength + TRAILER_BYTES);
  let at = 0;
  let crc = 0;
  for (const p of parts) {
    out.set(p, at);
    crc = crc32(p, crc);
    at += p.byteLength;
  }
  const view = new DataView(out.buffer, byteLength, TRAILER_BYTES);
  view.setBigUint64(0, BigInt(byteLength), true);
  view.setUint32(12, flags, true);
  view.setUint32(8, crc32(out.subarray(byteLength + 12, byteLength + 16), crc), true);
  out.set(MAGIC, byteLength + 16);
  return out;
}

/**
 * Checks a batch file's trailer and returns the Arrow bytes (and whether there was a
 * trailer). A file without one must end like an Arrow file (written before the trailer, or a
 * WAL body).
 * @throws FORMAT_CORRUPT on a length or checksum mismatch, or bytes that end like neither.
 */
export function checkTrailer(bytes: Uint8Array, what: string): { arrow: Uint8Array; sealed: boolean; directory: boolean } {
  if (!endsWith(bytes, MAGIC)) {
    if (!endsWith(bytes, ARROW_MAGIC)) throw new VesperError('FORMAT_CORRUPT', `${what}: neither a checksum trailer nor the end of an Arrow file (torn or damaged)`);
    return { arrow: bytes, sealed: false, directory: false };
  }
  const end = bytes.byteLength - TRAILER_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset + end, TRAILER_BYTES);
  const length = view.getBigUint64(0, true);
  if (length !== BigInt(end)) throw new VesperError('FORMAT_CORRUPT', `${what}: the trailer says ${length} Arrow bytes, the file holds ${end}`);
  const arrow = bytes.subarray(0, end);
  const want = view.getUint32(8, true);
  const got = crc32(bytes.subarray(end + 12, end + 16), crc32(arrow));
  if (got !== want) throw new VesperError('FORMAT_CORRUPT', `${what}: checksum mismatch (stored ${want.toString(16)}, computed ${got.toString(16)}): the file is damaged`);
  const flags = view.getUint32(12, true);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new VesperError('FORMAT_UNSUPPORTED', `${what}: trailer flags ${flags.toString(16)} unknown to this reader; upgrade Vesper`);
  if ((flags & DIRECTORY_FLAG) === 0) return { arrow, sealed: true, directory: false };
  if (end < SECTION_TAIL_BYTES) throw new VesperError('FORMAT_CORRUPT', `${what}: too short for its column directory`);
  const { arrowLength } = sectionLength(bytes.subarray(end - SECTION_TAIL_BYTES, end), end, what);
  return { arrow: bytes.subarray(0, arrowLength), sealed: true, directory: true };
}

/**
 * The trailer of a file read by range: `tail` is the file's last TRAILER_BYTES of `size`. The
 * stored CRC covers the whole file and is not checked here (a range reader checks blocks).
 * @throws FORMAT_CORRUPT (no trailer magic, wrong length), FORMAT_UNSUPPORTED (unknown flags).
 */
export function readTrailer(tail: Uint8Array, size: number, what: string): { flags: number } {
  if (tail.byteLength !== TRAILER_BYTES || !endsWith(tail, MAGIC)) throw new VesperError('FORMAT_CORRUPT', `${what}: no checksum trailer at the end of its ${size} bytes (torn or damaged)`);
  const view = new DataView(tail.buffer, tail.byteOffset, TRAILER_BYTES);
  const length = view.getBigUint64(0, true);
  if (length !== BigInt(size - TRAILER_BYTES)) throw new VesperError('FORMAT_CORRUPT', `${what}: the trailer says ${length} bytes precede it, the file holds ${size - TRAILER_BYTES}`);
  const flags = view.getUint32(12, true);
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new VesperError('FORMAT_UNSUPPORTED', `${what}: trailer flags ${flags.toString(16)} unknown to this reader; upgrade Vesper`);
  return { flags };
}
