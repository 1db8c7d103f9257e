import { spawn } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { openFsStorage } from './fs-storage.ts';
import { useTempDirs } from './fs-test-dirs.ts';

const tempDir = useTempDirs();

/** The pid of a process that has exited (so certainly not running now). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('openFsStorage', () => {
  it('opens meta/, objects/ and wal/ under one directory and persists across reopen', async () => {
    const dir = await tempDir();
    let storage = await openFsStorage(dir);
    await storage.meta.put('k', 'v');
    await storage.objects.put('o', new Uint8Array([1, 2, 3]));
    await storage.wal.append('ch', [new Uint8Array([9])]);
    await storage.close();
    expect((await readdir(dir)).sort()).toEqual(['meta', 'objects', 'wal']);
    storage = await openFsStorage(dir);
    expect(await storage.meta.get('k')).toEqual({ value: 'v', version: 1 });
    expect(await storage.objects.get('o')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await storage.wal.lastLsn('ch')).toBe(1);
    await storage.close();
  });

  it('refuses a second open of a directory that is in use, until it is closed', async () => {
    const dir = await tempDir();
    const first = await openFsStorage(dir);
    const err = await openFsStorage(dir).catch((e: unknown) => e);
    expect(VesperError.is(err, 'SERVICE_UNAVAILABLE')).toBe(true);
    expect((err as VesperError).message).toContain(String(process.pid));
    expect(await first.meta.put('still', 'works')).toBe(1);
    await first.close();
    const second = await openFsStorage(dir);
    expect(await second.meta.get('still')).toEqual({ value: 'works', version: 1 });
    await second.close();
  });

  it('refuses a lock held by another live process', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: process.ppid, token: 'other' }));
    const err = await openFsStorage(dir).catch((e: unknown) => e);
    expect(VesperError.is(err, 'SERVICE_UNAVAILABLE')).toBe(true);
    expect(JSON.parse(await readFile(join(dir, 'LOCK'), 'utf8'))).toEqual({ pid: process.ppid, token: 'other' });
  });

  it('takes over a stale lock whose process is gone, or that a restart with our pid left', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: await deadPid(), token: 'stale' }));
    let storage = await openFsStorage(dir);
    await storage.close();
    await writeFile(join(dir, 'LOCK'), JSON.stringify({ pid: process.pid, token: 'previous-life' }));
    storage = await openFsStorage(dir);
    await storage.close();
    await writeFile(join(dir, 'LOCK'), 'garbage from a crash mid-write');
    storage = await openFsStorage(dir);
    await storage.close();
    expect(await readdir(dir)).not.toContain('LOCK');
  });
});
