import { readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsObjectStore } from './fs-object-store.ts';
import { useTempDirs } from './fs-test-dirs.ts';

const tempDir = useTempDirs();
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('FsObjectStore on disk', () => {
  it('does not list a temp file left by a crashed put', async () => {
    const root = await tempDir();
    const store = await FsObjectStore.open(root);
    await store.put('seg/1/insert.arrow', text('done'));
    const segDir = join(root, 'seg', '1');
    await writeFile(join(segDir, '.tmp-0123456789abcdef'), 'half an object');
    await writeFile(join(root, '.tmp-feedface'), 'another');
    expect((await store.list('')).map((o) => o.key)).toEqual(['seg/1/insert.arrow']);
    expect(await store.get('seg/1/insert.arrow')).toEqual(text('done'));
  });

  it('leaves no temp files behind after puts, create-only conflicts and deletes', async () => {
    const root = await tempDir();
    const store = await FsObjectStore.open(root);
    await store.put('m/1', text('a'), { ifAbsent: true });
    await store.put('m/1', text('b'), { ifAbsent: true }).catch(() => undefined);
    await store.put('m/2', text('c'));
    expect((await readdir(join(root, 'm'))).sort()).toEqual(['1.obj', '2.obj']);
    await store.delete(['m/1', 'm/2']);
    expect(await readdir(root)).toEqual([]); // the emptied directory was pruned
  });

  it('keeps keys inside the root and file names portable', async () => {
    const root = await tempDir();
    const store = await FsObjectStore.open(root);
    await store.put('Up/..x/%2e/é', text('odd'));
    await store.put('up/..x/%2e/é', text('lower'));
    const top = (await readdir(root)).sort();
    expect(top).toEqual(['%55p', 'up']);
    expect(await store.get('Up/..x/%2e/é')).toEqual(text('odd'));
    expect((await store.list('')).map((o) => o.key)).toEqual(['Up/..x/%2e/é', 'up/..x/%2e/é']);
  });

  it('skips files and directories it did not write', async () => {
    const root = await tempDir();
    const store = await FsObjectStore.open(root);
    await store.put('a/b', text('x'));
    await mkdir(join(root, 'a', 'Strange.Dir'));
    await writeFile(join(root, 'a', 'Strange.Dir', 'f.obj'), 'x');
    await writeFile(join(root, 'a', 'notes.txt'), 'x');
    expect((await store.list('')).map((o) => o.key)).toEqual(['a/b']);
  });
});
