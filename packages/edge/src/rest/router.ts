/**
 * The Milvus RESTful API v2 front: `POST /v2/vectordb/<category>/<action>` → its handler.
 * Bodies are JSON whatever the Content-Type (the SDK sends a header named `ContentType`);
 * malformed JSON is 1801. Replies use Milvus's envelope, `{code:0, data}` or
 * `{code, message}`, with HTTP 200 for API errors and the error's own status for 401/403/408.
 * Every response carries the CORS headers; OPTIONS answers 204.
 */
import { VesperError } from '@vesper/core';
import type { Engine } from '../rpc.ts';
import { Body } from './body.ts';
import { aliasRoutes, databaseRoutes } from './aliases-databases.ts';
import { collectionRoutes } from './collections.ts';
import { entityRoutes } from './entities.ts';
import { indexRoutes, partitionRoutes } from './partitions-indexes.ts';
import { searchRoutes } from './search.ts';
import type { RestRoutes } from './types.ts';

export const API_PREFIX = '/v2/vectordb/';

export const ROUTES: RestRoutes = {
  ...collectionRoutes,
  ...entityRoutes,
  ...searchRoutes,
  ...partitionRoutes,
  ...indexRoutes,
  ...aliasRoutes,
  ...databaseRoutes,
};

export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, ContentType, Content-Type, Accept, Accept-Type-Allow-Int64, DB-Name, Request-Timeout',
  'Access-Control-Max-Age': '86400',
};

/** Database names as Milvus validates them; anything else cannot name a database. */
const DB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...CORS_HEADERS } });
}

/** Milvus's error envelope for a VesperError (HTTP 200 unless the code has its own status). */
export function errorResponse(e: unknown): Response {
  const err = VesperError.wrap(e);
  return json({ code: err.code, message: err.message }, err.http === 401 || err.http === 403 || err.http === 408 ? err.http : 200);
}

export function corsPreflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

/** Whether the path names a REST v2 endpoint this server answers. */
export function routeOf(pathname: string): string | undefined {
  if (!pathname.startsWith(API_PREFIX)) return undefined;
  const key = pathname.slice(API_PREFIX.length).replace(/\/+$/, '');
  return Object.prototype.hasOwnProperty.call(ROUTES, key) ? key : undefined;
}

async function parseBody(request: Request): Promise<Body> {
  const text = await request.text();
  if (text.trim() === '') return new Body({});
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new VesperError('INCORRECT_PARAMETER_FORMAT', `the request body is not valid JSON: ${(e as Error).message}`);
  }
  return Body.of(value);
}

/**
 * Answers one REST call on `route` (from routeOf).
 * @param engineFor the engine of a database (its CatalogCoordinator DO)
 */
export async function handleRest(request: Request, route: string, engineFor: (dbName: string) => Engine): Promise<Response> {
  try {
    const body = await parseBody(request);
    const dbName = body.str('dbName') || request.headers.get('DB-Name') || 'default';
    const isDatabaseCall = route.startsWith('databases/');
    if (!isDatabaseCall && !DB_NAME.test(dbName)) throw new VesperError('DATABASE_NOT_FOUND', `database not found[database=${dbName}]`);
    const reply = await ROUTES[route]!({
      body,
      dbName,
      allowInt64: (request.headers.get('Accept-Type-Allow-Int64') ?? '').toLowerCase() === 'true',
      engine: engineFor(dbName),
      engineFor: (db) => {
        if (!DB_NAME.test(db)) throw new VesperError('DATABASE_INVALID_NAME', `invalid database name ${JSON.stringify(db)}: use letters, digits and underscores, starting with a letter or underscore`);
        return engineFor(db);
      },
    });
    return json(reply.topks !== undefined ? { code: 0, data: reply.data, topks: reply.topks } : { code: 0, data: reply.data });
  } catch (e) {
    return errorResponse(e);
  }
}
