/**
 * The container every serialized vector index uses (docs/format/vector-index.md): a fixed
 * 16-byte preamble (magic, format version, required feature flags, header length), a JSON
 * header (index type, metric, dim, count, params, section table) and 16-byte-aligned binary
 * sections copied straight from (and back into) WASM memory, so opening never rebuilds.
 * Readers reject unknown versions and unknown feature flags (FORMAT_UNSUPPORTED) and
 * truncated or inconsistent files (FORMAT_CORRUPT). Maps to knowhere's BinarySet.
 */
import { VesperError } from '../errors/index.ts';

export const INDEX_MAGIC = 0x58505356; // "VSPX" little-endian
export const INDEX_FORMAT_VERSION = 1;

/** Feature flags (a reader must understand every bit that is set). */
export const FLAG_NORMALIZED = 1; // COSINE: stored vectors are unit length
export const FLAG_HNSW_INTERLEAVED = 2; // HNSW level 0: vectors beside adjacency lists
export const FLAG_SQ8_PER_DIM = 4; // IVF_SQ8: per-dimension min/scale codebook
export const FLAG_HNSW_SQ8 = 8; // HNSW_SQ level 0: SQ8 codes beside adjacency lists, f32 vectors apart
export const FLAG_BLOCK_RERANK = 16; // IVF_PQ: full-precision vectors in checksummed blocks, read by range
export const KNOWN_FLAGS = FLAG_NORMALIZED | FLAG_HNSW_INTERLEAVED | FLAG_SQ8_PER_DIM | FLAG_HNSW_SQ8 | FLAG_BLOCK_RERANK;

export interface IndexHeader {
  readonly indexType: string;
  readonly metricType: string;
  readonly dim: number;
  readonly count: number;
  readonly elementType: number;
  readonly params: Record<string, number>;
  readonly [extra: string]: unknown;
}

interface SectionEntry {
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

export function writeIndexFile(header: IndexHeader, flags: number, sections: Record<string, Uint8Array>): Uint8Array {
  const names = Object.keys(sections);
  // offsets depend on the header length, which depends on the offsets: fix the header size first
  const table: SectionEntry[] = names.map((name) => ({ name, offset: 0, length: sections[name]!.byteLength }));
  let json = new TextEncoder().encode(JSON.stringify({ ...header, sections: table }));
  const dataStart = pad16(16 + json.length + 64);
  let off = dataStart;
  const placed = table.map((s) => {
    const e = { ...s, offset: off };
    off = pad16(off + s.length);
    return e;
  });
  json = new TextEncoder().encode(JSON.stringify({ ...header, sections: placed }));
  if (16 + json.length > dataStart) throw new VesperError('INTERNAL', 'index header grew while placing sections');
  const out = new Uint8Array(off);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, INDEX_MAGIC, true);
  dv.setUint16(4, INDEX_FORMAT_VERSION, true);
  dv.setUint16(6, 0, true);
  dv.setUint32(8, flags, true);
  dv.setUint32(12, json.length, true);
  out.set(json, 16);
  out.fill(0x20, 16 + json.length, dataStart); // JSON whitespace padding
  for (const s of placed) out.set(sections[s.name]!, s.offset);
  return out;
}

export interface IndexFile {
  readonly header: IndexHeader;
  readonly flags: number;
  section(name: string): Uint8Array;
}

export function readIndexFile(bytes: Uint8Array, expectType?: string): IndexFile {
  if (bytes.byteLength < 16) throw new VesperError('FORMAT_CORRUPT', `vector index file too short (${bytes.byteLength} bytes)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== INDEX_MAGIC) throw new VesperError('FORMAT_CORRUPT', 'not a Vesper vector index file (bad magic)');
  const version = dv.getUint16(4, true);
  if (version !== INDEX_FORMAT_VERSION) {
    throw new VesperError('FORMAT_UNSUPPORTED', `vector index format version ${version} is not supported (this build reads ${INDEX_FORMAT_VERSION})`);
  }
  const flags = dv.getUint32(8, true);
  if ((flags & ~KNOWN_FLAGS) !== 0) {
    throw new VesperError('FORMAT_UNSUPPORTED', `vector index uses unknown feature flags 0x${(flags & ~KNOWN_FLAGS).toString(16)}`);
  }
  const hlen = dv.getUint32(12, true);
  if (16 + hlen > bytes.byteLength) throw new VesperError('FORMAT_CORRUPT', 'vector index header is truncated');
  let parsed: IndexHeader & { sections: SectionEntry[] };
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + hlen))) as IndexHeader & { sections: SectionEntry[] };
  } catch (e) {
    throw new VesperError('FORMAT_CORRUPT', 'vector index header is not valid JSON', undefined, { cause: e });
  }
  const whole = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  if (parsed === null || typeof parsed !== 'object' || !whole(parsed.dim) || !whole(parsed.count) || !Array.isArray(parsed.sections)
    || typeof parsed.params !== 'object' || parsed.params === null) {
    throw new VesperError('FORMAT_CORRUPT', 'vector index header lacks a valid dim, count, params or section table');
  }
  if (expectType !== undefined && parsed.indexType !== expectType) {
    throw new VesperError('FORMAT_CORRUPT', `expected a ${expectType} index file, found ${parsed.indexType}`);
  }
  const byName = new Map(parsed.sections.map((s) => [s.name, s]));
  return {
    header: parsed,
    flags,
    section(name: string): Uint8Array {
      const s = byName.get(name);
      if (s === undefined || s.offset + s.length > bytes.byteLength) {
        throw new VesperError('FORMAT_CORRUPT', `vector index section '${name}' is missing or truncated`);
      }
      return bytes.subarray(s.offset, s.offset + s.length);
    },
  };
}

/** Where a section of an index file lies. */
export interface SectionPlace {
  readonly offset: number;
  readonly length: number;
}

/** An index file's preamble and header read by range: its header, flags and where each section lies. */
export interface IndexHead {
  readonly header: IndexHeader;
  readonly flags: number;
  /** @throws FORMAT_CORRUPT when the section is not in the table (a read past the end of the file is the reader's to detect: it comes back short) */
  place(name: string): SectionPlace;
}

/**
 * Reads an index file's preamble and header by range (two reads), with every check
 * `readIndexFile` makes of them; sections are left to the caller to read.
 * @throws IO_KEY_NOT_FOUND when the file is missing; FORMAT_CORRUPT / FORMAT_UNSUPPORTED as `readIndexFile`
 */
export async function readIndexHead(source: { readonly id: string; getRange(offset: number, length: number): Promise<Uint8Array | undefined> }, expectType?: string): Promise<IndexHead> {
  const missing = (): VesperError => new VesperError('IO_KEY_NOT_FOUND', `vector index file ${source.id} is missing`);
  const pre = await source.getRange(0, 16);
  if (pre === undefined) throw missing();
  if (pre.byteLength < 16) throw new VesperError('FORMAT_CORRUPT', `vector index file too short (${pre.byteLength} bytes)`);
  const hlen = new DataView(pre.buffer, pre.byteOffset, 16).getUint32(12, true);
  const head = await source.getRange(0, 16 + hlen);
  if (head === undefined) throw missing();
  const f = readIndexFile(head, expectType);
  const table = new Map<string, SectionPlace>();
  for (const e of f.header['sections'] as unknown[]) {
    const s = e as Partial<SectionEntry> | null;
    if (typeof s?.name !== 'string' || !Number.isSafeInteger(s.offset) || !Number.isSafeInteger(s.length) || s.offset! < 0 || s.length! < 0) {
      throw new VesperError('FORMAT_CORRUPT', `${f.header.indexType} index file: bad section table entry`);
    }
    table.set(s.name, { offset: s.offset!, length: s.length! });
  }
  return {
    header: f.header,
    flags: f.flags,
    place(name: string): SectionPlace {
      const s = table.get(name);
      if (s === undefined) throw new VesperError('FORMAT_CORRUPT', `vector index section '${name}' is missing`);
      return s;
    },
  };
}

/**
 * A known flag that does not belong to this kind of file (or a missing one that does) means
 * the bytes would be misread: the file is corrupt, not merely newer.
 * @throws FORMAT_CORRUPT when `flags` differs from what the writer of `indexType` sets.
 */
export function expectFlags(flags: number, expected: number, indexType: string, metric: string): void {
  if (flags !== expected) {
    throw new VesperError('FORMAT_CORRUPT', `${indexType} index file (${metric}) has feature flags 0x${flags.toString(16)}, its writer sets 0x${expected.toString(16)}`);
  }
}

/** @throws FORMAT_CORRUPT when a section does not hold exactly `expected` bytes. */
export function sectionLength(name: string, bytes: Uint8Array, expected: number): void {
  if (bytes.byteLength !== expected) {
    throw new VesperError('FORMAT_CORRUPT', `vector index section '${name}' holds ${bytes.byteLength} bytes, expected ${expected}`);
  }
}

/** Reads the index type of a serialized index without opening it. */
export function peekIndexType(bytes: Uint8Array): string {
  return readIndexFile(bytes).header.indexType;
}

function pad16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
