/**
 * Loading the user's own file: JSON (an array of rows, or `{rows: [...]}`), NDJSON (one row a
 * line), `.fvecs` (vectors only; ids are row numbers) or Arrow IPC (file or stream format).
 * The schema is inferred from the rows and shown before anything is created: the vector field
 * is the first field holding equal-length number lists; `id` is the primary key when present
 * (Int64 or VarChar), else one is numbered; other fields map to Int64 / Double / VarChar /
 * Bool / JSON. Anything that does not fit is refused with a message naming the row and field.
 */
import type { FieldSpec, Row } from '../backend/backend.ts';

export interface ParsedFile {
  readonly name: string;
  readonly format: 'JSON' | 'NDJSON' | 'fvecs' | 'Arrow IPC';
  readonly fields: FieldSpec[];
  readonly rows: Row[];
}

export const MAX_FILE_ROWS = 200_000;

function fromFvecs(buf: ArrayBuffer): Row[] {
  const view = new DataView(buf);
  const rows: Row[] = [];
  for (let at = 0; at < buf.byteLength; ) {
    const dim = view.getInt32(at, true);
    if (dim <= 0 || at + 4 + dim * 4 > buf.byteLength) throw new Error(`not an .fvecs file: row ${rows.length} claims dimension ${dim}`);
    rows.push({ id: rows.length, vector: Array.from(new Float32Array(buf.slice(at + 4, at + 4 + dim * 4))) });
    at += 4 + dim * 4;
  }
  return rows;
}

/** Arrow IPC rows; apache-arrow is loaded only when an Arrow file is opened. */
async function fromArrow(buf: ArrayBuffer): Promise<Row[]> {
  const { tableFromIPC } = await import('apache-arrow');
  const table = tableFromIPC(new Uint8Array(buf));
  const rows: Row[] = [];
  for (const r of table) {
    const o = (r as { toJSON(): Record<string, unknown> }).toJSON();
    const row: Row = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'bigint') row[k] = Number(v);
      else if (v !== null && typeof v === 'object' && typeof (v as { toArray?: unknown }).toArray === 'function') row[k] = Array.from((v as { toArray(): ArrayLike<number> }).toArray(), Number);
      else if (ArrayBuffer.isView(v)) row[k] = Array.from(v as unknown as ArrayLike<number>, Number);
      else row[k] = v;
    }
    rows.push(row);
  }
  return rows;
}

function fromJson(text: string): Row[] {
  const parsed = JSON.parse(text) as unknown;
  const list = Array.isArray(parsed) ? parsed : (parsed as { rows?: unknown })?.rows;
  if (!Array.isArray(list)) throw new Error('a JSON file must hold an array of rows, or {"rows": [...]}');
  return list as Row[];
}

function fromNdjson(text: string): Row[] {
  return text
    .split('\n')
    .map((l, i) => [l.trim(), i] as const)
    .filter(([l]) => l !== '')
    .map(([l, i]) => {
      try {
        return JSON.parse(l) as Row;
      } catch {
        throw new Error(`line ${i + 1} is not JSON`);
      }
    });
}

const isNumList = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Infers the collection schema; numbers the rows when they carry no usable `id`. */
export function inferSchema(rows: Row[]): { fields: FieldSpec[]; rows: Row[] } {
  const first = rows[0];
  if (first === undefined || typeof first !== 'object' || first === null) throw new Error('the file has no rows');
  const vectorName = Object.keys(first).find((k) => isNumList(first[k]));
  if (vectorName === undefined) throw new Error('no vector field: no field of the first row is a list of numbers');
  const dim = (first[vectorName] as number[]).length;
  rows.forEach((r, i) => {
    if (!isNumList(r[vectorName]) || (r[vectorName] as number[]).length !== dim) throw new Error(`row ${i}: field ${vectorName} must be ${dim} numbers`);
  });
  const idKind = rows.every((r) => Number.isSafeInteger(r['id'])) ? 'Int64' : rows.every((r) => typeof r['id'] === 'string' && r['id'] !== '') ? 'VarChar' : undefined;
  const out: Row[] = idKind === undefined ? rows.map((r, i) => ({ ...r, id: i })) : rows;
  if (new Set(out.map((r) => r['id'])).size !== out.length) throw new Error('field id has duplicate values');
  const fields: FieldSpec[] = [idKind === 'VarChar' ? { name: 'id', type: 'VarChar', primary: true, maxLength: 512 } : { name: 'id', type: 'Int64', primary: true }, { name: vectorName, type: 'FloatVector', dim }];
  for (const k of Object.keys(first)) {
    if (k === 'id' || k === vectorName || k.startsWith('$')) continue;
    const vals = out.map((r) => r[k]);
    if (vals.every((v) => typeof v === 'boolean')) fields.push({ name: k, type: 'Bool' });
    else if (vals.every((v) => Number.isSafeInteger(v))) fields.push({ name: k, type: 'Int64' });
    else if (vals.every((v) => typeof v === 'number' && Number.isFinite(v))) fields.push({ name: k, type: 'Double' });
    else if (vals.every((v) => typeof v === 'string')) fields.push({ name: k, type: 'VarChar', maxLength: Math.min(65535, Math.max(64, 2 * Math.max(...vals.map((v) => new TextEncoder().encode(v as string).length)))) });
    else fields.push({ name: k, type: 'JSON' });
  }
  const keep = new Set(fields.map((f) => f.name));
  return { fields, rows: out.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => keep.has(k)))) };
}

export async function parseUserFile(file: File): Promise<ParsedFile> {
  const lower = file.name.toLowerCase();
  let format: ParsedFile['format'];
  let rows: Row[];
  if (lower.endsWith('.fvecs')) [format, rows] = ['fvecs', fromFvecs(await file.arrayBuffer())];
  else if (/\.(arrow|arrows|ipc|feather)$/.test(lower)) [format, rows] = ['Arrow IPC', await fromArrow(await file.arrayBuffer())];
  else if (/\.(ndjson|jsonl)$/.test(lower)) [format, rows] = ['NDJSON', fromNdjson(await file.text())];
  else if (lower.endsWith('.json')) [format, rows] = ['JSON', fromJson(await file.text())];
  else throw new Error(`${file.name}: unknown file type (use .json, .ndjson, .jsonl, .fvecs, .arrow)`);
  if (rows.length > MAX_FILE_ROWS) throw new Error(`${file.name} has ${rows.length} rows; the demo loads at most ${MAX_FILE_ROWS}`);
  const inferred = inferSchema(rows);
  return { name: file.name, format, ...inferred };
}
