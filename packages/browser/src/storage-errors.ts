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

// The argument checks and conflict errors are core's, so every adapter answers alike.
export {
  checkBytes,
  checkCount,
  checkExpectedVersion,
  compareKeys,
  copyBytes as ownBytes,
  objectExists,
  versionConflict,
} from '@vesper/core';

/** @throws PARAMETER_INVALID unless name is a valid database name. */
export function checkDatabaseName(name: string): void {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,128}$/.test(name) || name === '.' || name === '..') {
    throw new VesperError(
      'PARAMETER_INVALID',
      `database name must be 1..128 characters of A-Z a-z 0-9 . _ - (not '.' or '..'), got ${JSON.stringify(name)}`,
    );
  }
}
