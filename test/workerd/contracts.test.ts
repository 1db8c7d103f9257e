/**
 * The adapter contract suites (test/contracts/*.contract.ts), unchanged, inside workerd: the
 * memory adapters must keep every promise there that they keep in Node. The edge issues add
 * the workerd implementations here — Durable Object storage (MetaStore, Wal) and R2
 * (ObjectStore), with reopen functions for their persistence tests.
 */
import { MemoryMetaStore, MemoryObjectStore, MemoryWal } from '../../packages/core/src/adapters/index.ts';
import { metaStoreContract } from '../contracts/meta-store.contract.ts';
import { objectStoreContract } from '../contracts/object-store.contract.ts';
import { walContract } from '../contracts/wal.contract.ts';

objectStoreContract('memory (workerd)', async () => new MemoryObjectStore());
metaStoreContract('memory (workerd)', async () => new MemoryMetaStore());
walContract('memory (workerd)', async () => new MemoryWal());
