import { appendFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VesperError } from '../errors/index.ts';
import { FsWal } from './fs-wal.ts';
import { useTempDirs } from './fs-test-dirs.ts';

const tempDir = useTempDirs();
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const texts = (entries: Array<{ payload: Uint8Array }>): string[] => entries.map((e) => new TextDecoder().decode(e.payload));

async function channelFile(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.wal'));
  expect(files).toHaveLength(1);
  return join(dir, files[0]!);
}

describe('FsWal crash recovery', () => {
  it('drops a torn last frame, keeps earlier ones, and hands out fresh LSNs', async () => {
    const dir = await tempDir();
    let wal = await FsWal.open(dir);
    await wal.append('shard-0', [text('a'), text('b')]);
    await wal.append('shard-0', [text('c')]);
    await wal.append('shard-0', [text('torn-1'), text('torn-2')]);
    await wal.close();
    const file = await channelFile(dir);
    const size = (await stat(file)).size;
    await truncate(file, size - 5); // the last append was cut off mid-frame by a crash

    wal = await FsWal.open(dir);
    expect(texts(await wal.read('shard-0', 0))).toEqual(['a', 'b', 'c']);
    expect(await wal.lastLsn('shard-0')).toBe(3);
    expect((await stat(file)).size).toBeLessThan(size - 5); // the torn tail was cut on open
    expect(await wal.append('shard-0', [text('d')])).toEqual([4]);
    await wal.close();
    wal = await FsWal.open(dir);
    expect(texts(await wal.read('shard-0', 0))).toEqual(['a', 'b', 'c', 'd']);
    await wal.close();
  });

  it('drops a last frame whose checksum fails, and a partial frame header', async () => {
    const dir = await tempDir();
    let wal = await FsWal.open(dir);
    await wal.append('c', [text('kept')]);
    await wal.append('c', [text('garbled')]);
    await wal.close();
    const file = await channelFile(dir);
    const size = (await stat(file)).size;
    await truncate(file, size - 1);
    await appendFile(file, new Uint8Array([0xff])); // last byte flipped: checksum fails
    await appendFile(file, new Uint8Array([1, 2, 3])); // and a few bytes of a next frame header
    wal = await FsWal.open(dir);
    expect(texts(await wal.read('c', 0))).toEqual(['kept']);
    expect(await wal.append('c', [text('next')])).toEqual([2]);
    await wal.close();
  });

  it('refuses a corrupt frame in the middle rather than dropping acknowledged entries', async () => {
    const dir = await tempDir();
    const wal = await FsWal.open(dir);
    await wal.append('c', [text('first')]);
    await wal.append('c', [text('second')]);
    await wal.close();
    const file = await channelFile(dir);
    const { readFile } = await import('node:fs/promises');
    const bytes = await readFile(file);
    bytes[16 + 8 + 14] = bytes[16 + 8 + 14]! ^ 0xff; // inside the first frame's payload
    await writeFile(file, bytes);
    const err = await FsWal.open(dir).catch((e: unknown) => e);
    expect(VesperError.is(err, 'FORMAT_CORRUPT')).toBe(true);
  });

  it('keeps the LSN counter across a restart after truncating everything', async () => {
    const dir = await tempDir();
    let wal = await FsWal.open(dir);
    await wal.append('c', [text('1'), text('2'), text('3')]);
    await wal.truncate('c', 3);
    await wal.close();
    wal = await FsWal.open(dir);
    expect(await wal.lastLsn('c')).toBe(3);
    expect(await wal.append('c', [text('4')])).toEqual([4]);
    await wal.close();
  });

  it('ignores and removes a temp file left by an interrupted truncate', async () => {
    const dir = await tempDir();
    let wal = await FsWal.open(dir);
    await wal.append('c', [text('x')]);
    await wal.close();
    await writeFile(join(dir, '.tmp-deadbeef'), 'half a rewrite');
    wal = await FsWal.open(dir);
    expect(await wal.channels()).toEqual(['c']);
    expect(await readdir(dir)).not.toContain('.tmp-deadbeef');
    await wal.close();
  });
});

describe('FsWal torn tails of zeros', () => {
  it('treats a zero-filled tail (size extended, data never written) as torn', async () => {
    const dir = await tempDir();
    let wal = await FsWal.open(dir);
    await wal.append('z', [text('kept')]);
    await wal.close();
    await appendFile(await channelFile(dir), new Uint8Array(4096));
    wal = await FsWal.open(dir);
    expect(texts(await wal.read('z', 0))).toEqual(['kept']);
    expect(await wal.append('z', [text('next')])).toEqual([2]);
    await wal.close();
  });
});
