/**
 * openFsStorage: the Node file-system StorageSet — meta/, objects/ and wal/ under one
 * directory — guarded by a lock file so two processes never open the same database (one
 * writer per database, as a browser gets from Web Locks and the edge from a Durable Object).
 * Node-only.
 *
 * The lock is `<dir>/LOCK`, created with O_EXCL ('wx') and holding {pid, token}. A lock whose
 * pid is no longer running (or is our own pid but not a lock this process holds — a restart
 * that reused the pid) is stale and is taken over. A live holder fails the open with
 * SERVICE_UNAVAILABLE (retriable: the other process may exit). `close` releases it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { VesperError } from '../errors/index.ts';
import type { StorageSet } from '../adapters/storage-set.ts';
import { FsMetaStore, type FsMetaStoreOptions } from './fs-meta-store.ts';
import { FsObjectStore } from './fs-object-store.ts';
import { FsWal } from './fs-wal.ts';
import { errno, fsyncDir, ioError } from './fs-util.ts';

export interface FsStorage extends StorageSet {
  readonly dir: string;
  readonly meta: FsMetaStore;
  readonly objects: FsObjectStore;
  readonly wal: FsWal;
  /** Closes the three stores and releases the directory lock. */
  close(): Promise<void>;
}

export interface FsStorageOptions {
  readonly meta?: FsMetaStoreOptions;
}

interface LockBody {
  readonly pid: number;
  readonly token: string;
}

/** Lock paths this process holds, so a lock with our pid can be told from a stale one. */
const held = new Set<string>();

/**
 * Opens (creating if needed) the database directory `dir`.
 * @throws SERVICE_UNAVAILABLE when another live process holds the directory; IO_FAILED; FORMAT_CORRUPT
 */
export async function openFsStorage(dir: string, opts: FsStorageOptions = {}): Promise<FsStorage> {
  const root = resolve(dir);
  try {
    await mkdir(root, { recursive: true });
  } catch (err) {
    throw ioError('creating database directory', root, err);
  }
  const release = await acquireLock(join(root, 'LOCK'));
  try {
    const [meta, objects, wal] = await Promise.all([
      FsMetaStore.open(join(root, 'meta'), opts.meta),
      FsObjectStore.open(join(root, 'objects')),
      FsWal.open(join(root, 'wal')),
    ]);
    let closed = false;
    return {
      dir: root,
      meta,
      objects,
      wal,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await Promise.all([meta.close(), objects.close(), wal.close()]);
        } finally {
          await release();
        }
      },
    };
  } catch (err) {
    await release();
    throw err;
  }
}

async function acquireLock(path: string): Promise<() => Promise<void>> {
  const body: LockBody = { pid: process.pid, token: randomBytes(8).toString('hex') };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(JSON.stringify(body));
        await handle.sync();
      } finally {
        await handle.close();
      }
      held.add(path);
      return async () => {
        held.delete(path);
        const current = await readLock(path);
        if (current?.token === body.token) await rm(path, { force: true });
      };
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw ioError('creating lock file', path, err);
    }
    const holder = await readLock(path);
    if (holder !== undefined && !isStale(path, holder)) {
      throw new VesperError(
        'SERVICE_UNAVAILABLE',
        `database directory ${dirname(path)} is in use by process ${holder.pid}` +
          `${holder.pid === process.pid ? ' (this process)' : ''}; close it there first, or remove ${path} if that process is gone`,
        { path, pid: holder.pid },
      );
    }
    // stale (or unreadable: a crash between create and write): move it aside, then retry the
    // exclusive create; rename lets only one of several racing processes take it over
    const aside = `${path}.stale-${randomBytes(4).toString('hex')}`;
    try {
      await rename(path, aside);
      await rm(aside, { force: true });
      await fsyncDir(dirname(path));
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw ioError('removing stale lock file', path, err);
    }
  }
  throw new VesperError('SERVICE_UNAVAILABLE', `could not take the lock ${path}: other processes keep taking it`, { path });
}

async function readLock(path: string): Promise<LockBody | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockBody>;
    return typeof parsed.pid === 'number' && typeof parsed.token === 'string' ? { pid: parsed.pid, token: parsed.token } : undefined;
  } catch {
    return undefined;
  }
}

function isStale(path: string, holder: LockBody): boolean {
  if (holder.pid === process.pid) return !held.has(path);
  try {
    process.kill(holder.pid, 0); // signal 0: existence check only
    return false;
  } catch (err) {
    return errno(err) === 'ESRCH';
  }
}
