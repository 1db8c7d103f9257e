/**
 * The engine a request talks to: one database's DistributedEngine, its coordinator calls
 * reaching the database's CatalogCoordinator DO.
 */
import type { Env } from '../bindings.ts';
import { reach, type Engine } from '../rpc.ts';
import type { CallOptions } from './types.ts';
import { DistributedEngine } from './distributed-engine.ts';

/**
 * The engine of one database. `first` options (the rate-limit charge) go with the first
 * coordinator call only; `always` (the deadline) with every call.
 */
export function databaseEngine(env: Env, dbName: string, first: CallOptions = {}, always: CallOptions = {}): Engine {
  const stub = env.CATALOG.get(env.CATALOG.idFromName(dbName));
  let pending: CallOptions | undefined = first;
  const options = (): CallOptions => {
    const o = { ...always, ...pending };
    pending = undefined;
    return o;
  };
  return new DistributedEngine(env, dbName, {
    call: (db, method, request) => reach(`database ${db} during ${method}`, () => stub.call(db, method, request, options())),
    begin: (db, collection, opts) => reach(`database ${db}`, () => stub.begin(db, collection, { ...options(), ...opts })),
  });
}

