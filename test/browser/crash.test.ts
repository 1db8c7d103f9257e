/**
 * Crash durability in Chromium: batches are inserted (with flushes mixed in, so segment files
 * are being written to OPFS) and the engine worker is terminated — as a closed tab or a killed
 * worker would end it — at a seeded random moment. Reopening in a new worker must show every
 * acknowledged batch complete, the batch in flight either complete or absent, and nothing
 * else. Many trials per run; the seed is in the title (VESPER_SEED reproduces a run).
 */
import { describe, expect, it } from 'vitest';
import { DataType, Random, VesperError } from '@vesper/core';
import { openDatabase, type BrowserDatabase } from '../../packages/browser/src/index.ts';
import { browserSeed, freshName } from './browser-helpers.ts';

const seed = browserSeed();
const TRIALS = 12;
const engine = { sealPolicy: { maxRows: 60, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 0, compactDeletedRatio: 1 } };
const fields = [
  { name: 'id', data_type: DataType.Int64, is_primary_key: true },
  { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
  { name: 'batch', data_type: DataType.Int64 },
];

interface Outcome {
  sizes: Map<number, number>;
  acked: Set<number>;
  inFlight: number | undefined;
}

/** Inserts batches until the worker is terminated `killAfterMs` after the first insert. */
async function workload(db: BrowserDatabase, rng: Random, killAfterMs: number): Promise<Outcome> {
  const out: Outcome = { sizes: new Map(), acked: new Set(), inFlight: undefined };
  let nextId = 0;
  setTimeout(() => db.terminate(), killAfterMs);
  for (let b = 0; ; b++) {
    const size = rng.range(1, 40);
    const rows = Array.from({ length: size }, () => ({ id: nextId++, vector: [b, size, rng.next(), 1], batch: b }));
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

describe(`crash: worker terminated at random points (seed ${seed})`, () => {
  it(`keeps every acknowledged batch and no partial one (${TRIALS} trials)`, async () => {
    const rng = new Random(seed);
    let partialSeen = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      const url = `opfs://${freshName('crash')}`;
      const db = await openDatabase(url, { engine });
      await db.createCollection({ collection_name: 'c', fields: fields as never });
      await db.loadCollection({ collection_name: 'c' });
      const outcome = await workload(db, rng, rng.range(5, 250));
      const reopened = await openDatabase(url, { engine });
      const res = await reopened.query({ collection_name: 'c', filter: 'id >= 0', output_fields: ['batch'], consistency_level: 'Strong' });
      const counts = new Map<number, number>();
      for (const row of res.data) counts.set(Number(row['batch']), (counts.get(Number(row['batch'])) ?? 0) + 1);
      const where = `seed ${seed}, trial ${trial}`;
      for (const b of outcome.acked) expect(counts.get(b), `${where}: acknowledged batch ${b}`).toBe(outcome.sizes.get(b));
      for (const [b, n] of counts) {
        if (outcome.acked.has(b)) continue;
        expect(b, `${where}: batch ${b} was never sent`).toBe(outcome.inFlight);
        expect(n, `${where}: in-flight batch ${b} is partial`).toBe(outcome.sizes.get(b));
        partialSeen++;
      }
      // the reopened database keeps working after the crash
      await reopened.insert({ collection_name: 'c', data: [{ id: 1e9, vector: [0, 0, 0, 0], batch: -1 }] });
      expect((await reopened.count({ collection_name: 'c', consistency_level: 'Strong' })).data).toBe(res.data.length + 1);
      await reopened.close();
    }
    console.log(`crash test seed ${seed}: ${TRIALS} trials, ${partialSeen} in-flight batches landed whole`);
  });
});
