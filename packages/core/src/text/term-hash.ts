/**
 * The 32-bit term id Milvus gives a token: CRC-32 (IEEE) of the token's first 100 UTF-8 bytes,
 * modulo 2^32 − 1. The BM25 function stores term frequencies under these ids as sparse-vector
 * dimensions, so Vesper's sparse vectors for a text are the ones Milvus computes.
 */
import { crc32 } from '../util/crc32.ts';

const encoder = new TextEncoder();
const PREFIX_BYTES = 100;

export function termHash(token: string): number {
  const bytes = encoder.encode(token);
  return (crc32(bytes.length > PREFIX_BYTES ? bytes.subarray(0, PREFIX_BYTES) : bytes) % 0xffffffff) >>> 0;
}
