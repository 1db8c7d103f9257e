/**
 * The bytes we persist do not change unless we mean them to (docs/format/ is the contract):
 * every format — insert log, delete log, WAL insert and delete records, manifest, each vector
 * index type, each scalar index type, the sparse inverted index — encodes a fixed input to a recorded length and CRC-32,
 * and those bytes decode or open back to the same values. The insert log and WAL batch are a
 * fixed batch of every common type (nulls, defaults, non-ASCII text, dynamic fields,
 * typed-array and number[] vectors, Int64 given as number and bigint); their goldens were
 * taken from the original encoder (apache-arrow's tableToIPC, row-by-row conversion). A
 * version-1 WAL record (before the flags word) still decodes: it is rebuilt from a version-2
 * record and must equal, byte for byte, what the version-1 writer produced.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema, type FieldInput } from '../schema/normalize.ts';
import { rowsToBatch, type Row } from '../schema/row-batch.ts';
import { valueAt } from '../schema/column-ops.ts';
import { crc32 } from '../util/crc32.ts';
import { decodeWalRecord, encodeWalRecord, type DeleteRecord, type InsertRecord } from '../wal/wal-record.ts';
import { MemoryObjectStore } from '../adapters/memory-object-store.ts';
import { decodeDeltaLog, encodeDeltaLog } from '../segments/delta-log.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { getIndexFactory, openIndex } from '../index/index.ts';
import { INDEX_MAGIC, readIndexFile } from '../index/index-format.ts';
import { buildScalarIndex, openScalarIndex, SCALAR_INDEX_TYPES } from '../expr/index.ts';
import { SparseInvertedIndex } from '../index/sparse-inverted-index.ts';
import type { Column } from '../schema/columns.ts';
import { decodeBatch, encodeBatch, encodeBatchParts, joinParts } from './batch-file.ts';
import { readInsertColumns } from './insert-log-reader.ts';
import { joinWithTrailer } from './batch-trailer.ts';
import { keys } from './keys.ts';
import { ManifestStore, parseManifest, type Manifest } from './manifest.ts';

const GOLDEN_FIELDS: FieldInput[] = [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'b', data_type: DataType.Bool, nullable: true },
  { name: 'i8', data_type: DataType.Int8 },
  { name: 'i16', data_type: DataType.Int16, default_value: 7 },
  { name: 'i32', data_type: DataType.Int32, nullable: true },
  { name: 'f', data_type: DataType.Float },
  { name: 'd', data_type: DataType.Double },
  { name: 's', data_type: DataType.VarChar, max_length: 32, nullable: true },
  { name: 'j', data_type: DataType.JSON, nullable: true },
  { name: 'a', data_type: DataType.Array, element_type: DataType.Int64, max_capacity: 4 },
  { name: 'fv', data_type: DataType.FloatVector, dim: 5 },
  { name: 'hv', data_type: DataType.Float16Vector, dim: 2 },
  { name: 'bv', data_type: DataType.BFloat16Vector, dim: 2 },
  { name: 'xv', data_type: DataType.BinaryVector, dim: 16 },
];

function goldenRows(n: number): Row[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i % 3 === 0 ? i * 1000003 : BigInt(i) - 9007199254740993n,
    b: i % 4 === 1 ? null : i % 2 === 0,
    i8: (i % 256) - 128,
    ...(i % 5 === 0 ? {} : { i16: 32767 - i }),
    i32: i % 7 === 2 ? null : -2147483648 + i * 7919,
    f: Math.fround(1.5 + i / 3),
    d: Math.PI * i,
    s: i % 6 === 0 ? null : i % 5 === 1 ? `héllo${i}` : `id-${i}`,
    j: i % 4 === 3 ? null : i % 3 === 0 ? { k: i, nested: [1, 'two', { x: null }] } : i % 3 === 1 ? 'text' : [i],
    a: [BigInt(i), 2n ** 60n].slice(0, i % 3),
    fv: i % 2 === 0 ? Array.from({ length: 5 }, (_, k) => (i * 5 + k) / 7 - 3) : Float32Array.from({ length: 5 }, (_, k) => (i * 5 + k) / 7 - 3),
    hv: [0.5, -i],
    bv: [1.5, i],
    xv: [i % 256, 255 - (i % 256)],
    ...(i % 2 === 1 ? { extra: i, more: { deep: [i] } } : {}),
  }));
}

/** The insert log with its column directory (feature column-directory). */
const GOLDEN_INSERT = { length: 8825, crc: '9c08bc9' };

const goldenSchema = normalizeSchema({ collection_name: 'golden', enable_dynamic_field: true, fields: GOLDEN_FIELDS });

describe('persisted bytes are unchanged', () => {
  it('an insert log encodes to the golden bytes and decodes back, whole and by range', async () => {
    const batch = rowsToBatch(goldenSchema, goldenRows(40));
    const bytes = encodeBatch('insert', goldenSchema.fields, batch.columns, batch.count, { 'vesper.segment': '7' });
    expect({ length: bytes.length, crc: crc32(bytes).toString(16) }).toEqual({ length: GOLDEN_INSERT.length, crc: GOLDEN_INSERT.crc });
    // the documented trailer: u64 length of what precedes it, u32 CRC-32 of those bytes then the flags word, u32 flags (1: column directory), "VSPRSUM1"
    const t = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 24, 24);
    expect(t.getBigUint64(0, true)).toBe(BigInt(bytes.length - 24));
    expect(t.getUint32(8, true)).toBe(crc32(bytes.subarray(bytes.length - 12, bytes.length - 8), crc32(bytes.subarray(0, bytes.length - 24))));
    expect(t.getUint32(12, true)).toBe(1);
    expect(new TextDecoder().decode(bytes.subarray(bytes.length - 8))).toBe('VSPRSUM1');
    // the documented directory tail: u64 Arrow length, u32 section length, u32 CRC-32 of the section before it; the Arrow file ends with its magic
    const end = bytes.length - 24;
    const d = new DataView(bytes.buffer, bytes.byteOffset + end - 16, 16);
    const arrowLength = Number(d.getBigUint64(0, true));
    const sectionLength = d.getUint32(8, true);
    expect(arrowLength + sectionLength).toBe(end);
    expect(d.getUint32(12, true)).toBe(crc32(bytes.subarray(arrowLength, end - 4)));
    expect(new TextDecoder().decode(bytes.subarray(arrowLength - 6, arrowLength))).toBe('ARROW1');
    const sec = new DataView(bytes.buffer, bytes.byteOffset + arrowLength, 8);
    expect([sec.getUint32(0, true), sec.getUint32(4, true)]).toEqual([4096, goldenSchema.fields.length]);
    // the version before the directory (trailer only) and before the trailer (Arrow only): their golden bytes, still read
    const prev = encodeBatchParts('insert', goldenSchema.fields, batch.columns, batch.count, { 'vesper.segment': '7' }, ['crc32-trailer']);
    const prevBytes = joinWithTrailer(prev.parts, prev.byteLength);
    expect({ length: prevBytes.length, crc: crc32(prevBytes).toString(16) }).toEqual({ length: 7690, crc: '6b7992b2' });
    const old = encodeBatchParts('insert', goldenSchema.fields, batch.columns, batch.count, { 'vesper.segment': '7' });
    const oldBytes = joinParts(old.parts, old.byteLength, 0);
    expect({ length: oldBytes.length, crc: crc32(oldBytes).toString(16) }).toEqual({ length: 7658, crc: '58f820a7' });
    const objects = new MemoryObjectStore();
    for (const [i, file] of [bytes, prevBytes, oldBytes].entries()) {
      await objects.put(`f${i}`, file);
      const back = decodeBatch(file, goldenSchema.fields, 'insert');
      const ranged = await readInsertColumns(objects, `f${i}`, goldenSchema.fields);
      for (const f of goldenSchema.fields) {
        for (let r = 0; r < batch.count; r++) {
          expect(valueAt(back.columns.get(f.name)!, r), `${f.name}[${r}]`).toEqual(valueAt(batch.columns.get(f.name)!, r));
          expect(valueAt(ranged.columns.get(f.name)!, r), `${f.name}[${r}] by range`).toEqual(valueAt(batch.columns.get(f.name)!, r));
        }
      }
    }
  });

  it('a WAL insert record encodes to the golden bytes and decodes back', () => {
    const batch = rowsToBatch(goldenSchema, goldenRows(40));
    const bytes = encodeWalRecord({ type: 'insert', collectionId: 3, partitionId: 4, ts: 123456789012n, upsert: false, batch }, goldenSchema);
    expect(golden(bytes)).toEqual({ length: 7689, crc: '9df4888b' });
    const back = decodeWalRecord(bytes, goldenSchema) as InsertRecord;
    expect(back.batch.count).toBe(40);
    for (const f of goldenSchema.fields) {
      for (let r = 0; r < batch.count; r++) {
        expect(valueAt(back.batch.columns.get(f.name)!, r), `${f.name}[${r}]`).toEqual(valueAt(batch.columns.get(f.name)!, r));
      }
    }
  });

  it('WAL records decode at every alignment of their Arrow body', () => {
    // the JSON header's length moves the body's start; decoded columns may be views of it
    const batch = rowsToBatch(goldenSchema, goldenRows(9));
    const values = (cols: ReadonlyMap<string, Parameters<typeof valueAt>[0]>) =>
      goldenSchema.fields.map((f) => Array.from({ length: batch.count }, (_, r) => valueAt(cols.get(f.name)!, r)));
    const want = values(batch.columns);
    for (const partitionId of [1, 22, 333, 4444, 55555, 666666, 7777777, 88888888]) {
      const rec = decodeWalRecord(encodeWalRecord({ type: 'insert', collectionId: 1, partitionId, ts: 5n, upsert: true, batch }, goldenSchema), goldenSchema) as InsertRecord;
      expect(rec.partitionId).toBe(partitionId);
      expect(values(rec.batch.columns), `partition ${partitionId}`).toEqual(want);
    }
  });
});

const golden = (bytes: Uint8Array): { length: number; crc: string } => ({ length: bytes.length, crc: crc32(bytes).toString(16) });
const u32 = (b: Uint8Array, at: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(at, true);

/** A version-1 record: the version-2 record without its reserved and flags words. */
function asVersion1(v2: Uint8Array): Uint8Array {
  const out = new Uint8Array(v2.length - 6);
  out.set(v2.subarray(0, 6), 0);
  out[4] = 1;
  out.set(v2.subarray(12), 6);
  return out;
}

describe('WAL records: the documented layout, and version 1 still decodes', () => {
  it('a version-2 record is magic, version, type, reserved, flags, header length, header, body', () => {
    const batch = rowsToBatch(goldenSchema, goldenRows(40));
    const bytes = encodeWalRecord({ type: 'insert', collectionId: 3, partitionId: 4, ts: 123456789012n, upsert: false, batch }, goldenSchema);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x56, 0x57, 0x41, 0x4c, 2, 1, 0, 0]);
    expect(u32(bytes, 8)).toBe(0);
    const h = u32(bytes, 12);
    expect(JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + h)))).toEqual({ c: 3, p: 4, ts: '123456789012', upsert: false, n: 40 });
    // the Arrow body follows the header directly
    expect(new TextDecoder().decode(bytes.subarray(16 + h, 16 + h + 6))).toBe('ARROW1');
  });

  it('the version-1 bytes of the golden batch are the ones the version-1 writer produced, and decode', () => {
    const batch = rowsToBatch(goldenSchema, goldenRows(40));
    const v1 = asVersion1(encodeWalRecord({ type: 'insert', collectionId: 3, partitionId: 4, ts: 123456789012n, upsert: false, batch }, goldenSchema));
    expect(golden(v1)).toEqual({ length: 7683, crc: '930e7de6' }); // recorded before version 2 existed
    const back = decodeWalRecord(v1, goldenSchema) as InsertRecord;
    expect([back.collectionId, back.partitionId, back.ts, back.batch.count]).toEqual([3, 4, 123456789012n, 40]);
    for (const f of goldenSchema.fields) {
      for (let r = 0; r < batch.count; r++) {
        expect(valueAt(back.batch.columns.get(f.name)!, r), `${f.name}[${r}]`).toEqual(valueAt(batch.columns.get(f.name)!, r));
      }
    }
  });

  it('a delete record encodes to the golden bytes and decodes back (both versions)', () => {
    const pks = [0n, -1n, 9223372036854775807n, -9223372036854775808n, 42n];
    const rec: DeleteRecord = { type: 'delete', collectionId: 12, partitionId: -1, ts: 449912345678901234n, pks };
    const bytes = encodeWalRecord(rec, goldenSchema);
    expect(golden(bytes)).toEqual({ length: 154, crc: '16a495c2' });
    expect(decodeWalRecord(bytes, goldenSchema)).toEqual(rec);
    expect(decodeWalRecord(asVersion1(bytes), goldenSchema)).toEqual(rec);
    const strings: DeleteRecord = { type: 'delete', collectionId: 1, partitionId: 2, ts: 3n, pks: ['', 'héllo', '\u{1F600}', '"quoted"'] };
    const sBytes = encodeWalRecord(strings, goldenSchema);
    expect(golden(sBytes)).toEqual({ length: 102, crc: 'f3941947' });
    expect(decodeWalRecord(sBytes, goldenSchema)).toEqual(strings);
  });
});

describe('delete logs and manifests', () => {
  it('a delete log (Int64 and VarChar keys) encodes to the golden bytes and decodes back', () => {
    const deletes = [
      { pk: 5n, ts: 449912345678901234n },
      { pk: -9223372036854775808n, ts: 1n },
      { pk: 9223372036854775807n, ts: 449912345678901300n },
    ];
    const pk = goldenSchema.fields[0]!;
    const bytes = encodeDeltaLog(pk, deletes, 40);
    expect(golden(bytes)).toEqual({ length: 818, crc: 'ed8409c4' });
    expect(decodeDeltaLog(pk, bytes)).toEqual(deletes);
    const vpk = normalizeSchema({ collection_name: 'v', fields: [
      { name: 'key', data_type: DataType.VarChar, max_length: 16, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ] }).fields[0]!;
    const sdel = [{ pk: 'a', ts: 7n }, { pk: 'héllo', ts: 8n }, { pk: '', ts: 9n }];
    const sBytes = encodeDeltaLog(vpk, sdel, 41);
    expect(golden(sBytes)).toEqual({ length: 826, crc: 'cf5972fa' });
    expect(decodeDeltaLog(vpk, sBytes)).toEqual(sdel);
  });

  it('a manifest commits to the golden bytes, and one written before the flags existed still opens', async () => {
    const m: Manifest = {
      format: 1, readerFlags: 0, writerFlags: 0, version: 7, collectionId: 12,
      segments: [{
        id: 40, partitionId: 14, shard: 0, rows: 1000, level: 0,
        insertLog: 'c12/s40/insert.arrow', deltaLogs: ['c12/s40/delta-00000003.arrow'],
        indexes: [{ field: 'vector', indexName: 'vector', indexId: 15, indexType: 'HNSW', metricType: 'L2', key: 'c12/s40/index-vector-15.bin', bytes: 812345 }],
        minTs: '449912345678901234', maxTs: '449912345678909999',
      }],
      checkpoints: { '0': 1532, '1': 1498 },
      nextSeq: 4,
    };
    const store = new MemoryObjectStore();
    await new ManifestStore(store).commit(m);
    const key = keys.manifest(12, 7);
    expect(key).toBe('c12/manifest/9007199254740984.json');
    const bytes = (await store.get(key))!;
    expect(golden(bytes)).toEqual({ length: 483, crc: '36e6c211' });
    expect(await new ManifestStore(store).latest(12)).toEqual(m);
    const { readerFlags: _r, writerFlags: _w, ...old } = m;
    expect(parseManifest(new TextEncoder().encode(JSON.stringify(old)), 'old')).toEqual(old);
  });
});

describe('index files', () => {
  beforeAll(async () => {
    await loadTestKernels();
  });

  const N = 300;
  const DIM = 16;
  // exact in float32 and the same on every machine (no transcendental functions)
  const floats = Float32Array.from({ length: N * DIM }, (_, i) => (((i * 7919) % 2003) - 1001) / 1024 + ((Math.floor(i / DIM) % 5) * 2));
  const bits = Uint8Array.from({ length: N * (DIM / 8) * 4 }, (_, i) => (i * 151 + (i >> 3) * 29) & 0xff);
  const query = floats.slice(17 * DIM, 18 * DIM);

  const VECTOR_GOLDEN: Record<string, { metric: 'L2' | 'COSINE' | 'IP' | 'HAMMING'; params: Record<string, number>; golden: { length: number; crc: string } }> = {
    FLAT: { metric: 'COSINE', params: {}, golden: { length: 19440, crc: '232124e3' } },
    HNSW: { metric: 'L2', params: { M: 8, efConstruction: 40, seed: 3 }, golden: { length: 42016, crc: '440f4bf5' } },
    HNSW_SQ: { metric: 'L2', params: { M: 8, efConstruction: 40, seed: 3 }, golden: { length: 47040, crc: '2991cdd0' } },
    IVF_FLAT: { metric: 'IP', params: { nlist: 8, seed: 3 }, golden: { length: 21344, crc: '1ddf7592' } },
    IVF_SQ8: { metric: 'L2', params: { nlist: 8, seed: 3 }, golden: { length: 7152, crc: 'e2f37e3c' } },
    BIN_FLAT: { metric: 'HAMMING', params: {}, golden: { length: 2640, crc: '70fb020e' } },
    BIN_IVF_FLAT: { metric: 'HAMMING', params: { nlist: 4, seed: 3 }, golden: { length: 4048, crc: '9ab4fe4' } },
  };

  const SECTIONS: Record<string, readonly string[]> = {
    FLAT: ['vectors'],
    BIN_FLAT: ['vectors'],
    BIN_IVF_FLAT: ['centroids', 'offsets', 'ids', 'codes'],
    HNSW: ['level0', 'levels', 'upper'],
    HNSW_SQ: ['level0', 'levels', 'upper', 'vectors', 'vmin'],
    IVF_FLAT: ['centroids', 'offsets', 'ids', 'vectors'],
    IVF_SQ8: ['centroids', 'offsets', 'ids', 'codes', 'vmin', 'scale'],
  };

  for (const [type, g] of Object.entries(VECTOR_GOLDEN)) {
    it(`${type}: builds to the golden bytes in the documented container, and opens to the same answers`, async () => {
      const binary = type.startsWith('BIN_');
      const column = binary
        ? { type: DataType.BinaryVector as const, length: N, dim: DIM * 4, data: bits }
        : { type: DataType.FloatVector as const, length: N, dim: DIM, data: floats };
      const idx = await getIndexFactory(type).build(column, g.metric, g.params);
      const bytes = idx.serialize();
      expect(golden(bytes), type).toEqual(g.golden);
      // the container as docs/format/vector-index.md describes it
      expect(u32(bytes, 0)).toBe(INDEX_MAGIC);
      expect(Array.from(bytes.subarray(0, 4))).toEqual([0x56, 0x53, 0x50, 0x58]);
      expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(4, true)).toBe(1);
      const h = u32(bytes, 12);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + h))) as { sections: { name: string; offset: number; length: number }[] };
      const first = Math.min(...header.sections.map((s) => s.offset));
      expect(bytes.subarray(16 + h, first).every((b) => b === 0x20), 'spaces between the header and the first section').toBe(true);
      for (const s of header.sections) expect(s.offset % 16, s.name).toBe(0);
      expect(header.sections.map((s) => s.name).sort(), 'the sections docs/format/vector-index.md lists').toEqual([...SECTIONS[type]!].sort());
      expect(readIndexFile(bytes).flags).toBe(u32(bytes, 8));
      const q = binary ? bits.slice(17 * DIM / 2, 18 * DIM / 2) : query;
      const again = await openIndex(bytes);
      expect(again.search(q, 1, 10)).toEqual(idx.search(q, 1, 10));
      expect(golden(again.serialize())).toEqual(g.golden);
    });
  }

  it('scalar indexes (INVERTED, STL_SORT, TRIE, BITMAP) serialize to the golden bytes and open to the same lookups', () => {
    const n = 64;
    const ints: Column = { type: DataType.Int64, length: n, data: BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 37) % 11) - 5n) };
    const strs: Column = { type: DataType.VarChar, length: n, data: Array.from({ length: n }, (_, i) => ['', 'a', 'ab', 'héllo', 'z'][i % 5]!), valid: Uint8Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0 : 1)) };
    const dbl: Column = { type: DataType.Double, length: n, data: Float64Array.from({ length: n }, (_, i) => (i % 9) / 4 - 1) };
    const want: Record<string, { length: number; crc: string }> = {
      INVERTED: { length: 424, crc: '214cb726' },
      STL_SORT: { length: 400, crc: '73258ba8' },
      TRIE: { length: 308, crc: 'db99359f' },
      BITMAP: { length: 308, crc: '3b040b94' },
    };
    const got: Record<string, { length: number; crc: string }> = {};
    for (const type of SCALAR_INDEX_TYPES) {
      const column = type === 'TRIE' ? strs : type === 'STL_SORT' ? dbl : type === 'BITMAP' ? strs : ints;
      const idx = buildScalarIndex(type, column);
      const bytes = idx.serialize();
      got[type] = golden(bytes);
      expect(Array.from(bytes.subarray(0, 8))).toEqual([0x56, 0x53, 0x49, 0x58, 1, 0, 0, 0]);
      const back = openScalarIndex(bytes);
      const lo = column === ints ? -2n : column === dbl ? -0.5 : 'a';
      const hi = column === ints ? 3n : column === dbl ? 0.75 : 'héllo';
      expect(back.lookupRange(lo, true, hi, false), type).toEqual(idx.lookupRange(lo, true, hi, false));
      expect(back.cardinality).toBe(idx.cardinality);
    }
    expect(got).toEqual(want);
  });

  it('a sparse inverted index serializes to the golden bytes (the documented layout) and opens to the same postings', () => {
    // rows 0: {3: 1, 7: 2}, 1: {}, 2: {7: 0.5, 4294967294: 3}
    const column: Column = {
      type: DataType.SparseFloatVector, length: 3, data: [
        { indices: Uint32Array.of(3, 7), values: Float32Array.of(1, 2) },
        { indices: new Uint32Array(0), values: new Float32Array(0) },
        { indices: Uint32Array.of(7, 4294967294), values: Float32Array.of(0.5, 3) },
      ],
    };
    const idx = SparseInvertedIndex.build(column);
    const bytes = idx.serialize();
    const hex = [
      '56535349 0100 0000 00000000 03000000 03000000 04000000 00000000 de4c5aa7', // magic, version, reserved, flags, N, T, P, reserved, CRC-32
      '00004040 00000000 00006040', // row lengths (f32): 3, 0, 3.5
      '03000000 07000000 feffffff', // terms (u32, ascending)
      '00000000 01000000 03000000 04000000', // offsets (u32, T + 1)
      '00000000 00000000 02000000 02000000', // rows (u32): term 3 → [0], term 7 → [0, 2], term 4294967294 → [2]
      '0000803f 00000040 0000003f 00004040', // values (f32): 1, 2, 0.5, 3
      '0000803f 00000040 00004040', // each term's max value (f32): 1, 2, 3
    ].join('').replaceAll(' ', '');
    expect(Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')).toBe(hex);
    expect(golden(bytes)).toEqual({ length: 116, crc: 'f8f70d05' });
    expect(u32(bytes, 28)).toBe(crc32(bytes.subarray(32), crc32(bytes.subarray(0, 28))));
    const back = SparseInvertedIndex.open(bytes);
    expect([back.rowCount, back.totalLength, Array.from(back.lengths), Array.from(back.terms), Array.from(back.offsets), Array.from(back.rows), Array.from(back.values), Array.from(back.maxValues)])
      .toEqual([3, 6.5, [3, 0, 3.5], [3, 7, 4294967294], [0, 1, 3, 4], [0, 0, 2, 2], [1, 2, 0.5, 3], [1, 2, 3]]);
    expect(back.serialize()).toEqual(bytes);
  });
});
