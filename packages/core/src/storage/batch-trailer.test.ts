/**
 * Insert and delete logs under bit flips and truncation (batch-trailer.ts): every single-bit
 * flip — in the Arrow bytes, its footer, or the trailer — and every cut is FORMAT_CORRUPT
 * before the Arrow reader runs; never a hang, a crash of another kind, or different rows.
 * Seeded: VESPER_SEED (printed).
 */
import { describe, expect, it } from 'vitest';
import { Random, testSeed } from '../util/random.ts';
import { DataType } from '../schema/data-type.ts';
import { normalizeSchema } from '../schema/normalize.ts';
import { rowsToBatch } from '../schema/row-batch.ts';
import { decodeDeltaLog, encodeDeltaLog } from '../segments/delta-log.ts';
import { decodeBatch, encodeBatch } from './batch-file.ts';
import { TRAILER_BYTES } from './batch-trailer.ts';

const seed = testSeed(process.env.VESPER_SEED);

const schema = normalizeSchema({
  collection_name: 'flip',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 's', data_type: DataType.VarChar, max_length: 16, nullable: true },
    { name: 'v', data_type: DataType.FloatVector, dim: 4 },
  ],
});

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { error?: string }).error ?? `not a VesperError: ${String(e)}`;
  }
}

describe(`batch files under bit flips (seed ${seed})`, () => {
  const r = new Random(seed);
  const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, s: i % 3 === 0 ? null : `r${i}`, v: [i, -i, r.gaussian(), 0.5] }));
  const batch = rowsToBatch(schema, rows);
  const insert = encodeBatch('insert', schema.fields, batch.columns, batch.count);
  const pk = schema.fields[0]!;
  const deletes = Array.from({ length: 20 }, (_, i) => ({ pk: BigInt(i * 3), ts: BigInt(1000 + i) }));
  const delta = encodeDeltaLog(pk, deletes, 9);

  const cases: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
    ['insert log', insert, (b) => decodeBatch(b, schema.fields, 'insert')],
    ['delete log', delta, (b) => decodeDeltaLog(pk, b)],
  ];
  for (const [what, bytes, decode] of cases) {
    it(`${what}: every flipped bit tried is FORMAT_CORRUPT`, () => {
      console.log(`batch-trailer seed ${seed}`);
      expect(codeOf(() => decode(bytes))).toBeUndefined();
      const bits = bytes.length * 8;
      // every bit of the trailer and the last 256 bytes (Arrow footer), and 1500 seeded others
      const tried = new Set<number>();
      for (let b = Math.max(0, bits - (256 + TRAILER_BYTES) * 8); b < bits; b++) tried.add(b);
      for (let i = 0; i < 1500; i++) tried.add(r.int(bits));
      for (const bit of tried) {
        const bad = bytes.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(codeOf(() => decode(bad)), `${what} bit ${bit} of ${bits} seed=${seed}`).toBe('FORMAT_CORRUPT');
      }
    });

    it(`${what}: a cut anywhere, the trailer's edge included, is FORMAT_CORRUPT`, () => {
      for (const len of [0, 1, 8, bytes.length >> 1, bytes.length - TRAILER_BYTES, bytes.length - TRAILER_BYTES + 1, bytes.length - 1]) {
        expect(codeOf(() => decode(bytes.subarray(0, len))), `${what} cut to ${len} of ${bytes.length}`).toBe('FORMAT_CORRUPT');
      }
    });
  }
});
