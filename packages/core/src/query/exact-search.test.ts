/**
 * The two exact searchers of unindexed dense rows agree: the WASM kernels (index/exact-search.ts,
 * what a growing or not-yet-indexed segment is searched with once kernels are loaded) and their
 * TypeScript twin `exactTopK` (the portable path and the reference). On seeded random data —
 * float, float16, bfloat16 and int8 vectors with L2, IP and COSINE, binary vectors with HAMMING
 * and JACCARD — with and without an allow-list and a range window: the same distances rank by
 * rank (float32 kernel vs float64 twin: within rounding), and every row the kernel returns is
 * allowed and has the twin's distance for that row. Seed: VESPER_SEED.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Bitset } from '../util/bitset.ts';
import { Random, testSeed } from '../util/random.ts';
import { toBFloat16Bits, toFloat16Bits } from '../util/float16.ts';
import { DataType, dataTypeName } from '../schema/data-type.ts';
import type { VectorColumn } from '../schema/columns.ts';
import type { MetricType } from '../schema/types.ts';
import { exactSearch } from '../index/exact-search.ts';
import { loadTestKernels } from '../kernels/test-kernels.ts';
import { exactTopK, scanDistances, type QueryVector } from './exact-search.ts';

const seed = testSeed(process.env['VESPER_SEED']);
const N = 2000;
const DIM = 24;
const NQ = 6;
const K = 25;

beforeAll(async () => {
  await loadTestKernels();
});

const rng = new Random(seed);
const floats = Float32Array.from({ length: (N + NQ) * DIM }, () => rng.gaussian());
const rows = (n: number) => floats.subarray(0, n * DIM);
const queries = floats.slice(N * DIM);
const bytes = Uint8Array.from({ length: (N + NQ) * (DIM / 8) }, () => rng.int(256));
const allow = Bitset.fromIndices(N, Array.from({ length: N }, (_, i) => i).filter(() => rng.bool(0.3)));

/** One column of each dense type over the same seeded values, with its metrics and the packed queries a plan carries. */
const cases: { column: VectorColumn; metrics: MetricType[]; queries: Float32Array | Uint8Array }[] = [
  { column: { type: DataType.FloatVector, length: N, dim: DIM, data: rows(N) }, metrics: ['L2', 'IP', 'COSINE'], queries },
  { column: { type: DataType.Float16Vector, length: N, dim: DIM, data: Uint16Array.from(rows(N), toFloat16Bits) }, metrics: ['L2', 'IP', 'COSINE'], queries },
  { column: { type: DataType.BFloat16Vector, length: N, dim: DIM, data: Uint16Array.from(rows(N), toBFloat16Bits) }, metrics: ['L2', 'IP', 'COSINE'], queries },
  { column: { type: DataType.Int8Vector, length: N, dim: DIM, data: Int8Array.from(rows(N), (x) => Math.round(x * 40)) }, metrics: ['L2', 'IP', 'COSINE'], queries: queries.map((x) => Math.round(x * 40)) },
  { column: { type: DataType.BinaryVector, length: N, dim: DIM, data: bytes.subarray(0, N * (DIM / 8)) }, metrics: ['HAMMING', 'JACCARD'], queries: bytes.slice(N * (DIM / 8)) },
];

/** Relative rounding allowed between the float32 kernel and the float64 twin. */
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b));

/** The twin's distance from the query to one row. */
function twinDistance(column: VectorColumn, metric: MetricType, q: QueryVector, row: number): number {
  let d = NaN;
  scanDistances(column, metric, q, Bitset.fromIndices(column.length, [row]), (_, x) => (d = x));
  return d;
}

describe(`exact search: WASM kernels = TypeScript twin (seed ${seed})`, () => {
  for (const { column, metrics, queries: qs } of cases) {
    const width = qs.length / NQ;
    for (const metric of metrics) {
      for (const filtered of [false, true]) {
        for (const ranged of [false, true]) {
          it(`${dataTypeName(column.type)} ${metric}${filtered ? ', filtered' : ''}${ranged ? ', range window' : ''}`, () => {
            for (let q = 0; q < NQ; q++) {
              const query = qs.subarray(q * width, (q + 1) * width);
              let window: { radius: number; rangeFilter: number } | undefined;
              if (ranged) {
                // a window from past the 3rd to the 40th neighbour, its bounds between two distinct distances
                const all = exactTopK(column, metric, query, N).map((h) => h.distance);
                const mid = (i: number) => {
                  let j = i;
                  while (j + 1 < all.length && all[j + 1] === all[i]) j++;
                  return (all[j]! + all[j + 1]!) / 2;
                };
                window = { rangeFilter: mid(2), radius: mid(40) };
              }
              const opts = { ...(filtered ? { allow } : {}), ...window };
              const twin = exactTopK(column, metric, query, K, opts);
              const wasm = exactSearch(column, metric, query, 1, K, opts);
              const got: { row: number; distance: number }[] = [];
              for (let j = 0; j < wasm.k; j++) if (wasm.rows[j]! >= 0) got.push({ row: wasm.rows[j]!, distance: wasm.distances[j]! });
              const ctx = `${dataTypeName(column.type)} ${metric} q=${q} seed=${seed}`;
              expect(got.length, ctx).toBe(twin.length);
              for (let j = 0; j < got.length; j++) {
                expect(close(got[j]!.distance, twin[j]!.distance), `${ctx} rank ${j}: ${got[j]!.distance} vs ${twin[j]!.distance}`).toBe(true);
                const row = got[j]!.row;
                if (filtered) expect(allow.get(row), ctx).toBe(true);
                expect(close(got[j]!.distance, twinDistance(column, metric, query, row)), `${ctx} row ${row}`).toBe(true);
              }
              expect(new Set(got.map((h) => h.row)).size, ctx).toBe(got.length);
            }
          });
        }
      }
    }
  }
});
