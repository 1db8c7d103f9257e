/**
 * The Worker itself (packages/edge/src/index.ts, wrangler.toml `main`) answers in workerd:
 * `/health` without touching storage, and a coded 404 for anything that is not a REST v2
 * endpoint (REST behaviour itself: rest-smoke.test.ts).
 */
import { env, exports } from 'cloudflare:workers';
import worker from '../../packages/edge/src/index.ts';
import { describe, expect, it } from 'vitest';

describe('vesper Worker', () => {
  it('answers /health', async () => {
    const res = await exports.default.fetch('http://vesper.test/health');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ ok: true, engine: 'vesper' });
    expect((await exports.default.fetch('http://vesper.test/health')).status).toBe(200);
  });

  it('answers 404 with a coded JSON body for any other route', async () => {
    for (const [method, path] of [['GET', '/'], ['POST', '/v2/vectordb/nothing/here'], ['POST', '/health'], ['GET', '/v2/vectordb/collections/list']] as const) {
      const res = await exports.default.fetch(`http://vesper.test${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      const body = (await res.json()) as { code: number; message: string };
      expect(body.code).toBe(404);
      expect(body.message).toContain(path);
    }
  });

  it('refuses to serve without ROOT_PASSWORD outside local development', async () => {
    const deployed = { ...env, VESPER_LOCAL_DEV: undefined, ROOT_PASSWORD: undefined } as unknown as Parameters<typeof worker.fetch>[1];
    const req = new Request('http://vesper.test/v2/vectordb/collections/list', { method: 'POST', headers: { Authorization: 'Bearer root:Milvus' }, body: '{}' });
    const res = await worker.fetch(req, deployed);
    const body = (await res.json()) as { code: number; message: string };
    expect(body.code).toBe(2);
    expect(body.message).toContain('ROOT_PASSWORD');
  });
});
