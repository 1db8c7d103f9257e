/**
 * Browser storage failures become coded VesperErrors: the DOMException Chromium raises when
 * the origin's quota is used up maps to RESOURCE_EXHAUSTED (12, system, not retriable),
 * anything else to IO_FAILED. The DOMExceptions here are the browser's own class.
 */
import { expect, it } from 'vitest';
import { VesperError } from '@vesper/core';
import { parseDatabaseUrl, toStorageError } from '../../packages/browser/src/index.ts';

it('maps QuotaExceededError to RESOURCE_EXHAUSTED and other failures to IO_FAILED', () => {
  const quota = toStorageError(new DOMException('quota reached', 'QuotaExceededError'), 'object put "a"');
  expect(quota).toBeInstanceOf(VesperError);
  expect(quota.toJSON()).toMatchObject({ code: 12, error: 'RESOURCE_EXHAUSTED', kind: 'system', retriable: false });
  expect(quota.message).toContain('object put "a"');
  const io = toStorageError(new DOMException('gone', 'InvalidStateError'), 'meta get "k"');
  expect(io.toJSON()).toMatchObject({ error: 'IO_FAILED', retriable: true });
  const same = new VesperError('COMMIT_CONFLICT', 'x');
  expect(toStorageError(same, 'anything')).toBe(same);
});

it('parses database URLs and rejects bad ones with PARAMETER_INVALID', () => {
  expect(parseDatabaseUrl('opfs://my-db')).toEqual({ scheme: 'opfs', name: 'my-db' });
  expect(parseDatabaseUrl('idb://x.y_z')).toEqual({ scheme: 'idb', name: 'x.y_z' });
  expect(parseDatabaseUrl('memory://')).toEqual({ scheme: 'memory', name: '' });
  for (const bad of ['opfs://', 'opfs://a/b', 'opfs://..', 's3://x', 'memory://x', 'opfs://' + 'n'.repeat(200)]) {
    expect(() => parseDatabaseUrl(bad)).toThrow(expect.objectContaining({ error: 'PARAMETER_INVALID' }));
  }
});
