/**
 * Ingest micro-benchmark (issue 5): the engine CPU of one durable insert batch, stage by
 * stage, in Node on memory storage (no IO), so changes to the write path can be compared
 * without a browser. Per 1,000 × 128-d batch (the browser bench's shape; quick-setup schema:
 * Int64 `id`, FloatVector `vector`, dynamic field on):
 *   - rowsToBatch: row objects → checked columns (vectors as Float32Array, as the engine
 *     worker receives them, and as number[], as JSON clients send them);
 *   - WAL encode / decode: the insert record as written to and replayed from the WAL;
 *   - growing append: GrowingSegment.append (columns + timestamps + pk index);
 *   - client insert: the whole `VesperClient.insert` on `memory://` (task, routing, WAL
 *     append, last-write-wins apply).
 * Each figure is the median over rounds of the mean per batch across all batches of a round.
 * `npx tsx bench/index.ts ingest [--batches=N] [--rounds=N] [--dim=N] [--batch=N]`.
 */
import { VesperClient } from '../../packages/core/src/client/vesper-client.ts';
import { normalizeSchema } from '../../packages/core/src/schema/normalize.ts';
import { rowsToBatch, type Row, type RowBatch } from '../../packages/core/src/schema/row-batch.ts';
import { GrowingSegment } from '../../packages/core/src/segments/growing-segment.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { decodeWalRecord, encodeWalRecord, type InsertRecord } from '../../packages/core/src/wal/wal-record.ts';

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Per round, the mean ms per batch; summarized as the median and the best round. */
interface Timing {
  readonly median: number;
  readonly best: number;
}

function summarize(means: readonly number[]): Timing {
  return { median: median(means), best: Math.min(...means) };
}

/** The mean ms per call of `fn(b)` over every batch b, per round (round -1 warms the JIT up and is not counted). */
async function perBatch(rounds: number, batches: number, fn: (b: number, round: number) => unknown): Promise<Timing> {
  const means: number[] = [];
  for (let r = -1; r < rounds; r++) {
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      const out = fn(b, r);
      if (out instanceof Promise) await out;
    }
    if (r >= 0) means.push((performance.now() - t0) / batches);
  }
  return summarize(means);
}

export default async function ingestBench(argv: string[]): Promise<string> {
  const num = (name: string, d: number): number => Number(argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? d);
  const batches = num('batches', 50);
  const rounds = num('rounds', 7);
  const dim = num('dim', 128);
  const size = num('batch', 1000);
  const schema = normalizeSchema({ collection_name: 'v', dimension: dim });
  const rnd = new Random(7);
  const f32Rows: Row[][] = [];
  const arrRows: Row[][] = [];
  for (let b = 0; b < batches; b++) {
    const f: Row[] = [];
    const a: Row[] = [];
    for (let i = 0; i < size; i++) {
      const v = new Float32Array(dim);
      for (let j = 0; j < dim; j++) v[j] = rnd.next() * 2 - 1;
      f.push({ id: b * size + i, vector: v });
      a.push({ id: b * size + i, vector: Array.from(v) });
    }
    f32Rows.push(f);
    arrRows.push(a);
  }

  const toBatchF32 = await perBatch(rounds, batches, (b) => rowsToBatch(schema, f32Rows[b]!));
  const toBatchArr = await perBatch(rounds, batches, (b) => rowsToBatch(schema, arrRows[b]!));
  const rowBatches: RowBatch[] = f32Rows.map((rows) => rowsToBatch(schema, rows));
  const record = (b: number): InsertRecord => ({ type: 'insert', collectionId: 1, partitionId: 1, ts: BigInt(b + 1) << 18n, upsert: false, batch: rowBatches[b]! });
  const encode = await perBatch(rounds, batches, (b) => encodeWalRecord(record(b), schema));
  const encoded = rowBatches.map((_, b) => encodeWalRecord(record(b), schema));
  const decode = await perBatch(rounds, batches, (b) => decodeWalRecord(encoded[b]!, schema));
  let seg: GrowingSegment | undefined;
  const append = await perBatch(rounds, batches, (b) => {
    if (b === 0) seg = new GrowingSegment(1, 1, 0, schema, 0);
    seg!.append(rowBatches[b]!, BigInt(b + 1) << 18n);
  });

  // The whole insert: a fresh in-memory database per round, every batch inserted once.
  const clientMeans: number[] = [];
  for (let r = -1; r < rounds; r++) {
    const db = await VesperClient.open({ storage: 'memory://' });
    await db.createCollection({ collection_name: 'v', dimension: dim });
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) await db.insert({ collection_name: 'v', data: f32Rows[b]! });
    if (r >= 0) clientMeans.push((performance.now() - t0) / batches);
    await db.close();
  }
  const client = summarize(clientMeans);

  const ms = (x: Timing): string => `${x.median.toFixed(3)} ms | ${x.best.toFixed(3)} ms`;
  const lines = [
    '## Ingest (engine CPU per batch)',
    '',
    `Node ${process.version}, memory storage, ${batches} batches of ${size.toLocaleString('en')} × ${dim}-d (quick-setup schema, dynamic field on); per round the mean time per batch, over ${rounds} rounds the median and the best (noise only ever slows a round). \`npx tsx bench/index.ts ingest\` (bench/suites/ingest.ts).`,
    '',
    '| stage | per batch, median | best |',
    '|---|---:|---:|',
    `| rowsToBatch, Float32Array vectors | ${ms(toBatchF32)} |`,
    `| rowsToBatch, number[] vectors | ${ms(toBatchArr)} |`,
    `| WAL encode (Arrow IPC) | ${ms(encode)} |`,
    `| WAL decode (replay) | ${ms(decode)} |`,
    `| growing append | ${ms(append)} |`,
    `| \`VesperClient.insert\`, memory:// (whole write path) | ${ms(client)} |`,
    '',
    `Whole write path: ${Math.round((size / client.median) * 1000).toLocaleString('en')} vectors/s (median), ${Math.round((size / client.best) * 1000).toLocaleString('en')} (best).`,
    '',
  ];
  return lines.join('\n');
}
