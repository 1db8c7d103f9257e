/**
 * Partial update (Milvus 2.6: `upsert` with `partial_update: true`): a row whose primary key
 * is stored keeps the stored values of the fields it leaves out; a row whose key is new is an
 * ordinary full row (a missing required field is 1804, as for an insert). The stored rows are
 * read at a fresh timestamp by whoever serializes the shard's writes — in-process inside the
 * upsert's queue slot, at the edge inside the shard leader's exclusive write gate — so every
 * earlier write is seen and no later one can interleave. Function outputs (BM25) are
 * recomputed from the merged row, never copied.
 */
import { VesperError } from '../errors/index.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import { primaryField } from '../schema/types.ts';
import type { Row } from '../schema/row-batch.ts';
import type { QueryPlan } from '../query/read-plan.ts';
import type { PartialRow } from '../query/partial.ts';
import { executeQuery } from '../query/read-executor.ts';
import { renderRow } from './render.ts';
import { prepareQuery } from './prepared.ts';
import { localHost } from './read-host.ts';
import { readTimestamp } from './request-utils.ts';
import type { ProxyContext } from './proxy-context.ts';

/** The primary keys of a partial update's rows, in order. @throws INVALID_INSERT_DATA (1804) for a row without one */
export function partialKeys(info: CollectionInfo, rows: readonly Row[]): unknown[] {
  const pk = primaryField(info.schema);
  return rows.map((r, i) => {
    const v = r !== null && typeof r === 'object' ? (r as Record<string, unknown>)[pk.name] : undefined;
    if (v === undefined || v === null) throw new VesperError('INVALID_INSERT_DATA', `partial update row ${i} has no primary key ${pk.name}`);
    return v;
  });
}

/** The get that reads the stored rows of `keys`, every field. */
export function storedRowsPlan(info: CollectionInfo, keys: readonly unknown[]): QueryPlan {
  const plan = prepareQuery(info, { ids: [...keys], output_fields: ['*'], consistency_level: 'Strong' });
  if (plan.kind !== 'query') throw new VesperError('INTERNAL', 'a get planned as a count');
  return plan;
}

/** Rows of a partial update completed with the stored rows (as a get returned them), in order. */
export function mergeStoredRows(info: CollectionInfo, rows: readonly Row[], keys: readonly unknown[], found: readonly PartialRow[]): Row[] {
  const stored = new Map<string, Record<string, unknown>>();
  for (const r of found) stored.set(String(r.pk), renderRow(r.row));
  const generated = new Set(info.schema.fields.filter((f) => f.is_function_output).map((f) => f.name));
  return rows.map((r, i) => {
    const old = stored.get(String(keys[i]));
    if (old === undefined) return r;
    const merged: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(old)) if (!generated.has(k)) merged[k] = v;
    return Object.assign(merged, r) as Row;
  });
}

/** The rows of a partial update completed with the stored values of the fields they omit (in-process). */
export async function completedRows(ctx: ProxyContext, info: CollectionInfo, rows: readonly Row[]): Promise<Row[]> {
  const keys = partialKeys(info, rows);
  const plan = storedRowsPlan(info, keys);
  const mgr = await ctx.data(info);
  const ts = await readTimestamp(ctx, mgr, 'Strong', undefined);
  return mergeStoredRows(info, rows, keys, await executeQuery(plan, ts, localHost(ctx, mgr, info, plan.partitionIds, ts), true));
}
