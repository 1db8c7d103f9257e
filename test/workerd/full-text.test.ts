/**
 * BM25 full-text search at the edge, in workerd: the scenario of test/text/full-text-scenario.ts
 * through the DistributedEngine (three ShardLeader DOs; the test config seals at 150 rows, so
 * sealed segments sit on QueryNode DOs) against the naive evaluator — statistics gathered over
 * every shard and node before scoring, before and after the shard leaders have written the
 * segments' sparse index files — and the REST v2 shapes: create with `functions` and
 * `elementTypeParams` analyzer options, describe, text search, and run_analyzer.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { initKernels, kernelsReady } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { edgeMethod } from '../../packages/edge/src/rpc.ts';
import { QUERIES, SEARCHES, compare, corpus, createTextCollection, matchCases, matchIds, oracle, textHits, writeCorpus, type TextDb } from '../text/full-text-scenario.ts';
import { workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const AUTH = { Authorization: 'Bearer root:Milvus' };

async function post(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: { ContentType: 'application/json', ...AUTH }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

function edgeDb(): TextDb & { query(req: Record<string, unknown>): Promise<unknown> } {
  const engine = databaseEngine(env, 'default');
  const call = (method: string) => (req: Record<string, unknown>) => engine.call(edgeMethod(method), req);
  return {
    createCollection: call('createCollection'),
    createPartition: call('createPartition'),
    createIndex: call('createIndex'),
    loadCollection: call('loadCollection'),
    insert: call('insert'),
    upsert: call('upsert'),
    delete: call('delete'),
    flush: call('flush'),
    search: call('search') as TextDb['search'],
    query: call('query'),
  };
}

describe(`BM25 full-text search through Durable Objects (seed ${seed})`, () => {
  it('three shards, sealed segments on query nodes: every search equals the naive evaluator', async () => {
    if (!kernelsReady()) await initKernels(kernelsModule);
    const db = edgeDb();
    await createTextCollection(db, 'ft', 3);
    const alive = await writeCorpus(db, 'ft', corpus(seed, 400), true);
    for (const s of SEARCHES) {
      for (const q of QUERIES) {
        const got = await textHits(db, 'ft', q, 10, s.extra);
        expect(compare(got, await oracle(alive, q, s.keep), 10), `${s.name}: "${q}" seed ${seed}`).toBeUndefined();
      }
    }
    for (const c of await matchCases()) {
      const want = alive.filter(c.keep).map((d) => d.id).sort((a, b) => a - b);
      expect(await matchIds(db as never, 'ft', c.filter), `${c.filter} seed ${seed}`).toEqual(want);
    }
    // the shard leaders write every sealed segment's sparse index file (describeIndex counts
    // committed files); the query nodes then open the files and answer the same
    const engine = databaseEngine(env, 'default');
    for (let i = 0; ; i++) {
      const d = ((await engine.call('describeIndex', { collection_name: 'ft', field_name: 'sparse' })) as { index_descriptions: { state: string; indexed_rows: string; pending_index_rows: string }[] }).index_descriptions[0]!;
      if (d.state === 'Finished' && Number(d.pending_index_rows) === 0 && Number(d.indexed_rows) > 0) break;
      if (i >= 400) throw new Error(`sparse index files not built: ${JSON.stringify(d)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    for (const q of QUERIES) {
      expect(compare(await textHits(db, 'ft', q, 10, {}), await oracle(alive, q, () => true), 10), `after the index files: "${q}" seed ${seed}`).toBeUndefined();
    }
  }, 120_000);

  it('REST v2: create with a BM25 function, describe it, insert texts, search by text, run_analyzer', async () => {
    const created = await post('collections/create', {
      collectionName: 'ft_rest',
      schema: {
        fields: [
          { fieldName: 'id', dataType: 'Int64', isPrimary: true },
          { fieldName: 'text', dataType: 'VarChar', elementTypeParams: { max_length: 500, enable_analyzer: true, analyzer_params: { type: 'english' } } },
          { fieldName: 'sparse', dataType: 'SparseFloatVector' },
        ],
        functions: [{ name: 'bm25', type: 'BM25', inputFieldNames: ['text'], outputFieldNames: ['sparse'], params: {} }],
      },
      indexParams: [{ fieldName: 'sparse', indexType: 'SPARSE_INVERTED_INDEX', metricType: 'BM25', params: { bm25_k1: 1.5, bm25_b: 0.5 } }],
    });
    expect(created).toEqual({ code: 0, data: {} });
    const d = (await post('collections/describe', { collectionName: 'ft_rest' }))['data'] as Record<string, unknown>;
    expect(d['functions']).toEqual([{ name: 'bm25', description: '', type: 'BM25', inputFieldNames: ['text'], outputFieldNames: ['sparse'], params: {} }]);
    const docs = [
      { id: 1, text: 'Vector databases store embeddings' },
      { id: 2, text: 'The browser runs the database in a worker' },
      { id: 3, text: 'Edge workers answer vector searches' },
    ];
    expect((await post('entities/insert', { collectionName: 'ft_rest', data: docs }))['code']).toBe(0);
    const res = await post('entities/search', { collectionName: 'ft_rest', annsField: 'sparse', data: ['vector worker'], limit: 3, outputFields: ['text'], consistencyLevel: 'Strong' });
    expect(res['code']).toBe(0);
    const hits = res['data'] as { id: string; distance: number }[];
    const want = await oracle(docs.map((x) => ({ ...x, tag: 0, part: 'p0' as const })), 'vector worker', () => true, 1.5, 0.5);
    expect(compare(hits.map((h) => ({ id: Number(h.id), score: h.distance })), want, 3)).toBeUndefined();
    const sparseIn = await post('entities/insert', { collectionName: 'ft_rest', data: [{ id: 9, text: 'x', sparse: { 1: 1 } }] });
    expect(sparseIn['code']).toBe(1100);
    const tokens = await post('common/run_analyzer', { text: ['Running dogs!'], analyzerParams: { type: 'english' }, withDetail: true, withHash: true });
    expect(tokens).toMatchObject({ code: 0, data: { results: [{ tokens: [{ token: 'run', startOffset: 0, endOffset: 7, position: 0, positionLength: 1 }, { token: 'dog' }] }] } });
    const hash = ((tokens['data'] as { results: { tokens: { hash: number }[] }[] }).results[0]!.tokens[0]!).hash;
    expect(typeof hash).toBe('number');
    expect((await post('common/run_analyzer', { text: 'x', collectionName: 'ft_rest', fieldName: 'text' }))['code']).toBe(1100);
  });
});
