/**
 * BM25 full-text search in Node: the seeded scenario (full-text-scenario.ts) against a naive
 * evaluator in three layouts — one shard with every row growing; three shards with flushed
 * segments; three shards whose sealed segments are served by readers (LocalReaderPool) —
 * which must all give the oracle's answer. Plus the schema, write and search rules with their
 * codes, run_analyzer, and hybrid text + vector search.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VesperClient, createMemoryStorage, getIndexFactory, testSeed, DataType } from '@vesper/core';
import { LocalReaderPool } from '@vesper/core/distributed';
import { rejectsWithCode } from '../fixtures/open.ts';
import { QUERIES, SEARCHES, compare, corpus, createTextCollection, matchCases, matchIds, oracle, textHits, writeCorpus, type Doc, type TextDb } from './full-text-scenario.ts';

const seed = testSeed(process.env.VESPER_SEED);
const docs = corpus(seed, 400);

interface Layout {
  name: string;
  shards: number;
  flushes: boolean;
  readers: number;
}
const LAYOUTS: Layout[] = [
  { name: 'one shard, all growing', shards: 1, flushes: false, readers: 0 },
  { name: 'three shards, flushed segments', shards: 3, flushes: true, readers: 0 },
  { name: 'three shards, sealed segments on 2 readers', shards: 3, flushes: true, readers: 2 },
];

const open: { db: VesperClient; pool?: LocalReaderPool }[] = [];
afterAll(async () => {
  for (const o of open) {
    await o.db.close();
    o.pool?.close();
  }
});

async function openLayout(l: Layout): Promise<VesperClient> {
  const storage = createMemoryStorage();
  const pool = l.readers > 0 ? new LocalReaderPool(l.readers, storage.objects, getIndexFactory) : undefined;
  const db = await VesperClient.open({ storage, indexFactory: getIndexFactory, ...(pool ? { readers: pool } : {}) });
  open.push({ db, ...(pool ? { pool } : {}) });
  return db;
}

describe.each(LAYOUTS)(`BM25 search equals the naive evaluator: $name (seed ${seed})`, (layout) => {
  let db: VesperClient;
  let alive: Doc[];
  beforeAll(async () => {
    db = await openLayout(layout);
    await createTextCollection(db as unknown as TextDb, 'docs', layout.shards);
    alive = await writeCorpus(db as unknown as TextDb, 'docs', docs, layout.flushes);
  }, 60_000);

  for (const s of SEARCHES) {
    it(s.name, async () => {
      for (const q of QUERIES) {
        const got = await textHits(db as unknown as TextDb, 'docs', q, 10, s.extra);
        const want = await oracle(alive, q, s.keep);
        expect(compare(got, want, 10), `query "${q}" seed ${seed}`).toBeUndefined();
      }
    });
  }

  it('text_match and phrase_match select what the token oracle selects (query and as a search filter)', async () => {
    for (const c of await matchCases()) {
      const want = alive.filter(c.keep).map((d) => d.id).sort((a, b) => a - b);
      expect(await matchIds(db as never, 'docs', c.filter), `${c.filter} seed ${seed}`).toEqual(want);
      const got = await textHits(db as unknown as TextDb, 'docs', 'vector search', 10, { filter: c.filter });
      expect(compare(got, await oracle(alive, 'vector search', c.keep), 10), `${c.filter} seed ${seed}`).toBeUndefined();
    }
    expect(alive.filter((await matchCases())[3]!.keep).length, 'the phrase case matches something').toBeGreaterThan(0);
  });

  it('nq = 2 answers per query text; one text answers a flat list', async () => {
    const res = await db.search({ collection_name: 'docs', anns_field: 'sparse', data: ['vector search', 'edge worker'], limit: 5, consistency_level: 'Strong' });
    const lists = res.results as unknown as { id: unknown; score: number }[][];
    expect(lists).toHaveLength(2);
    const single = await db.search({ collection_name: 'docs', anns_field: 'sparse', data: 'edge worker', limit: 5, consistency_level: 'Strong' } as never);
    expect((single.results as unknown as { id: unknown }[]).map((h) => h.id)).toEqual(lists[1]!.map((h) => h.id));
  });

  it('hybrid search fuses a BM25 sub-search with a dense one (weighted, BM25 normalized by 2·atan/π)', async () => {
    const q = 'graph index latency';
    const text = await textHits(db as unknown as TextDb, 'docs', q, 10, {});
    const res = await db.hybridSearch({
      collection_name: 'docs',
      data: [
        { anns_field: 'sparse', data: [q], limit: 10 },
        { anns_field: 'dense', data: [[0, 1, 0, 1]], limit: 10 },
      ],
      rerank: { strategy: 'weighted', params: { weights: [1, 0] } },
      limit: 10,
      consistency_level: 'Strong',
    } as never);
    const hits = res.results as unknown as { id: unknown; score: number }[];
    const want = text.map((h) => (2 * Math.atan(h.score)) / Math.PI);
    expect(hits.slice(0, want.length).map((h) => h.score)).toEqual(want.map((w) => expect.closeTo(w, 6)) as unknown as number[]);
  });
});

describe('BM25 rules and codes', () => {
  let db: VesperClient;
  beforeAll(async () => {
    db = await openLayout({ name: 'rules', shards: 1, flushes: false, readers: 0 });
    await createTextCollection(db as unknown as TextDb, 'docs', 1);
    await db.insert({ collection_name: 'docs', data: [{ id: 1, text: 'vector search in the browser', tag: 1, dense: [1, 0, 0, 0] }] });
  });

  it('describe shows the function, the analyzer options and the output field', async () => {
    const d = await db.describeCollection({ collection_name: 'docs' });
    const schema = d.schema as unknown as { fields: Record<string, unknown>[]; functions: Record<string, unknown>[] };
    expect(schema.functions).toEqual([
      expect.objectContaining({ name: 'text_bm25', type: 'BM25', input_field_names: ['text'], output_field_names: ['sparse'] }),
    ]);
    const text = schema.fields.find((f) => f['name'] === 'text')!;
    expect(text['type_params']).toEqual(expect.arrayContaining([{ key: 'enable_analyzer', value: 'true' }, { key: 'analyzer_params', value: '{"type":"english"}' }]));
    expect(schema.fields.find((f) => f['name'] === 'sparse')!['is_function_output']).toBe(true);
    expect((d as unknown as { functions: unknown[] }).functions).toHaveLength(1);
  });

  it('the output field cannot be written (1100), and nothing is written', async () => {
    await rejectsWithCode(db.insert({ collection_name: 'docs', data: [{ id: 2, text: 'x', tag: 1, dense: [1, 0, 0, 0], sparse: { 1: 1 } }] }), 1100);
    const n = await db.query({ collection_name: 'docs', output_fields: ['count(*)'], consistency_level: 'Strong' } as never);
    expect(Number((n.data as unknown as { 'count(*)': unknown }[])[0]!['count(*)'])).toBe(1);
  });

  it('a BM25 field is searched with texts and metric BM25 only', async () => {
    await rejectsWithCode(db.search({ collection_name: 'docs', anns_field: 'sparse', data: [{ 5: 1 }], limit: 3 } as never), 1100);
    await rejectsWithCode(db.search({ collection_name: 'docs', anns_field: 'sparse', data: ['vector'], metric_type: 'IP', limit: 3 } as never), 1100);
    await rejectsWithCode(db.search({ collection_name: 'docs', anns_field: 'sparse', data: ['vector'], limit: 3, bm25: { k1: 1, b: 1, avgdl: 1 } } as never), 1100);
    await rejectsWithCode(db.createIndex({ collection_name: 'docs', field_name: 'sparse', index_name: 'other', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'IP' }), 1100);
    await rejectsWithCode(db.search({ collection_name: 'docs', anns_field: 'sparse', data: ['  '], limit: 3 } as never), 1100);
    await rejectsWithCode(db.search({ collection_name: 'docs', anns_field: 'sparse', data: ['vector'], limit: 3, params: { drop_ratio_search: 1.5 } } as never), 1100);
    await rejectsWithCode(db.search({ collection_name: 'docs', anns_field: 'sparse', data: ['vector'], limit: 3, params: { ef: 10 } } as never), 1100);
    const ok = await db.search({ collection_name: 'docs', anns_field: 'sparse', data: ['vector'], limit: 3, params: { drop_ratio_search: 0 }, consistency_level: 'Strong' } as never);
    expect((ok.results as unknown[]).length).toBe(1);
  });

  it('text data on a dense field, or a text inserted as a vector, is refused with a message that says so', async () => {
    for (const data of [['vector search'], 'vector search', ['a', 'b']]) {
      const e = await db.search({ collection_name: 'docs', anns_field: 'dense', data, limit: 3 } as never).then(() => undefined, (err: unknown) => err as { code: number; message: string });
      expect(e?.code, JSON.stringify(data)).toBe(1100);
      expect(e?.message).toContain('search data is text');
      expect(e?.message).toContain('anns_field dense is a FloatVector field that is not the output of a BM25 function');
    }
    await rejectsWithCode(db.insert({ collection_name: 'docs', data: [{ id: 3, text: 'x', tag: 1, dense: 'vector search' }] }), 1804);
    const n = await db.query({ collection_name: 'docs', output_fields: ['count(*)'], consistency_level: 'Strong' } as never);
    expect(Number((n.data as unknown as { 'count(*)': unknown }[])[0]!['count(*)'])).toBe(1);
  });

  it('index params are checked by name and range', async () => {
    const mk = (params: Record<string, unknown>) =>
      db.createCollection({
        collection_name: `bad_${Object.keys(params)[0]}`,
        fields: [
          { name: 'id', data_type: DataType.Int64, is_primary_key: true },
          { name: 't', data_type: DataType.VarChar, max_length: 100, enable_analyzer: true },
          { name: 's', data_type: DataType.SparseFloatVector },
        ],
        functions: [{ name: 'f', type: 'BM25', input_field_names: ['t'], output_field_names: ['s'] }],
        index_params: [{ field_name: 's', index_type: 'SPARSE_INVERTED_INDEX', metric_type: 'BM25', params }],
      } as never);
    await rejectsWithCode(mk({ bm25_k1: 5 }), 1100);
    await rejectsWithCode(mk({ bm25_b: -1 }), 1100);
    await rejectsWithCode(mk({ drop_ratio_build: 1 }), 1100);
    await rejectsWithCode(mk({ inverted_index_algo: 'NOPE' }), 1100);
    await rejectsWithCode(mk({ bm25_avgdl: 100 }), 1100);
    expect((await db.listCollections()).data.map((c) => c.name).filter((n) => n.startsWith('bad_'))).toEqual([]);
    // knowhere's bounds are [0, 3] for k1 and [0, 1] for b, both ends included
    await mk({ bm25_k1: 0.5, bm25_b: 0 });
    await db.dropCollection({ collection_name: 'bad_bm25_k1' });
    // drop_ratio_build is deprecated in knowhere and changes nothing: accepted in [0, 1), shown by describe
    await mk({ drop_ratio_build: 0.2 });
    const idx = await db.describeIndex({ collection_name: 'bad_drop_ratio_build', field_name: 's' });
    expect(JSON.stringify(idx.index_descriptions[0]!.params)).toContain('drop_ratio_build');
    await db.dropCollection({ collection_name: 'bad_drop_ratio_build' });
  });

  it('bad functions and analyzer options are refused at create (1100), and nothing is created', async () => {
    const base = [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 't', data_type: DataType.VarChar, max_length: 100, enable_analyzer: true },
      { name: 'n', data_type: DataType.Int64 },
      { name: 's', data_type: DataType.SparseFloatVector },
    ];
    const fn = (over: Record<string, unknown>) => [{ name: 'f', type: 'BM25', input_field_names: ['t'], output_field_names: ['s'], ...over }];
    const cases: Record<string, unknown>[] = [
      { fields: base, functions: fn({ type: 'TextEmbedding' }) },
      { fields: base, functions: fn({ input_field_names: ['n'] }) },
      { fields: base, functions: fn({ output_field_names: ['t'] }) },
      { fields: base, functions: fn({ params: { k1: 1 } }) },
      { fields: base, functions: [...fn({}), ...fn({})] },
      { fields: base.map((f) => (f.name === 't' ? { ...f, enable_analyzer: false } : f)), functions: fn({}) },
      { fields: base.map((f) => (f.name === 't' ? { ...f, analyzer_params: { tokenizer: 'nope' } } : f)), functions: fn({}) },
      { fields: base.map((f) => (f.name === 'n' ? { ...f, enable_analyzer: true } : f)) },
      { fields: base.map((f) => (f.name === 't' ? { ...f, enable_analyzer: false, enable_match: true } : f)) },
    ];
    for (const [i, c] of cases.entries()) await rejectsWithCode(db.createCollection({ collection_name: `bad${i}`, ...c } as never), 1100);
    expect((await db.listCollections()).data.map((c) => c.name).filter((n) => n.startsWith('bad'))).toEqual([]);
  });

  it('phrase_match slop counts the positions the phrase is stretched or squeezed by; text_match needs enable_match', async () => {
    await db.insert({ collection_name: 'docs', data: [{ id: 20, text: 'vector fast graph search', tag: 3, dense: [0, 1, 0, 0] }, { id: 21, text: 'search graph vector', tag: 3, dense: [0, 1, 1, 0] }] });
    const ids = async (f: string) => (await matchIds(db as never, 'docs', `tag == 3 and ${f}`)).join(',');
    expect(await ids("phrase_match(text, 'vector graph')")).toBe('');
    expect(await ids("phrase_match(text, 'vector graph', 1)")).toBe('20');
    expect(await ids("phrase_match(text, 'vector search', 2)")).toBe('20');
    expect(await ids("phrase_match(text, 'vector search', 1)")).toBe('');
    expect(await ids("phrase_match(text, 'graph vector')")).toBe('21');
    expect(await ids("text_match(text, 'graph')")).toBe('20,21');
    await rejectsWithCode(db.query({ collection_name: 'docs', filter: "text_match(tag, 'x')", limit: 1 } as never), 1100);
    await rejectsWithCode(db.query({ collection_name: 'docs', filter: "phrase_match(text, 'x', -1)", limit: 1 } as never), 1100);
  });

  it('empty and stop-word-only texts are stored and match nothing', async () => {
    await db.insert({ collection_name: 'docs', data: [{ id: 10, text: '', tag: 1, dense: [0, 0, 0, 1] }, { id: 11, text: 'the of and', tag: 1, dense: [0, 0, 1, 0] }] });
    const hits = await textHits(db as unknown as TextDb, 'docs', 'the', 10, {});
    expect(hits).toEqual([]);
    const got = await db.get({ collection_name: 'docs', ids: [10, 11], output_fields: ['sparse'] });
    expect((got.data as unknown as { sparse: unknown }[]).map((r) => r.sparse)).toEqual([{}, {}]);
  });
});
