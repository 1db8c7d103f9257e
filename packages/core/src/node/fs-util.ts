/**
 * Shared plumbing of the Node fs adapters: safe file names for keys, durable writes
 * (temp file + fsync + rename + fsync of the directory, so a crash leaves the old file or the
 * new one, never a partial one), a per-key serial queue, and Node errors turned into
 * VesperError IO_FAILED with the path. Node-only.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VesperError } from '../errors/index.ts';

/**
 * A path segment for an arbitrary string: lower-case ASCII letters, digits, '_' and '-' stay;
 * everything else (including '.', '%' and upper case, so case-insensitive file systems cannot
 * merge two keys) becomes %XX per UTF-8 byte. The result never starts with '.', which is what
 * marks our temp files, and never contains '.', which marks file kinds (`.obj`, `.wal`).
 */
export function encodeName(s: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(byte);
    out += /[a-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of encodeName; undefined for names encodeName cannot have produced. */
export function decodeName(name: string): string | undefined {
  if (!/^(?:[a-z0-9_-]|%[0-9A-F]{2})*$/.test(name)) return undefined;
  try {
    const s = decodeURIComponent(name);
    return encodeName(s) === name ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Longest file name most file systems accept (bytes). */
export const MAX_NAME_BYTES = 255;

export function tempName(): string {
  return `.tmp-${randomBytes(8).toString('hex')}`;
}

export function isTempName(name: string): boolean {
  return name.startsWith('.tmp-');
}

export function errno(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Wraps a Node fs error (anything not already a VesperError) as IO_FAILED. */
export function ioError(what: string, path: string, err: unknown): VesperError {
  if (err instanceof VesperError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new VesperError('IO_FAILED', `${what} ${path} failed: ${reason}`, { path, errno: errno(err) }, { cause: err });
}

/** fsyncs a directory so the names created, renamed or removed in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    // some platforms (Windows) cannot open or fsync a directory; the data itself is synced
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL'].includes(errno(err) ?? '')) throw err;
  } finally {
    await handle?.close();
  }
}

/** Writes bytes to a new temp file beside `target`, fsyncs it, and returns its path. */
export async function writeTemp(target: string, bytes: Uint8Array): Promise<string> {
  const temp = join(dirname(target), tempName());
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  return temp;
}

/** Replaces `target` with bytes atomically and durably. */
export async function writeFileAtomic(target: string, bytes: Uint8Array): Promise<void> {
  const temp = await writeTemp(target, bytes);
  try {
    await rename(temp, target);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  await fsyncDir(dirname(target));
}

/** Runs tasks one at a time per key, in call order; a failed task does not block the next. */
export class SerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(task, task);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves when every task queued so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
