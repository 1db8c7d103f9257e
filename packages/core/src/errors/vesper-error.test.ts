/** VesperError carries Milvus codes and survives a trip through JSON. */
import { describe, expect, it } from 'vitest';
import { ErrorCodes, VesperError, errorNameOf } from './index.ts';

describe('VesperError', () => {
  it('uses Milvus numbers for Milvus conditions', () => {
    expect(ErrorCodes.COLLECTION_NOT_FOUND.code).toBe(100);
    expect(ErrorCodes.COLLECTION_NOT_LOADED.code).toBe(101);
    expect(ErrorCodes.PARTITION_NOT_FOUND.code).toBe(200);
    expect(ErrorCodes.INDEX_NOT_FOUND.code).toBe(700);
    expect(ErrorCodes.DATABASE_NOT_FOUND.code).toBe(800);
    expect(ErrorCodes.PARAMETER_INVALID.code).toBe(1100);
    expect(ErrorCodes.NEED_AUTHENTICATE).toMatchObject({ code: 1800, http: 401 });
    expect(ErrorCodes.PRIVILEGE_NOT_PERMITTED).toMatchObject({ code: 1401, http: 403 });
    expect(ErrorCodes.INVALID_INSERT_DATA.code).toBe(1804);
    expect(ErrorCodes.HTTP_RATE_LIMIT).toMatchObject({ code: 1807, retriable: true });
    expect(ErrorCodes.TIMEOUT).toMatchObject({ code: 10001, http: 408 });
  });

  it('round-trips through JSON with kind, retriable flag, status and details', () => {
    const e = new VesperError('IO_FAILED', 'disk said no', { key: 'a/b' });
    const wire = JSON.parse(JSON.stringify(e)) as ReturnType<VesperError['toJSON']>;
    expect(wire).toEqual({ name: 'VesperError', code: 1000, error: 'IO_FAILED', kind: 'system', retriable: true, http: 200, message: 'disk said no', details: { key: 'a/b' } });
    const back = VesperError.fromJSON(wire);
    expect(back).toBeInstanceOf(VesperError);
    expect(back.toJSON()).toEqual(wire);
  });

  it('keeps unknown codes from a newer peer', () => {
    const back = VesperError.fromJSON({ code: 4242, message: 'future' });
    expect(back.code).toBe(4242);
    expect(back.error).toBe('UNDEFINED');
    expect(errorNameOf(100)).toBe('COLLECTION_NOT_FOUND');
  });

  it('wraps foreign errors as INTERNAL and leaves VesperErrors alone', () => {
    const e = new VesperError('PARAMETER_INVALID', 'x');
    expect(VesperError.wrap(e)).toBe(e);
    const w = VesperError.wrap(new TypeError('boom'));
    expect(w).toMatchObject({ code: 5, kind: 'system', message: 'internal error: boom' });
  });
});
