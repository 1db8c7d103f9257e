/**
 * One process of the request-body memory benchmark (bench/suites/body-memory.ts): it runs the
 * edge Worker's handling of one `entities/insert` body of about `mb` MiB — the body streamed in
 * 64 KiB chunks through `readBody`, `JSON.parse`, the checked conversion of every part
 * (`rowChunks` + `rowsToBatch`) and the routing of each part to shards (`routeBatch`) — and
 * prints, as the last line of stdout (JSON), the live JS heap plus ArrayBuffer bytes after a
 * forced collection at each step, while that step's values are still held. The Worker holds
 * the same values for the same request: the body text stays referenced by the REST call (its
 * `source`, for Milvus's REST value forms) until the answer; DO RPC serialization of each part
 * comes on top.
 *
 *   body-memory-child <mb> <dim> <shards> <seed>     (run with --expose-gc)
 */
import { DataType } from '@vesper/core';
import { rowsToBatch, routeBatch, type CollectionInfo, type Row } from '@vesper/core/distributed';
import { normalizeSchema } from '../../packages/core/src/schema/normalize.ts';
import { readBody } from '../../packages/edge/src/limits.ts';
import { rowChunks, WRITE_CHUNK_BYTES } from '../../packages/edge/src/data/write-parts.ts';

const [mbArg, dimArg, shardsArg, seedArg] = process.argv.slice(2);
const mb = Number(mbArg);
const dim = Number(dimArg);
const shards = Number(shardsArg);
let state = Number(seedArg) >>> 0 || 1;
const rand = (): number => {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  return state / 2 ** 32;
};

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
function live(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

// The body, as the client sends it: rows of id + a `dim`-float vector + a short tag, up to `mb` MiB.
function makeBody(): Uint8Array {
  const enc = new TextEncoder();
  const parts: string[] = [];
  let bytes = 0;
  for (let id = 0; bytes < mb * 1024 * 1024; id++) {
    const v = Array.from({ length: dim }, () => Number((rand() * 2 - 1).toFixed(6)));
    const row = JSON.stringify({ id, vector: v, tag: `t${id % 97}` });
    parts.push(row);
    bytes += row.length + 1;
  }
  return enc.encode(`{"collectionName":"c","data":[${parts.join(',')}]}`);
}

const schema = normalizeSchema({
  collection_name: 'c',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim },
    { name: 'tag', data_type: DataType.VarChar, max_length: 64 },
  ],
});
const info = { schema, shardsNum: shards, partitions: [{ id: 1, name: '_default' }], numPartitions: 0 } as unknown as CollectionInfo;

const base = live();
let body: Uint8Array | undefined = makeBody();
const bodyBytes = body.byteLength;
const chunkSize = 64 * 1024;
let at = 0;
const stream = new ReadableStream<Uint8Array>({
  pull(c) {
    if (at >= bodyBytes) return c.close();
    c.enqueue(body!.slice(at, at + chunkSize));
    at += chunkSize;
    if (at >= bodyBytes) body = undefined; // the client's copy is gone once sent
  },
});
const request = new Request('http://x/v2/vectordb/entities/insert', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
const steps: Record<string, number> = {};
const text = await readBody(request, 1 << 30, 'entities/insert');
steps['text'] = live() - base;
const parsed = JSON.parse(text) as { data: Row[] };
steps['text + rows'] = live() - base;
const rows = parsed.data;
const ranges = rowChunks(rows, WRITE_CHUNK_BYTES);
// as DistributedEngine.insert: each part converted, checked and routed; only routed columns kept
const routed = ranges.map(([from, to]) => routeBatch(info, rowsToBatch(schema, rows.slice(from, to)), 1));
steps['text + rows + routed'] = live() - base;
console.log(JSON.stringify({ bodyBytes, textLength: text.length, rows: rows.length, parts: ranges.length, routedParts: routed.reduce((s, r) => s + r.length, 0), steps }));
