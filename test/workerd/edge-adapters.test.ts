/**
 * The adapter contract suites (test/contracts/*.contract.ts), unchanged, against the edge
 * adapters in workerd: DoSqlMetaStore and DoSqlWal on a real Durable Object's SQLite storage
 * (a fresh DO per store; reopen = new adapter over the same storage, as after an eviction)
 * and R2ObjectStore on the R2 binding (a fresh key prefix per store; reopen = new adapter).
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DoSqlMetaStore, DoSqlWal, R2ObjectStore, WAL_CHUNK_BYTES } from '../../packages/edge/src/adapters/index.ts';
import { metaStoreContract } from '../contracts/meta-store.contract.ts';
import { objectStoreContract } from '../contracts/object-store.contract.ts';
import { walContract } from '../contracts/wal.contract.ts';
import { randomBytes, expectBytes } from '../contracts/contract-helpers.ts';

let counter = 0;

/** The SQLite storage of a brand-new Durable Object. */
async function freshStorage(): Promise<DurableObjectStorage> {
  const stub = env.CATALOG.get(env.CATALOG.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => state.storage);
}

const storageOf = new WeakMap<object, DurableObjectStorage>();

metaStoreContract(
  'Durable Object SQLite',
  async () => {
    const storage = await freshStorage();
    const s = new DoSqlMetaStore(storage);
    storageOf.set(s, storage);
    return s;
  },
  async (old) => {
    const storage = storageOf.get(old)!;
    const s = new DoSqlMetaStore(storage);
    storageOf.set(s, storage);
    return s;
  },
);

walContract(
  'Durable Object SQLite',
  async () => {
    const storage = await freshStorage();
    const w = new DoSqlWal(storage);
    storageOf.set(w, storage);
    return w;
  },
  async (old) => {
    const storage = storageOf.get(old)!;
    const w = new DoSqlWal(storage);
    storageOf.set(w, storage);
    return w;
  },
);

const rootOf = new WeakMap<object, string>();
objectStoreContract(
  'R2',
  async () => {
    const root = `contract/${++counter}-${Date.now()}/`;
    const s = new R2ObjectStore(env.BUCKET, root);
    rootOf.set(s, root);
    return s;
  },
  async (old) => {
    const root = rootOf.get(old)!;
    const s = new R2ObjectStore(env.BUCKET, root);
    rootOf.set(s, root);
    return s;
  },
);

describe('edge adapters beyond the contracts', () => {
  it('splits WAL payloads larger than a SQLite row into chunks and reassembles them', async () => {
    const storage = await freshStorage();
    const wal = new DoSqlWal(storage);
    const big = randomBytes(2 * WAL_CHUNK_BYTES + 17, 42);
    expect(await wal.append('ch', [big, new Uint8Array(0), randomBytes(WAL_CHUNK_BYTES, 1)])).toEqual([1, 2, 3]);
    const rows = storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM vesper_wal WHERE channel = 'ch'").one();
    expect(rows.n).toBe(3 + 1 + 1);
    const read = await new DoSqlWal(storage).read('ch', 0);
    expectBytes(read[0]?.payload, big);
    expectBytes(read[1]?.payload, new Uint8Array(0));
    expectBytes(read[2]?.payload, randomBytes(WAL_CHUNK_BYTES, 1));
    expect((await wal.read('ch', 0, 2)).map((e) => e.lsn)).toEqual([1, 2]);
  });

  it('lists more than one R2 page (cursor pagination), sorted', async () => {
    const s = new R2ObjectStore(env.BUCKET, `paging/${Date.now()}/`);
    const keys = Array.from({ length: 1203 }, (_, i) => `k/${i}`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => s.put(k, new Uint8Array(1))));
    const listed = await s.list('k/');
    expect(listed.map((o) => o.key)).toEqual([...keys].sort());
    await s.delete(keys);
    expect(await s.list('')).toEqual([]);
  });
});
