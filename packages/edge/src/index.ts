/**
 * `@vesper/edge`: the Vesper Worker (wrangler.toml `main`), Milvus's Proxy on the edge. The
 * fetch handler authenticates, then answers Milvus RESTful API v2 (`POST /v2/vectordb/...`,
 * rest/router.ts) by calling the ProxyNode of the request's database, which lives in that
 * database's CatalogCoordinator Durable Object (DO RPC, errors as data). `GET /health` answers
 * `{ok:true, engine:"vesper"}` without touching storage.
 *
 * Next step: ShardLeader DOs (WAL + growing segments per shard) and QueryNode DOs (sealed
 * segments from R2), with this handler fanning searches out and merging with reduceTopK.
 */
import { VesperError } from '@vesper/core';
import { authenticate } from './auth.ts';
import type { Env } from './bindings.ts';
import { unwrap, type Engine } from './rpc.ts';
import { corsPreflight, errorResponse, handleRest, json, routeOf } from './rest/router.ts';

export { CatalogCoordinator } from './catalog-coordinator.ts';
export type { Env } from './bindings.ts';

/** The engine of one database: its CatalogCoordinator DO, addressed by name. */
export function databaseEngine(env: Env, dbName: string): Engine {
  const stub = env.CATALOG.get(env.CATALOG.idFromName(dbName));
  return {
    async call(method, request) {
      return unwrap(await stub.call(dbName, method, request));
    },
  };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/health') return json({ ok: true, engine: 'vesper' });
    const route = routeOf(url.pathname);
    if (route === undefined) {
      return json({ code: 404, message: `no route for ${request.method} ${url.pathname}: Milvus REST v2 endpoints are POST /v2/vectordb/<category>/<action>` }, 404);
    }
    if (request.method === 'OPTIONS') return corsPreflight();
    if (request.method !== 'POST') return json({ code: 404, message: `${url.pathname} answers POST only` }, 404);
    try {
      authenticate(request, env.ROOT_PASSWORD, env.VESPER_LOCAL_DEV === 'true');
    } catch (e) {
      return errorResponse(e);
    }
    return handleRest(request, route, (db) => databaseEngine(env, db));
  },
} satisfies ExportedHandler<Env>;

export { VesperError };
