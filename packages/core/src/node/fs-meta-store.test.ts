import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { FsMetaStore } from './fs-meta-store.ts';
import { useTempDirs } from './fs-test-dirs.ts';

const tempDir = useTempDirs();

describe('FsMetaStore crash recovery', () => {
  it('ignores a torn last log record and cuts it before the next append', async () => {
    const dir = await tempDir();
    let meta = await FsMetaStore.open(dir);
    await meta.put('a', 'one');
    await meta.batch([
      { type: 'put', key: 'b', value: 'two' },
      { type: 'put', key: 'a', value: 'uno' },
    ]);
    await meta.put('c', 'torn');
    await meta.close();
    const log = join(dir, 'meta.log');
    await truncate(log, (await stat(log)).size - 4);

    meta = await FsMetaStore.open(dir);
    expect(await meta.list('')).toEqual([
      ['a', { value: 'uno', version: 2 }],
      ['b', { value: 'two', version: 1 }],
    ]);
    expect(await meta.put('c', 'fresh', 0)).toBe(1);
    await meta.close();
    meta = await FsMetaStore.open(dir);
    expect(await meta.get('c')).toEqual({ value: 'fresh', version: 1 });
    await meta.close();
  });

  it('ignores a complete last line whose checksum fails', async () => {
    const dir = await tempDir();
    let meta = await FsMetaStore.open(dir);
    await meta.put('a', 'kept');
    await meta.close();
    await appendFile(join(dir, 'meta.log'), '00000000 {"s":2,"o":[["a","evil",2]]}\n');
    meta = await FsMetaStore.open(dir);
    expect(await meta.get('a')).toEqual({ value: 'kept', version: 1 });
    await meta.close();
  });

  it('refuses a corrupt record followed by good ones', async () => {
    const dir = await tempDir();
    const meta = await FsMetaStore.open(dir);
    await meta.put('a', 'x');
    await meta.put('b', 'y');
    await meta.close();
    const log = join(dir, 'meta.log');
    const text = await readFile(log, 'utf8');
    await writeFile(log, text.replace('"x"', '"z"'));
    const err = await FsMetaStore.open(dir).catch((e: unknown) => e);
    expect(VesperError.is(err, 'FORMAT_CORRUPT')).toBe(true);
  });

  it('compacts the log into a snapshot', async () => {
    const dir = await tempDir();
    let meta = await FsMetaStore.open(dir, { compactBytes: 2048 });
    for (let i = 0; i < 100; i++) await meta.put(`k${i % 10}`, `v${i}`);
    await meta.close();
    expect((await stat(join(dir, 'meta.log'))).size).toBeLessThan(2048);
    meta = await FsMetaStore.open(dir);
    const all = await meta.list('');
    expect(all).toHaveLength(10);
    for (const [k, rec] of all) expect(rec).toEqual({ value: `v${90 + Number(k.slice(1))}`, version: 10 });
    await meta.close();
  });

  it('recovers from a crash between writing the snapshot and emptying the log', async () => {
    const dir = await tempDir();
    let meta = await FsMetaStore.open(dir, { compactBytes: 1 << 20 });
    for (let i = 0; i < 20; i++) await meta.put(`k${i % 4}`, `v${i}`);
    await meta.close();
    const oldLog = await readFile(join(dir, 'meta.log'));
    meta = await FsMetaStore.open(dir, { compactBytes: 1 }); // the next batch compacts
    await meta.put('k0', 'last');
    await meta.close();
    expect((await stat(join(dir, 'meta.log'))).size).toBe(0);
    await writeFile(join(dir, 'meta.log'), oldLog); // as if the log had not been emptied yet
    meta = await FsMetaStore.open(dir);
    expect(await meta.list('')).toEqual([
      ['k0', { value: 'last', version: 6 }],
      ['k1', { value: 'v17', version: 5 }],
      ['k2', { value: 'v18', version: 5 }],
      ['k3', { value: 'v19', version: 5 }],
    ]);
    expect(await meta.put('k1', 'after', 5)).toBe(6);
    await meta.close();
    meta = await FsMetaStore.open(dir);
    expect(await meta.get('k1')).toEqual({ value: 'after', version: 6 });
    await meta.close();
  });
});
