import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { FaultInjectingStorage } from './fault-injecting.ts';
import { createMemoryStorage } from './memory-storage.ts';
import { MemoryWal } from './memory-wal.ts';

const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(n & 0xff);

async function failure(p: Promise<unknown>): Promise<VesperError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(VesperError.is(err, 'IO_FAILED')).toBe(true);
  expect((err as VesperError).retriable).toBe(true);
  expect((err as VesperError).details?.['injected']).toBe(true);
  return err as VesperError;
}

describe('FaultInjectingStorage', () => {
  it('passes everything through when no rule is armed', async () => {
    const s = new FaultInjectingStorage(createMemoryStorage());
    await s.objects.put('a', bytes(3));
    expect(await s.inner.objects.get('a')).toEqual(bytes(3));
    expect(await s.meta.put('k', 'v')).toBe(1);
    expect(await s.wal.append('c', [bytes(1)])).toEqual([1]);
    expect(s.log).toEqual(['objects.put("a")', 'meta.put("k")', 'wal.append("c")']);
  });

  it('fails the nth matching put before it reaches storage', async () => {
    const s = new FaultInjectingStorage(createMemoryStorage());
    const rule = s.failOn({ adapter: 'objects', method: 'put', nth: 3 });
    await s.objects.put('p1', bytes(1));
    await s.meta.put('not-counted', 'x');
    await s.objects.put('p2', bytes(1));
    const err = await failure(s.objects.put('p3', bytes(1)));
    expect(err.message).toContain('objects.put("p3")');
    await s.objects.put('p4', bytes(1));
    expect(await s.inner.objects.head('p3')).toBeUndefined();
    expect((await s.inner.objects.list('')).map((o) => o.key)).toEqual(['p1', 'p2', 'p4']);
    expect(rule.hits).toBe(4);
    expect(rule.fired).toBe(1);
  });

  it('fails every put whose key matches, until the rule is removed', async () => {
    const s = new FaultInjectingStorage(createMemoryStorage());
    const rule = s.failOn({ method: 'put', key: /^manifest\// });
    await failure(s.objects.put('manifest/1', bytes(1)));
    await failure(s.objects.put('manifest/2', bytes(1)));
    await failure(s.meta.put('manifest/x', 'v'));
    await s.objects.put('segment/1', bytes(1));
    rule.remove();
    await s.objects.put('manifest/1', bytes(1));
    expect((await s.inner.objects.list('')).map((o) => o.key)).toEqual(['manifest/1', 'segment/1']);
  });

  it('fails only the next WAL append', async () => {
    const s = new FaultInjectingStorage(createMemoryStorage());
    s.failNext({ adapter: 'wal', method: 'append' });
    await failure(s.wal.append('c', [bytes(1)]));
    expect(await s.wal.append('c', [bytes(2)])).toEqual([1]);
  });

  it('can fail after the call took effect (a lost acknowledgement)', async () => {
    const s = new FaultInjectingStorage(createMemoryStorage());
    s.failNext({ adapter: 'wal', method: 'append', key: (k) => k === 'c' }, 'after');
    await failure(s.wal.append('c', [bytes(1)]));
    expect(await s.inner.wal.lastLsn('c')).toBe(1);
  });

  it('crashes after a chosen op: it completes, every later op throws, reset restarts', async () => {
    const s = new FaultInjectingStorage(createMemoryStorage());
    s.crashAfter({ adapter: 'meta', method: 'batch' }, { nth: 2 });
    await s.meta.batch([{ type: 'put', key: 'a', value: '1' }]);
    expect(s.crashed).toBe(false);
    await s.meta.batch([{ type: 'put', key: 'b', value: '2' }]);
    expect(s.crashed).toBe(true);
    await failure(s.meta.get('a'));
    await failure(s.objects.list(''));
    await failure(s.wal.channels());
    await s.meta.close?.(); // close still reaches the inner store
    expect(await s.inner.meta.get('b')).toEqual({ value: '2', version: 1 });
    s.reset();
    expect(await s.meta.get('b')).toEqual({ value: '2', version: 1 });
  });

  it('crashes with the crashing call failing too, and fails calls in flight', async () => {
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    class SlowWal extends MemoryWal {
      override async append(channel: string, payloads: readonly Uint8Array[]): Promise<number[]> {
        await gate;
        return super.append(channel, payloads);
      }
    }
    const s = new FaultInjectingStorage({ ...createMemoryStorage(), wal: new SlowWal() });
    s.crashAfter({ adapter: 'objects', method: 'put', key: 'commit' }, { failCall: true });
    const inFlight = s.wal.append('c', [bytes(1)]);
    await failure(s.objects.put('commit', bytes(1)));
    open();
    await failure(inFlight);
    expect(await s.inner.objects.head('commit')).toMatchObject({ key: 'commit', size: 1 });
    expect(await s.inner.wal.lastLsn('c')).toBe(1);
  });

  it('crashes immediately on crash()', async () => {
    const s = new FaultInjectingStorage(createMemoryStorage());
    s.crash('power cut');
    const err = await failure(s.objects.get('x'));
    expect(err.message).toContain('power cut');
  });
});
