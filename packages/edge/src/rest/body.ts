/**
 * Reading Milvus REST v2 request bodies the way Milvus's HTTP server binds them: keys match
 * case-insensitively (the SDK sends `autoId`, the server's key is `autoID`), a missing
 * required parameter is 1802 and a value of the wrong JSON type is 1801. Unknown keys, which
 * Milvus's server drops, are refused with 1100 (request-shape.ts).
 */
import { VesperError, showValue } from '@vesper/core';

const TRUE_TEXT: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_TEXT: ReadonlySet<string> = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A boolean written as text, read as Go's strconv.ParseBool reads it (Milvus's server); undefined when it is none. */
export function parseBoolText(text: string): boolean | undefined {
  return TRUE_TEXT.has(text) ? true : FALSE_TEXT.has(text) ? false : undefined;
}

export class Body {
  private readonly byKey = new Map<string, unknown>();

  /**
   * @param source the request's JSON text, for conversions that need what the client wrote
   *   (a number literal's digits for a VarChar field: rest/row-values.ts)
   */
  constructor(
    readonly raw: Readonly<Record<string, unknown>>,
    readonly source?: string,
  ) {
    for (const [k, v] of Object.entries(raw)) this.byKey.set(k.toLowerCase(), v);
  }

  /** A body from any JSON value (1801 unless it is an object). */
  static of(value: unknown, what = 'request body', source?: string): Body {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new VesperError('INCORRECT_PARAMETER_FORMAT', `${what} must be a JSON object, got ${showValue(value)}`);
    }
    return new Body(value as Record<string, unknown>, source);
  }

  /** The value under any of the names (first present wins), undefined when absent or null. */
  get(...names: string[]): unknown {
    for (const n of names) {
      const v = this.byKey.get(n.toLowerCase());
      if (v !== undefined && v !== null) return v;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  str(...names: string[]): string | undefined {
    const v = this.get(...names);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw wrongType(names[0]!, 'a string', v);
    return v;
  }

  /** A required non-empty string. @throws 1802 when missing, 1801 when not a string. */
  need(...names: string[]): string {
    const v = this.str(...names);
    if (v === undefined || v === '') throw missing(names[0]!);
    return v;
  }

  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw wrongType(name, 'an integer', v);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    // a boolean written as text: Go's strconv.ParseBool spellings, as Milvus's server reads them
    const b = typeof v === 'string' ? parseBoolText(v) : undefined;
    if (b !== undefined) return b;
    throw wrongType(name, 'a boolean', v);
  }

  /**
   * A string parameter that older Milvus clients send under another name (`expr` for `filter`,
   * `primaryField` for `primaryFieldName`): either name is read; both with different values is
   * 1100 naming them.
   */
  strAlias(name: string, alias: string): string | undefined {
    const a = this.str(name);
    const b = this.str(alias);
    if (a !== undefined && b !== undefined && a !== b) throw new VesperError('PARAMETER_INVALID', `${name} and ${alias} name the same parameter with different values`);
    return a ?? b;
  }

  obj(name: string): Body | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : Body.of(v, name);
  }

  list(name: string): unknown[] | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) throw wrongType(name, 'an array', v);
    return v;
  }

  strings(name: string): string[] | undefined {
    const l = this.list(name);
    if (l === undefined) return undefined;
    for (const s of l) if (typeof s !== 'string') throw wrongType(name, 'an array of strings', l);
    return l as string[];
  }
}

export function missing(name: string): VesperError {
  return new VesperError('MISSING_REQUIRED_PARAMETERS', `missing required parameters, error: ${name} is required`);
}

export function wrongType(name: string, want: string, got: unknown): VesperError {
  return new VesperError('INCORRECT_PARAMETER_FORMAT', `the parameter ${name} should be ${want}, got ${showValue(got)}`);
}

/** A plain object made of the defined entries only (engine requests reject nothing extra, but stay tidy). */
export function defined(entries: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k] = v;
  return out;
}
