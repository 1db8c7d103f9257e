/**
 * Helpers the Chromium suites share: unique storage names (IndexedDB databases and OPFS
 * directories outlive a test), OPFS cleanup, the run's seed (VESPER_SEED from the host,
 * provided by test/browser/vitest.config.ts, else the clock), and tabs as iframes.
 */
import { inject } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';
import type { TabApi } from './pages/tab-page.ts';

let counter = 0;

/** A name no earlier test in this origin used. */
export function freshName(kind: string): string {
  counter++;
  return `t-${kind}-${Date.now().toString(36)}-${counter}-${Math.floor(Math.random() * 1e9).toString(36)}`;
}

/** Removes an OPFS directory ("a/b/c") and everything below it; missing is fine. */
export async function removeOpfsDir(path: string): Promise<void> {
  const parts = path.split('/');
  const last = parts.pop()!;
  let dir = await navigator.storage.getDirectory();
  try {
    for (const p of parts) dir = await dir.getDirectoryHandle(p);
    await dir.removeEntry(last, { recursive: true });
  } catch {
    // already gone
  }
}

/** The run's seed: VESPER_SEED when the host set it, else derived from the clock. */
export function browserSeed(): number {
  const env = inject('vesperSeed');
  return testSeed(env === '' ? undefined : env);
}

/**
 * A new same-origin iframe — a second tab — with its own openDatabase (pages/tab-page.ts): its
 * own Web Locks holder, BroadcastChannel endpoint and workers. Removing the iframe is closing
 * the tab. `track` sees the frame before it loads (so a failed load is still cleaned up).
 */
export async function openTabFrame(track: (frame: HTMLIFrameElement) => void = () => undefined): Promise<{ frame: HTMLIFrameElement; api: TabApi }> {
  const frame = document.createElement('iframe');
  frame.src = new URL('./pages/tab.html', import.meta.url).href;
  track(frame);
  const ready = new Promise<TabApi>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('tab iframe did not load')), 30_000);
    frame.addEventListener('load', () => {
      const win = frame.contentWindow as (Window & { vesperTab?: TabApi }) | null;
      const done = (): void => {
        clearTimeout(timer);
        resolve(win!.vesperTab!);
      };
      if (win?.vesperTab !== undefined) done();
      else win?.addEventListener('vesper-tab-ready', done);
    });
  });
  document.body.appendChild(frame);
  return { frame, api: await ready };
}
