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
 * Parses a request body; integers beyond 2^53 become `bigint` (exact). An object holding a key
 * twice is refused: JSON.parse would keep the last value silently, and Milvus's decoder refuses it.
 * @throws SyntaxError for invalid JSON; INCORRECT_PARAMETER_FORMAT (1801) for an integer beyond 64 bits or a repeated key
 */
export function parseRequestJson(text: string): unknown {
  const value = LONG_INTEGER.test(text) ? JSON.parse(text, exactIntegers as (this: unknown, key: string, value: unknown) => unknown) : JSON.parse(text);
  const dup = duplicateKey(text);
  if (dup !== undefined) {
    throw new VesperError('INCORRECT_PARAMETER_FORMAT', `can only accept json format request, the request body is not valid JSON: duplicate key ${JSON.stringify(dup.key.slice(0, 80))} in one object (at character ${dup.at}); send each key once`);
  }
  return value;
}

/** Runs of characters that open no string and no object: numbers, literals, commas, arrays, space. */
const PLAIN_RUN = /[^"{}]*/y;

/**
 * The first key an object of `text` (valid JSON) holds twice, with its position. One pass:
 * runs without quotes or braces (vectors, numbers) are skipped by a sticky regex, strings by
 * indexOf, so a body of vectors costs little more than finding its brackets.
 */
export function duplicateKey(text: string): { key: string; at: number } | undefined {
  // per open brace, the keys seen so far; arrays need no entry: only braces and keys matter
  const open: Set<string>[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    PLAIN_RUN.lastIndex = i;
    PLAIN_RUN.test(text);
    i = PLAIN_RUN.lastIndex;
    if (i >= n) break;
    const c = text.charCodeAt(i);
    if (c === 123 /* { */) {
      open.push(new Set());
      i++;
    } else if (c === 125 /* } */) {
      open.pop();
      i++;
    } else {
      // a string: find its closing quote (one not escaped by an odd run of backslashes)
      const start = i;
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let bs = 0;
        while (text.charCodeAt(end - 1 - bs) === 92 /* \ */) bs++;
        if (bs % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return undefined;
      i = end + 1;
      // a key is a string followed by a colon, inside an object
      let j = i;
      while (j < n && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 10 || text.charCodeAt(j) === 13 || text.charCodeAt(j) === 9)) j++;
      const keys = open[open.length - 1];
      if (keys === undefined || text.charCodeAt(j) !== 58 /* : */) continue;
      const raw = text.slice(start + 1, end);
      const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      if (keys.has(key)) return { key, at: start };
      keys.add(key);
      i = j + 1;
    }
  }
  return undefined;
}

/** A JSON number kept as the text the client wrote (`1e300`, `1.50`), for a VarChar field. */
export class NumberText {
  constructor(readonly source: string) {}
}

/**
 * Parses `text` again keeping the source text of every number under one of `keys` (object keys:
 * the VarChar fields of an insert) as a NumberText; other numbers as parseRequestJson reads them.
 * @throws SyntaxError for invalid JSON
 */
export function parseKeepingNumberText(text: string, keys: ReadonlySet<string>): unknown {
  return JSON.parse(text, function (this: unknown, key: string, value: unknown, ctx?: ReviverContext): unknown {
    if (typeof value === 'number' && keys.has(key) && ctx?.source !== undefined) return new NumberText(ctx.source);
    return exactIntegers(key, value, ctx);
  } as (this: unknown, key: string, value: unknown) => unknown);
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
