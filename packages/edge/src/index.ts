/**
 * `@vesper/edge`: the Vesper Worker (wrangler.toml `main`). For now it only proves that the
 * portable engine imports and opens inside workerd: `GET /health` opens one in-memory
 * VesperClient per isolate (with the WASM kernels, imported as a precompiled module because
 * workerd forbids compiling bytes at runtime) and answers `{ok:true, engine:"vesper"}`.
 * Every other request is a 404 with a `{code, message}` body.
 *
 * The Milvus RESTful API v2 endpoint (`POST /v2/vectordb/...`, Milvus's Proxy), and the
 * Durable Objects and R2 bucket behind it, arrive with the edge issue.
 */
import { VesperClient, VesperError } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
export { CatalogCoordinator } from './catalog-coordinator.ts';

/** One engine per isolate: opened on the first request that needs it, then reused. */
let engine: Promise<VesperClient> | undefined;

function openEngine(): Promise<VesperClient> {
  engine ??= VesperClient.open({ storage: 'memory://', kernels: kernelsModule }).catch((err: unknown) => {
    engine = undefined; // let a later request retry instead of caching the failure
    throw err;
  });
  return engine;
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
}

async function health(): Promise<Response> {
  try {
    await openEngine();
    return json({ ok: true, engine: 'vesper' });
  } catch (err) {
    const e = VesperError.wrap(err);
    return json({ code: e.code, message: e.message }, e.http >= 400 ? e.http : 500);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/health') return health();
    return json({ code: 404, message: `no route for ${request.method} ${url.pathname}: the Milvus REST v2 API is not served yet` }, 404);
  },
} satisfies ExportedHandler;
