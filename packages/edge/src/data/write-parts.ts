/**
 * How the Worker cuts an insert or upsert into parts for the shard leaders: Durable Object RPC
 * refuses a message over 32 MiB, so each part carries at most WRITE_CHUNK_BYTES of row JSON.
 */
import type { Row } from '@vesper/core/distributed';

/**
 * Bytes of row JSON per write part sent to a leader. DO RPC refuses messages over 32 MiB; a
 * row's structured-clone size stays under twice its JSON length (UTF-16 text at worst), so
 * 12 MiB of JSON per part keeps every part under the limit with room to spare.
 */
export const WRITE_CHUNK_BYTES = 12 * 1024 * 1024;

/** Contiguous row ranges [from, to) of at most `maxBytes` of JSON each (a bigger row goes alone). */
export function rowChunks(rows: readonly Row[], maxBytes: number): [number, number][] {
  const out: [number, number][] = [];
  let from = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const b = rowBytes(rows[i]);
    if (i > from && bytes + b > maxBytes) {
      out.push([from, i]);
      from = i;
      bytes = 0;
    }
    bytes += b;
  }
  out.push([from, rows.length]);
  return out;
}

/** A row's JSON length (bigint-safe; rows that cannot be measured count as large). */
function rowBytes(row: unknown): number {
  try {
    return JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))?.length ?? 0;
  } catch {
    return WRITE_CHUNK_BYTES;
  }
}
