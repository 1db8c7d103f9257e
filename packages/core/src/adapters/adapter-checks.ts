/**
 * Argument checks every storage adapter applies the same way, so memory, Node fs, OPFS,
 * IndexedDB, DO storage and R2 accept and reject exactly the same keys (the contract suites
 * hold them to it). Failures are PARAMETER_INVALID (1100): a bad key is a caller bug, and
 * rejecting it before touching storage keeps bad input from corrupting state.
 *
 * Object keys are '/'-separated paths like S3 keys, minus what a file system cannot hold:
 * no empty, '.' or '..' segments (so no leading, trailing or doubled '/'), no lone UTF-16
 * surrogates (they have no UTF-8 form), at most 1024 UTF-16 code units.
 */
import { VesperError } from '../errors/index.ts';
import { showValue } from '../util/show-value.ts';

export const MAX_OBJECT_KEY_LENGTH = 1024;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** @throws PARAMETER_INVALID unless key is a valid object key (see the header). */
export function checkObjectKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new VesperError('PARAMETER_INVALID', `object key must be a non-empty string, got ${showValue(key)}`);
  }
  if (key.length > MAX_OBJECT_KEY_LENGTH) {
    throw new VesperError('PARAMETER_INVALID', `object key is ${key.length} characters long; the limit is ${MAX_OBJECT_KEY_LENGTH}`);
  }
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new VesperError(
        'PARAMETER_INVALID',
        `object key ${JSON.stringify(key)} has an empty, '.' or '..' path segment; use keys like "a/b/c"`,
      );
    }
  }
  checkWellFormed('object key', key);
}

/** @throws PARAMETER_INVALID unless key is a non-empty, well-formed string. */
export function checkMetaKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new VesperError('PARAMETER_INVALID', `meta key must be a non-empty string, got ${showValue(key)}`);
  }
  checkWellFormed('meta key', key);
}

/** @throws PARAMETER_INVALID unless value is a string. */
export function checkMetaValue(key: string, value: string): void {
  if (typeof value !== 'string') {
    throw new VesperError('PARAMETER_INVALID', `meta value for ${showValue(key)} must be a string, got ${typeof value}`);
  }
}

/** @throws PARAMETER_INVALID unless v is undefined or a non-negative safe integer. */
export function checkExpectedVersion(key: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
    throw new VesperError('PARAMETER_INVALID', `expectedVersion for ${showValue(key)} must be an integer >= 0, got ${v}`);
  }
}

/** @throws PARAMETER_INVALID unless channel is a valid WAL channel name (same rules as a meta key). */
export function checkChannel(channel: string): void {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > 255) {
    throw new VesperError('PARAMETER_INVALID', `WAL channel must be a string of 1..255 characters, got ${showValue(channel)}`);
  }
  checkWellFormed('WAL channel', channel);
}

/** @throws PARAMETER_INVALID unless n is a non-negative safe integer. */
export function checkCount(what: string, n: number): void {
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    throw new VesperError('PARAMETER_INVALID', `${what} must be an integer >= 0, got ${n}`);
  }
}

/** The COMMIT_CONFLICT a failed compare-and-set answers with. */
export function versionConflict(key: string, expected: number, actual: number): VesperError {
  const want = expected === 0 ? 'absent' : `at version ${expected}`;
  const have = actual === 0 ? 'absent' : `at version ${actual}`;
  return new VesperError('COMMIT_CONFLICT', `meta key ${showValue(key)} expected ${want} but is ${have}`, {
    key,
    expectedVersion: expected,
    actualVersion: actual,
  });
}

/** The COMMIT_CONFLICT a create-only put answers with. */
export function objectExists(key: string): VesperError {
  return new VesperError('COMMIT_CONFLICT', `object ${showValue(key)} already exists (create-only put)`, { key });
}

function checkWellFormed(what: string, s: string): void {
  if (LONE_SURROGATE.test(s)) {
    throw new VesperError('PARAMETER_INVALID', `${what} ${showValue(s)} contains a lone UTF-16 surrogate`);
  }
}

/** A fresh copy of bytes, so neither side can mutate the other's view. */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}

/** Code-unit order, the order every listing uses. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
