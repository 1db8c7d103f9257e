/**
 * Runs every adapter contract suite against every implementation Node can host: memory, and
 * Node fs in fresh temp directories (removed afterwards). Chromium and workerd run the same
 * suites from their own test entry points.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MemoryMetaStore, MemoryObjectStore, MemoryWal } from '../../packages/core/src/adapters/index.ts';
import { FsMetaStore, FsObjectStore, FsWal } from '../../packages/core/src/node/index.ts';
import { metaStoreContract } from './meta-store.contract.ts';
import { objectStoreContract } from './object-store.contract.ts';
import { walContract } from './wal.contract.ts';

objectStoreContract('memory', async () => new MemoryObjectStore());
metaStoreContract('memory', async () => new MemoryMetaStore());
walContract('memory', async () => new MemoryWal());

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'vesper-contract-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

objectStoreContract(
  'node fs',
  async () => FsObjectStore.open(await tempDir()),
  async (store) => {
    const fs = store as FsObjectStore;
    await fs.close();
    return FsObjectStore.open(fs.root);
  },
);
metaStoreContract(
  'node fs',
  async () => FsMetaStore.open(await tempDir()),
  async (store) => {
    const fs = store as FsMetaStore;
    await fs.close();
    return FsMetaStore.open(fs.dir);
  },
);
metaStoreContract(
  'node fs (compacting every 4 KiB)',
  async () => FsMetaStore.open(await tempDir(), { compactBytes: 4096 }),
  async (store) => {
    const fs = store as FsMetaStore;
    await fs.close();
    return FsMetaStore.open(fs.dir, { compactBytes: 4096 });
  },
);
walContract(
  'node fs',
  async () => FsWal.open(await tempDir()),
  async (wal) => {
    const fs = wal as FsWal;
    await fs.close();
    return FsWal.open(fs.dir);
  },
);
