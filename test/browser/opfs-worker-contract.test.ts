/**
 * The ObjectStore contract against OpfsObjectStore running INSIDE a dedicated worker — the
 * runtime the engine uses, where puts write temp files through synchronous access handles,
 * flush and move them into place. The page drives it through a small comlink proxy
 * (opfs-store-worker.ts); bytes are cloned across, as the contract's copy semantics require.
 */
import { afterAll, expect, it } from 'vitest';
import { wrap, type Remote } from 'comlink';
import { VesperError, type ObjectInfo, type ObjectStore, type PutOptions } from '@vesper/core';
import { registerVesperErrorTransfer } from '../../packages/worker/src/error-transfer.ts';
import { objectStoreContract } from '../contracts/object-store.contract.ts';
import { freshName, removeOpfsDir } from './browser-helpers.ts';
import type { OpfsHarness } from './opfs-store-worker.ts';

registerVesperErrorTransfer();
const worker = new Worker(new URL('./opfs-store-worker.ts', import.meta.url), { type: 'module' });
const harness: Remote<OpfsHarness> = wrap<OpfsHarness>(worker);
const dirs: string[] = [];
afterAll(async () => {
  worker.terminate();
  for (const d of dirs) await removeOpfsDir(d);
});

function unwrap<T>(value: unknown): T {
  if (value instanceof VesperError) throw value;
  return value as T;
}

/** An ObjectStore whose every call runs in the worker. */
class WorkerOpfsStore implements ObjectStore {
  constructor(
    private readonly id: number,
    readonly path: string,
  ) {}
  static async open(path: string): Promise<WorkerOpfsStore> {
    return new WorkerOpfsStore(unwrap<number>(await harness.open(path)), path);
  }
  private async call<T>(method: string, ...args: unknown[]): Promise<T> {
    return unwrap<T>(await harness.call(this.id, method, args));
  }
  put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void> {
    return this.call('put', key, bytes, opts);
  }
  get(key: string): Promise<Uint8Array | undefined> {
    return this.call('get', key);
  }
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    return this.call('getRange', key, offset, length);
  }
  head(key: string): Promise<ObjectInfo | undefined> {
    return this.call('head', key);
  }
  list(prefix: string): Promise<ObjectInfo[]> {
    return this.call('list', prefix);
  }
  delete(keys: readonly string[]): Promise<void> {
    return this.call('delete', keys);
  }
  close(): Promise<void> {
    return this.call('close');
  }
}

it('runs the store in a worker that has synchronous access handles', async () => {
  expect(await harness.syncHandles()).toBe(true);
});

objectStoreContract(
  'OPFS (dedicated worker, sync access handles)',
  async () => {
    const dir = `vesper-test/${freshName('opfs-worker')}`;
    dirs.push(dir);
    return WorkerOpfsStore.open(dir);
  },
  async (store) => {
    const s = store as WorkerOpfsStore;
    await s.close();
    return WorkerOpfsStore.open(s.path);
  },
);
