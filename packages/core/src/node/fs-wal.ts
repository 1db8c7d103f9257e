/**
 * FsWal: a Wal with one file per channel (Milvus's msgstream vchannel, on a local disk).
 * Node-only. Byte layout (little-endian):
 *
 *   header (16 B): "VWAL" | u32 version = 1 | u64 base LSN (every LSN <= base is truncated)
 *   frame:         u32 bodyLength | u32 crc32(body) | body
 *   body:          u64 firstLsn | u32 count | count × (u32 length | payload bytes)
 *
 * One append is one frame, so a batch is all-or-nothing after a crash. LSNs in a file are
 * consecutive from base + 1. Opening scans every file, cuts a torn last frame (short, or
 * failing its checksum at the very end) and rejects a bad frame followed by more data as
 * FORMAT_CORRUPT. Truncate rewrites the file (temp + fsync + rename) with the new base and the
 * surviving entries, so the base — and with it "LSNs are never reused" — survives a restart
 * even when nothing survives. Appends, reads, truncates and drops of one channel run one at a
 * time; `append` resolves after fsync.
 */
import { mkdir, open, readFile, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { VesperError } from '../errors/index.ts';
import type { Wal, WalEntry } from '../adapters/wal.ts';
import { checkChannel, checkCount, compareKeys } from '../adapters/adapter-checks.ts';
import { checkBytes } from '../adapters/memory-object-store.ts';
import { crc32 } from '../util/crc32.ts';
import { SerialQueue, decodeName, encodeName, fsyncDir, ioError, isTempName, writeFileAtomic } from './fs-util.ts';
import { showValue } from '../util/show-value.ts';

const MAGIC = 0x4c415756; // "VWAL" read as a little-endian u32
const VERSION = 1;
const HEADER = 16;
const SUFFIX = '.wal';

interface Frame {
  readonly first: number;
  readonly count: number;
  readonly offset: number;
  readonly size: number;
}

interface Channel {
  readonly path: string;
  handle: FileHandle;
  base: number;
  size: number;
  frames: Frame[];
}

export class FsWal implements Wal {
  private readonly byName = new Map<string, Channel>();
  private readonly queue = new SerialQueue();

  private constructor(readonly dir: string) {}

  /** Opens (creating if needed) the WAL in `dir`, cutting torn tails. @throws IO_FAILED, FORMAT_CORRUPT */
  static async open(dir: string): Promise<FsWal> {
    const wal = new FsWal(dir);
    try {
      await mkdir(dir, { recursive: true });
      for (const name of await readdir(dir)) {
        if (isTempName(name)) await rm(join(dir, name), { force: true }); // an interrupted truncate
        const channel = name.endsWith(SUFFIX) ? decodeName(name.slice(0, -SUFFIX.length)) : undefined;
        if (channel !== undefined) wal.byName.set(channel, await loadChannel(join(dir, name)));
      }
    } catch (err) {
      await wal.close();
      throw ioError('opening WAL in', dir, err);
    }
    return wal;
  }

  /** @throws PARAMETER_INVALID, IO_FAILED */
  async append(channel: string, payloads: readonly Uint8Array[]): Promise<number[]> {
    checkChannel(channel);
    payloads.forEach((p, i) => checkBytes(`${channel}[${i}]`, p));
    if (payloads.length === 0) return [];
    return this.queue.run(channel, async () => {
      const ch = this.byName.get(channel) ?? (await this.create(channel));
      const first = lastLsnOf(ch) + 1;
      const frame = encodeFrame(first, payloads);
      try {
        await ch.handle.write(frame, 0, frame.length, ch.size);
        await ch.handle.sync();
      } catch (err) {
        await ch.handle.truncate(ch.size).catch(() => undefined); // no partial frame to append after
        throw ioError(`appending to WAL channel ${showValue(channel)} in`, ch.path, err);
      }
      ch.frames.push({ first, count: payloads.length, offset: ch.size, size: frame.length });
      ch.size += frame.length;
      return payloads.map((_, i) => first + i);
    });
  }

  async read(channel: string, afterLsn: number, limit?: number): Promise<WalEntry[]> {
    checkChannel(channel);
    checkCount('read afterLsn', afterLsn);
    if (limit !== undefined) checkCount('read limit', limit);
    return this.queue.run(channel, async () => {
      const ch = this.byName.get(channel);
      if (ch === undefined || limit === 0) return [];
      const from = Math.max(afterLsn, ch.base);
      const frames = ch.frames.filter((f) => f.first + f.count - 1 > from);
      const wanted: Frame[] = [];
      let entries = 0;
      for (const f of frames) {
        if (limit !== undefined && entries >= limit) break;
        wanted.push(f);
        entries += f.first + f.count - 1 - Math.max(from, f.first - 1);
      }
      const out: WalEntry[] = [];
      for (const entry of await readFrames(ch, wanted)) {
        if (entry.lsn <= from) continue;
        if (limit !== undefined && out.length >= limit) break;
        out.push(entry);
      }
      return out;
    });
  }

  async truncate(channel: string, uptoLsn: number): Promise<void> {
    checkChannel(channel);
    checkCount('truncate uptoLsn', uptoLsn);
    return this.queue.run(channel, async () => {
      const ch = this.byName.get(channel);
      if (ch === undefined) return;
      const base = Math.min(uptoLsn, lastLsnOf(ch));
      if (base <= ch.base) return;
      const kept = (await readFrames(ch, ch.frames.filter((f) => f.first + f.count - 1 > base))).filter((e) => e.lsn > base);
      const parts: Uint8Array[] = [encodeHeader(base)];
      if (kept.length > 0) parts.push(encodeFrame(kept[0]!.lsn, kept.map((e) => e.payload)));
      try {
        await writeFileAtomic(ch.path, concat(parts));
        await ch.handle.close();
        this.byName.set(channel, await loadChannel(ch.path));
      } catch (err) {
        throw ioError(`truncating WAL channel ${showValue(channel)} at`, ch.path, err);
      }
    });
  }

  async lastLsn(channel: string): Promise<number> {
    checkChannel(channel);
    return this.queue.run(channel, async () => {
      const ch = this.byName.get(channel);
      return ch === undefined ? 0 : lastLsnOf(ch);
    });
  }

  async channels(): Promise<string[]> {
    return [...this.byName.keys()].sort(compareKeys);
  }

  async dropChannel(channel: string): Promise<void> {
    checkChannel(channel);
    return this.queue.run(channel, async () => {
      const ch = this.byName.get(channel);
      if (ch === undefined) return;
      this.byName.delete(channel);
      try {
        await ch.handle.close();
        await rm(ch.path, { force: true });
        await fsyncDir(this.dir);
      } catch (err) {
        throw ioError(`dropping WAL channel ${showValue(channel)} at`, ch.path, err);
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    const channels = [...this.byName.values()];
    this.byName.clear();
    for (const ch of channels) await ch.handle.close();
  }

  private async create(channel: string): Promise<Channel> {
    const name = `${encodeName(channel)}${SUFFIX}`;
    if (name.length > 255) {
      throw new VesperError('PARAMETER_INVALID', `WAL channel ${showValue(channel)} is too long for a file name once encoded`);
    }
    const path = join(this.dir, name);
    try {
      await writeFileAtomic(path, encodeHeader(0));
      const ch = await loadChannel(path);
      this.byName.set(channel, ch);
      return ch;
    } catch (err) {
      throw ioError(`creating WAL channel ${showValue(channel)} at`, path, err);
    }
  }
}

function lastLsnOf(ch: Channel): number {
  const last = ch.frames[ch.frames.length - 1];
  return last === undefined ? ch.base : last.first + last.count - 1;
}

/** Reads a channel file, cutting a torn tail, and keeps it open for appends. */
async function loadChannel(path: string): Promise<Channel> {
  const bytes = await readFile(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < HEADER || view.getUint32(0, true) !== MAGIC) {
    throw new VesperError('FORMAT_CORRUPT', `WAL file ${path} has no valid header`, { path });
  }
  if (view.getUint32(4, true) !== VERSION) {
    throw new VesperError('FORMAT_UNSUPPORTED', `WAL file ${path} has format version ${view.getUint32(4, true)}; this build reads ${VERSION}`);
  }
  const base = readU64(view, 8);
  const frames: Frame[] = [];
  let pos = HEADER;
  let next = base + 1;
  while (pos + 8 <= bytes.length) {
    const bodyLength = view.getUint32(pos, true);
    const end = pos + 8 + bodyLength;
    if (end > bytes.length) break; // torn: the frame was never fully written
    if (!frameOk(bytes, view, pos) || readU64(view, pos + 8) !== next) {
      // a crash mid-append leaves a short, garbled or zero-filled tail; only a good frame
      // after the bad one proves the damage is in the middle, where acknowledged entries are
      if (!frameOk(bytes, view, end)) break;
      throw new VesperError('FORMAT_CORRUPT', `WAL file ${path} has a bad frame at byte ${pos} followed by more data`, {
        path,
        offset: pos,
      });
    }
    const count = view.getUint32(pos + 16, true);
    frames.push({ first: next, count, offset: pos, size: end - pos });
    next += count;
    pos = end;
  }
  const handle = await open(path, 'r+');
  if (pos < bytes.length) {
    await handle.truncate(pos);
    await handle.sync();
  }
  return { path, handle, base, size: pos, frames };
}

/** Whether a complete frame with a valid checksum starts at pos. */
function frameOk(bytes: Uint8Array, view: DataView, pos: number): boolean {
  if (pos + 8 > bytes.length) return false;
  const bodyLength = view.getUint32(pos, true);
  if (bodyLength < 12 || pos + 8 + bodyLength > bytes.length) return false;
  return crc32(bytes.subarray(pos + 8, pos + 8 + bodyLength)) === view.getUint32(pos + 4, true);
}

async function readFrames(ch: Channel, frames: readonly Frame[]): Promise<WalEntry[]> {
  const firstFrame = frames[0];
  const lastFrame = frames[frames.length - 1];
  if (firstFrame === undefined || lastFrame === undefined) return [];
  const start = firstFrame.offset;
  const bytes = new Uint8Array(lastFrame.offset + lastFrame.size - start);
  const { bytesRead } = await ch.handle.read(bytes, 0, bytes.length, start);
  if (bytesRead !== bytes.length) {
    throw new VesperError('IO_UNEXPECTED_EOF', `WAL file ${ch.path} ended at byte ${start + bytesRead}, expected ${start + bytes.length}`);
  }
  const view = new DataView(bytes.buffer);
  const out: WalEntry[] = [];
  for (const f of frames) {
    let pos = f.offset - start + 20;
    for (let i = 0; i < f.count; i++) {
      const length = view.getUint32(pos, true);
      out.push({ lsn: f.first + i, payload: bytes.slice(pos + 4, pos + 4 + length) });
      pos += 4 + length;
    }
  }
  return out;
}

function encodeHeader(base: number): Uint8Array {
  const out = new Uint8Array(HEADER);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, VERSION, true);
  writeU64(view, 8, base);
  return out;
}

function encodeFrame(first: number, payloads: readonly Uint8Array[]): Uint8Array {
  const bodyLength = 12 + payloads.reduce((n, p) => n + 4 + p.length, 0);
  const out = new Uint8Array(8 + bodyLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, bodyLength, true);
  writeU64(view, 8, first);
  view.setUint32(16, payloads.length, true);
  let pos = 20;
  for (const p of payloads) {
    view.setUint32(pos, p.length, true);
    out.set(p, pos + 4);
    pos += 4 + p.length;
  }
  view.setUint32(4, crc32(out.subarray(8)), true);
  return out;
}

function readU64(view: DataView, at: number): number {
  return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
}

function writeU64(view: DataView, at: number, n: number): void {
  view.setUint32(at, n >>> 0, true);
  view.setUint32(at + 4, Math.floor(n / 2 ** 32), true);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
