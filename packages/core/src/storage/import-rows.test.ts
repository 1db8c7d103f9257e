/** arrowIpcRows: Arrow IPC import files become the row objects `insert` takes. */
import { Field, FixedSizeList, Float32, Table, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { arrowIpcRows } from './import-rows.ts';

describe('arrowIpcRows', () => {
  it('renders vectors as arrays, Int64 as numbers (strings past 2^53), strings and nulls as is', () => {
    const t = new Table({
      id: vectorFromArray([1n, 2n, 2n ** 60n]),
      vector: vectorFromArray([[1, 2], [3, 4], [5, 6]], new FixedSizeList(2, new Field('item', new Float32()))),
      tag: vectorFromArray(['a', null, 'c']),
    });
    for (const format of ['file', 'stream'] as const) {
      expect(arrowIpcRows(tableToIPC(t, format))).toEqual([
        { id: 1, vector: [1, 2], tag: 'a' },
        { id: 2, vector: [3, 4], tag: null },
        { id: String(2n ** 60n), vector: [5, 6], tag: 'c' },
      ]);
    }
  });

  it('refuses bytes that are not Arrow IPC with 1100', () => {
    try {
      arrowIpcRows(new TextEncoder().encode('{"rows": []}'));
      expect.unreachable();
    } catch (e) {
      expect(VesperError.is(e, 'PARAMETER_INVALID')).toBe(true);
    }
  });
});
