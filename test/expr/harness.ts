/**
 * Shared helpers for the filter suites: compile a filter, evaluate it over seeded random rows
 * with and without scalar indexes and with random candidate subsets, and diff against the
 * reference evaluator. Every failure message carries the seed and the expression.
 */
import { expect } from 'vitest';
import { compileFilter } from '../../packages/core/src/expr/index.ts';
import type { Column, ColumnSet } from '../../packages/core/src/schema/columns.ts';
import type { CollectionSchema } from '../../packages/core/src/schema/types.ts';
import { Bitset } from '../../packages/core/src/util/bitset.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { columnSet, randomRows, TEST_INDEXES, testSchema, toColumns, type Row } from './random-data.ts';
import { referenceMatches } from './reference-evaluator.ts';

export interface Dataset {
  readonly seed: number;
  readonly schema: CollectionSchema;
  readonly rows: Row[];
  readonly cols: Map<string, Column>;
  readonly plain: ColumnSet;
  readonly indexed: ColumnSet;
}

export function dataset(seed: number, n: number, dynamic = true): Dataset {
  const schema = testSchema(dynamic);
  const rows = randomRows(new Random(seed), n);
  const cols = toColumns(schema, rows);
  return { seed, schema, rows, cols, plain: columnSet(cols, n), indexed: columnSet(cols, n, TEST_INDEXES) };
}

/** Asserts compiled == reference on `ds` (plain, indexed, and under a random candidate set). */
export function checkAgainstReference(ds: Dataset, expr: string, params?: Readonly<Record<string, unknown>>, rnd?: Random): number[] {
  const ctx = `seed=${ds.seed} expr=${JSON.stringify(expr)}${params ? ` params=${String(JSON.stringify(params, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)))}` : ''}`;
  const want = referenceMatches(expr, ds.schema, ds.rows, params);
  const f = compileFilter(expr, ds.schema, params);
  const plain = f.evaluate(ds.plain).toIndices();
  expect(plain, `plain scan differs from reference: ${ctx}`).toEqual(want);
  const indexed = f.evaluate(ds.indexed).toIndices();
  expect(indexed, `indexed evaluation differs from reference: ${ctx}`).toEqual(want);
  const r = rnd ?? new Random(ds.seed ^ 0x9e37);
  const cand = new Bitset(ds.rows.length);
  for (let i = 0; i < ds.rows.length; i++) if (r.bool(0.3)) cand.set(i);
  const sub = f.evaluate(ds.indexed, cand).toIndices();
  expect(sub, `candidate-restricted evaluation differs: ${ctx}`).toEqual(want.filter((i) => cand.get(i)));
  return want;
}
