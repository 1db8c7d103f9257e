/**
 * The primary-key index against a plain Map model: sorted runs (binary search), keys out of
 * order (hash map), duplicates, Int64 keys beyond ±2^53, VarChar keys, and the range test that
 * lets last-write-wins skip a batch. Then last-write-wins on segments through the fast path
 * against the per-key rule it replaces. Seeded; the seed is printed on failure.
 */
import { describe, expect, it } from 'vitest';
import { DataType } from '../schema/data-type.ts';
import type { Column } from '../schema/columns.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { Random, testSeed } from '../util/random.ts';
import { GrowingSegment } from './growing-segment.ts';
import { PkIndex, keyBatch, type PkValue } from './pk-index.ts';

function int64Col(keys: readonly bigint[]): Column {
  return { type: DataType.Int64, length: keys.length, data: BigInt64Array.from(keys) };
}

function strCol(keys: readonly string[]): Column {
  return { type: DataType.VarChar, length: keys.length, data: keys };
}

/** Checks an index over `keys` (appended in `chunks`) against a Map model. */
function checkAgainstModel(keys: readonly PkValue[], chunks: number[], probes: readonly PkValue[], what: string): void {
  const col = typeof keys[0] === 'string' ? strCol(keys as string[]) : int64Col(keys as bigint[]);
  const idx = new PkIndex(col);
  let at = 0;
  for (const c of chunks) {
    at = Math.min(keys.length, at + c);
    idx.append(col, at);
    const model = new Map<PkValue, number[]>();
    for (let r = 0; r < at; r++) model.set(keys[r]!, [...(model.get(keys[r]!) ?? []), r]);
    for (const p of [...probes, ...keys.slice(0, at)]) {
      expect(idx.rowsOf(p), `${what}: rowsOf(${p}) after ${at} rows`).toEqual(model.get(p) ?? []);
      expect(idx.has(p), `${what}: has(${p})`).toBe(model.has(p));
    }
    let dupes = 0;
    for (const rows of model.values()) dupes += rows.length - 1;
    expect(idx.duplicateRows, `${what}: duplicateRows after ${at} rows`).toBe(dupes);
  }
}

describe('PkIndex', () => {
  it('finds Int64 keys appended in order, out of order, repeated and beyond ±2^53', () => {
    const seed = testSeed(process.env.VESPER_SEED);
    const rng = new Random(seed);
    const big = 2n ** 53n;
    for (let trial = 0; trial < 40; trial++) {
      const n = rng.range(1, 60);
      const mode = trial % 4;
      let next = BigInt(rng.range(-50, 50));
      const keys: bigint[] = [];
      for (let i = 0; i < n; i++) {
        if (mode === 0) keys.push((next += BigInt(rng.range(1, 3)))); // strictly increasing
        else if (mode === 1) keys.push(BigInt(rng.range(-20, 20))); // random, with repeats
        else if (mode === 2) keys.push(i === n - 1 ? big + BigInt(rng.range(-2, 2)) : (next += 1n)); // ends near/over 2^53
        else keys.push(BigInt(rng.range(0, 5)) - 2n ** 63n); // far outside ±2^53
      }
      const probes = [0n, -1n, big, -big, big - 1n, -big - 1n, 2n ** 63n - 1n, -(2n ** 63n), ...keys.map((k) => k + 1n)];
      const chunks = Array.from({ length: 4 }, () => rng.range(1, Math.max(1, n >> 1)));
      chunks.push(n);
      checkAgainstModel(keys, chunks, probes, `seed ${seed} trial ${trial} mode ${mode}`);
    }
  });

  it('finds VarChar keys and never matches a key of the other type', () => {
    checkAgainstModel(['a', 'b', 'c', 'd'], [2, 4], ['', 'bb', 'e'], 'sorted strings');
    checkAgainstModel(['x', 'b', 'x', 'é', '😀', 'b'], [3, 6], ['', 'c', 'é'], 'unsorted strings');
    const idx = PkIndex.of(strCol(['1', '2']), 2);
    expect(idx.has(1n)).toBe(false);
    const ints = PkIndex.of(int64Col([1n, 2n]), 2);
    expect(ints.has('1')).toBe(false);
  });

  it('says a batch cannot meet the segment only when the key ranges are disjoint', () => {
    const idx = PkIndex.of(int64Col([10n, 20n, 30n]), 3);
    expect(idx.mayContainAny(keyBatch(int64Col([31n, 40n]), 2))).toBe(false);
    expect(idx.mayContainAny(keyBatch(int64Col([1n, 9n]), 2))).toBe(false);
    expect(idx.mayContainAny(keyBatch(int64Col([5n, 35n]), 2))).toBe(true); // spans it, though no key is in
    expect(idx.mayContainAny(keyBatch(int64Col([2n ** 60n]), 1))).toBe(true); // no exact range beyond ±2^53: checked key by key
    const shuffled = PkIndex.of(int64Col([30n, 10n, 20n]), 3); // ranges work without order too
    expect(shuffled.mayContainAny(keyBatch(int64Col([31n]), 1))).toBe(false);
    expect(shuffled.mayContainAny(keyBatch(int64Col([15n]), 1))).toBe(true);
    const wide = PkIndex.of(int64Col([2n ** 62n, 1n]), 2);
    expect(wide.mayContainAny(keyBatch(int64Col([5n]), 1))).toBe(true);
    const strs = PkIndex.of(strCol(['b', 'c']), 2);
    expect(strs.mayContainAny(keyBatch(strCol(['d']), 1))).toBe(false);
    expect(strs.mayContainAny(keyBatch(strCol(['bb']), 1))).toBe(true);
    expect(PkIndex.of(int64Col([]), 0).mayContainAny(keyBatch(int64Col([1n]), 1))).toBe(false);
  });
});

describe('last write wins on a segment', () => {
  const schema = normalizeSchema({
    collection_name: 't',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 2 },
    ],
  });

  it('hides exactly the older rows of the batch keys, as a per-key delete would', () => {
    const seed = testSeed(process.env.VESPER_SEED);
    const rng = new Random(seed);
    for (let trial = 0; trial < 30; trial++) {
      const fast = new GrowingSegment(1, 1, 0, schema, 0);
      const slow = new GrowingSegment(2, 1, 0, schema, 0);
      let ts = 10n;
      for (let op = 0; op < 25; op++) {
        ts += 1n;
        // mostly increasing ids (the skip), sometimes old or repeated ones (the lookups)
        const base = op * 4;
        const ids = Array.from({ length: rng.range(1, 6) }, () => (rng.bool(0.7) ? base + rng.range(0, 3) : rng.range(0, base + 3)));
        const batch = rowsToBatch(schema, ids.map((id) => ({ id, v: [id, 1] })));
        fast.applyLastWriteWins(keyBatch(batch.columns.get('id')!, batch.count), ts);
        for (const id of ids) if (slow.hasPk(BigInt(id))) slow.applyDelete(BigInt(id), ts);
        fast.append(batch, ts);
        slow.append(batch, ts);
      }
      for (let t = 10n; t <= ts; t++) expect(fast.visibility(t).toIndices(), `seed ${seed} trial ${trial} t ${t}`).toEqual(slow.visibility(t).toIndices());
      expect(fast.pendingDeletes).toEqual(slow.pendingDeletes);
      expect(fast.duplicateRows).toBe(slow.duplicateRows);
    }
  });
});
