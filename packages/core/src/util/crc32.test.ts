import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.ts';

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
  });

  it('is incremental', () => {
    const all = new TextEncoder().encode('hello, incremental world');
    expect(crc32(all.subarray(7), crc32(all.subarray(0, 7)))).toBe(crc32(all));
  });

  it('agrees with the bytewise definition at every length and alignment around the 8-byte steps', () => {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    const bytewise = (b: Uint8Array, prev = 0) => {
      let c = ~prev >>> 0;
      for (const x of b) c = table[(c ^ x) & 0xff]! ^ (c >>> 8);
      return ~c >>> 0;
    };
    const buf = new Uint8Array(5000);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
    for (const len of [0, 1, 7, 8, 9, 63, 64, 65, 66, 67, 71, 72, 1000, 4093]) {
      for (const off of [0, 1, 2, 3, 5]) {
        const s = buf.subarray(off, off + len);
        expect(crc32(s)).toBe(bytewise(s));
        expect(crc32(s, 0xdeadbeef)).toBe(bytewise(s, 0xdeadbeef));
      }
    }
  });
});
