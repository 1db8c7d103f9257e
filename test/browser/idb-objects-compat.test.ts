/**
 * IdbObjectStore keeps objects over 64 KiB as Blobs (schema v4), so a range read reads only
 * its range; objects stored as plain bytes — small ones, and every object written before v4 —
 * still read whole and by range. The old layout is written straight into IndexedDB, as the
 * older code did.
 */
import { expect, it } from 'vitest';
import { IdbObjectStore } from '../../packages/browser/src/index.ts';
import { openVesperIdb } from '../../packages/browser/src/idb-schema.ts';
import { expectBytes, randomBytes } from '../contracts/contract-helpers.ts';
import { freshName } from './browser-helpers.ts';

it('reads objects stored as bytes (before schema v4) and as Blobs, whole and by range', async () => {
  const name = freshName('idb-compat');
  const old = randomBytes(300_000, 5);
  const raw = await openVesperIdb(name);
  const tx = raw.transaction(['objects', 'objectSizes'], 'readwrite');
  await Promise.all([tx.objectStore('objects').put(old, 'old/big'), tx.objectStore('objectSizes').put(old.length, 'old/big'), tx.done]);
  raw.close();

  const s = await IdbObjectStore.open(name);
  const fresh = randomBytes(300_000, 6);
  await s.put('new/big', fresh);
  const check = await openVesperIdb(name);
  expect(await check.get('objects', 'new/big')).toBeInstanceOf(Blob);
  expect(await check.get('objects', 'old/big')).toBeInstanceOf(Uint8Array);
  check.close();
  for (const [key, bytes] of [['old/big', old], ['new/big', fresh]] as const) {
    expectBytes(await s.get(key), bytes);
    expectBytes(await s.getRange(key, 123_457, 70_000), bytes.subarray(123_457, 193_457));
    expectBytes(await s.getRange(key, 299_990, 100), bytes.subarray(299_990));
    expect(await s.head(key)).toMatchObject({ size: 300_000 });
  }
  await s.close();
  indexedDB.deleteDatabase(name);
});
