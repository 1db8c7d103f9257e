import { describe, expect, it } from 'vitest';
import { IoCountingStorage } from './io-counting.ts';
import { createMemoryStorage } from './memory-storage.ts';

describe('IoCountingStorage', () => {
  it('counts calls and bytes per adapter method', async () => {
    const s = new IoCountingStorage(createMemoryStorage());
    await s.objects.put('a', new Uint8Array(100));
    await s.objects.put('b', new Uint8Array(50));
    await s.objects.get('a');
    await s.objects.get('missing');
    await s.objects.getRange('a', 90, 20);
    await s.meta.put('k', 'héllo'); // 6 UTF-8 bytes
    await s.meta.batch([
      { type: 'put', key: 'x', value: 'abc' },
      { type: 'delete', key: 'k' },
    ]);
    await s.meta.list('');
    await s.wal.append('c', [new Uint8Array(7), new Uint8Array(3)]);
    await s.wal.read('c', 0);
    expect(s.snapshot()).toEqual({
      'meta.batch': { calls: 1, errors: 0, bytesRead: 0, bytesWritten: 3 },
      'meta.list': { calls: 1, errors: 0, bytesRead: 3, bytesWritten: 0 },
      'meta.put': { calls: 1, errors: 0, bytesRead: 0, bytesWritten: 6 },
      'objects.get': { calls: 2, errors: 0, bytesRead: 100, bytesWritten: 0 },
      'objects.getRange': { calls: 1, errors: 0, bytesRead: 10, bytesWritten: 0 },
      'objects.put': { calls: 2, errors: 0, bytesRead: 0, bytesWritten: 150 },
      'wal.append': { calls: 1, errors: 0, bytesRead: 0, bytesWritten: 10 },
      'wal.read': { calls: 1, errors: 0, bytesRead: 10, bytesWritten: 0 },
    });
    expect(s.get('objects')).toEqual({ calls: 5, errors: 0, bytesRead: 110, bytesWritten: 150 });
    expect(s.get()).toEqual({ calls: 10, errors: 0, bytesRead: 123, bytesWritten: 169 });
  });

  it('counts errors and resets', async () => {
    const s = new IoCountingStorage(createMemoryStorage());
    await s.objects.put('a', new Uint8Array(1), { ifAbsent: true });
    await s.objects.put('a', new Uint8Array(1), { ifAbsent: true }).catch(() => undefined);
    expect(s.get('objects.put')).toEqual({ calls: 2, errors: 1, bytesRead: 0, bytesWritten: 2 });
    s.reset();
    expect(s.snapshot()).toEqual({});
    expect(s.get()).toEqual({ calls: 0, errors: 0, bytesRead: 0, bytesWritten: 0 });
  });
});
