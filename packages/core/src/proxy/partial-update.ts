/**
 * Partial update (Milvus 2.6: `upsert` with `partial_update: true`): a row whose primary key
 * is stored keeps the stored values of the fields it leaves out; a row whose key is new is an
 * ordinary full row (a missing required field is 1804, as for an insert). The stored rows are
 * read inside the upsert's queue slot at a fresh timestamp, so every earlier write to the
 * collection is seen and no later one can interleave. Function outputs (BM25) are recomputed
 * from the merged row, never copied.
 */
import { VesperError } from '../errors/index.ts';
import type { CollectionInfo } from '../catalog/types.ts';
import { primaryField } from '../schema/types.ts';
import type { Row } from '../schema/row-batch.ts';
import { executeQuery } from '../query/read-executor.ts';
import { renderRow } from './render.ts';
import { prepareQuery } from './prepared.ts';
import { localHost } from './read-host.ts';
import { readTimestamp } from './request-utils.ts';
import type { ProxyContext } from './proxy-context.ts';

/** The rows of a partial update completed with the stored values of the fields they omit. */
export async function completedRows(ctx: ProxyContext, info: CollectionInfo, rows: readonly Row[]): Promise<Row[]> {
  const pk = primaryField(info.schema);
  const keys = rows.map((r, i) => {
    const v = r !== null && typeof r === 'object' ? (r as Record<string, unknown>)[pk.name] : undefined;
    if (v === undefined || v === null) throw new VesperError('INVALID_INSERT_DATA', `partial update row ${i} has no primary key ${pk.name}`);
    return v;
  });
  const plan = prepareQuery(info, { ids: keys, output_fields: ['*'], consistency_level: 'Strong' });
  if (plan.kind !== 'query') throw new VesperError('INTERNAL', 'a get planned as a count');
  const mgr = await ctx.data(info);
  const ts = await readTimestamp(ctx, mgr, 'Strong', undefined);
  const stored = new Map<string, Record<string, unknown>>();
  for (const r of await executeQuery(plan, ts, localHost(ctx, mgr, info, plan.partitionIds, ts), true)) stored.set(String(r.pk), renderRow(r.row));
  const generated = new Set(info.schema.fields.filter((f) => f.is_function_output).map((f) => f.name));
  return rows.map((r, i) => {
    const old = stored.get(String(keys[i]));
    if (old === undefined) return r;
    const merged: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(old)) if (!generated.has(k)) merged[k] = v;
    return Object.assign(merged, r) as Row;
  });
}
