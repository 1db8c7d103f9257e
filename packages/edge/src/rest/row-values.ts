/**
 * Scalar values in REST insert/upsert rows read the way Milvus's REST server reads them, where
 * the engine's own (in-process) types are stricter:
 *
 * - a Bool field takes a JSON boolean, text Go's strconv.ParseBool reads ("true", "F", "1", ...)
 *   or a number whose text is 1 or 0 (Milvus parses the value's text: `1`, `1.0`, `0e5`; not
 *   `-0`, `2`, `0.5`, which stay as they are and are refused by the engine, 1804);
 * - a VarChar field given a JSON number keeps the literal as written (`1e300` → "1e300",
 *   `1.50` → "1.50"): the body is parsed again keeping number text (json-codec.ts), since
 *   JSON.parse has already turned it into a double;
 * - an integer field (Int8–Int64) given a string of decimal digits (spaces around it and a sign
 *   allowed: `"8"`, `" -3 "`) takes that integer, as Milvus's REST parses the value's text; the
 *   engine itself takes integers only (and an Int64's exact decimal text). Other strings stay
 *   as they are and are refused by the engine (1804).
 *
 * Only fields of those types convert; every other value, at any depth, is the first parse's
 * (the second parse is read for the VarChar fields of each row only).
 * The engine checks the result as any row.
 */
import { parseBoolText } from './body.ts';
import { NumberText, parseKeepingNumberText } from './json-codec.ts';
import type { SchemaInfo } from './schema-info.ts';

const INTEGER_TYPES = new Set(['Int8', 'Int16', 'Int32', 'Int64']);

/** An integer field's string value as the engine takes it: a number (Int8–Int32) or exact decimal text (Int64). */
function integerOf(v: unknown, type: string): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trim();
  if (!/^[+-]?\d{1,20}$/.test(t)) return v;
  const b = BigInt(t);
  if (type === 'Int64') return b.toString();
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : v;
}

function boolOf(v: unknown): unknown {
  if (typeof v === 'string') return parseBoolText(v) ?? v;
  if (typeof v === 'number' && !Object.is(v, -0) && (v === 1 || v === 0)) return v === 1;
  return v;
}

/** The `data` rows of the body text with VarChar number literals as NumberText (one row object: a batch of one). */
function rowsWithNumberText(source: string, varchars: ReadonlySet<string>): unknown[] | undefined {
  const body = parseKeepingNumberText(source, varchars) as Record<string, unknown>;
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'data');
  const data = key === undefined ? undefined : body[key];
  if (data === undefined || data === null) return undefined;
  return Array.isArray(data) ? data : [data];
}

/**
 * The rows with Bool, integer and VarChar values converted as Milvus's REST reads them, or undefined
 * when no value changes. `source` is the request's JSON text (Body.source).
 */
export function restRowValues(rows: readonly unknown[], info: SchemaInfo, source: string | undefined): unknown[] | undefined {
  const bools = info.fields.filter((f) => f.data_type === 'Bool').map((f) => f.name);
  const integers = info.fields.filter((f) => INTEGER_TYPES.has(f.data_type));
  const varchars = new Set(info.fields.filter((f) => f.data_type === 'VarChar').map((f) => f.name));
  const isNumber = (v: unknown): boolean => typeof v === 'number' || typeof v === 'bigint';
  const numberAt = (row: unknown, name: string): boolean => isNumber((row as Record<string, unknown>)[name]);
  const varcharNumbers = varchars.size > 0 && source !== undefined && rows.some((r) => [...varchars].some((f) => numberAt(r, f)));
  const texts = varcharNumbers ? rowsWithNumberText(source, varchars) : undefined;
  let changed = false;
  const out = rows.map((r, i) => {
    const row = r as Record<string, unknown>;
    let copy: Record<string, unknown> | undefined;
    for (const f of bools) {
      if (!Object.hasOwn(row, f)) continue;
      const b = boolOf(row[f]);
      if (b === row[f]) continue;
      copy ??= { ...row };
      copy[f] = b;
    }
    for (const f of integers) {
      if (!Object.hasOwn(row, f.name)) continue;
      const n = integerOf(row[f.name], f.data_type);
      if (n === row[f.name]) continue;
      copy ??= { ...row };
      copy[f.name] = n;
    }
    const reparsed = texts?.[i] as Record<string, unknown> | undefined;
    if (reparsed !== undefined) {
      for (const f of varchars) {
        const t = Object.hasOwn(reparsed, f) ? reparsed[f] : undefined;
        if (!(t instanceof NumberText) || !isNumber(row[f])) continue;
        copy ??= { ...row };
        copy[f] = t.source;
      }
    }
    if (copy !== undefined) changed = true;
    return copy ?? row;
  });
  return changed ? out : undefined;
}
