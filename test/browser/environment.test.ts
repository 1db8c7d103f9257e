/**
 * openDatabase's environment checks in Chromium (issue 12 "Bad input and failure"): with a
 * browser feature taken away in the page — OPFS, Web Locks, module workers — opening fails at
 * once with UNIMPLEMENTED (10) naming the way around it, and the fallback it names opens.
 * Each case removes the global for its own duration and puts it back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { freshName } from './browser-helpers.ts';

const restore: (() => void)[] = [];

/** Shadows `obj[key]` with `value` (an own property) until the test ends. */
function shadow(obj: object, key: string, value: unknown): void {
  const own = Object.getOwnPropertyDescriptor(obj, key);
  Object.defineProperty(obj, key, { value, configurable: true, writable: true });
  restore.push(() => {
    if (own) Object.defineProperty(obj, key, own);
    else delete (obj as Record<string, unknown>)[key];
  });
}

afterEach(() => {
  while (restore.length > 0) restore.pop()!();
});

describe('openDatabase refuses an environment it cannot run in, naming the fallback', () => {
  it('no OPFS: opfs:// fails with UNIMPLEMENTED naming idb://, and idb:// opens', async () => {
    shadow(navigator, 'storage', undefined);
    const name = freshName('env-opfs');
    await expect(openDatabase(`opfs://${name}`, { kernels: kernelsUrl, queryWorkers: 0 })).rejects.toMatchObject({ error: 'UNIMPLEMENTED', code: 10, message: expect.stringContaining('idb://') });
    const db = await openDatabase(`idb://${name}`, { kernels: kernelsUrl, queryWorkers: 0, persist: false });
    await db.createCollection({ collection_name: 'c', dimension: 2 });
    expect((await db.listCollections()).data).toMatchObject([{ name: 'c' }]);
    await db.close();
  });

  it('no Web Locks: a shared database fails naming multiTab: false, which opens', async () => {
    shadow(navigator, 'locks', undefined);
    const name = freshName('env-locks');
    await expect(openDatabase(`idb://${name}`, { kernels: kernelsUrl, queryWorkers: 0 })).rejects.toMatchObject({ error: 'UNIMPLEMENTED', message: expect.stringContaining('multiTab: false') });
    const db = await openDatabase(`idb://${name}`, { kernels: kernelsUrl, queryWorkers: 1, multiTab: false });
    expect((await db.listCollections()).data).toEqual([]);
    await db.close();
  });

  it('no module workers: fails naming queryWorkers: 0 before any worker starts', async () => {
    const Native = globalThis.Worker;
    let started = 0;
    // a Worker that ignores `type`, as browsers without module workers do
    class ClassicOnly {
      constructor(url: string | URL) {
        started++;
        return new Native(url);
      }
    }
    shadow(globalThis, 'Worker', ClassicOnly);
    await expect(openDatabase('memory://', { kernels: kernelsUrl })).rejects.toMatchObject({ error: 'UNIMPLEMENTED', message: expect.stringContaining('queryWorkers: 0') });
    expect(started).toBe(1); // the probe only
    shadow(globalThis, 'Worker', undefined);
    await expect(openDatabase('memory://', { kernels: kernelsUrl })).rejects.toMatchObject({ error: 'UNIMPLEMENTED' });
  });
});
