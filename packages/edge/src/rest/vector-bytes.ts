/**
 * Byte vectors written as base64 text, as Milvus's REST server reads them (its Go decoder turns
 * a JSON string into []byte): a BinaryVector field's value may be the base64 of its packed bits,
 * a Float16Vector / BFloat16Vector field's the base64 of its little-endian 16-bit values. The
 * engine takes numbers, so such rows are converted here, against the collection's schema.
 */
import { VesperError, fromBFloat16Bits, fromFloat16Bits } from '@vesper/core';
import type { SchemaInfo } from './schema-info.ts';

const BYTE_VECTOR_TYPES = new Set(['BinaryVector', 'Float16Vector', 'BFloat16Vector']);

function bytesOf(text: string, field: string): Uint8Array {
  let raw: string;
  try {
    raw = atob(text);
  } catch {
    throw new VesperError('INVALID_INSERT_DATA', `fail to deal the insert data, error: field ${field}: a byte vector given as text must be base64`);
  }
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function decode(type: string, bytes: Uint8Array): number[] {
  if (type === 'BinaryVector') return Array.from(bytes);
  const halves = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    const bits = halves.getUint16(i, true);
    out.push(type === 'Float16Vector' ? fromFloat16Bits(bits) : fromBFloat16Bits(bits));
  }
  return out;
}

/**
 * The rows with base64 byte vectors decoded, or undefined when no row has one (nothing to do).
 * @throws INVALID_INSERT_DATA (1804) for text that is not base64
 */
export function decodeByteVectors(rows: readonly unknown[], info: SchemaInfo): unknown[] | undefined {
  const fields = info.fields.filter((f) => BYTE_VECTOR_TYPES.has(f.data_type));
  if (fields.length === 0) return undefined;
  let changed = false;
  const out = rows.map((r) => {
    const row = r as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const f of fields) {
      const v = Object.hasOwn(row, f.name) ? row[f.name] : undefined;
      if (typeof v !== 'string') continue;
      copy ??= { ...row };
      copy[f.name] = decode(f.data_type, bytesOf(v, f.name));
      changed = true;
    }
    return copy ?? row;
  });
  return changed ? out : undefined;
}
