/**
 * REST v2 smoke test inside workerd: the Worker's fetch handler, the CatalogCoordinator DO
 * (ProxyNode over DO SQLite + R2) and the envelope, end to end without a network — auth,
 * CORS, a quick-setup collection, insert, count, exact top-1 search, and coded errors that
 * change nothing. The full SDK-driven suite is test/edge/ (Node, against wrangler).
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const AUTH = { Authorization: 'Bearer root:Milvus' };

async function post(path: string, body: unknown, headers: Record<string, string> = AUTH): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, {
    method: 'POST',
    headers: { ContentType: 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('REST v2 in workerd', () => {
  it('refuses missing or wrong credentials with 401 / 1800', async () => {
    expect(await post('collections/list', {}, {})).toMatchObject({ status: 401, json: { code: 1800 } });
    expect(await post('collections/list', {}, { Authorization: 'Bearer root:wrong' })).toMatchObject({ status: 401, json: { code: 1800 } });
    expect(await post('collections/list', {}, { Authorization: `Basic ${btoa('root:Milvus')}` })).toMatchObject({ status: 200, json: { code: 0 } });
  });

  it('answers CORS preflights with the SDK headers', async () => {
    const res = await exports.default.fetch('http://vesper.test/v2/vectordb/entities/search', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    const allowed = res.headers.get('Access-Control-Allow-Headers') ?? '';
    for (const h of ['Authorization', 'ContentType', 'Content-Type', 'Accept-Type-Allow-Int64', 'DB-Name', 'Request-Timeout']) expect(allowed).toContain(h);
  });

  it('creates, inserts, counts and searches through the DO', async () => {
    expect((await post('collections/create', { collectionName: 'smoke', dimension: 4, metricType: 'L2' })).json).toEqual({ code: 0, data: {} });
    const rows = Array.from({ length: 20 }, (_, i) => ({ id: i + 1, vector: [i, i * 0.5, -i, 1], tag: i % 2 === 0 ? 'even' : 'odd' }));
    const ins = await post('entities/insert', { collectionName: 'smoke', data: rows });
    expect(ins.json).toMatchObject({ code: 0, data: { insertCount: 20 } });
    expect((ins.json['data'] as { insertIds: unknown[] }).insertIds[0]).toBe(1);
    const count = await post('entities/query', { collectionName: 'smoke', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(count.json).toEqual({ code: 0, data: [{ 'count(*)': 20 }] });
    const hit = await post('entities/search', { collectionName: 'smoke', data: [rows[7]!.vector], limit: 3, outputFields: ['tag'], consistencyLevel: 'Strong' });
    expect(hit.json['code']).toBe(0);
    expect((hit.json['data'] as Record<string, unknown>[])[0]).toEqual({ id: 8, tag: 'odd', distance: 0 });
    expect(hit.json['topks']).toEqual([3]);
  });

  it('times every answer in a Server-Timing header that CORS exposes', async () => {
    const timing = (res: Response): number => {
      const m = /^vesper;dur=(\d+(?:\.\d+)?);desc="[^"]*"$/.exec(res.headers.get('Server-Timing') ?? '');
      expect(m, `Server-Timing: ${res.headers.get('Server-Timing')}`).not.toBeNull();
      return Number(m![1]);
    };
    const call = (path: string, body: string): Promise<Response> =>
      exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers: { ContentType: 'application/json', ...AUTH }, body });
    await call('collections/create', JSON.stringify({ collectionName: 'timed', dimension: 2 }));
    const ok = await call('entities/query', JSON.stringify({ collectionName: 'timed', outputFields: ['count(*)'] }));
    expect(((await ok.json()) as { code: number }).code).toBe(0);
    expect(timing(ok)).toBeGreaterThanOrEqual(0);
    const bad = await call('collections/describe', JSON.stringify({ collectionName: 'missing' }));
    expect(((await bad.json()) as { code: number }).code).toBe(100);
    expect(timing(bad)).toBeGreaterThanOrEqual(0);
    const malformed = await call('collections/list', '{not json');
    await malformed.json();
    expect(timing(malformed)).toBeGreaterThanOrEqual(0);
    for (const res of [ok, bad]) {
      const exposed = (res.headers.get('Access-Control-Expose-Headers') ?? '').split(',').map((h) => h.trim());
      expect(exposed).toEqual(expect.arrayContaining(['Server-Timing', 'Vesper-DO-Calls', 'Vesper-Session-Ts']));
    }
    const preflight = await exports.default.fetch('http://vesper.test/v2/vectordb/entities/search', { method: 'OPTIONS' });
    expect(preflight.headers.get('Access-Control-Expose-Headers')).toContain('Server-Timing');
  });

  it('answers coded errors with HTTP 200 and changes nothing', async () => {
    expect(await post('collections/list', '{not json')).toMatchObject({ status: 200, json: { code: 1801 } });
    expect((await post('collections/describe', {})).json['code']).toBe(1802);
    expect((await post('collections/describe', { collectionName: 'missing' })).json['code']).toBe(100);
    await post('collections/create', { collectionName: 'smoke2', dimension: 4 });
    expect((await post('entities/insert', { collectionName: 'smoke2', data: [{ id: 1, vector: [1, 2] }] })).json['code']).toBe(1804);
    const count = await post('entities/query', { collectionName: 'smoke2', outputFields: ['count(*)'], consistencyLevel: 'Strong' });
    expect(count.json).toEqual({ code: 0, data: [{ 'count(*)': 0 }] });
  });
});
