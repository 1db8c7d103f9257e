/**
 * `@vesper/edge`: the Vesper Worker (wrangler.toml `main`), Milvus's Proxy on the edge. The
 * fetch handler authenticates (root secret or stored users, access/access-client.ts), then
 * answers Milvus RESTful API v2 (`POST /v2/vectordb/...`, rest/router.ts) — privilege check,
 * request limits, handler — through the database's DistributedEngine (data/): catalog calls
 * go to the database's CatalogCoordinator DO, writes to the ShardLeader DO of each shard,
 * reads to every shard leader (which fan out to their QueryNode DOs) with the partial answers
 * merged here. DO RPC carries errors as data. Users, roles and grants live in the
 * AccessControl DO. `GET /health` answers `{ok:true, engine:"vesper"}` without touching storage.
 * Every other request first checks that kernels.wasm arrived as a WebAssembly.Module
 * (kernels.ts): a Worker built without it answers code 1 (SERVICE_NOT_READY) naming the fix.
 */
import { VesperError } from '@vesper/core';
import { AccessClient } from './access/access-client.ts';
import type { Env } from './bindings.ts';
import { kindOf, maxBodyBytesOf, timeoutMs } from './limits.ts';
import { databaseEngine } from './data/database-engine.ts';
import { importedKernels } from './kernels.ts';
import type { Principal } from './access/policy.ts';
import { handleReplica, isReplicaPath } from './replica/replica-routes.ts';
import { corsPreflight, discardBody, errorResponse, handleRest, json, routeOf } from './rest/router.ts';

export { CatalogCoordinator } from './catalog-coordinator.ts';
export { ShardLeader } from './shard-leader.ts';
export { QueryNode } from './query-node.ts';
export { AccessControl } from './access/access-control.ts';
export type { Env } from './bindings.ts';
export type { AccessControlRpc, CatalogCoordinatorRpc, QueryNodeRpc, ShardLeaderRpc } from './do-contracts.ts';

export { databaseEngine };

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await answer(request, env);
    } catch (e) {
      // Nothing leaves as a platform error page: every answer is Milvus's JSON envelope.
      await discardBody(request);
      return errorResponse(e);
    }
  },
} satisfies ExportedHandler<Env>;

/** Answers one request (every path that does not reach handleRest discards the body first). */
async function answer(request: Request, env: Env): Promise<Response> {
  const startedAt = Date.now();
  const url = new URL(request.url);
  if (request.method === 'GET' && url.pathname === '/health') return json({ ok: true, engine: 'vesper' });
  // a Worker built without kernels.wasm as a module answers every request with the fix (kernels.ts)
  await importedKernels();
  if (isReplicaPath(url.pathname)) return handleReplica(request, env, url);
  const route = routeOf(url.pathname);
  if (route === undefined) {
    await discardBody(request);
    return json({ code: 404, message: `no route for ${request.method} ${url.pathname}: Milvus REST v2 endpoints are POST /v2/vectordb/<category>/<action>` }, 404);
  }
  if (request.method === 'OPTIONS') return corsPreflight();
  if (request.method !== 'POST') {
    await discardBody(request);
    return json({ code: 404, message: `${url.pathname} answers POST only` }, 404);
  }
  const access = new AccessClient(env);
  let principal: Principal;
  let budget: number;
  try {
    principal = await access.authenticate(request);
    budget = timeoutMs(request, env.VESPER_REQUEST_TIMEOUT_S);
  } catch (e) {
    await discardBody(request);
    return errorResponse(e);
  }
  const deadline = Date.now() + budget;
  const kind = kindOf(route);
  return handleRest(request, route, {
    engineFor: (db, primary) => databaseEngine(env, db, primary && kind !== undefined ? { kind } : {}, { deadline }),
    principal,
    access,
    maxBodyBytes: maxBodyBytesOf(env),
    timeoutMs: budget,
    startedAt,
  });
}


export { VesperError };
