/**
 * Storage pressure in real Chromium, over a database's own storage (catalog and WAL in
 * IndexedDB, files in OPFS, opened by `openStorage` on the page):
 * - the quota runs out mid-stream (test/fixtures/storage-pressure.ts; refused writes throw the
 *   browser's QuotaExceededError DOMException, turned into a VesperError by the browser
 *   adapters' own mapping): RESOURCE_EXHAUSTED, nothing changed, no acknowledged row lost;
 * - a segment file the browser evicted (or a user deleted) is reported when the collection
 *   loads, with IO_KEY_NOT_FOUND naming the file; a torn one (cut short) with FORMAT_CORRUPT.
 * Seed: VESPER_SEED.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DataType, VesperClient, VesperError } from '@vesper/core';
import { openStorage, toStorageError } from '../../packages/browser/src/index.ts';
import { quotaExhaustionScenario } from '../fixtures/storage-pressure.ts';
import { browserSeed, freshName, removeOpfsDir } from './browser-helpers.ts';

const seed = browserSeed();
const names: string[] = [];
afterAll(async () => {
  for (const n of names) await removeOpfsDir(`vesper/${n}`);
});

function fresh(): string {
  const n = freshName('pressure');
  names.push(n);
  return n;
}

/** Every OPFS file below `dir` as [path, parent handle, name]. */
async function files(dir: FileSystemDirectoryHandle, path = ''): Promise<[string, FileSystemDirectoryHandle, string][]> {
  const out: [string, FileSystemDirectoryHandle, string][] = [];
  for await (const [name, handle] of (dir as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries()) {
    if (handle.kind === 'directory') out.push(...(await files(handle as FileSystemDirectoryHandle, `${path}${name}/`)));
    else out.push([`${path}${name}`, dir, name]);
  }
  return out;
}

async function dbDir(name: string): Promise<FileSystemDirectoryHandle> {
  return (await (await navigator.storage.getDirectory()).getDirectoryHandle('vesper')).getDirectoryHandle(name);
}

/** A database with one flushed segment; returns the insert log's object key. */
async function oneSegment(name: string): Promise<string> {
  const db = await VesperClient.open({ storage: await openStorage(`opfs://${name}`) });
  await db.createCollection({
    collection_name: 'e',
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: 4 },
    ] as never,
  });
  await db.createIndex({ collection_name: 'e', field_name: 'v', index_type: 'FLAT', metric_type: 'L2' });
  await db.loadCollection({ collection_name: 'e' });
  await db.insert({ collection_name: 'e', data: Array.from({ length: 50 }, (_, i) => ({ id: i, v: [i, 1, 2, 3] })) });
  await db.flush({ collection_names: ['e'] });
  await db.close();
  const insertLogs = (await files(await dbDir(name))).filter(([p]) => p.endsWith('insert%2Earrow.o'));
  expect(insertLogs).toHaveLength(1);
  return insertLogs[0]![0].replace(/%2E/g, '.').replace(/\.o$/, '');
}

async function loadError(name: string): Promise<VesperError> {
  const db = await VesperClient.open({ storage: await openStorage(`opfs://${name}`) });
  try {
    await db.loadCollection({ collection_name: 'e' });
    await db.count({ collection_name: 'e', consistency_level: 'Strong' });
  } catch (e) {
    expect(e).toBeInstanceOf(VesperError);
    return e as VesperError;
  } finally {
    await db.close();
  }
  throw new Error('the collection loaded although a segment file is gone');
}

describe(`storage pressure in Chromium (seed ${seed})`, () => {
  it('quota exhausted mid-stream: QuotaExceededError becomes RESOURCE_EXHAUSTED and no acknowledged row is lost', async () => {
    const name = fresh();
    await quotaExhaustionScenario({
      open: () => openStorage(`opfs://${name}`),
      error: (what) => toStorageError(new DOMException(`${what}: the origin's quota is used up`, 'QuotaExceededError'), what),
      seed,
    });
  });

  it('an evicted segment file is reported at load with IO_KEY_NOT_FOUND naming the file', async () => {
    const name = fresh();
    const key = await oneSegment(name);
    const [, parent, file] = (await files(await dbDir(name))).find(([p]) => p.endsWith('insert%2Earrow.o'))!;
    await parent.removeEntry(file);
    const err = await loadError(name);
    expect(err.error).toBe('IO_KEY_NOT_FOUND');
    expect(err.message).toContain(key);
  });

  it('a torn segment file (cut short) is reported at load with FORMAT_CORRUPT', async () => {
    const name = fresh();
    await oneSegment(name);
    const [, parent, file] = (await files(await dbDir(name))).find(([p]) => p.endsWith('insert%2Earrow.o'))!;
    const handle = await parent.getFileHandle(file);
    const size = (await handle.getFile()).size;
    const w = await handle.createWritable({ keepExistingData: true });
    await w.truncate(Math.floor(size / 2));
    await w.close();
    expect((await loadError(name)).error).toBe('FORMAT_CORRUPT');
  });
});
