/**
 * `entities/search` and `entities/hybrid_search` (Milvus REST v2). Search vectors are checked
 * against the field's dimension first (a malformed vector is 1801, as in Milvus's server), with
 * the collection's description cached in the isolate (description-cache.ts);
 * results come back flat in query order with `distance`, and `topks` gives the size of each
 * query's part. Hybrid search is one engine call (ProxyNode `hybridSearch`): the sub-searches
 * read one snapshot and are fused there with RRF or weighted reranking.
 */
import { VesperError, checkExprLength } from '@vesper/core';
import { Body, defined, missing } from './body.ts';
import { filterOf } from './entities.ts';
import { isVectorField, renderRows, type SchemaInfo } from './schema-info.ts';
import { withDescription } from './description-cache.ts';
import type { RestCall, RestReply, RestRoutes } from './types.ts';

type Hit = Record<string, unknown> & { id: unknown; score: number };
type SearchAnswer = { results: Hit[] | Hit[][] };

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
        throw new VesperError('INCORRECT_PARAMETER_FORMAT', `search data must be arrays of numbers, got ${JSON.stringify(v).slice(0, 100)}`);
      }
      if (v.length !== dim) {
        throw new VesperError('INCORRECT_PARAMETER_FORMAT', `fail to deal the float vector: the dimension of the search vector is ${v.length}, the field ${field.name} has dim ${dim}`);
      }
    }
  }
  return field.name;
}

/** searchParams `{metricType, params:{...}}` (or flat) → the engine's metric_type and params. */
function searchParams(sp: Body | undefined): Record<string, unknown> {
  if (sp === undefined) return {};
  const nested = sp.get('params');
  const flat = Object.fromEntries(Object.entries(sp.raw).filter(([k]) => !/^(params|metric_?type)$/i.test(k)));
  const params = { ...flat, ...(nested !== undefined ? Body.of(nested, 'searchParams.params').raw : {}) };
  return defined({ metric_type: sp.str('metricType', 'metric_type'), params });
}

/** A hit as a REST row: the primary key, the output fields and `distance`. */
function restRow(h: Hit, info: SchemaInfo): Record<string, unknown> {
  const { id, score, ...rest } = h;
  const row: Record<string, unknown> = { ...rest, [info.pk]: id };
  // The engine's `id`/`score` keys are not fields unless the schema says so.
  if (info.fields.some((f) => f.name === 'id') && 'id' in h && info.pk !== 'id') row['id'] = id;
  row['distance'] = score;
  return row;
}

async function search(call: RestCall): Promise<RestReply> {
  const b = call.body;
  const name = b.need('collectionName');
  const data = b.get('data');
  if (data === undefined) throw missing('data');
  return withDescription(call, name, async (info) => {
    const annsField = checkVectors(info, b.str('annsField'), data);
    const req = defined({
      collection_name: name,
      data,
      anns_field: annsField,
      limit: b.int('limit') ?? 100,
      offset: b.int('offset'),
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
    const res = (await call.engine.call('search', req)) as SearchAnswer;
    const lists = (data as unknown[]).length === 1 && !Array.isArray(res.results[0]) ? [res.results as Hit[]] : (res.results as Hit[][]);
    const rows = lists.flat().map((h) => restRow(h, info));
    return { reply: { data: renderRows(rows, info, call.allowInt64), topks: lists.map((l) => l.length) }, collectionId: call.engine.readCollectionId?.() };
  });
}

/** The rerank object as the engine takes it (case-insensitive keys, `params` optional). */
function reranker(b: Body): Record<string, unknown> {
  const params = b.obj('params');
  return defined({ strategy: b.need('strategy').toLowerCase(), params: params ? defined({ k: params.get('k'), weights: params.list('weights') }) : undefined });
}

async function hybridSearch(call: RestCall): Promise<RestReply> {
  const b = call.body;
  const name = b.need('collectionName');
  const subs = b.list('search');
  if (subs === undefined || subs.length === 0) throw missing('search');
  const rerank = b.obj('rerank');
  if (rerank === undefined) throw missing('rerank');
  return withDescription(call, name, async (info) => {
    const search = subs.map((raw) => {
      const s = Body.of(raw, 'search[]');
      const data = s.get('data');
      if (data === undefined) throw missing('search[].data');
      return defined({
        data,
        anns_field: checkVectors(info, s.str('annsField'), data),
        limit: s.int('limit'),
        offset: s.int('offset'),
        filter: subFilter(s.str('filter')),
        filter_params: s.get('exprParams'),
        ...searchParams(s.obj('searchParams') ?? s.obj('params')),
      });
    });
    // One engine call: every sub-search reads the same snapshot and the engine fuses them.
    const req = defined({
      collection_name: name,
      search,
      rerank: reranker(rerank),
      limit: b.int('limit') ?? 100,
      offset: b.int('offset'),
      output_fields: b.strings('outputFields'),
      partition_names: b.strings('partitionNames'),
      consistency_level: b.str('consistencyLevel'),
      session_ts: call.sessionTs,
    });
    const res = (await call.engine.call('hybridSearch', req)) as SearchAnswer;
    const lists = res.results.length > 0 && Array.isArray(res.results[0]) ? (res.results as Hit[][]) : [res.results as Hit[]];
    const rows = lists.flat().map((h) => restRow(h, info));
    return { reply: { data: renderRows(rows, info, call.allowInt64), topks: lists.map((l) => l.length) }, collectionId: call.engine.readCollectionId?.() };
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
  const res = (await call.engine.call('runAnalyzer', defined({ text, analyzer_params: b.get('analyzerParams'), with_detail: withDetail, with_hash: withHash }))) as {
    results: { tokens: (string | { token: string; start_offset: number; end_offset: number; position: number; position_length: number; hash?: number })[] }[];
  };
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

export const searchRoutes: RestRoutes = {
  'entities/search': search,
  'entities/hybrid_search': hybridSearch,
  'common/run_analyzer': runAnalyzer,
};

/** A sub-search's filter, refused before any work when over-long (as filterOf does). */
function subFilter(filter: string | undefined): string | undefined {
  if (filter !== undefined) checkExprLength(filter);
  return filter;
}
