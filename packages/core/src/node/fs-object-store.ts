/**
 * FsObjectStore: an ObjectStore in a directory tree (Milvus's MinIO/S3 binlog storage, on a
 * local disk). Node-only.
 *
 * Layout: key "a/b/c" is the file `<root>/<enc a>/<enc b>/<enc c>.obj`, with each segment
 * encoded by encodeName (no '.', '/', upper case or '%' survives unescaped), so a key and keys
 * below it ("a" and "a/b") coexist, and no key can escape the root. Names starting with '.'
 * are temp files and are never listed.
 *
 * Invariants: a put writes a temp file, fsyncs it, then renames (plain put) or hard-links
 * (create-only put) it into place and fsyncs the directory, so a crash leaves the old object
 * or the new one, never a partial one. `link` fails with EEXIST atomically, which makes the
 * create-only put exact among racers in this process and across processes.
 */
import { link, mkdir, open, readFile, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { VesperError } from '../errors/index.ts';
import { checkCount, checkObjectKey, compareKeys, objectExists } from '../adapters/adapter-checks.ts';
import { checkBytes } from '../adapters/memory-object-store.ts';
import type { ObjectInfo, ObjectStore, PutOptions } from '../adapters/object-store.ts';
import { MAX_NAME_BYTES, decodeName, encodeName, errno, fsyncDir, ioError, isTempName, writeTemp } from './fs-util.ts';
import { showValue } from '../util/show-value.ts';

const SUFFIX = '.obj';

export class FsObjectStore implements ObjectStore {
  readonly identity: string;

  private constructor(readonly root: string) {
    this.identity = `file:${resolve(root)}`;
  }

  /** Opens (creating if needed) the store rooted at `root`. @throws IO_FAILED */
  static async open(root: string): Promise<FsObjectStore> {
    try {
      await mkdir(root, { recursive: true });
    } catch (err) {
      throw ioError('creating object store directory', root, err);
    }
    return new FsObjectStore(root);
  }

  /** @throws COMMIT_CONFLICT (create-only put of an existing key), PARAMETER_INVALID, IO_FAILED */
  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void> {
    const path = this.pathOf(key);
    checkBytes(key, bytes);
    // a concurrent delete may prune the (momentarily empty) directory; start over if it does
    for (let attempt = 0; ; attempt++) {
      try {
        await this.ensureDir(dirname(path));
        const temp = await writeTemp(path, bytes);
        try {
          if (opts?.ifAbsent === true) await link(temp, path);
          else await rename(temp, path);
        } finally {
          if (opts?.ifAbsent === true) await rm(temp, { force: true });
        }
        await fsyncDir(dirname(path));
        return;
      } catch (err) {
        if (errno(err) === 'EEXIST' && opts?.ifAbsent === true) throw objectExists(key);
        if (errno(err) === 'ENOENT' && attempt < 5) continue;
        throw ioError(`writing object ${showValue(key)} to`, path, err);
      }
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    try {
      return plain(await readFile(path));
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw ioError(`reading object ${showValue(key)} from`, path, err);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    const path = this.pathOf(key);
    checkCount('getRange offset', offset);
    checkCount('getRange length', length);
    try {
      const handle = await open(path, 'r');
      try {
        const { size } = await handle.stat();
        const start = Math.min(offset, size);
        const out = new Uint8Array(Math.min(length, size - start));
        let done = 0;
        while (done < out.length) {
          const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === out.length ? out : out.slice(0, done);
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw ioError(`reading a range of object ${showValue(key)} from`, path, err);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      return { key, size: (await stat(path)).size };
    } catch (err) {
      if (errno(err) === 'ENOENT') return undefined;
      throw ioError(`stat of object ${showValue(key)}`, path, err);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    // descend straight to the directory the prefix's complete segments name
    const segments = prefix.split('/');
    const complete = segments.slice(0, -1);
    if (complete.some((s) => s === '' || s === '.' || s === '..')) return []; // no valid key starts so
    const dir = join(this.root, ...complete.map(encodeName));
    const base = complete.map((s) => `${s}/`).join('');
    const found: string[] = [];
    await this.walk(dir, base, prefix, found);
    const infos = await Promise.all(found.map(async (key) => this.head(key)));
    return infos.filter((i): i is ObjectInfo => i !== undefined).sort((a, b) => compareKeys(a.key, b.key));
  }

  async delete(keys: readonly string[]): Promise<void> {
    const paths = keys.map((k) => this.pathOf(k));
    const dirs = new Set<string>();
    for (const [i, path] of paths.entries()) {
      try {
        await rm(path);
        dirs.add(dirname(path));
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw ioError(`deleting object ${showValue(keys[i])} at`, path, err);
      }
    }
    for (const dir of dirs) {
      await fsyncDir(dir).catch(() => undefined); // the directory may already be pruned
      await this.prune(dir);
    }
  }

  async close(): Promise<void> {}

  /** The file of key. @throws PARAMETER_INVALID for keys checkObjectKey rejects or too long a segment. */
  private pathOf(key: string): string {
    checkObjectKey(key);
    const names = key.split('/').map(encodeName);
    names[names.length - 1] += SUFFIX;
    for (const name of names) {
      if (name.length > MAX_NAME_BYTES) {
        throw new VesperError(
          'PARAMETER_INVALID',
          `object key ${JSON.stringify(key)} has a path segment too long for a file name (${name.length} > ${MAX_NAME_BYTES} bytes encoded)`,
        );
      }
    }
    return join(this.root, ...names);
  }

  private async ensureDir(dir: string): Promise<void> {
    const first = await mkdir(dir, { recursive: true });
    if (first === undefined) return;
    // make the new directory entries durable: fsync each parent of a directory we created
    for (let d = dir; d.length >= first.length; d = dirname(d)) await fsyncDir(dirname(d));
  }

  /** Removes now-empty directories from dir up to (not including) the root. */
  private async prune(dir: string): Promise<void> {
    for (let d = dir; d.length > this.root.length && d.startsWith(this.root); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // not empty (or already gone): stop
      }
    }
  }

  private async walk(dir: string, base: string, prefix: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return;
      throw ioError('listing objects in', dir, err);
    }
    const subdirs: Array<Promise<void>> = [];
    for (const entry of entries) {
      if (isTempName(entry.name)) continue;
      if (entry.isDirectory()) {
        const seg = decodeName(entry.name);
        if (seg === undefined) continue;
        const sub = `${base}${seg}/`;
        if (sub.startsWith(prefix) || prefix.startsWith(sub)) subdirs.push(this.walk(join(dir, entry.name), sub, prefix, out));
      } else if (entry.isFile() && entry.name.endsWith(SUFFIX)) {
        const seg = decodeName(entry.name.slice(0, -SUFFIX.length));
        if (seg !== undefined && `${base}${seg}`.startsWith(prefix)) out.push(`${base}${seg}`);
      }
    }
    await Promise.all(subdirs);
  }
}

/** A plain Uint8Array over a Buffer's bytes (callers compare and copy them as Uint8Array). */
function plain(buf: Uint8Array): Uint8Array {
  if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength) return new Uint8Array(buf.buffer);
  return new Uint8Array(buf);
}
