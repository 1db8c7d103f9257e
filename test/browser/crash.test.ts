/**
 * Crash durability in Chromium: batches are inserted (with flushes mixed in, so segment files
 * are being written to OPFS) and the engine worker is terminated — as a closed tab or a killed
 * worker would end it — at a seeded random moment. Reopening in a new worker must show every
 * acknowledged batch complete, the batch in flight either complete or absent, and nothing
 * else. Many trials per run; the seed is in the title (VESPER_SEED reproduces a run). Small
 * batches travel as rows and make small WAL entries; the large trials send 128-d Float32Array
 * batches of 150-400 rows, which travel packed (row-packing.ts) and are stored as Blobs.
 */
import { describe, expect, it } from 'vitest';
import { DataType, Random, VesperError } from '@vesper/core';
import { openDatabase, type BrowserDatabase } from '../../packages/browser/src/index.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();
const TRIALS = 12;
const LARGE_TRIALS = 4;
const engine = { sealPolicy: { maxRows: 60, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 } };
interface Shape {
  readonly dim: number;
  readonly minRows: number;
  readonly maxRows: number;
}
const SMALL: Shape = { dim: 4, minRows: 1, maxRows: 40 };
const LARGE: Shape = { dim: 128, minRows: 150, maxRows: 400 };
const fieldsOf = (dim: number) => [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'vector', data_type: DataType.FloatVector, dim },
  { name: 'batch', data_type: DataType.Int64 },
];

function vectorOf(shape: Shape, b: number, size: number, rng: Random): number[] | Float32Array {
  if (shape.dim === 4) return [b, size, rng.next(), 1];
  const v = new Float32Array(shape.dim);
  for (let i = 0; i < v.length; i++) v[i] = rng.next();
  v[0] = b;
  return v;
}

interface Outcome {
  sizes: Map<number, number>;
  acked: Set<number>;
  inFlight: number | undefined;
}

/** Inserts batches until the worker is terminated `killAfterMs` after the first insert. */
async function workload(db: BrowserDatabase, rng: Random, killAfterMs: number, shape: Shape): Promise<Outcome> {
  const out: Outcome = { sizes: new Map(), acked: new Set(), inFlight: undefined };
  let nextId = 0;
  setTimeout(() => db.terminate(), killAfterMs);
  for (let b = 0; ; b++) {
    const size = rng.range(shape.minRows, shape.maxRows);
    const rows = Array.from({ length: size }, () => ({ id: nextId++, vector: vectorOf(shape, b, size, rng), batch: b }));
    out.sizes.set(b, size);
    out.inFlight = b;
    try {
      await db.insert({ collection_name: 'c', data: rows });
      out.acked.add(b);
      out.inFlight = undefined;
      if (rng.bool(0.2)) await db.flush({ collection_names: ['c'] });
    } catch (err) {
      expect(err).toBeInstanceOf(VesperError);
      expect((err as VesperError).error).toBe('SERVICE_UNAVAILABLE');
      return out;
    }
  }
}

/** Runs `count` crash trials of `shape` and checks every acknowledged batch survived whole. */
async function trials(rng: Random, count: number, shape: Shape): Promise<void> {
  let partialSeen = 0;
  const fields = fieldsOf(shape.dim);
  for (let trial = 0; trial < count; trial++) {
    const url = `opfs://${freshName('crash')}`;
    const db = await openDatabase(url, { engine });
    await db.createCollection({ collection_name: 'c', fields: fields as never });
    await db.loadCollection({ collection_name: 'c' });
    const outcome = await workload(db, rng, rng.range(5, 250), shape);
    const reopened = await openDatabase(url, { engine });
    const res = await reopened.query({ collection_name: 'c', filter: 'id >= 0', output_fields: ['batch'], consistency_level: 'Strong' });
    const counts = new Map<number, number>();
    for (const row of res.data) counts.set(Number(row['batch']), (counts.get(Number(row['batch'])) ?? 0) + 1);
    const where = `seed ${seed}, ${shape.dim}-d trial ${trial}`;
    for (const b of outcome.acked) expect(counts.get(b), `${where}: acknowledged batch ${b}`).toBe(outcome.sizes.get(b));
    for (const [b, n] of counts) {
      if (outcome.acked.has(b)) continue;
      expect(b, `${where}: batch ${b} was never sent`).toBe(outcome.inFlight);
      expect(n, `${where}: in-flight batch ${b} is partial`).toBe(outcome.sizes.get(b));
      partialSeen++;
    }
    // the reopened database keeps working after the crash
    await reopened.insert({ collection_name: 'c', data: [{ id: 1e9, vector: new Array<number>(shape.dim).fill(0), batch: -1 }] });
    expect((await reopened.count({ collection_name: 'c', consistency_level: 'Strong' })).data).toBe(res.data.length + 1);
    await reopened.close();
  }
  console.log(`crash test seed ${seed}: ${count} ${shape.dim}-d trials, ${partialSeen} in-flight batches landed whole`);
}

describe(`crash: worker terminated at random points (seed ${seed})`, () => {
  it(`keeps every acknowledged batch and no partial one (${TRIALS} trials)`, async () => {
    await trials(new Random(seed), TRIALS, SMALL);
  });
  it(`does the same for large Float32Array batches (${LARGE_TRIALS} trials)`, async () => {
    await trials(new Random(seed ^ 0x1a), LARGE_TRIALS, LARGE);
  });
});
