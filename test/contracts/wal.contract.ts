/**
 * The Wal contract (Milvus's msgstream vchannel): every promise of
 * packages/core/src/adapters/wal.ts — LSNs from 1, strictly increasing and never reused
 * (across truncate and reopen), ordered reads with limits, channels, dropChannel, concurrent
 * appends — run against each implementation in its own runtime. Imports only vitest and core.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Wal, WalEntry } from '../../packages/core/src/adapters/index.ts';
import { Opened, allByteValues, expectBytes, expectCode, randomBytes, text } from './contract-helpers.ts';

/**
 * @param open a fresh, empty WAL
 * @param reopen closes `wal` and opens a new one over the same data (persistent
 *   implementations only; the persistence tests are skipped without it)
 */
export function walContract(name: string, open: () => Promise<Wal>, reopen?: (wal: Wal) => Promise<Wal>): void {
  describe(`Wal contract: ${name}`, () => {
    const opened = new Opened<Wal>();
    const fresh = async (): Promise<Wal> => opened.add(await open());
    afterEach(() => opened.closeAll());

    const lsns = (entries: WalEntry[]): number[] => entries.map((e) => e.lsn);
    const texts = (entries: WalEntry[]): string[] => entries.map((e) => new TextDecoder().decode(e.payload));

    it('starts empty', async () => {
      const w = await fresh();
      expect(await w.channels()).toEqual([]);
      expect(await w.lastLsn('ch')).toBe(0);
      expect(await w.read('ch', 0)).toEqual([]);
      await w.truncate('ch', 10);
      expect(await w.channels()).toEqual([]);
    });

    it('assigns LSNs from 1, consecutive across appends', async () => {
      const w = await fresh();
      expect(await w.append('ch', [text('a'), text('b'), text('c')])).toEqual([1, 2, 3]);
      expect(await w.append('ch', [text('d')])).toEqual([4]);
      expect(await w.lastLsn('ch')).toBe(4);
      const all = await w.read('ch', 0);
      expect(lsns(all)).toEqual([1, 2, 3, 4]);
      expect(texts(all)).toEqual(['a', 'b', 'c', 'd']);
    });

    it('does not create a channel or assign LSNs for an empty append', async () => {
      const w = await fresh();
      expect(await w.append('ch', [])).toEqual([]);
      expect(await w.channels()).toEqual([]);
      expect(await w.lastLsn('ch')).toBe(0);
    });

    it('reads after an LSN with a limit', async () => {
      const w = await fresh();
      await w.append('ch', Array.from({ length: 10 }, (_, i) => text(`e${i + 1}`)));
      expect(lsns(await w.read('ch', 2))).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
      expect(texts(await w.read('ch', 2, 3))).toEqual(['e3', 'e4', 'e5']);
      expect(await w.read('ch', 5, 0)).toEqual([]);
      expect(await w.read('ch', 10)).toEqual([]);
      expect(await w.read('ch', 99)).toEqual([]);
      expect(lsns(await w.read('ch', 9, 100))).toEqual([10]);
      await expectCode(w.read('ch', -1), 'PARAMETER_INVALID');
      await expectCode(w.read('ch', 0, -1), 'PARAMETER_INVALID');
    });

    it('keeps empty, binary and large payloads intact and copies them', async () => {
      const w = await fresh();
      const big = randomBytes(3 * 1024 * 1024 + 1, 9);
      const input = text('mutable');
      await w.append('ch', [new Uint8Array(0), allByteValues(), big, input, randomBytes(64, 1).subarray(8, 16)]);
      input[0] = 0;
      const read = await w.read('ch', 0);
      expectBytes(read[0]?.payload, new Uint8Array(0));
      expectBytes(read[1]?.payload, allByteValues());
      expectBytes(read[2]?.payload, big);
      expectBytes(read[3]?.payload, text('mutable'));
      expectBytes(read[4]?.payload, randomBytes(64, 1).slice(8, 16));
      read[3]!.payload[0] = 0;
      expectBytes((await w.read('ch', 3, 1))[0]?.payload, text('mutable'));
    });

    it('truncates without ever reusing an LSN', async () => {
      const w = await fresh();
      await w.append('ch', [text('1'), text('2'), text('3'), text('4'), text('5')]);
      await w.truncate('ch', 2);
      expect(lsns(await w.read('ch', 0))).toEqual([3, 4, 5]);
      expect(lsns(await w.read('ch', 3, 1))).toEqual([4]);
      expect(await w.lastLsn('ch')).toBe(5);
      await w.truncate('ch', 1); // going backwards changes nothing
      expect(lsns(await w.read('ch', 0))).toEqual([3, 4, 5]);
      await w.truncate('ch', 4); // mid-batch
      expect(texts(await w.read('ch', 0))).toEqual(['5']);
      await w.truncate('ch', 5);
      expect(await w.read('ch', 0)).toEqual([]);
      expect(await w.lastLsn('ch')).toBe(5);
      expect(await w.channels()).toEqual(['ch']);
      expect(await w.append('ch', [text('6')])).toEqual([6]);
      await w.truncate('ch', 1000); // beyond the end: forgets everything, keeps the counter
      expect(await w.read('ch', 0)).toEqual([]);
      expect(await w.lastLsn('ch')).toBe(6);
      expect(await w.append('ch', [text('7'), text('8')])).toEqual([7, 8]);
      expect(texts(await w.read('ch', 0))).toEqual(['7', '8']);
    });

    it('keeps channels independent and lists them sorted', async () => {
      const w = await fresh();
      const names = ['shard-2', 'shard-10', 'coll/1/ch', 'ünï \u{1F600}', 'a'];
      for (const n of names) await w.append(n, [text(n)]);
      await w.append('shard-2', [text('more')]);
      expect(await w.channels()).toEqual([...names].sort());
      expect(await w.lastLsn('shard-2')).toBe(2);
      expect(await w.lastLsn('shard-10')).toBe(1);
      expect(texts(await w.read('ünï \u{1F600}', 0))).toEqual(['ünï \u{1F600}']);
      await w.truncate('shard-2', 2);
      expect(texts(await w.read('shard-10', 0))).toEqual(['shard-10']);
    });

    it('drops a channel and its entries', async () => {
      const w = await fresh();
      await w.append('keep', [text('k')]);
      await w.append('drop', [text('1'), text('2')]);
      await w.dropChannel('drop');
      await w.dropChannel('never-existed');
      expect(await w.channels()).toEqual(['keep']);
      expect(await w.read('drop', 0)).toEqual([]);
      expect(await w.lastLsn('drop')).toBe(0);
      expect(texts(await w.read('keep', 0))).toEqual(['k']);
      expect(await w.append('drop', [text('fresh')])).toEqual([1]);
    });

    it('gives concurrent appends distinct, increasing LSNs and reads them in order', async () => {
      const w = await fresh();
      const batches = Array.from({ length: 40 }, (_, i) => Array.from({ length: 1 + (i % 3) }, (_, j) => text(`${i}.${j}`)));
      const assigned = await Promise.all(batches.map((b) => w.append('c', b)));
      const flat = assigned.flat();
      expect(new Set(flat).size).toBe(flat.length);
      expect([...flat].sort((a, b) => a - b)).toEqual(Array.from({ length: flat.length }, (_, i) => i + 1));
      for (const [i, got] of assigned.entries()) {
        expect(got).toHaveLength(batches[i]!.length);
        for (let j = 1; j < got.length; j++) expect(got[j]).toBe(got[j - 1]! + 1);
      }
      const byLsn = new Map<number, string>();
      assigned.forEach((got, i) => got.forEach((lsn, j) => byLsn.set(lsn, `${i}.${j}`)));
      const read = await w.read('c', 0);
      expect(lsns(read)).toEqual(Array.from({ length: flat.length }, (_, i) => i + 1));
      expect(texts(read)).toEqual(read.map((e) => byLsn.get(e.lsn)));
    });

    it('rejects bad channel names and payloads', async () => {
      const w = await fresh();
      await expectCode(w.append('', [text('x')]), 'PARAMETER_INVALID');
      await expectCode(w.append('x\uDC00', [text('x')]), 'PARAMETER_INVALID');
      await expectCode(w.append('ch', ['nope' as unknown as Uint8Array]), 'PARAMETER_INVALID');
      expect(await w.channels()).toEqual([]);
    });

    if (reopen !== undefined) {
      it('keeps entries and LSNs across reopens', async () => {
        let w = await fresh();
        await w.append('a', [text('1'), text('2'), text('3')]);
        await w.append('b', [allByteValues()]);
        w = opened.replace(w, await reopen(w));
        expect(await w.channels()).toEqual(['a', 'b']);
        expect(texts(await w.read('a', 0))).toEqual(['1', '2', '3']);
        expectBytes((await w.read('b', 0))[0]?.payload, allByteValues());
        expect(await w.append('a', [text('4')])).toEqual([4]);
        await w.truncate('a', 2);
        w = opened.replace(w, await reopen(w));
        expect(lsns(await w.read('a', 0))).toEqual([3, 4]);
        expect(await w.lastLsn('a')).toBe(4);
      });

      it('never reuses an LSN after truncating everything and reopening', async () => {
        let w = await fresh();
        await w.append('t', [text('1'), text('2')]);
        await w.truncate('t', 2);
        w = opened.replace(w, await reopen(w));
        expect(await w.channels()).toEqual(['t']);
        expect(await w.lastLsn('t')).toBe(2);
        expect(await w.read('t', 0)).toEqual([]);
        expect(await w.append('t', [text('3')])).toEqual([3]);
        await w.dropChannel('t');
        w = opened.replace(w, await reopen(w));
        expect(await w.channels()).toEqual([]);
      });
    }
  });
}
