import { describe, expect, it } from 'vitest';
import { compactViews, vectorBuffers } from './vector-transfer.ts';

describe('compactViews', () => {
  const big = new Float32Array(1 << 16); // 256 KiB

  it('copies a small view of a large buffer, along the path to it only', () => {
    const q = big.subarray(128, 512);
    const other = { keep: [1, 2] };
    const req = { collection_name: 'c', data: [q, new Float32Array(4)], other };
    const out = compactViews(req) as typeof req;
    expect(out).not.toBe(req);
    expect(out.other).toBe(other);
    expect(out.data[1]).toBe(req.data[1]);
    expect(out.data[0]).not.toBe(q);
    expect(out.data[0]!.buffer.byteLength).toBe(q.byteLength);
    expect(Array.from(out.data[0]!)).toEqual(Array.from(q));
    // the caller's request is untouched
    expect(req.data[0]).toBe(q);
    expect(vectorBuffers(out)).not.toContain(big.buffer);
  });

  it('returns the request itself when no view needs copying', () => {
    const req = { data: [new Float32Array(384)], whole: big, half: big.subarray(0, big.length / 2 + 1), small: new Float32Array(64).subarray(1, 2) };
    expect(compactViews(req)).toBe(req);
  });
});
