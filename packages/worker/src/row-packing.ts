/**
 * Columnar hand-off of insert/upsert rows to the engine worker. Structured clone of 1,000 row
 * objects, each holding its own Float32Array, costs milliseconds on both threads; the same
 * rows as columns — every Float32Array column copied into ONE transferred buffer, scalar
 * columns as plain arrays — cost a memcpy on the page and nothing to receive. The worker
 * rebuilds row objects whose vectors are views into that buffer (the engine copies them into
 * its own batch), so the engine sees the rows it would have seen.
 *
 * Invariants: packing is exact or not done — only when every row has the same own keys in the
 * same order; a column is packed as floats only when every value is a Float32Array of one
 * length (so no number[] ever changes type or precision). The caller's arrays are copied,
 * never detached.
 */

/** The wire form of packed rows (a request's `data` / `fields_data` value). */
export interface PackedRows {
  readonly vesperPackedRows: 1;
  readonly count: number;
  readonly keys: readonly string[];
  /** Per key: packed floats `{ dim, floats }` or the column's values. */
  readonly columns: ReadonlyArray<PackedFloats | readonly unknown[]>;
}

interface PackedFloats {
  readonly dim: number;
  readonly floats: Float32Array<ArrayBuffer>;
}

/** Batches smaller than this travel as rows (packing would save nothing measurable). */
export const MIN_PACKED_ROWS = 16;

const PACKED_METHODS: ReadonlySet<string> = new Set(['insert', 'upsert', 'restoreRows']);

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One column: packed floats when every value is a Float32Array of the same length, else the values. */
function packColumn(rows: readonly Record<string, unknown>[], key: string): PackedFloats | unknown[] {
  const first = rows[0]![key];
  if (first instanceof Float32Array && first.length > 0) {
    const dim = first.length;
    let uniform = true;
    for (const row of rows) {
      const v = row[key];
      if (!(v instanceof Float32Array) || v.length !== dim) {
        uniform = false;
        break;
      }
    }
    if (uniform) {
      const floats = new Float32Array(rows.length * dim);
      rows.forEach((row, i) => floats.set(row[key] as Float32Array, i * dim));
      return { dim, floats };
    }
  }
  return rows.map((row) => row[key]);
}

/**
 * The request with its rows packed, and the buffers to transfer; undefined when the request
 * is not an insert/upsert whose rows can be packed exactly.
 */
export function packRowsRequest(method: string, request: unknown): { request: unknown; transfer: ArrayBuffer[] } | undefined {
  if (!PACKED_METHODS.has(method) || !isPlainRecord(request)) return undefined;
  const field = Array.isArray(request['data']) ? 'data' : Array.isArray(request['fields_data']) ? 'fields_data' : undefined;
  if (field === undefined) return undefined;
  const rows = request[field] as unknown[];
  if (rows.length < MIN_PACKED_ROWS || !rows.every(isPlainRecord)) return undefined;
  const keys = Object.keys(rows[0]!);
  if (keys.includes('__proto__')) return undefined; // rebuilding would set a prototype, not a field
  for (const row of rows) if (!sameKeys(keys, Object.keys(row))) return undefined;
  const columns = keys.map((key) => packColumn(rows, key));
  const transfer = columns.flatMap((c) => ('floats' in c ? [c.floats.buffer] : []));
  const packed: PackedRows = { vesperPackedRows: 1, count: rows.length, keys, columns };
  return { request: { ...request, [field]: packed }, transfer };
}

function isPacked(value: unknown): value is PackedRows {
  return isPlainRecord(value) && value['vesperPackedRows'] === 1;
}

/** The request with packed rows rebuilt as row objects (unchanged when nothing is packed). */
export function unpackRowsRequest(request: unknown): unknown {
  if (!isPlainRecord(request)) return request;
  const field = isPacked(request['data']) ? 'data' : isPacked(request['fields_data']) ? 'fields_data' : undefined;
  if (field === undefined) return request;
  const { count, keys, columns } = request[field] as PackedRows;
  const rows = new Array<Record<string, unknown>>(count);
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) {
      const c = columns[k]!;
      row[keys[k]!] = 'floats' in c ? c.floats.subarray(i * c.dim, (i + 1) * c.dim) : c[i];
    }
    rows[i] = row;
  }
  return { ...request, [field]: rows };
}
