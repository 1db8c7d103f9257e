/**
 * How browser storage failures become VesperErrors, and the argument checks the browser
 * adapters share with core's memory adapters (same codes, same messages' shape).
 *
 * Invariant: a QuotaExceededError from IndexedDB or OPFS becomes RESOURCE_EXHAUSTED (12,
 * not retriable) and is raised only after the failed write was rolled back (an aborted
 * transaction, a removed temp file), so the database stays readable. Anything else the
 * browser throws is IO_FAILED (1000, retriable). VesperErrors pass through unchanged.
 */
import { VesperError } from '@vesper/core';

/** True for the DOMException browsers raise when the origin's quota is used up. */
export function isQuotaError(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError';
}

/** The VesperError for a failed browser storage call; `what` names the operation and key. */
export function toStorageError(err: unknown, what: string): VesperError {
  if (err instanceof VesperError) return err;
  const name = (err as { name?: unknown } | null)?.name;
  const message = err instanceof Error ? err.message : String(err);
  if (isQuotaError(err)) {
    return new VesperError(
      'RESOURCE_EXHAUSTED',
      `${what}: the browser's storage quota is exhausted (${message}); free space (drop collections, compact) or ask for persistent storage`,
      { cause: String(name) },
      { cause: err },
    );
  }
  return new VesperError('IO_FAILED', `${what} failed: ${String(name ?? 'Error')}: ${message}`, undefined, { cause: err });
}

/** Runs `fn`, converting whatever it throws with toStorageError. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStorageError(err, what);
  }
}

/** @throws PARAMETER_INVALID unless v is undefined or a non-negative safe integer. */
export function checkExpectedVersion(key: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
    throw new VesperError('PARAMETER_INVALID', `expectedVersion for ${JSON.stringify(key)} must be an integer >= 0, got ${v}`);
  }
}

/** @throws PARAMETER_INVALID unless n is a non-negative safe integer. */
export function checkCount(what: string, n: number): void {
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    throw new VesperError('PARAMETER_INVALID', `${what} must be an integer >= 0, got ${n}`);
  }
}

/** @throws PARAMETER_INVALID unless bytes is a Uint8Array. */
export function checkBytes(what: string, bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) {
    throw new VesperError('PARAMETER_INVALID', `${what}: bytes must be a Uint8Array`);
  }
}

/** The COMMIT_CONFLICT a failed compare-and-set answers with. */
export function versionConflict(key: string, expected: number, actual: number): VesperError {
  const want = expected === 0 ? 'absent' : `at version ${expected}`;
  const have = actual === 0 ? 'absent' : `at version ${actual}`;
  return new VesperError('COMMIT_CONFLICT', `meta key ${JSON.stringify(key)} expected ${want} but is ${have}`, {
    key,
    expectedVersion: expected,
    actualVersion: actual,
  });
}

/** The COMMIT_CONFLICT a create-only put answers with. */
export function objectExists(key: string): VesperError {
  return new VesperError('COMMIT_CONFLICT', `object ${JSON.stringify(key)} already exists (create-only put)`, { key });
}

/** Code-unit order, the order every listing uses (IndexedDB orders string keys the same way). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * An exact copy of a view's bytes in a buffer of its own. Structured clone (IndexedDB) of a
 * subarray would store the whole backing buffer, so views are always copied first.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.slice();
}

/** @throws PARAMETER_INVALID unless name is a valid database name. */
export function checkDatabaseName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(name) || name === '.' || name === '..') {
    throw new VesperError(
      'PARAMETER_INVALID',
      `database name must be 1..128 characters of A-Z a-z 0-9 . _ - (not '.' or '..'), got ${JSON.stringify(name)}`,
    );
  }
}
