/**
 * Request filters: compiles `filter`/`expr` with its template values (`filter_params`,
 * `exprParams`), and turns a list of primary keys (`ids`) into a filter that looks keys up
 * in each segment's pk index instead of scanning.
 */
import { VesperError } from '../errors/index.ts';
import { compileFilter } from '../expr/index.ts';
import { Bitset } from '../util/bitset.ts';
import { toBigInt } from '../schema/row-batch.ts';
import { DataType } from '../schema/data-type.ts';
import { primaryField, type CollectionSchema } from '../schema/types.ts';
import type { ColumnSet } from '../schema/columns.ts';
import type { Segment } from '../segments/segment.ts';
import type { RowFilter } from '../query/search-executor.ts';

export interface FilterRequest {
  filter?: unknown;
  expr?: unknown;
  filter_params?: unknown;
  exprParams?: unknown;
}

export interface RequestFilter extends RowFilter {
  /** Set when the filter is exactly a primary-key lookup. */
  readonly primaryKeys?: readonly (bigint | string)[];
}

/** The request's filter, or undefined when it has none (empty string = none). */
export function requestFilter(schema: CollectionSchema, req: FilterRequest): RequestFilter | undefined {
  const raw = req.filter ?? req.expr;
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new VesperError('PARAMETER_INVALID', `filter must be a string, got ${typeof raw}`);
  if (raw.trim() === '') return undefined;
  const params = req.filter_params ?? req.exprParams;
  if (params !== undefined && (params === null || typeof params !== 'object' || Array.isArray(params))) {
    throw new VesperError('PARAMETER_INVALID', 'filter_params must be an object of template values');
  }
  const compiled = compileFilter(raw, schema, params as Record<string, unknown> | undefined);
  return compiled.primaryKeys ? { evaluate: (c, cand) => compiled.evaluate(c, cand), primaryKeys: compiled.primaryKeys } : compiled;
}

/** Normalizes `ids` to primary-key values of the schema's type. */
export function parseIds(schema: CollectionSchema, ids: unknown): (bigint | string)[] {
  const list = Array.isArray(ids) ? ids : [ids];
  const pk = primaryField(schema);
  return list.map((v) => {
    if (pk.data_type === DataType.Int64) {
      const b = toBigInt(v);
      if (b === undefined) throw new VesperError('PARAMETER_INVALID', `id ${JSON.stringify(v)} is not an Int64 primary key`);
      return b;
    }
    if (typeof v !== 'string') throw new VesperError('PARAMETER_INVALID', `id ${JSON.stringify(v)} is not a VarChar primary key`);
    return v;
  });
}

/** A filter selecting rows by primary key through each segment's key index. */
export function keysFilter(pks: readonly (bigint | string)[]): RequestFilter {
  return {
    primaryKeys: pks,
    evaluate(cols: ColumnSet): Bitset {
      if (!('rowsOf' in cols)) throw new VesperError('INTERNAL', 'a key filter needs a segment');
      const seg = cols as Segment;
      const out = new Bitset(cols.rowCount);
      for (const pk of pks) for (const r of seg.rowsOf(pk)) out.set(r);
      return out;
    },
  };
}
