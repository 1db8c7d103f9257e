/**
 * The adapter contract suites (test/contracts) in real Chromium, on the page's main thread:
 * IdbMetaStore, IdbWal and IdbObjectStore on IndexedDB, and OpfsObjectStore on OPFS through
 * its main-thread write path (`createWritable`). The OPFS sync-access-handle path — the one
 * the engine's worker uses — runs the same suite in opfs-worker-contract.test.ts. Every store
 * gets a fresh, uniquely named IndexedDB database or OPFS directory.
 */
import { afterAll } from 'vitest';
import { IdbMetaStore, IdbObjectStore, IdbWal, OpfsObjectStore } from '../../packages/browser/src/index.ts';
import { metaStoreContract } from '../contracts/meta-store.contract.ts';
import { objectStoreContract } from '../contracts/object-store.contract.ts';
import { walContract } from '../contracts/wal.contract.ts';
import { freshName, removeOpfsDir } from './browser-helpers.ts';

const opfsDirs: string[] = [];
afterAll(async () => {
  for (const d of opfsDirs) await removeOpfsDir(d);
});

metaStoreContract(
  'IndexedDB',
  async () => IdbMetaStore.open(freshName('meta')),
  async (store) => {
    const s = store as IdbMetaStore;
    await s.close();
    return IdbMetaStore.open(s.dbName);
  },
);

walContract(
  'IndexedDB',
  async () => IdbWal.open(freshName('wal')),
  async (wal) => {
    const w = wal as IdbWal;
    await w.close();
    return IdbWal.open(w.dbName);
  },
);

objectStoreContract(
  'IndexedDB',
  async () => IdbObjectStore.open(freshName('objects')),
  async (store) => {
    const s = store as IdbObjectStore;
    await s.close();
    return IdbObjectStore.open(s.dbName);
  },
);

objectStoreContract(
  'OPFS (main thread, createWritable)',
  async () => {
    const dir = `vesper-test/${freshName('opfs')}`;
    opfsDirs.push(dir);
    return OpfsObjectStore.open(dir);
  },
  async (store) => {
    const s = store as OpfsObjectStore;
    await s.close();
    return OpfsObjectStore.open(s.path);
  },
);
