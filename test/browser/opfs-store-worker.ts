/**
 * Worker harness for the OPFS contract run: hosts OpfsObjectStores inside a dedicated worker,
 * where they write through synchronous access handles (the engine's path), and serves their
 * methods over comlink. Failures resolve as VesperErrors, carried by @vesper/worker's
 * transfer handler — the same mechanism the engine worker uses.
 */
import { expose } from 'comlink';
import { VesperError } from '@vesper/core';
import { OpfsObjectStore } from '../../packages/browser/src/opfs-object-store.ts';
import { registerVesperErrorTransfer } from '../../packages/worker/src/error-transfer.ts';

registerVesperErrorTransfer();

const stores = new Map<number, OpfsObjectStore>();
let nextId = 1;

const harness = {
  syncHandles(): boolean {
    return 'createSyncAccessHandle' in FileSystemFileHandle.prototype;
  },
  async open(path: string): Promise<number | VesperError> {
    try {
      const id = nextId++;
      stores.set(id, await OpfsObjectStore.open(path));
      return id;
    } catch (err) {
      return VesperError.wrap(err);
    }
  },
  async call(id: number, method: string, args: unknown[]): Promise<unknown> {
    try {
      const store = stores.get(id);
      if (store === undefined) throw new VesperError('SERVICE_UNAVAILABLE', `store ${id} is closed`);
      if (method === 'close') stores.delete(id);
      return await (store as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!.apply(store, args);
    } catch (err) {
      return VesperError.wrap(err);
    }
  },
};

export type OpfsHarness = typeof harness;

expose(harness);
