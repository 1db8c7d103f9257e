/**
 * OpfsObjectStore: the ObjectStore (Milvus's MinIO/S3 binlog storage) on the Origin Private
 * File System — where a browser database keeps its segment, delete-log, index and manifest
 * files. Keys map to paths as opfs-paths.ts describes.
 *
 * Write path (crash safety): bytes go to a fresh temp file beside the target, are flushed,
 * and the temp file is then moved onto the object's name, so a crash at any point leaves the
 * old object or the new one, never a partial one (leftover temp files are removed on open).
 * Inside a dedicated worker — where the engine runs — the temp file is written through a
 * synchronous access handle (`createSyncAccessHandle`, `flush`); on the main thread, where
 * those handles do not exist, through `createWritable()`. Reads use `getFile()`, which takes
 * no lock, so concurrent readers never collide with each other.
 *
 * Create-only puts (commits) check and move under a per-key lock: in this context a promise
 * chain, across tabs and workers a Web Lock (`navigator.locks`) named after the store and
 * key — so of racing creators exactly one wins.
 *
 * Readers (the query workers, which share the directory with the writer) open it with
 * `{ readOnly: true }`: nothing is created or cleaned (a temp file may be the writer's, being
 * written right now), and put/delete are refused. A reader's `getFile()` never sees a temp
 * file's bytes — temp names are not objects — and takes no lock the writer could wait on.
 */
import { checkObjectKey, VesperError, type ObjectInfo, type ObjectStore, type PutOptions } from '@vesper/core';
import { decodeSegment, isTempName, keyToPath, objectSegmentOf, tempNameFor } from './opfs-paths.ts';
import { checkBytes, checkCount, compareKeys, guard, objectExists } from './storage-errors.ts';

/** The parts of the worker-only OPFS API this store uses (absent from the DOM type library). */
interface SyncAccessHandle {
  write(buffer: Uint8Array, options?: { at?: number }): number;
  truncate(size: number): void;
  flush(): void;
  close(): void;
}
type SyncCapableFile = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle> };
type MovableFile = FileSystemFileHandle & { move(dir: FileSystemDirectoryHandle, name: string): Promise<void> };
type IterableDir = FileSystemDirectoryHandle & { entries(): AsyncIterable<[string, FileSystemHandle]> };

/** True when this runtime has OPFS with the atomic `move()` the write path relies on. */
export function opfsSupported(): boolean {
  const g = globalThis as { navigator?: { storage?: { getDirectory?: unknown } }; FileSystemFileHandle?: { prototype: object } };
  return typeof g.navigator?.storage?.getDirectory === 'function' && g.FileSystemFileHandle !== undefined && 'move' in g.FileSystemFileHandle.prototype;
}

/** How many objects' `File`s range reads keep (oldest first out). */
const RANGE_FILES = 256;

async function sliceOf(file: File, offset: number, length: number): Promise<Uint8Array> {
  const start = Math.min(offset, file.size);
  return new Uint8Array(await file.slice(start, Math.min(file.size, start + length)).arrayBuffer());
}

export class OpfsObjectStore implements ObjectStore {
  private readonly keyLocks = new Map<string, Promise<unknown>>();
  /**
   * The `File` of each object recently read by range, so a search's many block reads skip the
   * directory walk and `getFile()` (several storage round trips each). A File is a snapshot:
   * reading one whose object was since replaced or deleted (here or by another context) fails,
   * and the read is retried on a fresh lookup; this store's own put and delete drop the entry.
   */
  private readonly files = new Map<string, File>();
  /** The directory (the writer and its query workers share it). */
  get identity(): string {
    return `opfs:${this.path}`;
  }

  private constructor(
    private readonly root: FileSystemDirectoryHandle,
    /** The store's directory, '/'-separated from the OPFS root. */
    readonly path: string,
    /** Opened by a reader: put and delete are refused. */
    readonly readOnly: boolean,
  ) {}

  /**
   * Opens (creating) the store in OPFS directory `path` (e.g. "vesper/mydb/objects") and
   * removes temp files a crash left behind. With `readOnly`, opens an existing directory as
   * it is (see the header).
   * @throws UNIMPLEMENTED without OPFS; IO_FAILED when OPFS refuses (or, read-only, the directory is missing).
   */
  static async open(path: string, options: { readonly readOnly?: boolean } = {}): Promise<OpfsObjectStore> {
    if (!opfsSupported()) throw new VesperError('UNIMPLEMENTED', 'this browser has no Origin Private File System with move(); use idb://');
    const readOnly = options.readOnly === true;
    return guard(`opening OPFS directory ${JSON.stringify(path)}`, async () => {
      let dir = await navigator.storage.getDirectory();
      for (const part of path.split('/').filter((p) => p !== '')) dir = await dir.getDirectoryHandle(part, { create: !readOnly });
      const store = new OpfsObjectStore(dir, path, readOnly);
      if (!readOnly) await store.removeTempFiles(dir);
      return store;
    });
  }

  /** @throws COMMIT_CONFLICT when opts.ifAbsent and key exists; RESOURCE_EXHAUSTED over quota. */
  async put(key: string, bytes: Uint8Array, opts?: PutOptions): Promise<void> {
    checkObjectKey(key);
    checkBytes(`object ${JSON.stringify(key)}`, bytes);
    this.assertWritable(`put ${JSON.stringify(key)}`);
    const copy = bytes.slice(); // the caller may reuse its buffer while we await
    const ifAbsent = opts?.ifAbsent === true;
    this.files.delete(key);
    await this.withKeyLock(key, ifAbsent, () =>
      guard(`object put ${JSON.stringify(key)}`, async () => {
        const { dirs, file } = keyToPath(key);
        const dir = (await this.dir(dirs, true))!;
        if (ifAbsent && (await fileIn(dir, file)) !== undefined) throw objectExists(key);
        await writeAtomically(dir, file, copy);
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    return guard(`object get ${JSON.stringify(key)}`, async () => {
      const file = await this.file(key);
      return file === undefined ? undefined : new Uint8Array(await file.arrayBuffer());
    });
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | undefined> {
    checkObjectKey(key);
    checkCount('getRange offset', offset);
    checkCount('getRange length', length);
    return guard(`object getRange ${JSON.stringify(key)}`, async () => {
      const known = this.files.get(key);
      if (known !== undefined) {
        try {
          return await sliceOf(known, offset, length);
        } catch {
          // the object was replaced or deleted since that snapshot: look it up afresh
          this.files.delete(key);
        }
      }
      const file = await this.file(key);
      if (file === undefined) return undefined;
      this.files.set(key, file);
      if (this.files.size > RANGE_FILES) this.files.delete(this.files.keys().next().value!);
      return sliceOf(file, offset, length);
    });
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkObjectKey(key);
    return guard(`object head ${JSON.stringify(key)}`, async () => {
      const file = await this.file(key);
      return file === undefined ? undefined : { key, size: file.size };
    });
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    return guard(`object list ${JSON.stringify(prefix)}`, async () => {
      // descend through the prefix's complete segments, then walk what is below
      const complete = prefix.slice(0, prefix.lastIndexOf('/') + 1);
      const segments = complete === '' ? [] : complete.slice(0, -1).split('/');
      if (segments.some((s) => s === '' || s === '.' || s === '..')) return [];
      const start = await this.dir(keyToPath(`${complete}x`).dirs, false);
      if (start === undefined) return [];
      const out: ObjectInfo[] = [];
      await walk(start, complete, prefix, out);
      return out.sort((a, b) => compareKeys(a.key, b.key));
    });
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) checkObjectKey(key);
    if (keys.length > 0) this.assertWritable(`delete ${JSON.stringify(keys[0])}`);
    for (const key of keys) {
      this.files.delete(key);
      await this.withKeyLock(key, false, () =>
        guard(`object delete ${JSON.stringify(key)}`, async () => {
          const { dirs, file } = keyToPath(key);
          const dir = await this.dir(dirs, false);
          if (dir !== undefined) await dir.removeEntry(file).catch(ignoreNotFound);
        }),
      );
    }
  }

  async close(): Promise<void> {}

  private assertWritable(what: string): void {
    if (this.readOnly) throw new VesperError('INTERNAL', `object ${what}: this OPFS store was opened read-only (a query worker never writes)`);
  }

  /** The directory for encoded `dirs`, created on demand, or undefined when absent. */
  private async dir(dirs: readonly string[], create: boolean): Promise<FileSystemDirectoryHandle | undefined> {
    let dir = this.root;
    for (const name of dirs) {
      try {
        dir = await dir.getDirectoryHandle(name, { create });
      } catch (err) {
        if (!create && isNotFound(err)) return undefined;
        throw err;
      }
    }
    return dir;
  }

  private async file(key: string): Promise<File | undefined> {
    const { dirs, file } = keyToPath(key);
    const dir = await this.dir(dirs, false);
    return dir === undefined ? undefined : (await fileIn(dir, file))?.getFile();
  }

  /** Runs fn after earlier operations on key in this context (and, for commits, in every context). */
  private withKeyLock<T>(key: string, crossContext: boolean, fn: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    const run: () => Promise<T> =
      crossContext && locks !== undefined ? () => locks.request(`vesper-opfs:${this.path}:${key}`, fn) as Promise<T> : fn;
    const prev = this.keyLocks.get(key) ?? Promise.resolve();
    const next = prev.then(run, run);
    const tail = next.catch(() => undefined);
    this.keyLocks.set(key, tail);
    void tail.then(() => {
      if (this.keyLocks.get(key) === tail) this.keyLocks.delete(key);
    });
    return next;
  }

  private async removeTempFiles(dir: FileSystemDirectoryHandle): Promise<void> {
    for await (const [name, handle] of (dir as IterableDir).entries()) {
      if (handle.kind === 'directory') await this.removeTempFiles(handle as FileSystemDirectoryHandle);
      // best effort: a just-terminated worker's handle may still lock its temp file
      else if (isTempName(name)) await dir.removeEntry(name).catch(() => undefined);
    }
  }
}

/** Writes bytes to a temp file, flushes it, and moves it onto `file`; removes the temp file on failure. */
async function writeAtomically(dir: FileSystemDirectoryHandle, file: string, bytes: Uint8Array<ArrayBuffer>): Promise<void> {
  const tempName = tempNameFor(file);
  const temp = await dir.getFileHandle(tempName, { create: true });
  try {
    if ('createSyncAccessHandle' in temp) {
      const handle = await (temp as SyncCapableFile).createSyncAccessHandle();
      try {
        handle.truncate(0);
        for (let at = 0; at < bytes.length; ) at += handle.write(bytes.subarray(at), { at });
        handle.flush();
      } finally {
        handle.close();
      }
    } else {
      const writable = await temp.createWritable();
      try {
        await writable.write(bytes);
        await writable.close();
      } catch (err) {
        await writable.abort().catch(() => undefined);
        throw err;
      }
    }
    await (temp as MovableFile).move(dir, file);
  } catch (err) {
    await dir.removeEntry(tempName).catch(() => undefined);
    throw err;
  }
}

async function fileIn(dir: FileSystemDirectoryHandle, name: string): Promise<FileSystemFileHandle | undefined> {
  try {
    return await dir.getFileHandle(name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

async function walk(dir: FileSystemDirectoryHandle, base: string, prefix: string, out: ObjectInfo[]): Promise<void> {
  for await (const [name, handle] of (dir as IterableDir).entries()) {
    if (handle.kind === 'file') {
      const segment = objectSegmentOf(name);
      if (segment === undefined) continue;
      const key = base + segment;
      if (key.startsWith(prefix)) out.push({ key, size: (await (handle as FileSystemFileHandle).getFile()).size });
    } else {
      const below = `${base}${decodeSegment(name)}/`;
      if (below.startsWith(prefix) || prefix.startsWith(below)) await walk(handle as FileSystemDirectoryHandle, below, prefix, out);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'NotFoundError' || name === 'TypeMismatchError';
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
