/**
 * Issue 11 item 1: the cost of a request is bounded before the work — a 20 MB `id in [...]`
 * filter, too many terms, a too-long list (literal or template), too many query vectors, a
 * too-large result window or answer — each refused with 1100 naming the limit, the message
 * not echoing megabytes of input, and the database unchanged and answering afterwards. No
 * timing assertions: the point is that the refusal happens at all instead of running out
 * of memory (the 20 MB filter took the edge down before).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataType, EXPR_LIMITS, type VesperClient } from '@vesper/core';
import { memoryDb, rejectsWithCode } from '../fixtures/open.ts';

let db: VesperClient;
const N = 50;
beforeAll(async () => {
  db = await memoryDb();
  await db.createCollection({
    collection_name: 'lim',
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 4 },
      { name: 'big', data_type: DataType.FloatVector, dim: 4096 },
    ],
    index_params: [
      { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' },
      { field_name: 'big', index_type: 'FLAT', metric_type: 'L2' },
    ],
  });
  await db.insert({ collection_name: 'lim', data: Array.from({ length: N }, (_, id) => ({ id, v: [id, 0, 0, 0], big: new Array<number>(4096).fill(id) })) });
});
afterAll(() => db.close());

async function stillServes(): Promise<void> {
  expect((await db.count({ collection_name: 'lim', consistency_level: 'Strong' })).data).toBe(N);
  const r = await db.query({ collection_name: 'lim', filter: 'id in [1, 2, 3]', output_fields: ['id'], consistency_level: 'Strong' });
  expect(r.data.map((x) => Number(x['id']))).toEqual([1, 2, 3]);
}

describe('filter expression limits (1100)', () => {
  it('a 20 MB id in [1,1,...] filter is refused before lexing, for query, delete, count and search', async () => {
    const filter = `id in [${'1,'.repeat(10_000_000)}1]`;
    expect(filter.length).toBeGreaterThan(20_000_000);
    for (const call of [
      () => db.query({ collection_name: 'lim', filter, output_fields: ['id'] }),
      () => db.delete({ collection_name: 'lim', filter }),
      () => db.count({ collection_name: 'lim', filter }),
      () => db.search({ collection_name: 'lim', anns_field: 'v', data: [[0, 0, 0, 0]], filter, limit: 1 }),
    ]) {
      const err = await rejectsWithCode(call(), 1100);
      expect(err.message).toContain(`limit of ${EXPR_LIMITS.maxLength}`);
      expect(err.message.length).toBeLessThan(1000);
    }
    await stillServes();
  });

  it('more terms than the limit, within the length limit', async () => {
    const filter = `id in [${'1,'.repeat(EXPR_LIMITS.maxTerms)}1]`;
    expect(filter.length).toBeLessThan(EXPR_LIMITS.maxLength);
    const err = await rejectsWithCode(db.query({ collection_name: 'lim', filter }), 1100);
    expect(err.message).toContain(`more than ${EXPR_LIMITS.maxTerms} terms`);
    await stillServes();
  });

  it('a list literal or a template array longer than the list limit', async () => {
    const n = EXPR_LIMITS.maxListLength + 1;
    const literal = `id in [${Array.from({ length: n }, (_, i) => i).join(',')}]`;
    expect((await rejectsWithCode(db.query({ collection_name: 'lim', filter: literal }), 1100)).message).toContain(`more than ${EXPR_LIMITS.maxListLength} elements`);
    const ids = Array.from({ length: n }, (_, i) => i);
    const err = await rejectsWithCode(db.query({ collection_name: 'lim', filter: 'id in {ids}', filter_params: { ids } }), 1100);
    expect(err.message).toContain(`more than ${EXPR_LIMITS.maxListLength}`);
    // exactly at the limit is fine
    const ok = await db.query({ collection_name: 'lim', filter: 'id in {ids}', filter_params: { ids: ids.slice(0, n - 1) }, output_fields: ['id'], consistency_level: 'Strong' });
    expect(ok.data).toHaveLength(N);
    await stillServes();
  });
});

describe('search and query limits (1100, Milvus numbers)', () => {
  it('nq above 16384 is refused before the vectors are converted', async () => {
    const data = Array.from({ length: 16385 }, () => [0, 0, 0, 0]);
    const err = await rejectsWithCode(db.search({ collection_name: 'lim', anns_field: 'v', data, limit: 1 }), 1100);
    expect(err.message).toContain('16384');
    const ok = await db.search({ collection_name: 'lim', anns_field: 'v', data: data.slice(0, 16384), limit: 1, consistency_level: 'Strong' });
    expect(ok.results).toHaveLength(16384);
  });

  it('search limit + offset above 16384 and query limit + offset above 16384', async () => {
    await rejectsWithCode(db.search({ collection_name: 'lim', anns_field: 'v', data: [[0, 0, 0, 0]], limit: 16384, offset: 1 }), 1100);
    await rejectsWithCode(db.query({ collection_name: 'lim', filter: 'id >= 0', limit: 16000, offset: 385 }), 1100);
  });

  it('an answer above maxOutputSize (100 MiB) is refused before it is built', async () => {
    // 8,000 queries × 10 hits × a 16 KiB vector ≈ 1.3 GB of answer
    const data = Array.from({ length: 8000 }, () => new Array<number>(4096).fill(0));
    const err = await rejectsWithCode(db.search({ collection_name: 'lim', anns_field: 'big', data, limit: 10, output_fields: ['big'] }), 1100);
    expect(err.message).toContain('maxOutputSize');
    // the same search without the vector in the output is fine
    const ok = await db.search({ collection_name: 'lim', anns_field: 'big', data: data.slice(0, 100), limit: 10, consistency_level: 'Strong' });
    expect(ok.results).toHaveLength(100);
    await stillServes();
  });
});
