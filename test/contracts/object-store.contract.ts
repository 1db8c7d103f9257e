/**
 * The ObjectStore contract (Milvus's MinIO/S3 binlog storage): every promise of
 * packages/core/src/adapters/object-store.ts, run against each implementation in its own
 * runtime: memory and Node fs (test/contracts), OPFS and IndexedDB in Chromium (test/browser),
 * memory and R2 in workerd (test/workerd). Range reads (`getRange`) are the contract a
 * disk-resident index pages through: clamped to the object, empty past its end, undefined
 * when absent, exact under concurrency.
 * Imports only vitest and core, never a runtime module.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../packages/core/src/adapters/index.ts';
import { Opened, allByteValues, expectBytes, expectCode, randomBytes, text } from './contract-helpers.ts';

/**
 * @param open a fresh, empty store
 * @param reopen closes `store` and opens a new store over the same data (persistent
 *   implementations only; the persistence tests are skipped without it)
 */
export function objectStoreContract(
  name: string,
  open: () => Promise<ObjectStore>,
  reopen?: (store: ObjectStore) => Promise<ObjectStore>,
): void {
  describe(`ObjectStore contract: ${name}`, () => {
    const opened = new Opened<ObjectStore>();
    const fresh = async (): Promise<ObjectStore> => opened.add(await open());
    afterEach(() => opened.closeAll());

    it('round-trips bytes and answers undefined for missing keys', async () => {
      const s = await fresh();
      expect(await s.get('nope')).toBeUndefined();
      expect(await s.head('nope')).toBeUndefined();
      expect(await s.getRange('nope', 0, 10)).toBeUndefined();
      await s.put('a/b/c.bin', text('hello'));
      expectBytes(await s.get('a/b/c.bin'), text('hello'));
      expect(await s.head('a/b/c.bin')).toMatchObject({ key: 'a/b/c.bin', size: 5 });
    });

    it('stores empty, binary and multi-megabyte values', async () => {
      const s = await fresh();
      const big = randomBytes(5 * 1024 * 1024 + 3, 7);
      await s.put('empty', new Uint8Array(0));
      await s.put('binary', allByteValues());
      await s.put('big', big);
      expectBytes(await s.get('empty'), new Uint8Array(0));
      expect(await s.head('empty')).toMatchObject({ key: 'empty', size: 0 });
      expectBytes(await s.get('binary'), allByteValues());
      expectBytes(await s.get('big'), big);
      expectBytes(await s.getRange('big', 3_000_000, 1000), big.subarray(3_000_000, 3_001_000));
    });

    it('accepts a subarray view and stores only its bytes', async () => {
      const s = await fresh();
      const backing = randomBytes(100, 3);
      await s.put('view', backing.subarray(10, 20));
      expectBytes(await s.get('view'), backing.slice(10, 20));
    });

    it('copies bytes on put and on get', async () => {
      const s = await fresh();
      const input = text('abc');
      await s.put('k', input);
      input[0] = 0x7a;
      const out = await s.get('k');
      expectBytes(out, text('abc'));
      out![1] = 0x7a;
      expectBytes(await s.get('k'), text('abc'));
      const range = await s.getRange('k', 0, 3);
      range![2] = 0x7a;
      expectBytes(await s.get('k'), text('abc'));
    });

    it('overwrites on a plain put', async () => {
      const s = await fresh();
      await s.put('k', text('one'));
      await s.put('k', text('second'));
      expectBytes(await s.get('k'), text('second'));
      expect(await s.head('k')).toMatchObject({ key: 'k', size: 6 });
    });

    it('reads ranges clamped to the object', async () => {
      const s = await fresh();
      const data = randomBytes(1000, 11);
      await s.put('r', data);
      expectBytes(await s.getRange('r', 0, 10), data.subarray(0, 10));
      expectBytes(await s.getRange('r', 990, 100), data.subarray(990));
      expectBytes(await s.getRange('r', 1000, 5), new Uint8Array(0));
      expectBytes(await s.getRange('r', 5000, 5), new Uint8Array(0));
      expectBytes(await s.getRange('r', 10, 0), new Uint8Array(0));
      expectBytes(await s.getRange('r', 0, 1_000_000), data);
      await expectCode(s.getRange('r', -1, 5), 'PARAMETER_INVALID');
      await expectCode(s.getRange('r', 0, -5), 'PARAMETER_INVALID');
    });

    it('range reads tile a large object, and concurrent ranges each get their own bytes', async () => {
      const s = await fresh();
      const size = 6 * 1024 * 1024 + 5;
      const big = randomBytes(size, 13);
      await s.put('large/obj', big);
      // sequential tiles of an odd block size cover the object exactly once
      const block = 1024 * 1024 - 3;
      const tiles: Uint8Array[] = [];
      for (let off = 0; off < size; off += block) tiles.push((await s.getRange('large/obj', off, block))!);
      expect(tiles.reduce((n, t) => n + t.length, 0)).toBe(size);
      expectBytes(tiles[tiles.length - 1], big.subarray(Math.floor((size - 1) / block) * block));
      let at = 0;
      for (const t of tiles) {
        expectBytes(t, big.subarray(at, at + t.length));
        at += t.length;
      }
      // 32 ranges in flight at once (seeded), some past the end, some empty, one whole
      const rng = randomBytes(32 * 8, 17);
      const dv = new DataView(rng.buffer);
      const ranges = Array.from({ length: 32 }, (_, i) => {
        const offset = i === 0 ? 0 : dv.getUint32(i * 8, true) % (size + 4096);
        const length = i === 0 ? size : i % 8 === 7 ? 0 : dv.getUint32(i * 8 + 4, true) % (256 * 1024);
        return { offset, length };
      });
      const got = await Promise.all(ranges.map((r) => s.getRange('large/obj', r.offset, r.length)));
      for (const [i, r] of ranges.entries()) {
        const start = Math.min(r.offset, size);
        expectBytes(got[i], big.subarray(start, Math.min(size, start + r.length)));
      }
    });

    it('range reads see the current object: empty, overwritten, deleted', async () => {
      const s = await fresh();
      await s.put('e', new Uint8Array(0));
      expectBytes(await s.getRange('e', 0, 10), new Uint8Array(0));
      expectBytes(await s.getRange('e', 3, 0), new Uint8Array(0));
      const first = randomBytes(3000, 19);
      const second = randomBytes(100, 23);
      await s.put('w', first);
      expectBytes(await s.getRange('w', 50, 100), first.subarray(50, 150));
      await s.put('w', second);
      expectBytes(await s.getRange('w', 50, 100), second.subarray(50));
      expectBytes(await s.getRange('w', 2000, 100), new Uint8Array(0));
      await s.delete(['w']);
      expect(await s.getRange('w', 0, 1)).toBeUndefined();
      expect(await s.getRange('w/below', 0, 1)).toBeUndefined();
      await expectCode(s.getRange('w', 0.5, 1), 'PARAMETER_INVALID');
      await expectCode(s.getRange('w', 0, Number.NaN), 'PARAMETER_INVALID');
      await expectCode(s.getRange('../w', 0, 1), 'PARAMETER_INVALID');
    });

    it('dates objects with their put time where the store knows it (GC grace periods)', async () => {
      const s = await fresh();
      const before = Date.now();
      await s.put('dated', text('x'));
      const after = Date.now();
      const [listed] = await s.list('dated');
      for (const info of [await s.head('dated'), listed]) {
        // optional in the contract; when given, it is the put time in epoch ms
        if (info?.uploaded === undefined) continue;
        expect(info.uploaded).toBeGreaterThanOrEqual(before - 1_000);
        expect(info.uploaded).toBeLessThanOrEqual(after + 1_000);
      }
    });

    it('lists by prefix, sorted in code-unit order, with sizes', async () => {
      const s = await fresh();
      const keys = [
        'seg/2', 'seg/10', 'seg/1', 'segment/x', 'seg', 'seg2', 'a b/%41 c', 'x:y*?"<>|',
        'UPPER', 'upper', 'é/ü', '\u{1F600}/smile', '\uFFFD', 'ns/deep/er/still/deeper/leaf',
      ];
      for (const [i, k] of keys.entries()) await s.put(k, new Uint8Array(i));
      const all = await s.list('');
      expect(all.map((o) => o.key)).toEqual([...keys].sort());
      // code-unit order: the surrogate pair of U+1F600 (0xD83D...) sorts before U+FFFD
      expect(all.findIndex((o) => o.key === '\u{1F600}/smile')).toBeLessThan(all.findIndex((o) => o.key === '\uFFFD'));
      for (const o of all) expect(o.size).toBe(keys.indexOf(o.key));
      expect((await s.list('seg/')).map((o) => o.key)).toEqual(['seg/1', 'seg/10', 'seg/2']);
      expect((await s.list('seg')).map((o) => o.key)).toEqual(['seg', 'seg/1', 'seg/10', 'seg/2', 'seg2', 'segment/x']);
      expect((await s.list('seg/1')).map((o) => o.key)).toEqual(['seg/1', 'seg/10']);
      expect((await s.list('ns/deep/er/st')).map((o) => o.key)).toEqual(['ns/deep/er/still/deeper/leaf']);
      expect((await s.list('é/')).map((o) => o.key)).toEqual(['é/ü']);
      expect(await s.list('zzz')).toEqual([]);
      expect(await s.list('seg/1/')).toEqual([]);
    });

    it('keeps a key and keys below it as separate objects', async () => {
      const s = await fresh();
      await s.put('a', text('top'));
      await s.put('a/b', text('below'));
      await s.put('a/b/c', text('deeper'));
      expectBytes(await s.get('a'), text('top'));
      expectBytes(await s.get('a/b'), text('below'));
      expect((await s.list('a')).map((o) => o.key)).toEqual(['a', 'a/b', 'a/b/c']);
      await s.delete(['a/b']);
      expect((await s.list('a')).map((o) => o.key)).toEqual(['a', 'a/b/c']);
    });

    it('deletes keys and ignores missing ones', async () => {
      const s = await fresh();
      await s.put('d/1', text('1'));
      await s.put('d/2', text('2'));
      await s.delete(['d/1', 'd/missing', 'other/missing']);
      expect(await s.get('d/1')).toBeUndefined();
      expect(await s.head('d/1')).toBeUndefined();
      expect((await s.list('d/')).map((o) => o.key)).toEqual(['d/2']);
      await s.delete([]);
      await s.delete(['d/2']);
      expect(await s.list('')).toEqual([]);
    });

    it('rejects a create-only put of an existing key with COMMIT_CONFLICT', async () => {
      const s = await fresh();
      await s.put('manifest/1', text('first'), { ifAbsent: true });
      const err = await expectCode(s.put('manifest/1', text('second'), { ifAbsent: true }), 'COMMIT_CONFLICT');
      expect(err.retriable).toBe(true);
      expectBytes(await s.get('manifest/1'), text('first'));
      await s.delete(['manifest/1']);
      await s.put('manifest/1', text('third'), { ifAbsent: true });
      expectBytes(await s.get('manifest/1'), text('third'));
      await s.put('manifest/1', text('plain'), { ifAbsent: false });
      expectBytes(await s.get('manifest/1'), text('plain'));
    });

    it('lets exactly one of many concurrent create-only racers win', async () => {
      const s = await fresh();
      for (let round = 0; round < 3; round++) {
        const key = `race/${round}`;
        const bodies = Array.from({ length: 8 }, (_, i) => randomBytes(4096 + i, round * 100 + i));
        const results = await Promise.allSettled(bodies.map((b) => s.put(key, b, { ifAbsent: true })));
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect((r.reason as { error?: string }).error).toBe('COMMIT_CONFLICT');
        }
        expectBytes(await s.get(key), bodies[winners[0]!]!);
      }
    });

    it('handles many concurrent puts to different keys', async () => {
      const s = await fresh();
      const keys = Array.from({ length: 40 }, (_, i) => `many/${i % 4}/${i}`);
      await Promise.all(keys.map((k, i) => s.put(k, randomBytes(100 + i, i))));
      expect((await s.list('many/')).map((o) => o.key)).toEqual([...keys].sort());
      for (const [i, k] of keys.entries()) expectBytes(await s.get(k), randomBytes(100 + i, i));
    });

    it('rejects keys a file system or URL cannot hold', async () => {
      const s = await fresh();
      for (const bad of ['', '/a', 'a/', 'a//b', '..', '../x', 'a/../b', 'a/./b', '.', 'x\uD800y']) {
        await expectCode(s.put(bad, text('x')), 'PARAMETER_INVALID');
        await expectCode(s.get(bad), 'PARAMETER_INVALID');
      }
      await expectCode(s.put('k'.repeat(2000), text('x')), 'PARAMETER_INVALID');
      expect(await s.list('')).toEqual([]);
    });

    if (reopen !== undefined) {
      it('keeps every object across a reopen', async () => {
        let s = await fresh();
        const big = randomBytes(2 * 1024 * 1024, 5);
        await s.put('p/big', big);
        await s.put('p/empty', new Uint8Array(0));
        await s.put('p/bin', allByteValues());
        await s.put('p/gone', text('x'));
        await s.put('p/ü ni/code', text('u'));
        await s.delete(['p/gone']);
        s = opened.replace(s, await reopen(s));
        expect((await s.list('p/')).map((o) => [o.key, o.size])).toEqual([
          ['p/big', big.length],
          ['p/bin', 512],
          ['p/empty', 0],
          ['p/ü ni/code', 1],
        ]);
        expectBytes(await s.get('p/big'), big);
        expectBytes(await s.get('p/bin'), allByteValues());
        await expectCode(s.put('p/bin', text('again'), { ifAbsent: true }), 'COMMIT_CONFLICT');
      });
    }
  });
}
