/**
 * The MetaStore contract (Milvus's etcd): every promise of
 * packages/core/src/adapters/meta-store.ts — versions, compare-and-set, atomic batches,
 * sorted listings, durability across a reopen — run against each implementation in its own
 * runtime. Imports only vitest and core, never a runtime module.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MetaStore } from '../../packages/core/src/adapters/index.ts';
import { Opened, expectCode } from './contract-helpers.ts';

/**
 * @param open a fresh, empty store
 * @param reopen closes `store` and opens a new store over the same data (persistent
 *   implementations only; the persistence tests are skipped without it)
 */
export function metaStoreContract(
  name: string,
  open: () => Promise<MetaStore>,
  reopen?: (store: MetaStore) => Promise<MetaStore>,
): void {
  describe(`MetaStore contract: ${name}`, () => {
    const opened = new Opened<MetaStore>();
    const fresh = async (): Promise<MetaStore> => opened.add(await open());
    afterEach(() => opened.closeAll());

    it('creates at version 1 and adds 1 per put', async () => {
      const s = await fresh();
      expect(await s.get('k')).toBeUndefined();
      expect(await s.put('k', 'a')).toBe(1);
      expect(await s.get('k')).toEqual({ value: 'a', version: 1 });
      expect(await s.put('k', 'b')).toBe(2);
      expect(await s.put('k', 'c')).toBe(3);
      expect(await s.get('k')).toEqual({ value: 'c', version: 3 });
    });

    it('stores any string: empty, large, unicode, newlines and quotes', async () => {
      const s = await fresh();
      const values = ['', 'x'.repeat(1 << 20), 'é\u{1F600}\uFFFD', 'line1\nline2\r\n"q"\\', '{"json":[1,2]}', '\u0000\u2028'];
      for (const [i, v] of values.entries()) await s.put(`v/${i}`, v);
      for (const [i, v] of values.entries()) expect((await s.get(`v/${i}`))?.value).toBe(v);
    });

    it('compares and sets: 0 means absent, a mismatch changes nothing', async () => {
      const s = await fresh();
      expect(await s.put('cas', 'one', 0)).toBe(1);
      const err = await expectCode(s.put('cas', 'again', 0), 'COMMIT_CONFLICT');
      expect(err.retriable).toBe(true);
      await expectCode(s.put('cas', 'stale', 5), 'COMMIT_CONFLICT');
      expect(await s.get('cas')).toEqual({ value: 'one', version: 1 });
      expect(await s.put('cas', 'two', 1)).toBe(2);
      await expectCode(s.put('missing', 'x', 1), 'COMMIT_CONFLICT');
      expect(await s.get('missing')).toBeUndefined();
    });

    it('deletes, with and without an expected version', async () => {
      const s = await fresh();
      await s.delete('never-existed');
      await s.delete('never-existed', 0);
      await expectCode(s.delete('never-existed', 2), 'COMMIT_CONFLICT');
      await s.put('d', 'x');
      await s.put('d', 'y');
      await expectCode(s.delete('d', 1), 'COMMIT_CONFLICT');
      await expectCode(s.delete('d', 0), 'COMMIT_CONFLICT');
      expect(await s.get('d')).toEqual({ value: 'y', version: 2 });
      await s.delete('d', 2);
      expect(await s.get('d')).toBeUndefined();
      expect(await s.put('d', 'new', 0)).toBe(1);
      await s.delete('d');
      expect(await s.get('d')).toBeUndefined();
    });

    it('lists by prefix, sorted in code-unit order', async () => {
      const s = await fresh();
      const keys = ['col/10', 'col/2', 'col/1', 'col', 'colx', 'db/a', '\u{1F600}', '\uFFFD', 'col/1/p'];
      for (const k of keys) await s.put(k, `v:${k}`);
      await s.put('col/2', 'v2');
      const all = await s.list('');
      expect(all.map(([k]) => k)).toEqual([...keys].sort());
      const cols = await s.list('col/');
      expect(cols).toEqual([
        ['col/1', { value: 'v:col/1', version: 1 }],
        ['col/1/p', { value: 'v:col/1/p', version: 1 }],
        ['col/10', { value: 'v:col/10', version: 1 }],
        ['col/2', { value: 'v2', version: 2 }],
      ]);
      expect((await s.list('col')).map(([k]) => k)).toEqual(['col', 'col/1', 'col/1/p', 'col/10', 'col/2', 'colx']);
      expect(await s.list('nothing')).toEqual([]);
    });

    it('applies a batch of puts and deletes in order', async () => {
      const s = await fresh();
      await s.put('b/old', 'o');
      await s.put('b/keep', 'k');
      await s.batch([
        { type: 'put', key: 'b/new', value: '1', expectedVersion: 0 },
        { type: 'put', key: 'b/new', value: '2', expectedVersion: 1 },
        { type: 'delete', key: 'b/old', expectedVersion: 1 },
        { type: 'put', key: 'b/keep', value: 'k2' },
        { type: 'delete', key: 'b/none' },
      ]);
      expect(await s.list('b/')).toEqual([
        ['b/keep', { value: 'k2', version: 2 }],
        ['b/new', { value: '2', version: 2 }],
      ]);
      await s.batch([]);
      await s.batch([
        { type: 'delete', key: 'b/new' },
        { type: 'put', key: 'b/new', value: 'again', expectedVersion: 0 },
      ]);
      expect(await s.get('b/new')).toEqual({ value: 'again', version: 1 });
    });

    it('applies nothing when any expected version in a batch fails', async () => {
      const s = await fresh();
      await s.put('t/a', 'a');
      await s.put('t/b', 'b');
      await expectCode(
        s.batch([
          { type: 'put', key: 't/a', value: 'a2', expectedVersion: 1 },
          { type: 'delete', key: 't/b' },
          { type: 'put', key: 't/c', value: 'c' },
          { type: 'put', key: 't/b', value: 'b2', expectedVersion: 7 },
        ]),
        'COMMIT_CONFLICT',
      );
      expect(await s.list('t/')).toEqual([
        ['t/a', { value: 'a', version: 1 }],
        ['t/b', { value: 'b', version: 1 }],
      ]);
      // a batch whose later op conflicts with its own earlier op fails as a whole too
      await expectCode(
        s.batch([
          { type: 'put', key: 't/a', value: 'a2' },
          { type: 'put', key: 't/a', value: 'a3', expectedVersion: 1 },
        ]),
        'COMMIT_CONFLICT',
      );
      expect(await s.get('t/a')).toEqual({ value: 'a', version: 1 });
    });

    it('lets exactly one of many concurrent create racers win', async () => {
      const s = await fresh();
      const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.put('leader', `n${i}`, 0)));
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await s.get('leader')).toEqual({ value: `n${winners[0]}`, version: 1 });
    });

    it('serializes concurrent compare-and-set increments (no lost update)', async () => {
      const s = await fresh();
      await s.put('counter', '0');
      const increment = async (): Promise<void> => {
        for (;;) {
          const cur = (await s.get('counter'))!;
          try {
            await s.put('counter', String(Number(cur.value) + 1), cur.version);
            return;
          } catch (err) {
            if ((err as { error?: string }).error !== 'COMMIT_CONFLICT') throw err;
          }
        }
      };
      await Promise.all(Array.from({ length: 12 }, increment));
      expect(await s.get('counter')).toEqual({ value: '12', version: 13 });
    });

    it('rejects bad keys and versions', async () => {
      const s = await fresh();
      await expectCode(s.put('', 'x'), 'PARAMETER_INVALID');
      await expectCode(s.get(''), 'PARAMETER_INVALID');
      await expectCode(s.put('k', 'x', -1), 'PARAMETER_INVALID');
      await expectCode(s.put('k', 'x', 1.5), 'PARAMETER_INVALID');
      await expectCode(s.batch([{ type: 'put', key: 'ok', value: 'x' }, { type: 'put', key: '', value: 'x' }]), 'PARAMETER_INVALID');
      expect(await s.list('')).toEqual([]);
    });

    if (reopen !== undefined) {
      it('keeps records, versions and deletes across reopens', async () => {
        let s = await fresh();
        await s.put('r/a', 'a1');
        await s.put('r/a', 'a2');
        await s.put('r/gone', 'x');
        await s.batch([
          { type: 'delete', key: 'r/gone' },
          { type: 'put', key: 'r/b', value: 'line\n"b"\u{1F600}', expectedVersion: 0 },
        ]);
        await expectCode(s.put('r/a', 'never', 1), 'COMMIT_CONFLICT');
        s = opened.replace(s, await reopen(s));
        const expected = [
          ['r/a', { value: 'a2', version: 2 }],
          ['r/b', { value: 'line\n"b"\u{1F600}', version: 1 }],
        ];
        expect(await s.list('')).toEqual(expected);
        expect(await s.put('r/a', 'a3', 2)).toBe(3);
        s = opened.replace(s, await reopen(s));
        expect(await s.get('r/a')).toEqual({ value: 'a3', version: 3 });
      });

      it('keeps every record across a reopen after many writes', async () => {
        let s = await fresh();
        for (let i = 0; i < 300; i++) await s.put(`m/${i % 50}`, `value ${i} ${'p'.repeat(200)}`);
        s = opened.replace(s, await reopen(s));
        const all = await s.list('m/');
        expect(all).toHaveLength(50);
        for (const [k, rec] of all) {
          const i = Number(k.slice(2));
          expect(rec).toEqual({ value: `value ${i + 250} ${'p'.repeat(200)}`, version: 6 });
        }
      });
    }
  });
}
