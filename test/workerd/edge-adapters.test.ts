/**
 * The adapter contract suites (test/contracts/*.contract.ts), unchanged, against the edge
 * adapters in workerd: DoSqlMetaStore and DoSqlWal on a real Durable Object's SQLite storage
 * (a fresh DO per store; reopen = new adapter over the same storage, as after an eviction)
 * and R2ObjectStore on the R2 binding (a fresh key prefix per store; reopen = new adapter).
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { MetaStore, Wal } from '../../packages/core/src/adapters/index.ts';
import { DoSqlMetaStore, DoSqlWal, R2ObjectStore, WAL_CHUNK_BYTES } from '../../packages/edge/src/adapters/index.ts';
import { metaStoreContract } from '../contracts/meta-store.contract.ts';
import { objectStoreContract } from '../contracts/object-store.contract.ts';
import { walContract } from '../contracts/wal.contract.ts';
import { randomBytes, expectBytes } from '../contracts/contract-helpers.ts';

let counter = 0;

type AnyMethods = Record<PropertyKey, (...args: unknown[]) => unknown>;

/**
 * An adapter whose every call runs inside the Durable Object that owns `stub`: DO storage is
 * an I/O object of its DO and cannot be touched from the test's own context. Each call builds
 * the adapter over the DO's storage afresh, as a restarted DO would.
 */
function viaDo<T extends object>(stub: DurableObjectStub, make: (storage: DurableObjectStorage) => T): T {
  return new Proxy({} as T, {
    get: (_target, prop) =>
      prop === 'then'
        ? undefined
        : (...args: unknown[]) => runInDurableObject(stub, (_instance, state) => (make(state.storage) as unknown as AnyMethods)[prop]!(...args)),
  });
}

const stubOf = new WeakMap<object, DurableObjectStub>();
function freshDo<T extends object>(make: (storage: DurableObjectStorage) => T): () => Promise<T> {
  return async () => {
    const stub = env.CATALOG.get(env.CATALOG.newUniqueId());
    const adapter = viaDo(stub, make);
    stubOf.set(adapter, stub);
    return adapter;
  };
}
function reopenDo<T extends object, U extends object>(make: (storage: DurableObjectStorage) => T): (old: U) => Promise<T> {
  return async (old) => {
    const stub = stubOf.get(old)!;
    const adapter = viaDo(stub, make);
    stubOf.set(adapter, stub);
    return adapter;
  };
}

const makeMeta = (s: DurableObjectStorage): DoSqlMetaStore => new DoSqlMetaStore(s);
const makeWal = (s: DurableObjectStorage): DoSqlWal => new DoSqlWal(s);
metaStoreContract('Durable Object SQLite', freshDo(makeMeta), reopenDo<DoSqlMetaStore, MetaStore>(makeMeta));
walContract('Durable Object SQLite', freshDo(makeWal), reopenDo<DoSqlWal, Wal>(makeWal));

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
    const stub = env.CATALOG.get(env.CATALOG.newUniqueId());
    const big = randomBytes(2 * WAL_CHUNK_BYTES + 17, 42);
    await runInDurableObject(stub, async (_instance, state) => {
      const wal = new DoSqlWal(state.storage);
      expect(await wal.append('ch', [big, new Uint8Array(0), randomBytes(WAL_CHUNK_BYTES, 1)])).toEqual([1, 2, 3]);
      const rows = state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM vesper_wal WHERE channel = 'ch'").one();
      expect(rows.n).toBe(3 + 1 + 1);
    });
    await runInDurableObject(stub, async (_instance, state) => {
      const wal = new DoSqlWal(state.storage);
      const read = await wal.read('ch', 0);
      expectBytes(read[0]?.payload, big);
      expectBytes(read[1]?.payload, new Uint8Array(0));
      expectBytes(read[2]?.payload, randomBytes(WAL_CHUNK_BYTES, 1));
      expect((await wal.read('ch', 0, 2)).map((e) => e.lsn)).toEqual([1, 2]);
    });
  });

  it('reads a range with one R2 operation; past the end and empty ranges answer right', async () => {
    // the platform's binding, wrapped to count what the adapter asks of it
    const ops: string[] = [];
    const counted = new Proxy(env.BUCKET, {
      get: (target, prop) => {
        const v = Reflect.get(target, prop) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          ops.push(String(prop));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const s = new R2ObjectStore(counted, `ranges/${Date.now()}/`);
    const data = randomBytes(100_000, 31);
    await s.put('seg/index.bin', data);
    const read = async (key: string, offset: number, length: number) => {
      ops.length = 0;
      const got = await s.getRange(key, offset, length);
      return { got, ops: [...ops] };
    };
    for (const [offset, length] of [[0, 4096], [40_960, 4096], [99_000, 4096], [1, 99_999], [0, 1_000_000]] as const) {
      const r = await read('seg/index.bin', offset, length);
      expectBytes(r.got, data.subarray(offset, Math.min(data.length, offset + length)));
      expect(r.ops, `range ${offset}+${length}`).toEqual(['get']);
    }
    const missing = await read('seg/none.bin', 0, 4096);
    expect(missing.got).toBeUndefined();
    expect(missing.ops).toEqual(['get']);
    // rare cases learn the size from a head: at or past the end, and empty ranges
    for (const [offset, length] of [[100_000, 10], [200_000, 10], [5, 0]] as const) {
      const r = await read('seg/index.bin', offset, length);
      expectBytes(r.got, new Uint8Array(0));
      expect(r.ops.filter((o) => o === 'head'), `range ${offset}+${length}`).toHaveLength(1);
      expect(r.ops.length, `range ${offset}+${length}`).toBeLessThanOrEqual(2);
    }
    expect((await read('seg/none.bin', 7, 0)).got).toBeUndefined();
    expect((await read('seg/none.bin', 200_000, 10)).got).toBeUndefined();
    // a key deleted and written again is read at its new size (nothing cached per key)
    await s.delete(['seg/index.bin']);
    expect((await read('seg/index.bin', 0, 10)).got).toBeUndefined();
    const smaller = randomBytes(50, 37);
    await s.put('seg/index.bin', smaller);
    expectBytes((await read('seg/index.bin', 40, 4096)).got, smaller.subarray(40));
    expectBytes((await read('seg/index.bin', 4096, 4096)).got, new Uint8Array(0));
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
