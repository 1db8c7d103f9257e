import { describe, expect, it } from 'vitest';
import { fromWire, fromWireBinary, toWire, toWireBinary } from './replica-wire.ts';

describe('replica wire, binary form', () => {
  const value = {
    code: 0,
    data: { ts: 461234567890123456n, tail: [1, 3, 8, 0, 13].map((n, i) => ({ lsn: i + 1, payload: Uint8Array.from({ length: n }, (_, j) => (j * 31 + n) & 0xff) })), name: 'é ☃' },
  };

  it('carries what the JSON form carries: bigints, bytes, text', () => {
    const bytes = toWireBinary(value);
    expect(fromWireBinary(bytes)).toEqual(fromWire(toWire(value)));
    expect(fromWireBinary(bytes)).toEqual(value);
  });

  it('hands out the bytes as 8-aligned views of the body, without copying', () => {
    const bytes = toWireBinary(value);
    const got = fromWireBinary(bytes) as typeof value;
    for (const e of got.data.tail) {
      expect(e.payload.buffer).toBe(bytes.buffer);
      expect(e.payload.byteOffset % 8).toBe(0);
    }
  });

  it('refuses what is not a binary body, or a byte range outside it', () => {
    expect(() => fromWireBinary(new TextEncoder().encode(toWire(value)))).toThrow(expect.objectContaining({ code: 1801 }));
    const bytes = toWireBinary({ b: new Uint8Array(4) });
    expect(() => fromWireBinary(bytes.subarray(0, bytes.length - 8))).toThrow(expect.objectContaining({ code: 1801 }));
    const future = bytes.slice();
    future[4] = 9;
    expect(() => fromWireBinary(future)).toThrow(expect.objectContaining({ code: 2001 }));
  });
});
