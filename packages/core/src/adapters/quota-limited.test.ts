/**
 * QuotaLimitedStorage's accounting: object, meta and WAL writes count against the quota,
 * overwrites count the difference, deletes / WAL truncation / dropped channels free their
 * bytes, and a refused write never reaches the inner storage.
 */
import { expect, it } from 'vitest';
import type { VesperError } from '../errors/index.ts';
import { createMemoryStorage } from './memory-storage.ts';
import { QuotaLimitedStorage } from './quota-limited.ts';

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(7);
const refusal = async (p: Promise<unknown>): Promise<VesperError | undefined> => p.then(() => undefined, (e: unknown) => e as VesperError);

it('counts writes, frees deletes and truncation, and refuses past the quota without storing', async () => {
  const inner = createMemoryStorage();
  const q = new QuotaLimitedStorage(inner, { quotaBytes: 1000 });
  await q.objects.put('a', bytes(300));
  await q.objects.put('a', bytes(200)); // overwrite: the difference
  await q.meta.put('m', 'x'.repeat(100));
  await q.meta.batch([{ type: 'put', key: 'n', value: 'y'.repeat(50) }, { type: 'delete', key: 'm' }]);
  const lsns = await q.wal.append('ch', [bytes(100), bytes(150)]);
  expect(q.usedBytes).toBe(200 + 50 + 250);

  const err = await refusal(q.objects.put('b', bytes(501)));
  expect(err?.error).toBe('RESOURCE_EXHAUSTED');
  expect(err?.retriable).toBe(false);
  expect(await inner.objects.get('b')).toBeUndefined();
  expect((await refusal(q.wal.append('ch', [bytes(600)])))?.error).toBe('RESOURCE_EXHAUSTED');
  expect(await inner.wal.lastLsn('ch')).toBe(lsns[1]);
  expect(q.refused).toBe(2);

  await q.objects.put('b', bytes(500)); // exactly full
  expect(q.usedBytes).toBe(1000);
  expect((await refusal(q.meta.put('k', 'z')))?.error).toBe('RESOURCE_EXHAUSTED');
  await q.objects.get('a'); // reads are never refused
  await q.objects.delete(['a']);
  await q.wal.truncate('ch', lsns[0]!);
  expect(q.usedBytes).toBe(1000 - 200 - 100);
  await q.wal.dropChannel('ch');
  expect(q.usedBytes).toBe(550);
  q.quotaBytes = 550;
  await q.objects.put('b', bytes(400)); // shrinking is always allowed
  expect(q.usedBytes).toBe(450);
});

it('throws the error the caller makes of a refusal', async () => {
  const q = new QuotaLimitedStorage(createMemoryStorage(), { quotaBytes: 0, error: (what, used, quota) => new Error(`${what} ${used}/${quota}`) });
  await expect(q.objects.put('k', bytes(1))).rejects.toThrow('objects.put("k") 0/0');
});
