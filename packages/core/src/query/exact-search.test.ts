/**
 * The two exact searchers of unindexed float rows agree: the WASM kernel (index/exact-search.ts,
 * what a growing or not-yet-indexed segment is searched with once kernels are loaded) and its
 * TypeScript twin `exactTopK` (the portable path and the reference). On seeded random data, for
 * L2, IP and COSINE, with and without an allow-list and a range window: the same distances rank
 * by rank (float32 kernel vs float64 twin: within rounding), and every row the kernel returns has
 * the twin's distance for that row. Seed: VESPER_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bitset } from '../util/bitset.ts';
import { Random, testSeed } from '../util/random.ts';
import { DataType } from '../schema/data-type.ts';
import type { FloatVectorColumn } from '../schema/columns.ts';
import type { MetricType } from '../schema/types.ts';
import { exactSearch } from '../index/exact-search.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { exactTopK, floatDistance } from './exact-search.ts';

const seed = testSeed(process.env['VESPER_SEED']);
const N = 2000;
const DIM = 19;
const NQ = 8;
const K = 25;

beforeAll(async () => {
  await loadTestKernels();
});

const rng = new Random(seed);
const data = Float32Array.from({ length: N * DIM }, () => rng.gaussian());
const queries = Float32Array.from({ length: NQ * DIM }, () => rng.gaussian());
const column: FloatVectorColumn = { type: DataType.FloatVector, length: N, dim: DIM, data };
const allow = Bitset.fromIndices(N, Array.from({ length: N }, (_, i) => i).filter(() => rng.bool(0.3)));

/** Relative rounding allowed between the float32 kernel and the float64 twin. */
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));

describe(`exact search: WASM kernel = TypeScript twin (seed ${seed})`, () => {
  for (const metric of ['L2', 'IP', 'COSINE'] as MetricType[]) {
    for (const filtered of [false, true]) {
      for (const ranged of [false, true]) {
        it(`${metric}${filtered ? ', filtered' : ''}${ranged ? ', range window' : ''}`, () => {
          for (let q = 0; q < NQ; q++) {
            const query = queries.subarray(q * DIM, (q + 1) * DIM);
            let window: { radius: number; rangeFilter: number } | undefined;
            if (ranged) {
              // a window from the 3rd to the 40th neighbour, its bounds between neighbours
              const all = exactTopK(column, metric, query, N);
              const mid = (i: number) => (all[i]!.distance + all[i + 1]!.distance) / 2;
              window = { rangeFilter: mid(2), radius: mid(40) };
            }
            const opts = { ...(filtered ? { allow } : {}), ...window };
            const twin = exactTopK(column, metric, query, K, opts);
            const wasm = exactSearch(column, metric, query, 1, K, opts);
            const got: { row: number; distance: number }[] = [];
            for (let j = 0; j < wasm.k; j++) if (wasm.rows[j]! >= 0) got.push({ row: wasm.rows[j]!, distance: wasm.distances[j]! });
            const ctx = `${metric} q=${q} seed=${seed}`;
            expect(got.length, ctx).toBe(twin.length);
            for (let j = 0; j < got.length; j++) {
              expect(close(got[j]!.distance, twin[j]!.distance), `${ctx} rank ${j}: ${got[j]!.distance} vs ${twin[j]!.distance}`).toBe(true);
              const row = got[j]!.row;
              if (filtered) expect(allow.get(row), ctx).toBe(true);
              expect(close(got[j]!.distance, floatDistance(metric, query, data.subarray(row * DIM, (row + 1) * DIM))), ctx).toBe(true);
            }
            expect(new Set(got.map((h) => h.row)).size, ctx).toBe(got.length);
          }
        });
      }
    }
  }
});
