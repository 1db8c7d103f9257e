/**
 * Helpers the Chromium suites share: unique storage names (IndexedDB databases and OPFS
 * directories outlive a test), OPFS cleanup, and the run's seed (VESPER_SEED from the host,
 * provided by test/browser/vitest.config.ts, else the clock).
 */
import { inject } from 'vitest';
import { testSeed } from '../../packages/core/src/util/random.ts';

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
