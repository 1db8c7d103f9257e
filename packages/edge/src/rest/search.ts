/**
 * `entities/search` and `entities/hybrid_search` (Milvus REST v2; `entities/advanced_search` is
 * the older name of hybrid_search, answered by the same handler). Search vectors are checked
 * against the field's dimension first (a malformed vector is 1801, as in Milvus's server), with
 * the collection's description cached in the isolate (description-cache.ts);
 * results come back flat in query order with `distance`, and `topks` gives the size of each
 * query's part. Hybrid search is one engine call (ProxyNode `hybridSearch`): the sub-searches
 * read one snapshot and are fused there with RRF or weighted reranking.
 */
import { REQUEST_LIMITS, VesperError, checkExprLength, showValue } from '@vesper/core';
import { Body, defined, missing } from './body.ts';
import { filterOf, planError } from './entities.ts';
import { isVectorField, type SchemaInfo } from './schema-info.ts';
import { restHit } from './row-render.ts';
import type { RawHits } from '../rpc.ts';
import { withDescription, type DescribedRead } from './description-cache.ts';
import type { RestCall, RestReply, RestRoutes } from './types.ts';
import { checkKeys } from './request-shape.ts';

/**
 * A hybrid sub-search's keys (`params` is the SDK's name for `searchParams`). `outputFields` is
 * read (a list of names) and not used: the fused hits carry the top-level `outputFields`, as in
 * Milvus, whose sub-search has no such key; Milvus's own documentation and tests send it.
 */
const SUB_SEARCH_KEYS = ['data', 'annsField', 'limit', 'offset', 'filter', 'exprParams', 'searchParams', 'params', 'outputFields'];
const RERANK_KEYS = ['strategy', 'params'];
const RERANK_PARAM_KEYS = ['k', 'weights'];


/** Checks dense float vectors' shape and dimension; other vector kinds are left to the engine. */
function checkVectors(info: SchemaInfo, annsField: string | undefined, data: unknown): string {
  const vectors = info.fields.filter(isVectorField);
  const field = annsField === undefined ? vectors[0] : vectors.find((f) => f.name === annsField);
  if (field === undefined) {
    if (annsField !== undefined) throw new VesperError('FIELD_NOT_FOUND', `failed to get field schema by name: fieldName(${annsField}) not found`);
    throw new VesperError('PARAMETER_INVALID', 'the collection has no vector field');
  }
  if (!Array.isArray(data) || data.length === 0) throw new VesperError('INCORRECT_PARAMETER_FORMAT', 'search data must be a non-empty array of vectors');
  if (['FloatVector', 'Float16Vector', 'BFloat16Vector', 'Int8Vector'].includes(field.data_type)) {
    const dim = Number(field.dim ?? field.type_params.find((p) => p.key === 'dim')?.value);
    for (const v of data) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
        throw new VesperError('INCORRECT_PARAMETER_FORMAT', `search data must be arrays of numbers, got ${showValue(v).slice(0, 100)}`);
      }
      if (v.length !== dim) {
        throw new VesperError('INCORRECT_PARAMETER_FORMAT', `fail to deal the float vector: the dimension of the search vector is ${v.length}, the field ${field.name} has dim ${dim}`);
      }
    }
  }
  return field.name;
}

/**
 * limit and offset of a search (or sub-search) as Milvus's REST server answers them: out of
 * range is code 65535 there (the proxy's topk error reaches REST unwrapped), not 1100.
 */
function checkTopK(limit: number | undefined, offset: number | undefined, where: string): void {
  const max = REQUEST_LIMITS.maxTopK;
  const bad = (msg: string): VesperError => new VesperError('UNDEFINED', `${where}${msg}`);
  if (limit !== undefined && (limit < 1 || limit > max)) throw bad(`topk [${limit}] is invalid, it should be in range [1, ${max}]`);
  if (offset !== undefined && (offset < 0 || offset > max)) throw bad(`offset [${offset}] is invalid, it should be in range [0, ${max}]`);
  if ((limit ?? 0) + (offset ?? 0) > max) throw bad(`topk + offset should be in range [1, ${max}], but got ${(limit ?? 0) + (offset ?? 0)}`);
}

/** searchParams `{metricType, params:{...}}` (or flat) → the engine's metric_type and params. */
function searchParams(sp: Body | undefined): Record<string, unknown> {
  if (sp === undefined) return {};
  const nested = sp.get('params');
  const flat = Object.fromEntries(Object.entries(sp.raw).filter(([k]) => !/^(params|metric_?type)$/i.test(k)));
  const params = { ...flat, ...(nested !== undefined ? Body.of(nested, 'searchParams.params').raw : {}) };
  return defined({ metric_type: sp.str('metricType', 'metric_type'), params });
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** One id of `ids` as the primary key's engine value (decimal string for Int64). @throws 1100 */
function pkValue(id: unknown, info: SchemaInfo): string {
  const bad = (why: string): VesperError => new VesperError('PARAMETER_INVALID', `invalid id ${showValue(id)} in ids: ${why}`);
  if (info.pkIsInt64) {
    let text: string;
    if (typeof id === 'number' && Number.isInteger(id)) text = String(id);
    else if (typeof id === 'bigint') text = id.toString();
    else if (typeof id === 'string' && /^-?\d+$/.test(id.trim())) text = id.trim();
    else throw bad('the primary key is Int64; pass integers or decimal strings');
    const v = BigInt(text);
    if (v < INT64_MIN || v > INT64_MAX) throw bad('out of the Int64 range');
    return v.toString();
  }
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  if (typeof id !== 'string') throw bad('the primary key is VarChar; pass strings');
  if (id === '') throw bad('an empty string is not a primary key');
  return id;
}

/**
 * Search by primary keys (`ids` instead of `data`, Milvus 2.6): the entities' own vectors of
 * the anns field become the query vectors, in the order of `ids`. Ids that match no entity
 * (or repeat) are 1100, as in Milvus.
 */
async function vectorsOfIds(call: RestCall, info: SchemaInfo, name: string, ids: unknown): Promise<unknown[]> {
  if (!Array.isArray(ids) || ids.length === 0) throw missing('ids (a non-empty array of primary keys)');
  const keys = ids.map((id) => pkValue(id, info));
  const seen = new Set<string>();
  for (const k of keys) {
    if (seen.has(k)) throw new VesperError('PARAMETER_INVALID', `duplicate id ${k} in ids`);
    seen.add(k);
  }
  const vectors = info.fields.filter(isVectorField);
  const annsField = call.body.str('annsField') ?? vectors[0]?.name;
  if (annsField === undefined || !vectors.some((f) => f.name === annsField)) {
    throw new VesperError('FIELD_NOT_FOUND', `failed to get field schema by name: fieldName(${String(annsField)}) not found`);
  }
  const res = await call.engine.call(
    'get',
    defined({
      collection_name: name,
      ids: keys,
      output_fields: [annsField],
      partition_names: call.body.strings('partitionNames'),
      consistency_level: call.body.str('consistencyLevel'),
      session_ts: call.sessionTs,
    }),
  );
  const byKey = new Map(res.data.map((r) => [String(r[info.pk]), r[annsField]]));
  const missingIds = keys.filter((k) => !byKey.has(k));
  if (missingIds.length > 0) throw new VesperError('PARAMETER_INVALID', `ids not found in collection ${name}: [${missingIds.slice(0, 10).join(', ')}]`);
  return keys.map((k) => byKey.get(k));
}

/** A search answer as REST rows (flat, in query order) with `topks`, each row rendered once (row-render.ts). */
function answered(call: RestCall, info: SchemaInfo, res: RawHits): DescribedRead<RestReply> {
  const rows = res.hits.flatMap((l) => l.map((h) => restHit(h, info, call.allowInt64)));
  return { reply: { data: rows, topks: res.hits.map((l) => l.length) }, collectionId: call.engine.readCollectionId?.() };
}

async function search(call: RestCall): Promise<RestReply> {
  const b = call.body;
  const name = b.need('collectionName');
  const ids = b.get('ids');
  // `vector` is the older name of `data` (one vector), read as it
  if (b.get('data') !== undefined && b.get('vector') !== undefined) throw new VesperError('PARAMETER_INVALID', 'data and vector name the same parameter: send one');
  const old = b.get('vector');
  const given = b.get('data') ?? (Array.isArray(old) && old.every((x) => typeof x === 'number') ? [old] : old);
  if (ids !== undefined && given !== undefined) {
    throw new VesperError('PARAMETER_INVALID', 'ids and data are mutually exclusive: search by primary keys or by vectors, not both');
  }
  if (ids === undefined && given === undefined) throw missing('data');
  return withDescription(call, name, async (info) => {
    const data = ids !== undefined ? await vectorsOfIds(call, info, name, ids) : given;
    const annsField = checkVectors(info, b.str('annsField'), data);
    const limit = b.int('limit') ?? 100;
    const offset = b.int('offset');
    checkTopK(limit, offset, '');
    const req = defined({
      collection_name: name,
      data,
      anns_field: annsField,
      limit,
      offset,
      ...filterOf(call),
      output_fields: b.strings('outputFields'),
      partition_names: b.strings('partitionNames'),
      consistency_level: b.str('consistencyLevel'),
      session_ts: call.sessionTs,
      group_by_field: b.str('groupingField'),
      group_size: b.int('groupSize'),
      strict_group_size: b.bool('strictGroupSize'),
      ...searchParams(b.obj('searchParams')),
    });
    return answered(call, info, await call.engine.read('search', req));
  });
}

/** The rerank object as the engine takes it (case-insensitive keys, `params` optional). */
function reranker(b: Body): Record<string, unknown> {
  checkKeys(b, RERANK_KEYS, 'rerank');
  const params = b.obj('params');
  if (params !== undefined) checkKeys(params, RERANK_PARAM_KEYS, 'rerank.params');
  return defined({ strategy: b.need('strategy').toLowerCase(), params: params ? defined({ k: params.get('k'), weights: params.list('weights') }) : undefined });
}

async function hybridSearch(call: RestCall): Promise<RestReply> {
  const b = call.body;
  const name = b.need('collectionName');
  const subs = b.list('search');
  if (subs === undefined || subs.length === 0) throw missing('search');
  if (b.get('functionScore') !== undefined) {
    throw new VesperError('PARAMETER_INVALID', 'functionScore (decay / model rerank functions) is not supported: rerank with {strategy: rrf | weighted}');
  }
  const rerank = b.obj('rerank');
  if (rerank === undefined) throw missing('rerank');
  return withDescription(call, name, async (info) => {
    const search = subs.map((raw) => {
      const s = Body.of(raw, 'search[]');
      checkKeys(s, SUB_SEARCH_KEYS, 'search[]');
      const data = s.get('data');
      if (data === undefined) throw missing('search[].data');
      s.strings('outputFields');
      const limit = s.int('limit');
      const offset = s.int('offset');
      checkTopK(limit, offset, 'search[]: ');
      return defined({
        data,
        anns_field: checkVectors(info, s.str('annsField'), data),
        limit,
        offset,
        filter: subFilter(s.str('filter')),
        filter_params: s.get('exprParams'),
        ...searchParams(s.obj('searchParams') ?? s.obj('params')),
      });
    });
    // One engine call: every sub-search reads the same snapshot and the engine fuses them.
    const limit = b.int('limit') ?? 100;
    const offset = b.int('offset');
    checkTopK(limit, offset, '');
    const req = defined({
      collection_name: name,
      search,
      rerank: reranker(rerank),
      limit,
      offset,
      output_fields: b.strings('outputFields'),
      partition_names: b.strings('partitionNames'),
      consistency_level: b.str('consistencyLevel'),
      session_ts: call.sessionTs,
      group_by_field: b.str('groupingField'),
      group_size: b.int('groupSize'),
      strict_group_size: b.bool('strictGroupSize'),
    });
    return answered(call, info, await call.engine.read('hybridSearch', req));
  });
}

/**
 * common/run_analyzer: `text` (one or a list), `analyzerParams` (object or JSON text),
 * `withDetail`, `withHash`; tokens in REST's camelCase. Running a collection field's analyzer
 * (`collectionName` + `fieldName`) is refused here by name: the endpoint checks no
 * per-collection grant for it.
 */
async function runAnalyzer(call: RestCall): Promise<RestReply> {
  const b = call.body;
  for (const k of ['collectionName', 'fieldName', 'analyzerNames']) {
    if (b.get(k) !== undefined) throw new VesperError('PARAMETER_INVALID', `run_analyzer: ${k} is not supported by this endpoint; pass analyzerParams`);
  }
  const text = b.get('text');
  if (text === undefined) throw missing('text');
  const withDetail = b.bool('withDetail') === true;
  const withHash = b.bool('withHash') === true;
  const res = await call.engine.call('runAnalyzer', defined({ text, analyzer_params: b.get('analyzerParams'), with_detail: withDetail, with_hash: withHash }));
  const results = res.results.map((r) => ({
    tokens: r.tokens.map((t) => {
      if (typeof t === 'string') return { token: t };
      return defined({
        token: t.token,
        ...(withDetail ? { startOffset: t.start_offset, endOffset: t.end_offset, position: t.position, positionLength: t.position_length } : {}),
        hash: withHash ? t.hash : undefined,
      });
    }),
  }));
  return { data: { results } };
}

const withPlanError =
  (handler: (call: RestCall) => Promise<RestReply>) =>
  async (call: RestCall): Promise<RestReply> => {
    try {
      return await handler(call);
    } catch (e) {
      throw planError(e);
    }
  };

export const searchRoutes: RestRoutes = {
  'entities/search': withPlanError(search),
  'entities/hybrid_search': withPlanError(hybridSearch),
  // the endpoint's older name (Milvus 2.4), served by the same handler
  'entities/advanced_search': withPlanError(hybridSearch),
  'common/run_analyzer': runAnalyzer,
};

/** A sub-search's filter, refused before any work when over-long (as filterOf does). */
function subFilter(filter: string | undefined): string | undefined {
  if (filter !== undefined) checkExprLength(filter);
  return filter;
}
