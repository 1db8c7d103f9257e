/**
 * Rows of a bulk-import file in Arrow IPC format (Milvus's bulk import reads Parquet/JSON/
 * NumPy; Vesper's runtimes read Arrow IPC, the format of its own insert logs, plus JSON).
 * One JSON-shaped row object per Arrow row, the shape `insert` takes: lists and fixed-size
 * lists (vectors, arrays) become number/string arrays, Int64 becomes a number when it is
 * exact and a decimal string otherwise, struct/map values become plain objects.
 */
import { tableFromIPC, type Table } from 'apache-arrow';
import { VesperError } from '../errors/index.ts';

function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object') {
    // Arrow vectors (list cells) and struct rows both render themselves with toJSON.
    const o = v as { toJSON?: () => unknown };
    if (typeof o.toJSON === 'function') {
      const j = o.toJSON();
      if (j !== v) return plain(j);
    }
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

/**
 * Decodes an Arrow IPC file (or stream) into row objects.
 * @throws PARAMETER_INVALID (1100) when the bytes are not Arrow IPC
 */
export function arrowIpcRows(bytes: Uint8Array): Record<string, unknown>[] {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (e) {
    throw new VesperError('PARAMETER_INVALID', `not a readable Arrow IPC file: ${(e as Error).message}`);
  }
  const names = table.schema.fields.map((f) => f.name);
  const columns = names.map((n) => table.getChild(n)!);
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = plain(columns[c]!.get(i));
    rows.push(row);
  }
  return rows;
}
