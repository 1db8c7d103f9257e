/**
 * JSON in and out of the REST API without losing Int64 precision.
 *
 * JavaScript numbers hold integers exactly only up to 2^53; Milvus's REST API carries Int64
 * values (primary keys, Int64 fields, `exprParams`) as JSON numbers up to 2^63 − 1, and its Go
 * decoder keeps them exact. Requests: an integer literal beyond 2^53 is parsed to a `bigint`
 * from its source text (the `JSON.parse` reviver's third argument, which workerd's V8 passes),
 * so the engine's Int64 checks see the value the client wrote; literals beyond the 64-bit range
 * (|v| ≥ 2^64) are refused, as Milvus's decoder refuses them. The reviver only runs when the
 * body holds such a long integer literal at all — vectors and ordinary rows take plain
 * `JSON.parse`. Responses: a `bigint` anywhere in the reply is written as its exact digits.
 */
import { VesperError } from '@vesper/core';

/** An integer token of 16 or more digits (2^53 has 16): the only literals that can lose precision. */
const LONG_INTEGER = /(?:^|[\s[,:])-?\d{16,}(?:\.0+)?(?=[\s\],}]|$)/;
const INTEGER_SOURCE = /^-?\d+(?:\.0+)?$/;
const UINT64_LIMIT = 1n << 64n;

interface ReviverContext {
  readonly source?: string;
}

function exactIntegers(_key: string, value: unknown, ctx?: ReviverContext): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  const src = ctx?.source;
  if (src === undefined || !INTEGER_SOURCE.test(src)) return value;
  const digits = src.replace(/\.0+$/, '');
  const v = BigInt(digits);
  if ((v < 0n ? -v : v) >= UINT64_LIMIT) {
    throw new VesperError('INCORRECT_PARAMETER_FORMAT', `the integer ${digits.slice(0, 40)} is outside the 64-bit range`);
  }
  return v;
}

/**
 * Parses a request body; integers beyond 2^53 become `bigint` (exact).
 * @throws SyntaxError for invalid JSON; INCORRECT_PARAMETER_FORMAT (1801) for an integer beyond 64 bits
 */
export function parseRequestJson(text: string): unknown {
  if (!LONG_INTEGER.test(text)) return JSON.parse(text);
  return JSON.parse(text, exactIntegers as (this: unknown, key: string, value: unknown) => unknown);
}

/** JSON text of a reply; a `bigint` anywhere is written as its exact decimal digits. */
export function stringifyResponse(body: unknown): string {
  try {
    // the common reply holds no bigint: no replacer call per value
    return JSON.stringify(body);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  let marker: string | undefined;
  const text = JSON.stringify(body, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marker ??= `\u0000i64:${Math.random().toString(36).slice(2)}:`;
    return `${marker}${v.toString()}`;
  });
  if (marker === undefined) return text;
  // the marker holds a NUL, which JSON.stringify writes as \u0000: match its escaped form
  const escaped = JSON.stringify(marker).slice(1, -1).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return text.replace(new RegExp(`"${escaped}(-?\\d+)"`, 'g'), '$1');
}
