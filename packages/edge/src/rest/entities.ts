/**
 * `entities/*` writes and reads (Milvus REST v2): insert, upsert, delete, get, query
 * (incl. `count(*)`). Search and hybrid search live in search.ts. Int64 values are rendered
 * as strings unless the request allows Int64 numbers.
 */
import { VesperError, checkExprLength, isAggregateOutput, showValue } from '@vesper/core';
import { defined, missing } from './body.ts';
import { describe, int64, renderIds, schemaInfo, type SchemaInfo } from './schema-info.ts';
import { restRow } from './row-render.ts';
import { restRowValues } from './row-values.ts';
import { decodeByteVectors } from './vector-bytes.ts';
import type { RestCall, RestReply, RestRoutes } from './types.ts';
import { withDescription } from './description-cache.ts';
import type { EdgeResponse } from '../rpc.ts';

function rows(call: RestCall): unknown[] {
  const data = call.body.get('data');
  if (data === undefined) throw missing('data');
  // One row object is accepted as a batch of one, as Milvus's server does.
  const list = Array.isArray(data) ? data : [data];
  if (list.length === 0) throw new VesperError('INVALID_INSERT_DATA', 'invalid insert data: data is empty; pass an array of rows');
  for (const r of list) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) {
      throw new VesperError('INVALID_INSERT_DATA', `invalid insert data: every row must be a JSON object, got ${showValue(r)}`);
    }
  }
  return list;
}

/**
 * A row the engine refused, as Milvus's REST server reports it: every conversion failure is
 * ErrInvalidInsertData (1804, "fail to deal the insert data, error: ..."), a primary key
 * problem (1806 in the engine's own API) included.
 */
function insertDataError(e: unknown): unknown {
  if (!VesperError.is(e, 'INVALID_INSERT_DATA') && !VesperError.is(e, 'CHECK_PRIMARY_KEY')) return e;
  if (!e.message.startsWith('invalid insert data')) return e;
  return new VesperError('INVALID_INSERT_DATA', `fail to deal the insert data, error: ${e.message}`, e.details);
}

/** A write's reply, with its timestamp for the `Vesper-Session-Ts` header (Session reads). */
function withSession(data: unknown, ts: string | undefined): RestReply {
  return ts === undefined ? { data } : { data, sessionTs: ts };
}

async function write(call: RestCall, method: 'insert' | 'upsert'): Promise<RestReply> {
  // Milvus 2.6: upsert with partialUpdate keeps the stored values of the fields a row leaves out
  const partial = method === 'upsert' ? call.body.bool('partialUpdate') : undefined;
  const name = call.body.need('collectionName');
  const given = rows(call);
  const req = defined({ collection_name: name, partition_name: call.body.str('partitionName'), data: given, partial_update: partial });
  let res: EdgeResponse<'insert' | 'upsert'>;
  try {
    res = await call.engine.call(method, req);
  } catch (e) {
    // a refused write changed nothing: when rows carry values in Milvus's REST forms (byte
    // vectors as base64 text, Bool as "true" or 1, a number for a VarChar), convert them against
    // a fresh description and write once more
    const decoded = VesperError.is(e, 'INVALID_INSERT_DATA') ? restForms(given, schemaInfo(await describe(call.engine, name)), call.body.source) : undefined;
    if (decoded === undefined) throw insertDataError(e);
    try {
      res = await call.engine.call(method, { ...req, data: decoded });
    } catch (again) {
      throw insertDataError(again);
    }
  }
  const ids = renderIds(res.IDs, call.allowInt64);
  const data = method === 'insert' ? { insertCount: Number(res.insert_cnt), insertIds: ids } : { upsertCount: Number(res.upsert_cnt), upsertIds: ids };
  return withSession(data, res.timestamp);
}

/** The rows with every REST value form converted (row-values.ts, vector-bytes.ts); undefined when none is there. */
function restForms(rows: unknown[], info: SchemaInfo, source: string | undefined): unknown[] | undefined {
  const scalars = restRowValues(rows, info, source);
  return decodeByteVectors(scalars ?? rows, info) ?? scalars;
}

/**
 * A filter the engine could not parse, with the prefix Milvus's server puts on it
 * ("failed to create query plan: cannot parse expression: ...").
 */
export function planError(e: unknown): unknown {
  if (!VesperError.is(e, 'PARAMETER_INVALID') || !e.message.startsWith('cannot parse expression')) return e;
  return new VesperError('PARAMETER_INVALID', `failed to create query plan: ${e.message}`, e.details);
}

/** The filter and its template values (`exprParams`). */
export function filterOf(call: RestCall): Record<string, unknown> {
  const filter = call.body.strAlias('filter', 'expr');
  // The cheapest cost check first: an over-long filter is refused before any RPC or lexing.
  if (filter !== undefined) checkExprLength(filter);
  const params = call.body.get('exprParams');
  return defined({ filter, filter_params: params });
}

function outputFields(call: RestCall): string[] {
  const f = call.body.strings('outputFields');
  return f === undefined || f.length === 0 ? ['*'] : f;
}

async function query(call: RestCall): Promise<RestReply> {
  try {
    return await queryRows(call);
  } catch (e) {
    throw planError(e);
  }
}

async function queryRows(call: RestCall): Promise<RestReply> {
  const name = call.body.need('collectionName');
  const filter = filterOf(call);
  const fields = outputFields(call);
  const common = defined({
    collection_name: name,
    ...filter,
    partition_names: call.body.strings('partitionNames'),
    consistency_level: call.body.str('consistencyLevel'),
    session_ts: call.sessionTs,
    // checked by the engine: ordering and aggregation (Milvus 2.6), sealed-only reads
    order_by_fields: call.body.get('orderByFields'),
    group_by_fields: call.body.get('groupByFields'),
    ignore_growing: call.body.get('ignoreGrowing'),
  });
  const groupBy = call.body.get('groupByFields');
  const aggregating = (groupBy !== undefined && !(Array.isArray(groupBy) && groupBy.length === 0)) || fields.some((f) => isAggregateOutput(f) && f.trim().toLowerCase() !== 'count(*)');
  if (aggregating) return aggregateRows(call, name, { ...common, output_fields: fields });
  if (fields.some((f) => f.trim().toLowerCase() === 'count(*)')) {
    const res = await call.engine.call('query', { ...common, output_fields: fields });
    return { data: res.data.map((r) => ({ 'count(*)': int64(r['count(*)'], call.allowInt64) })) };
  }
  const req = { ...common, output_fields: fields, limit: call.body.int('limit') ?? 100, offset: call.body.int('offset') };
  return withDescription(call, name, async (info) => {
    const res = await call.engine.read('query', defined(req));
    return { reply: { data: res.rows.map((r) => restRow(r, info, call.allowInt64)) }, collectionId: call.engine.readCollectionId?.() };
  });
}

const INTEGER_TYPES: ReadonlySet<string> = new Set(['Int8', 'Int16', 'Int32', 'Int64']);

/** count(...) and the sum of an integer field are Int64 values (rendered per Accept-Type-Allow-Int64). */
function isInt64Aggregate(name: string, info: SchemaInfo): boolean {
  const m = /^(count|sum)\((.*)\)$/.exec(name.trim());
  if (m === null) return false;
  return m[1] === 'count' || INTEGER_TYPES.has(info.fields.find((f) => f.name === m[2]!.trim())?.data_type ?? '');
}

/**
 * A query with `groupByFields` / aggregate outputs: one row per group, `limit` (REST's default
 * 100) and `offset` counting groups; counts and integer sums are Int64 values.
 */
async function aggregateRows(call: RestCall, name: string, req: Record<string, unknown>): Promise<RestReply> {
  return withDescription(call, name, async (info) => {
    const res = await call.engine.read('query', defined({ ...req, limit: call.body.int('limit') ?? 100, offset: call.body.int('offset') }));
    const rows = res.rows.map((r) => restRow(r, info, call.allowInt64, (k) => isInt64Aggregate(k, info)));
    return { reply: { data: rows }, collectionId: call.engine.readCollectionId?.() };
  });
}

function varcharIds(id: unknown): unknown {
  const one = (x: unknown): unknown => (typeof x === 'number' && Number.isSafeInteger(x)) || typeof x === 'bigint' ? String(x) : x;
  return Array.isArray(id) ? id.map(one) : one(id);
}

async function get(call: RestCall): Promise<RestReply> {
  const name = call.body.need('collectionName');
  const id = call.body.get('id');
  if (id === undefined) throw missing('id');
  const base = {
    collection_name: name,
    output_fields: outputFields(call),
    partition_names: call.body.strings('partitionNames'),
    consistency_level: call.body.str('consistencyLevel'),
    session_ts: call.sessionTs,
  };
  return withDescription(call, name, async (info) => {
    // a VarChar primary key named by a JSON number is its decimal text, as Milvus's REST reads it
    const ids = !info.pkIsInt64 ? varcharIds(id) : id;
    const res = await call.engine.read('get', defined({ ...base, ids }));
    return { reply: { data: res.rows.map((r) => restRow(r, info, call.allowInt64)) }, collectionId: call.engine.readCollectionId?.() };
  });
}

async function remove(call: RestCall): Promise<RestReply> {
  const name = call.body.need('collectionName');
  const f = filterOf(call);
  if (typeof f['filter'] !== 'string' || f['filter'].trim() === '') throw missing('filter');
  const res = await call.engine.call('delete', defined({ collection_name: name, partition_name: call.body.str('partitionName'), ...f }));
  return withSession({ deleteCount: Number(res.delete_cnt) }, res.timestamp);
}

export const entityRoutes: RestRoutes = {
  'entities/insert': (call) => write(call, 'insert'),
  'entities/upsert': (call) => write(call, 'upsert'),
  'entities/delete': remove,
  'entities/get': get,
  'entities/query': query,
};
