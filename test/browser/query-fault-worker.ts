/**
 * A test engine worker entry: the browser's engine-worker.ts (engine + query workers from the
 * same script) plus fault injection for query-workers.test.ts. The page posts
 * `{ tag: 'test/fault', index, how, times? }` to this engine worker, which then ends query
 * worker `index` as a crash would — the pool is not told:
 *   terminate  the engine worker terminates it (no event; the reader's life lock is released)
 *   close      the query worker closes itself (no event either)
 *   throw      the query worker throws an uncaught error (an `error` event in the engine)
 *   in-flight  the next search posted to it is posted, and then the worker is terminated at
 *              once — so that call is certainly in flight; with `times: 2`, the worker started
 *              in its place ends the same way
 */
import { serveEngine, serveReader } from '../../packages/worker/src/serve.ts';
import { openReadOnlyObjects, openStorage } from '../../packages/browser/src/open-storage.ts';
import type { WorkerLike } from '../../packages/worker/src/index.ts';

const spawned: Worker[] = [];
/** Per query worker index: searches still to cut off (see in-flight). */
const armed = new Map<number, number>();

function spawn(index: number): WorkerLike {
  const w = new Worker(globalThis.location.href, { type: 'module', name: `test query worker ${index}` });
  spawned[index] = w;
  let cut = false; // one cut per worker: calls posted to it after that are lost with it
  return {
    postMessage(message: unknown, transfer: Transferable[]) {
      w.postMessage(message, transfer);
      const left = armed.get(index) ?? 0;
      if (!cut && left > 0 && (message as { op?: unknown }).op === 'search') {
        cut = true;
        armed.set(index, left - 1);
        w.terminate();
      }
    },
    addEventListener: (type, listener) => w.addEventListener(type, listener),
    removeEventListener: (type, listener) => w.removeEventListener(type, listener),
    terminate: () => w.terminate(),
  };
}

serveEngine({ openStorage, spawnQueryWorker: spawn });
serveReader({ openObjects: openReadOnlyObjects });

interface Fault {
  readonly tag: 'test/fault' | 'test/fault-self';
  readonly index: number;
  readonly how: 'terminate' | 'close' | 'throw' | 'in-flight';
  readonly times?: number;
}

addEventListener('message', (event: MessageEvent) => {
  const m = event.data as Partial<Fault> | null;
  if (m === null || typeof m !== 'object') return;
  if (m.tag === 'test/fault') {
    const w = spawned[m.index!];
    if (m.how === 'terminate') w?.terminate();
    else if (m.how === 'in-flight') armed.set(m.index!, m.times ?? 1);
    else w?.postMessage({ ...m, tag: 'test/fault-self' });
  } else if (m.tag === 'test/fault-self') {
    if (m.how === 'close') close();
    else
      setTimeout(() => {
        throw new Error('injected query worker failure');
      });
  }
});
