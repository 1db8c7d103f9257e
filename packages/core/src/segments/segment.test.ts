/**
 * MVCC visibility of a segment: rows appear at their write timestamp, deletes hide rows
 * written strictly before them from the delete's timestamp on, and an upsert (delete + insert
 * at one timestamp) swaps old for new atomically. Checked against a row-by-row model.
 */
import { describe, expect, it } from 'vitest';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { Random, testSeed } from '../util/random.ts';
import { GrowingSegment } from './growing-segment.ts';

const schema = normalizeSchema({
  collection_name: 't',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 2 },
  ],
});

function seg(): GrowingSegment {
  return new GrowingSegment(1, 1, 0, schema, 0);
}

function insert(s: GrowingSegment, ids: number[], ts: bigint): void {
  s.append(rowsToBatch(schema, ids.map((id) => ({ id, v: [id, 0] }))), ts);
}

describe('segment MVCC', () => {
  it('rows are visible from their timestamp on', () => {
    const s = seg();
    insert(s, [1, 2], 10n);
    insert(s, [3], 20n);
    expect(s.visibility(9n).toIndices()).toEqual([]);
    expect(s.visibility(10n).toIndices()).toEqual([0, 1]);
    expect(s.visibility(25n).toIndices()).toEqual([0, 1, 2]);
  });

  it('a delete hides older rows from its timestamp on, not newer ones', () => {
    const s = seg();
    insert(s, [1, 2], 10n);
    s.applyDelete(1n, 15n);
    insert(s, [1], 20n); // re-inserted after the delete
    expect(s.visibility(14n).toIndices()).toEqual([0, 1]);
    expect(s.visibility(15n).toIndices()).toEqual([1]);
    expect(s.visibility(20n).toIndices()).toEqual([1, 2]);
  });

  it('an upsert swaps rows at one timestamp', () => {
    const s = seg();
    insert(s, [7], 10n);
    s.applyDelete(7n, 30n);
    insert(s, [7], 30n);
    expect(s.visibility(29n).toIndices()).toEqual([0]);
    expect(s.visibility(30n).toIndices()).toEqual([1]);
  });

  it('matches a row-by-row model on random histories', () => {
    const seed = testSeed(process.env.VESPER_SEED);
    const rng = new Random(seed);
    for (let trial = 0; trial < 50; trial++) {
      const s = seg();
      const model: { id: number; ts: bigint; del: bigint }[] = [];
      let ts = 1n;
      for (let op = 0; op < 60; op++) {
        ts += BigInt(rng.range(0, 2));
        if (rng.bool(0.6)) {
          const ids = Array.from({ length: rng.range(1, 3) }, () => rng.range(0, 9));
          insert(s, ids, ts);
          for (const id of ids) model.push({ id, ts, del: 0n });
        } else {
          const id = rng.range(0, 9);
          s.applyDelete(BigInt(id), ts);
          for (const m of model) if (m.id === id && m.ts < ts && (m.del === 0n || m.del > ts)) m.del = ts;
        }
      }
      for (let t = 0n; t <= ts + 1n; t++) {
        const expected = model.flatMap((m, i) => (m.ts <= t && !(m.del !== 0n && m.del <= t) ? [i] : []));
        expect(s.visibility(t).toIndices(), `seed ${seed} trial ${trial} t ${t}`).toEqual(expected);
      }
    }
  });
});
