/**
 * `@vesper/edge`: the Vesper Worker (wrangler.toml `main`), Milvus's Proxy on the edge. The
 * fetch handler authenticates (root secret or stored users, access/access-client.ts), then
 * answers Milvus RESTful API v2 (`POST /v2/vectordb/...`, rest/router.ts) — privilege check,
 * request limits, handler — by calling the ProxyNode of the request's database, which lives
 * in that database's CatalogCoordinator Durable Object (DO RPC, errors as data). Users, roles
 * and grants live in the AccessControl DO. `GET /health` answers `{ok:true, engine:"vesper"}`
 * without touching storage.
 *
 * Next step: ShardLeader DOs (WAL + growing segments per shard) and QueryNode DOs (sealed
 * segments from R2), with this handler fanning searches out and merging with reduceTopK.
 */
import { VesperError } from '@vesper/core';
import { AccessClient } from './access/access-client.ts';
import type { Env } from './bindings.ts';
import type { CallOptions } from './catalog-coordinator.ts';
import { DEFAULT_MAX_BODY_BYTES, kindOf, timeoutMs } from './limits.ts';
import { unwrap, type Engine } from './rpc.ts';
import { corsPreflight, errorResponse, handleRest, json, routeOf } from './rest/router.ts';

export { CatalogCoordinator } from './catalog-coordinator.ts';
export { AccessControl } from './access/access-control.ts';
export type { Env } from './bindings.ts';

/**
 * The engine of one database: its CatalogCoordinator DO, addressed by name. `first` options
 * (the rate-limit charge) go with the first call only; `always` (the deadline) with every call.
 */
export function databaseEngine(env: Env, dbName: string, first: CallOptions = {}, always: CallOptions = {}): Engine {
  const stub = env.CATALOG.get(env.CATALOG.idFromName(dbName));
  let pending: CallOptions | undefined = first;
  return {
    async call(method, request) {
      const options = { ...always, ...pending };
      pending = undefined;
      let result;
      try {
        result = await stub.call(dbName, method, request, options);
      } catch (e) {
        // Not an engine error (those come back as data): the DO was reset, evicted or
        // overloaded mid-request. Whether the call took effect is unknown; it is retriable.
        throw new VesperError('SERVICE_UNAVAILABLE', `database ${dbName} was unavailable during ${method} (${(e as Error).message}); retry the request`);
      }
      return unwrap(result);
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
    const access = new AccessClient(env);
    try {
      const principal = await access.authenticate(request);
      const budget = timeoutMs(request, env.VESPER_REQUEST_TIMEOUT_S);
      const deadline = Date.now() + budget;
      const kind = kindOf(route);
      return await handleRest(request, route, {
        engineFor: (db, primary) => databaseEngine(env, db, primary && kind !== undefined ? { kind } : {}, { deadline }),
        principal,
        access,
        maxBodyBytes: Number(env.VESPER_MAX_BODY_BYTES) > 0 ? Number(env.VESPER_MAX_BODY_BYTES) : DEFAULT_MAX_BODY_BYTES,
        timeoutMs: budget,
      });
    } catch (e) {
      return errorResponse(e);
    }
  },
} satisfies ExportedHandler<Env>;

export { VesperError };
