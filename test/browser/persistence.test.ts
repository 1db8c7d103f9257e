/**
 * Persistent storage on request (docs/guide-browser.md, "Storage pressure"): with
 * `persist: true`, or `db.requestPersistence()` later, the database asks
 * `navigator.storage.persist()` and reports the browser's real answer. DevTools denies the
 * permission here, so the answer is known (headless Chromium grants it only on engagement
 * signals a test cannot give, so the granted path is not exercised).
 */
import { afterAll, expect, it } from 'vitest';
import { cdp } from '@vitest/browser/context';
import kernelsUrl from '@vesper/core/kernels.wasm?url';
import { openDatabase } from '../../packages/browser/src/index.ts';
import { freshName } from './browser-helpers.ts';

/** A DevTools command on this page's session (the Playwright provider's CDP session). */
const devtools = (method: string, params: object): Promise<unknown> =>
  (cdp() as unknown as { send(method: string, params: object): Promise<unknown> }).send(method, params);

afterAll(async () => {
  await devtools('Browser.resetPermissions', {});
});

it('asks for persistent storage when told to, and reports what the browser answered', async () => {
  await devtools('Browser.setPermission', { permission: { name: 'persistent-storage' }, setting: 'denied', origin: location.origin });
  const db = await openDatabase(`idb://${freshName('persist')}`, { kernels: kernelsUrl, queryWorkers: 0, multiTab: false, persist: true });
  expect(db.persisted).toBe(false);
  expect(await db.requestPersistence()).toBe(false);
  expect(await navigator.storage.persisted()).toBe(false);
  expect((await db.storageStats()).persisted).toBe(false);
  await db.createCollection({ collection_name: 'c', dimension: 2 });
  expect((await db.listCollections()).data).toMatchObject([{ name: 'c' }]);
  await db.close();
});
