/**
 * Hashing of primary keys to shards and of partition-key values to partitions (Milvus hashes
 * Int64 keys with murmur3 over their 8 little-endian bytes and strings over their UTF-8
 * bytes). Stable across runtimes and versions: changing it would move rows between shards.
 */
const enc = new TextEncoder();

export function murmur3(bytes: Uint8Array, seed = 0): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const i64 = new BigInt64Array(1);
const i64bytes = new Uint8Array(i64.buffer);

/** Hash of a primary key or partition-key value. */
export function hashKey(key: bigint | string): number {
  if (typeof key === 'bigint') {
    i64[0] = key;
    return murmur3(i64bytes);
  }
  return murmur3(enc.encode(key));
}

/** Which of `n` buckets a key belongs to. */
export function bucketOf(key: bigint | string, n: number): number {
  return n <= 1 ? 0 : hashKey(key) % n;
}
