/**
 * Session consistency over REST (issue 6): Milvus's REST API has no session, so a write answers
 * its timestamp in header `Vesper-Session-Ts` and a read may send it back; a Session read then
 * sees that write (read-your-writes). A malformed header is 1100 and changes nothing. Also a
 * burst of concurrent inserts and searches over a 4-shard collection: no errors, no lost rows.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const AUTH = { Authorization: 'Bearer root:Milvus' };

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ json: Record<string, unknown>; session: string | null }> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { ContentType: 'application/json', ...AUTH, ...headers },
    body: JSON.stringify(body),
  });
  return { json: (await res.json()) as Record<string, unknown>, session: res.headers.get('Vesper-Session-Ts') };
}

describe('Session consistency over REST', () => {
  it('answers a write timestamp and honours it on Session reads', async () => {
    await post('collections/create', { collectionName: 'sess', dimension: 2, params: { consistencyLevel: 'Session' } });
    const ins = await post('entities/insert', { collectionName: 'sess', data: [{ id: 1, vector: [1, 0] }] });
    expect(ins.json['code']).toBe(0);
    expect(ins.session).toMatch(/^[0-9]+$/);
    const ups = await post('entities/upsert', { collectionName: 'sess', data: [{ id: 2, vector: [0, 1] }] });
    expect(BigInt(ups.session!)).toBeGreaterThan(BigInt(ins.session!));
    const count = await post('entities/query', { collectionName: 'sess', outputFields: ['count(*)'], consistencyLevel: 'Session' }, { 'Vesper-Session-Ts': ups.session! });
    expect(count.json).toEqual({ code: 0, data: [{ 'count(*)': 2 }] });
    const del = await post('entities/delete', { collectionName: 'sess', filter: 'id in [1]' });
    expect(BigInt(del.session!)).toBeGreaterThan(BigInt(ups.session!));
    const hit = await post('entities/search', { collectionName: 'sess', data: [[1, 0]], limit: 5, consistencyLevel: 'Session' }, { 'Vesper-Session-Ts': del.session! });
    expect((hit.json['data'] as { id: number }[]).map((r) => r.id)).toEqual([2]);
    const got = await post('entities/get', { collectionName: 'sess', id: [2] }, { 'Vesper-Session-Ts': del.session! });
    expect((got.json['data'] as unknown[]).length).toBe(1);
    // Reads answer no session timestamp; a bad one is refused before anything runs.
    expect(count.session).toBeNull();
    expect((await post('entities/query', { collectionName: 'sess', filter: 'id > 0' }, { 'Vesper-Session-Ts': 'yesterday' })).json['code']).toBe(1100);
  });

  it('exposes the header to browsers', async () => {
    const res = await exports.default.fetch('http://vesper.test/v2/vectordb/entities/insert', { method: 'OPTIONS' });
    expect(res.headers.get('Access-Control-Expose-Headers')).toContain('Vesper-Session-Ts');
    expect(res.headers.get('Access-Control-Allow-Headers')).toContain('Vesper-Session-Ts');
  });

  it('a concurrent burst over 4 shards loses no row', async () => {
    await post('collections/create', { collectionName: 'burst', dimension: 8, metricType: 'L2', params: { shardsNum: 4 } });
    const clients = 6;
    const batches = 4;
    const perBatch = 50;
    const work: Promise<{ json: Record<string, unknown> }>[] = [];
    for (let c = 0; c < clients; c++) {
      for (let b = 0; b < batches; b++) {
        const base = (c * batches + b) * perBatch;
        const data = Array.from({ length: perBatch }, (_, i) => ({ id: base + i + 1, vector: Array.from({ length: 8 }, (_, d) => ((base + i) % 97) + d) }));
        work.push(post('entities/insert', { collectionName: 'burst', data }));
        work.push(post('entities/search', { collectionName: 'burst', data: [data[0]!.vector], limit: 3 }));
      }
    }
    const out = await Promise.all(work);
    expect(out.filter((r) => r.json['code'] !== 0)).toEqual([]);
    const count = await post('entities/query', { collectionName: 'burst', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(count.json).toEqual({ code: 0, data: [{ 'count(*)': clients * batches * perBatch }] });
  });
});
