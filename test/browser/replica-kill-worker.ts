/**
 * A test engine worker entry for replica-kill.test.ts: the browser's engine (serveEngine over
 * open-storage.ts; a replica starts no query workers) whose replica `fetch` reports each
 * request to the endpoint's replica API to the page — `{ tag: 'test/replica-fetch', what,
 * phase }` — and holds each file's answer back `delay` ms (set by the page with
 * `{ tag: 'test/replica-delay', ms }`; 0 at first). The page uses the reports to kill the tab
 * at a chosen point of a sync and to count the files a sync copied; the delay only stretches
 * the sync so that point is reachable: every byte still comes from the endpoint, and the
 * replica code is the shipped one.
 */
import { serveEngine } from '../../packages/worker/src/serve.ts';
import { openStorage } from '../../packages/browser/src/open-storage.ts';
import { REPLICA_API_PREFIX } from '../../packages/core/src/replica/replica-wire.ts';
import type { FetchFn } from '../../packages/core/src/replica/replica-transport.ts';

/** What the worker posts to the page around each replica request. */
export interface ReplicaFetchReport {
  readonly tag: 'test/replica-fetch';
  /** `file <key>`, `feed`, `describe` or `write`. */
  readonly what: string;
  /** start: the request is sent; done: its answer is in (after the delay, for a file). */
  readonly phase: 'start' | 'done';
}

let delay = 0;
addEventListener('message', (event: MessageEvent) => {
  const m = event.data as { tag?: unknown; ms?: unknown } | null;
  if (m?.tag === 'test/replica-delay') delay = Number(m.ms);
});
const report = (what: string, phase: ReplicaFetchReport['phase']): void => postMessage({ tag: 'test/replica-fetch', what, phase } satisfies ReplicaFetchReport);

const reportingFetch: FetchFn = async (input, init) => {
  const url = new URL(input);
  const action = url.pathname.startsWith(REPLICA_API_PREFIX) ? url.pathname.slice(REPLICA_API_PREFIX.length) : url.pathname;
  const what = action === 'file' ? `file ${url.searchParams.get('key')}` : action;
  report(what, 'start');
  const res = await fetch(input, init);
  if (action === 'file' && delay > 0) await new Promise((r) => setTimeout(r, delay));
  report(what, 'done');
  return res;
};

serveEngine({ openStorage, fetch: reportingFetch });
