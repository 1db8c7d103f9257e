/**
 * A sealed segment's sparse inverted index (Milvus's SPARSE_INVERTED_INDEX / SPARSE_WAND on a
 * SparseFloatVector field, IP or BM25): each term's rows and values, each row's length (the
 * sum of its values: BM25's document length), and each term's largest value (a bound for
 * pruning). One representation, whether built from the column or opened from the index file
 * (docs/format/sparse-index.md): terms ascending in a u32 array, CSR offsets into row ids
 * (ascending per term) and values — so a search reads the same numbers in the same order
 * either way, and a score never depends on where the postings came from.
 *
 * The file is the in-memory arrays behind a 32-byte header with a CRC-32; opening checks
 * every invariant the search relies on (row ids in range and ascending, terms ascending,
 * offsets, lengths equal to the sum of each row's values) and views the file's bytes without
 * copying when they are 4-byte aligned on a little-endian host.
 */
import { VesperError } from '../errors/index.ts';
import type { SparseVectorColumn } from '../schema/columns.ts';
import { crc32 } from '../util/crc32.ts';

export const SPARSE_INDEX_MAGIC = 0x49535356; // "VSSI" read as a little-endian u32
export const SPARSE_INDEX_VERSION = 1;
/** Feature flags a reader must understand: none are defined in version 1. */
export const SPARSE_INDEX_KNOWN_FLAGS = 0;
const HEADER = 32;
const CRC_AT = 28;
/** Sparse indices are u32 below 2^32 − 1 (Milvus's range; the insert path refuses others). */
const MAX_TERM = 0xfffffffe;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function corrupt(what: string): VesperError {
  return new VesperError('FORMAT_CORRUPT', `sparse index file: ${what}`);
}

export class SparseInvertedIndex {
  /** Sum of every row's length (the BM25 statistics' token count when every row is visible). */
  readonly totalLength: number;
  private acc: Float64Array | undefined;
  private seen: Uint8Array | undefined;

  private constructor(
    /** Rows in the segment. */
    readonly rowCount: number,
    /** Each row's length: the sum of its values, as float32. */
    readonly lengths: Float32Array,
    /** Terms, strictly ascending. */
    readonly terms: Uint32Array,
    /** Term k's postings are rows/values[offsets[k] .. offsets[k+1]). */
    readonly offsets: Uint32Array,
    readonly rows: Uint32Array,
    readonly values: Float32Array,
    /** Each term's largest value. */
    readonly maxValues: Float32Array,
  ) {
    let total = 0;
    for (let r = 0; r < rowCount; r++) total += lengths[r]!;
    this.totalLength = total;
  }

  /** Score accumulator reused by searches of this segment (one at a time: JS is single-threaded); allocated on first use. */
  get scratch(): Float64Array {
    return (this.acc ??= new Float64Array(this.rowCount));
  }

  /** Row marks paired with `scratch`. */
  get marks(): Uint8Array {
    return (this.seen ??= new Uint8Array(this.rowCount));
  }

  get termCount(): number {
    return this.terms.length;
  }

  /** Bytes held (the arrays; the file's size). */
  get bytes(): number {
    return HEADER + 4 * (this.rowCount + 3 * this.terms.length + 1 + 2 * this.rows.length);
  }

  /** The slot of `term` in `terms` (its postings: `offsets[slot] .. offsets[slot + 1]`), or -1. */
  find(term: number): number {
    const t = this.terms;
    let lo = 0;
    let hi = t.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = t[mid]!;
      if (v === term) return mid;
      if (v < term) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * Postings from a sparse column: rows ascending within each term, terms ascending. Every
   * (term, row, value) is listed in row order, then put in term order by a stable radix sort
   * (two 16-bit passes) — no per-term map: term ids are CRC-32 hashes, mostly above the
   * small-integer range, and a Map keyed by them was most of the build's time.
   */
  static build(col: SparseVectorColumn): SparseInvertedIndex {
    const n = col.length;
    const lengths = new Float32Array(n);
    let p = 0;
    for (let r = 0; r < n; r++) p += col.data[r]!.indices.length;
    const termOf = new Uint32Array(p);
    const rowOf = new Uint32Array(p);
    const valueOf = new Float32Array(p);
    let at = 0;
    for (let r = 0; r < n; r++) {
      const v = col.data[r]!;
      let s = 0;
      for (let i = 0; i < v.values.length; i++) s += v.values[i]!;
      lengths[r] = s;
      termOf.set(v.indices, at);
      valueOf.set(v.values, at);
      rowOf.fill(r, at, at + v.indices.length);
      at += v.indices.length;
    }
    const order = radixOrder(termOf);
    const rows = new Uint32Array(p);
    const values = new Float32Array(p);
    let t = 0;
    for (let j = 0; j < p; j++) {
      const e = order[j]!;
      rows[j] = rowOf[e]!;
      values[j] = valueOf[e]!;
      if (j === 0 || termOf[e] !== termOf[order[j - 1]!]) t++;
    }
    const terms = new Uint32Array(t);
    const offsets = new Uint32Array(t + 1);
    const maxValues = new Float32Array(t);
    let k = -1;
    for (let j = 0; j < p; j++) {
      const term = termOf[order[j]!]!;
      if (k < 0 || term !== terms[k]) {
        k++;
        terms[k] = term;
        offsets[k] = j;
        maxValues[k] = values[j]!;
      } else if (values[j]! > maxValues[k]!) maxValues[k] = values[j]!;
    }
    offsets[t] = p;
    return new SparseInvertedIndex(n, lengths, terms, offsets, rows, values, maxValues);
  }

  /** The index file (docs/format/sparse-index.md). */
  serialize(): Uint8Array {
    const n = this.rowCount;
    const t = this.terms.length;
    const p = this.rows.length;
    const out = new Uint8Array(HEADER + 4 * (n + 3 * t + 1 + 2 * p));
    const dv = new DataView(out.buffer);
    dv.setUint32(0, SPARSE_INDEX_MAGIC, true);
    dv.setUint16(4, SPARSE_INDEX_VERSION, true);
    dv.setUint16(6, 0, true); // reserved
    dv.setUint32(8, 0, true); // feature flags: none in version 1
    dv.setUint32(12, n, true);
    dv.setUint32(16, t, true);
    dv.setUint32(20, p, true);
    dv.setUint32(24, 0, true); // reserved
    let off = HEADER;
    const put = (a: Uint32Array | Float32Array): void => {
      if (LITTLE_ENDIAN) {
        out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
        off += a.byteLength;
        return;
      }
      const f = a instanceof Float32Array;
      for (let i = 0; i < a.length; i++, off += 4) {
        if (f) dv.setFloat32(off, a[i]!, true);
        else dv.setUint32(off, a[i]!, true);
      }
    };
    put(this.lengths);
    put(this.terms);
    put(this.offsets);
    put(this.rows);
    put(this.values);
    put(this.maxValues);
    dv.setUint32(CRC_AT, fileCrc(out), true);
    return out;
  }

  /**
   * Opens an index file without rebuilding.
   * @throws FORMAT_UNSUPPORTED for another format version or an unknown feature flag;
   *   FORMAT_CORRUPT for a wrong magic, a wrong length, a checksum mismatch or a broken invariant.
   */
  static open(bytes: Uint8Array): SparseInvertedIndex {
    if (bytes.byteLength < HEADER) throw corrupt(`${bytes.byteLength} bytes is shorter than the ${HEADER}-byte header`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (dv.getUint32(0, true) !== SPARSE_INDEX_MAGIC) throw corrupt('bad magic (not a Vesper sparse index file)');
    const version = dv.getUint16(4, true);
    if (version !== SPARSE_INDEX_VERSION) {
      throw new VesperError('FORMAT_UNSUPPORTED', `sparse index format version ${version} is not supported (this build reads ${SPARSE_INDEX_VERSION})`);
    }
    const flags = dv.getUint32(8, true);
    if ((flags & ~SPARSE_INDEX_KNOWN_FLAGS) >>> 0 !== 0) {
      throw new VesperError('FORMAT_UNSUPPORTED', `sparse index file uses unknown feature flags 0x${((flags & ~SPARSE_INDEX_KNOWN_FLAGS) >>> 0).toString(16)}; upgrade Vesper`);
    }
    const n = dv.getUint32(12, true);
    const t = dv.getUint32(16, true);
    const p = dv.getUint32(20, true);
    const want = HEADER + 4 * (n + 3 * t + 1 + 2 * p);
    if (bytes.byteLength !== want) throw corrupt(`${bytes.byteLength} bytes, the header's ${n} rows, ${t} terms and ${p} postings need ${want} (truncated or torn)`);
    const crc = dv.getUint32(CRC_AT, true);
    const actual = fileCrc(bytes);
    if (crc !== actual) throw corrupt(`checksum mismatch (stored ${crc.toString(16)}, computed ${actual.toString(16)}): the file is torn or damaged`);
    const aligned = LITTLE_ENDIAN && bytes.byteOffset % 4 === 0;
    let off = HEADER;
    const u32 = (len: number): Uint32Array => {
      const a = aligned ? new Uint32Array(bytes.buffer, bytes.byteOffset + off, len) : Uint32Array.from({ length: len }, (_, i) => dv.getUint32(off + 4 * i, true));
      off += 4 * len;
      return a;
    };
    const f32 = (len: number): Float32Array => {
      const a = aligned ? new Float32Array(bytes.buffer, bytes.byteOffset + off, len) : Float32Array.from({ length: len }, (_, i) => dv.getFloat32(off + 4 * i, true));
      off += 4 * len;
      return a;
    };
    const lengths = f32(n);
    const terms = u32(t);
    const offsets = u32(t + 1);
    const rows = u32(p);
    const values = f32(p);
    const maxValues = f32(t);
    check(n, lengths, terms, offsets, rows, values, maxValues);
    return new SparseInvertedIndex(n, lengths, terms, offsets, rows, values, maxValues);
  }
}

/** The entries of `keys` in ascending key order, equal keys in their original order (LSD radix sort, two 16-bit digits). */
function radixOrder(keys: Uint32Array): Uint32Array {
  const p = keys.length;
  let from = new Uint32Array(p);
  for (let i = 0; i < p; i++) from[i] = i;
  let to = new Uint32Array(p);
  const count = new Uint32Array(65537);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let i = 0; i < p; i++) count[((keys[i]! >>> shift) & 0xffff) + 1]!++;
    for (let d = 1; d <= 65536; d++) count[d]! += count[d - 1]!;
    for (let i = 0; i < p; i++) {
      const e = from[i]!;
      to[count[(keys[e]! >>> shift) & 0xffff]!++] = e;
    }
    [from, to] = [to, from];
  }
  return from;
}

/** CRC-32 of the file without its checksum field (bytes 0..28, then 32..end). */
function fileCrc(bytes: Uint8Array): number {
  return crc32(bytes.subarray(HEADER), crc32(bytes.subarray(0, CRC_AT)));
}

/** The invariants searches rely on (docs/format/sparse-index.md, "Checks"). */
function check(n: number, lengths: Float32Array, terms: Uint32Array, offsets: Uint32Array, rows: Uint32Array, values: Float32Array, maxValues: Float32Array): void {
  const t = terms.length;
  if (offsets[0] !== 0 || offsets[t] !== rows.length) throw corrupt(`offsets run from ${offsets[0]} to ${offsets[t]}, not from 0 to the posting count ${rows.length}`);
  const sums = new Float64Array(n);
  for (let k = 0; k < t; k++) {
    const term = terms[k]!;
    if (term > MAX_TERM) throw corrupt(`term ${term} is out of the sparse index range [0, ${MAX_TERM}]`);
    if (k > 0 && term <= terms[k - 1]!) throw corrupt(`terms are not strictly ascending (${terms[k - 1]} then ${term} at slot ${k})`);
    const from = offsets[k]!;
    const to = offsets[k + 1]!;
    if (to <= from || to > rows.length) throw corrupt(`term ${term}: posting range [${from}, ${to}) is empty or past the ${rows.length} postings`);
    let max = -Infinity;
    for (let j = from; j < to; j++) {
      const r = rows[j]!;
      if (r >= n) throw corrupt(`term ${term}: row ${r} is not below the row count ${n}`);
      if (j > from && r <= rows[j - 1]!) throw corrupt(`term ${term}: rows are not strictly ascending (${rows[j - 1]} then ${r})`);
      const v = values[j]!;
      if (!Number.isFinite(v)) throw corrupt(`term ${term}, row ${r}: value ${v} is not finite`);
      if (v > max) max = v;
      // terms ascending, so each row's values are added in the order its vector lists them
      sums[r]! += v;
    }
    if (maxValues[k] !== max) throw corrupt(`term ${term}: max value ${maxValues[k]} differs from its postings' ${max}`);
  }
  for (let r = 0; r < n; r++) {
    if (lengths[r] !== Math.fround(sums[r]!)) throw corrupt(`row ${r}: length ${lengths[r]} differs from the sum of its values ${Math.fround(sums[r]!)}`);
  }
}

const built = new WeakMap<SparseVectorColumn, SparseInvertedIndex>();

/**
 * The postings of a sealed column with no opened index file (a segment written before sparse
 * index files, or whose index is dropped or not built yet): built on first use and kept with
 * the column. An index build reuses them.
 */
export function columnPostings(col: SparseVectorColumn): SparseInvertedIndex {
  let p = built.get(col);
  if (!p) {
    p = SparseInvertedIndex.build(col);
    built.set(col, p);
  }
  return p;
}

/** Forgets the postings built from a column (an index file was opened in their place). */
export function forgetColumnPostings(col: SparseVectorColumn): void {
  built.delete(col);
}
