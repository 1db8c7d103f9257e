/**
 * `aliases/*` and `databases/*` (Milvus REST v2). Each database is its own CatalogCoordinator
 * DO; the "default" database's DO also keeps the registry of databases (its catalog lists
 * them all). Create registers first (duplicates are refused there), then initializes the
 * database's own DO; drop empties the database's DO first (it refuses while collections
 * remain), then unregisters it.
 */
import { VesperError } from '@vesper/core';
import { allowed, seesDatabase } from '../access/policy.ts';
import { Body, missing } from './body.ts';
import type { RestCall, RestReply, RestRoutes } from './types.ts';

const EMPTY: RestReply = { data: {} };
const REGISTRY = 'default';

const alias = (call: RestCall): string => call.body.need('aliasName');

/** The alias's collection, after checking the endpoint's privilege on it (not on a name the body carries). */
async function aliasTarget(call: RestCall): Promise<{ alias: string; collection: string; db_name: string }> {
  const res = await call.engine.call('describeAlias', { alias: alias(call) });
  await call.authorizeOn(res.collection);
  return res;
}

export const aliasRoutes: RestRoutes = {
  'aliases/list': async (call) => {
    const name = call.body.str('collectionName');
    const res = await call.engine.call('listAliases', name ? { collection_name: name } : {});
    return { data: res.aliases };
  },
  'aliases/describe': async (call) => {
    const res = await aliasTarget(call);
    return { data: { aliasName: res.alias, collectionName: res.collection, dbName: res.db_name } };
  },
  'aliases/create': async (call) => {
    await call.engine.call('createAlias', { alias: alias(call), collection_name: call.body.need('collectionName') });
    return EMPTY;
  },
  'aliases/alter': async (call) => {
    const target = call.body.need('collectionName');
    // re-pointing takes the alias from one collection and gives it to another: both must be allowed
    await aliasTarget(call);
    await call.authorizeOn(target);
    await call.engine.call('alterAlias', { alias: alias(call), collection_name: target });
    return EMPTY;
  },
  'aliases/drop': async (call) => {
    try {
      await aliasTarget(call);
    } catch (e) {
      // Milvus answers success for dropping an alias that does not exist; nothing is opened by it.
      if (!VesperError.is(e, 'ALIAS_NOT_FOUND')) throw e;
      await call.authorizeOn('*');
      return EMPTY;
    }
    await call.engine.call('dropAlias', { alias: alias(call) });
    return EMPTY;
  },
};

function properties(call: RestCall): Record<string, unknown> | undefined {
  const p = call.body.get('properties');
  return p === undefined ? undefined : Body.of(p, 'properties').raw;
}

export const databaseRoutes: RestRoutes = {
  'databases/list': async (call) => {
    const res = await call.engineFor(REGISTRY).call('listDatabases', {});
    // Like Milvus, a user without ListDatabases sees only the databases it holds grants in.
    const policy = await call.access.policy();
    const all = allowed(policy, call.principal, { privilege: 'ListDatabases', level: 'Cluster', db: 'default', collection: '*' });
    return { data: all ? res.db_names : res.db_names.filter((d) => seesDatabase(policy, call.principal, d)) };
  },
  'databases/create': async (call) => {
    const db = call.body.need('dbName');
    const props = properties(call);
    const req = { db_name: db, ...(props ? { properties: props } : {}) };
    await call.engineFor(REGISTRY).call('createDatabase', req);
    try {
      await call.engineFor(db).call('createDatabase', req);
    } catch (e) {
      // A database DO left initialized by an earlier, interrupted create is fine to reuse.
      if (!VesperError.is(e, 'DATABASE_ALREADY_EXISTS')) {
        await call.engineFor(REGISTRY).call('dropDatabase', { db_name: db });
        throw e;
      }
    }
    return EMPTY;
  },
  'databases/describe': async (call) => {
    const db = call.body.need('dbName');
    const res = await call.engineFor(db).call('describeDatabase', { db_name: db });
    return { data: { dbName: res.db_name, dbID: Number(res.dbID), properties: res.properties } };
  },
  'databases/alter': async (call) => {
    const db = call.body.need('dbName');
    const props = properties(call);
    if (props === undefined) throw missing('properties');
    await call.engineFor(db).call('alterDatabase', { db_name: db, properties: props });
    return EMPTY;
  },
  'databases/drop_properties': async (call) => {
    const db = call.body.need('dbName');
    const keys = call.body.strings('propertyKeys') ?? call.body.strings('deleteKeys');
    if (keys === undefined) throw missing('propertyKeys');
    await call.engineFor(db).call('dropDatabaseProperties', { db_name: db, delete_keys: keys });
    return EMPTY;
  },
  'databases/drop': async (call) => {
    const db = call.body.need('dbName');
    if (db === REGISTRY) throw new VesperError('PARAMETER_INVALID', 'can not drop default database');
    // Milvus answers success for dropping a database that does not exist (idempotent drop).
    const { db_names } = await call.engineFor(REGISTRY).call('listDatabases', {});
    if (!db_names.includes(db)) return EMPTY;
    await call.engineFor(db).call('dropDatabase', { db_name: db });
    await call.engineFor(REGISTRY).call('dropDatabase', { db_name: db });
    return EMPTY;
  },
};
