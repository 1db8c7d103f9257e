/**
 * Catalog (RootCoord's meta table): databases, collections, partitions, aliases and index
 * metadata over a MetaStore, cached in memory. Every mutation is one MetaStore batch with
 * compare-and-set on the records it read, so a crash leaves either the old or the new state,
 * and a concurrent writer on the same store is detected (COMMIT_CONFLICT) rather than lost.
 * Callers serialize DDL (the proxy's DDL queue), so the cache is the truth between writes.
 */
import { VesperError } from '../errors/index.ts';
import type { MetaStore, MetaOp } from '../adapters/meta-store.ts';
import { validateName } from '../schema/validate.ts';
import type { CollectionInfo, DatabaseInfo } from './types.ts';
import { DataType } from '../schema/data-type.ts';
import { DEFAULT_DATABASE } from './types.ts';

interface Versioned<T> {
  value: T;
  version: number;
}

const dbKey = (name: string): string => `db/${name}`;
const collKey = (dbId: number, id: number): string => `coll/${dbId}/${id}`;
const aliasKey = (dbId: number, alias: string): string => `alias/${dbId}/${alias}`;

/**
 * Catalog records as JSON. The one bigint a record holds is an Int64 field's default value: it
 * is stored as its decimal string and read back as a bigint (readCollection), so defaults above
 * 2^53 survive exactly.
 */
export function catalogJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

function readCollection(text: string): CollectionInfo {
  const info = JSON.parse(text) as CollectionInfo;
  const fields = info.schema.fields.map((f) =>
    f.data_type === DataType.Int64 && typeof f.default_value === 'string' ? { ...f, default_value: BigInt(f.default_value) } : f,
  );
  return { ...info, schema: { ...info.schema, fields } };
}

export class Catalog {
  private readonly dbs = new Map<string, Versioned<DatabaseInfo>>();
  private readonly colls = new Map<number, Versioned<CollectionInfo>>();
  /** alias key (dbId/alias) -> collection id */
  private readonly aliases = new Map<string, Versioned<number>>();

  private constructor(private readonly meta: MetaStore) {}

  static async open(meta: MetaStore, createdTs: () => Promise<bigint>, nextId: () => Promise<number>): Promise<Catalog> {
    const c = new Catalog(meta);
    for (const [key, rec] of await meta.list('db/')) {
      const info = JSON.parse(rec.value) as DatabaseInfo;
      c.dbs.set(key.slice(3), { value: info, version: rec.version });
    }
    for (const [, rec] of await meta.list('coll/')) {
      const info = readCollection(rec.value);
      c.colls.set(info.id, { value: info, version: rec.version });
    }
    for (const [key, rec] of await meta.list('alias/')) {
      c.aliases.set(key.slice(6), { value: JSON.parse(rec.value) as number, version: rec.version });
    }
    if (!c.dbs.has(DEFAULT_DATABASE)) {
      await c.createDatabase({ id: await nextId(), name: DEFAULT_DATABASE, createdTs: String(await createdTs()), properties: {} });
    }
    return c;
  }

  // ---- databases ----

  listDatabases(): DatabaseInfo[] {
    return [...this.dbs.values()].map((d) => d.value).sort((a, b) => a.id - b.id);
  }

  /** @throws DATABASE_NOT_FOUND (800) */
  database(name: string): DatabaseInfo {
    const db = this.dbs.get(name);
    if (!db) throw new VesperError('DATABASE_NOT_FOUND', `database not found[database=${name}]`);
    return db.value;
  }

  async createDatabase(info: DatabaseInfo): Promise<void> {
    validateName(info.name, 'database');
    if (this.dbs.has(info.name)) throw new VesperError('DATABASE_ALREADY_EXISTS', `database already exists: ${info.name}`);
    const version = await this.meta.put(dbKey(info.name), catalogJson(info), 0);
    this.dbs.set(info.name, { value: info, version });
  }

  /** Merges `properties` into the database's, then removes `deleteKeys`. */
  async alterDatabase(name: string, properties: Record<string, string>, deleteKeys: readonly string[] = []): Promise<void> {
    const cur = this.dbs.get(name);
    if (!cur) throw new VesperError('DATABASE_NOT_FOUND', `database not found[database=${name}]`);
    const merged: Record<string, string> = { ...cur.value.properties, ...properties };
    for (const k of deleteKeys) delete merged[k];
    const next = { ...cur.value, properties: merged };
    const version = await this.meta.put(dbKey(name), catalogJson(next), cur.version);
    this.dbs.set(name, { value: next, version });
  }

  /** @throws DATABASE_NOT_EMPTY when it still holds collections; PARAMETER_INVALID for `default`. */
  async dropDatabase(name: string): Promise<void> {
    const cur = this.dbs.get(name);
    if (!cur) return;
    if (name === DEFAULT_DATABASE) throw new VesperError('PARAMETER_INVALID', 'can not drop default database');
    if (this.listCollections(name).length > 0) {
      throw new VesperError('DATABASE_NOT_EMPTY', `database ${name} still has collections; drop them first`);
    }
    await this.meta.delete(dbKey(name), cur.version);
    this.dbs.delete(name);
  }

  // ---- collections ----

  listCollections(dbName: string): CollectionInfo[] {
    const db = this.database(dbName);
    return [...this.colls.values()].map((c) => c.value).filter((c) => c.dbId === db.id).sort((a, b) => a.id - b.id);
  }

  /** Finds a collection by name or alias; undefined when absent. */
  findCollection(dbName: string, nameOrAlias: string): CollectionInfo | undefined {
    const db = this.database(dbName);
    for (const c of this.colls.values()) if (c.value.dbId === db.id && c.value.name === nameOrAlias) return c.value;
    const aliased = this.aliases.get(`${db.id}/${nameOrAlias}`);
    return aliased ? this.colls.get(aliased.value)?.value : undefined;
  }

  /** @throws COLLECTION_NOT_FOUND (100) */
  collection(dbName: string, nameOrAlias: string): CollectionInfo {
    const c = this.findCollection(dbName, nameOrAlias);
    if (!c) {
      throw new VesperError('COLLECTION_NOT_FOUND', `can't find collection[database=${dbName}][collection=${nameOrAlias}]`);
    }
    return c;
  }

  collectionById(id: number): CollectionInfo | undefined {
    return this.colls.get(id)?.value;
  }

  async createCollection(info: CollectionInfo): Promise<void> {
    const db = this.listDatabases().find((d) => d.id === info.dbId);
    if (!db) throw new VesperError('DATABASE_NOT_FOUND', `database not found[databaseID=${info.dbId}]`);
    if (this.aliases.has(`${info.dbId}/${info.name}`)) {
      throw new VesperError('ALIAS_COLLECTION_NAME_CONFLICT', `collection name ${info.name} conflicts with an existing alias`);
    }
    const version = await this.meta.put(collKey(info.dbId, info.id), catalogJson(info), 0);
    this.colls.set(info.id, { value: info, version });
  }

  /** Replaces a collection record (compare-and-set on the cached version). */
  async updateCollection(next: CollectionInfo): Promise<void> {
    const cur = this.colls.get(next.id);
    if (!cur) throw new VesperError('COLLECTION_NOT_FOUND', `can't find collection[collectionID=${next.id}]`);
    const ops: MetaOp[] = [];
    if (cur.value.dbId !== next.dbId) {
      // moving databases: the record's key changes, and its aliases go away
      ops.push({ type: 'delete', key: collKey(cur.value.dbId, cur.value.id), expectedVersion: cur.version });
      ops.push({ type: 'put', key: collKey(next.dbId, next.id), value: catalogJson(next), expectedVersion: 0 });
      for (const [k, a] of this.aliases) if (a.value === next.id) ops.push({ type: 'delete', key: `alias/${k}`, expectedVersion: a.version });
      await this.meta.batch(ops);
      for (const [k, a] of [...this.aliases]) if (a.value === next.id) this.aliases.delete(k);
      this.colls.set(next.id, { value: next, version: 1 });
      return;
    }
    const version = await this.meta.put(collKey(next.dbId, next.id), catalogJson(next), cur.version);
    this.colls.set(next.id, { value: next, version });
  }

  /** Removes the collection record and its aliases in one batch. */
  async dropCollection(id: number): Promise<void> {
    const cur = this.colls.get(id);
    if (!cur) return;
    const ops: MetaOp[] = [{ type: 'delete', key: collKey(cur.value.dbId, id), expectedVersion: cur.version }];
    const gone: string[] = [];
    for (const [k, a] of this.aliases) {
      if (a.value === id) {
        ops.push({ type: 'delete', key: `alias/${k}`, expectedVersion: a.version });
        gone.push(k);
      }
    }
    await this.meta.batch(ops);
    this.colls.delete(id);
    for (const k of gone) this.aliases.delete(k);
  }

  // ---- aliases ----

  listAliases(dbName: string, collectionId?: number): string[] {
    const db = this.database(dbName);
    const prefix = `${db.id}/`;
    return [...this.aliases.entries()]
      .filter(([k, a]) => k.startsWith(prefix) && (collectionId === undefined || a.value === collectionId))
      .map(([k]) => k.slice(prefix.length))
      .sort();
  }

  aliasTarget(dbName: string, alias: string): number | undefined {
    return this.aliases.get(`${this.database(dbName).id}/${alias}`)?.value;
  }

  /** Creates (or, with `alter`, repoints) an alias. */
  async setAlias(dbName: string, alias: string, collectionId: number, alter: boolean): Promise<void> {
    const db = this.database(dbName);
    validateName(alias, 'alias');
    const key = `${db.id}/${alias}`;
    const cur = this.aliases.get(key);
    if (!alter && cur) {
      if (cur.value === collectionId) return;
      throw new VesperError('ALIAS_ALREADY_EXISTS', `alias ${alias} already exists and points to another collection; use alterAlias`);
    }
    if (alter && !cur) throw new VesperError('ALIAS_NOT_FOUND', `alias not found[database=${dbName}][alias=${alias}]`);
    for (const c of this.colls.values()) {
      if (c.value.dbId === db.id && c.value.name === alias) {
        throw new VesperError('ALIAS_COLLECTION_NAME_CONFLICT', `alias ${alias} conflicts with the name of an existing collection`);
      }
    }
    const version = await this.meta.put(aliasKey(db.id, alias), JSON.stringify(collectionId), cur?.version ?? 0);
    this.aliases.set(key, { value: collectionId, version });
  }

  async dropAlias(dbName: string, alias: string): Promise<void> {
    const db = this.database(dbName);
    const key = `${db.id}/${alias}`;
    const cur = this.aliases.get(key);
    if (!cur) return;
    await this.meta.delete(aliasKey(db.id, alias), cur.version);
    this.aliases.delete(key);
  }
}
