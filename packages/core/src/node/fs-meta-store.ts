/**
 * FsMetaStore: a MetaStore in two files (Milvus's etcd, on a local disk). Node-only.
 *
 * `meta.log` holds one line per committed batch: `<crc32 hex> <json>\n`, the JSON being
 * `{"s":seq,"o":[[key,value,version] | [key]]}` — each key's state after the batch (a
 * one-element tuple is a delete). `meta.snapshot` holds the whole state at some seq, written
 * temp+fsync+rename. Opening loads the snapshot, replays log records with a higher seq, and
 * cuts a torn last line (a crash mid-append); a bad line followed by good ones is corruption
 * (FORMAT_CORRUPT), never silently dropped. When the log outgrows `compactBytes` the state is
 * snapshotted and the log emptied; a crash between the two only leaves records the seq skips.
 *
 * Invariants: batches are checked against memory, appended and fsynced, and only then applied
 * to memory, one at a time — so a batch is durable when it resolves and a reader never sees
 * state that is not on disk.
 */
import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { VesperError } from '../errors/index.ts';
import type { MetaOp, MetaRecord, MetaStore } from '../adapters/meta-store.ts';
import { applyMetaChanges, listMetaRecords, planMetaBatch } from '../adapters/memory-meta-store.ts';
import { checkMetaKey } from '../adapters/adapter-checks.ts';
import { crc32 } from '../util/crc32.ts';
import { errno, fsyncDir, ioError, writeFileAtomic } from './fs-util.ts';

export interface FsMetaStoreOptions {
  /** Snapshot and empty the log once it is larger than this (default 4 MiB). */
  readonly compactBytes?: number;
}

type LogOp = [string, string, number] | [string];
interface Snapshot {
  s: number;
  r: Array<[string, string, number]>;
}

const LOG = 'meta.log';
const SNAPSHOT = 'meta.snapshot';
const NEWLINE = 0x0a;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export class FsMetaStore implements MetaStore {
  private readonly records = new Map<string, MetaRecord>();
  private seq = 0;
  private logSize = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private broken: VesperError | undefined;

  private constructor(
    readonly dir: string,
    private log: FileHandle | undefined,
    private readonly compactBytes: number,
  ) {}

  /** Opens (creating if needed) the store in `dir`. @throws IO_FAILED, FORMAT_CORRUPT */
  static async open(dir: string, opts: FsMetaStoreOptions = {}): Promise<FsMetaStore> {
    try {
      await mkdir(dir, { recursive: true });
      const store = new FsMetaStore(dir, undefined, opts.compactBytes ?? 4 << 20);
      await store.load();
      store.log = await open(join(dir, LOG), 'r+');
      await store.log.truncate(store.logSize); // cut a torn tail before appending after it
      await store.log.sync();
      return store;
    } catch (err) {
      throw ioError('opening meta store in', dir, err);
    }
  }

  async get(key: string): Promise<MetaRecord | undefined> {
    checkMetaKey(key);
    return this.records.get(key);
  }

  /** @throws COMMIT_CONFLICT, PARAMETER_INVALID, IO_FAILED */
  async put(key: string, value: string, expectedVersion?: number): Promise<number> {
    const changes = await this.enqueue([{ type: 'put', key, value, expectedVersion }]);
    return changes.get(key)?.version ?? 0;
  }

  /** @throws COMMIT_CONFLICT, PARAMETER_INVALID, IO_FAILED */
  async delete(key: string, expectedVersion?: number): Promise<void> {
    await this.enqueue([{ type: 'delete', key, expectedVersion }]);
  }

  async list(prefix: string): Promise<Array<readonly [string, MetaRecord]>> {
    return listMetaRecords(this.records, prefix);
  }

  /** @throws COMMIT_CONFLICT, PARAMETER_INVALID, IO_FAILED */
  async batch(ops: readonly MetaOp[]): Promise<void> {
    await this.enqueue(ops);
  }

  async close(): Promise<void> {
    await this.queue;
    const log = this.log;
    this.log = undefined;
    await log?.close();
  }

  /** Commits batches one at a time, in call order. */
  private enqueue(ops: readonly MetaOp[]): Promise<ReadonlyMap<string, MetaRecord | undefined>> {
    const run = this.queue.then(() => this.commit(ops));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async commit(ops: readonly MetaOp[]): Promise<ReadonlyMap<string, MetaRecord | undefined>> {
    if (this.broken !== undefined) throw this.broken;
    const log = this.log;
    if (log === undefined) throw new VesperError('IO_FAILED', `meta store in ${this.dir} is closed`);
    const changes = planMetaBatch(this.records, ops);
    if (changes.size === 0) return changes;
    const logOps: LogOp[] = [...changes].map(([k, r]) => (r === undefined ? [k] : [k, r.value, r.version]));
    const line = encodeLine({ s: this.seq + 1, o: logOps });
    try {
      await log.write(line, 0, line.length, this.logSize);
      await log.sync();
    } catch (err) {
      // never leave a partial line for the next record to be appended after
      await log.truncate(this.logSize).catch(() => {
        this.broken = ioError('meta log is in an unknown state; reopen the store at', this.dir, err);
      });
      throw ioError('appending to meta log', join(this.dir, LOG), err);
    }
    this.logSize += line.length;
    this.seq++;
    applyMetaChanges(this.records, changes);
    if (this.logSize > this.compactBytes) await this.compact(log);
    return changes;
  }

  /** Writes the whole state as a snapshot, then empties the log. */
  private async compact(log: FileHandle): Promise<void> {
    const snapshot: Snapshot = { s: this.seq, r: [...this.records].map(([k, r]) => [k, r.value, r.version]) };
    try {
      await writeFileAtomic(join(this.dir, SNAPSHOT), encodeLine(snapshot));
      await log.truncate(0);
      await log.sync();
      this.logSize = 0;
    } catch {
      // the log is still whole (records the snapshot covers are skipped by seq on load), so
      // the batch that triggered compaction is durable regardless; compaction retries next time
    }
  }

  private async load(): Promise<void> {
    const snapshotBytes = await readIfExists(join(this.dir, SNAPSHOT));
    if (snapshotBytes !== undefined) {
      const end = snapshotBytes.lastIndexOf(NEWLINE);
      const snap = end < 0 ? undefined : (decodeLine(snapshotBytes.subarray(0, end)) as Snapshot | undefined);
      if (snap === undefined || typeof snap.s !== 'number' || !Array.isArray(snap.r)) {
        throw new VesperError('FORMAT_CORRUPT', `meta snapshot ${join(this.dir, SNAPSHOT)} fails its checksum`);
      }
      this.seq = snap.s;
      for (const [k, v, version] of snap.r) this.records.set(k, Object.freeze({ value: v, version }));
    }
    const logPath = join(this.dir, LOG);
    const bytes = (await readIfExists(logPath)) ?? new Uint8Array(0);
    if (bytes.length === 0) {
      await (await open(logPath, 'a')).close();
      await fsyncDir(this.dir);
    }
    let pos = 0;
    while (pos < bytes.length) {
      const end = bytes.indexOf(NEWLINE, pos);
      const rec = end < 0 ? undefined : (decodeLine(bytes.subarray(pos, end)) as { s: number; o: LogOp[] } | undefined);
      if (rec === undefined) {
        // a crash mid-append leaves a short or garbled last line; only a good record after
        // the bad one proves the damage is in the middle, where acknowledged batches are
        if (end >= 0 && hasGoodLine(bytes, end + 1)) {
          throw new VesperError('FORMAT_CORRUPT', `meta log ${logPath} has a bad record at byte ${pos} followed by more records`, {
            path: logPath,
            offset: pos,
          });
        }
        break; // a torn last record: the batch never resolved, drop it
      }
      if (rec.s > this.seq) {
        for (const op of rec.o) {
          if (op.length === 1) this.records.delete(op[0]);
          else this.records.set(op[0], Object.freeze({ value: op[1], version: op[2] }));
        }
        this.seq = rec.s;
      }
      pos = end + 1;
    }
    this.logSize = pos;
  }
}

function encodeLine(value: unknown): Uint8Array {
  const json = utf8.encode(JSON.stringify(value));
  const head = utf8.encode(`${crc32(json).toString(16).padStart(8, '0')} `);
  const out = new Uint8Array(head.length + json.length + 1);
  out.set(head, 0);
  out.set(json, head.length);
  out[out.length - 1] = NEWLINE;
  return out;
}

/** The JSON of a `<crc> <json>` line, or undefined when torn or corrupt. */
function decodeLine(line: Uint8Array): unknown {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const json = line.subarray(9);
  const crc = Number.parseInt(utf8Decoder.decode(line.subarray(0, 8)), 16);
  if (crc !== crc32(json)) return undefined;
  try {
    return JSON.parse(utf8Decoder.decode(json)) as unknown;
  } catch {
    return undefined;
  }
}

function hasGoodLine(bytes: Uint8Array, from: number): boolean {
  for (let pos = from, end = bytes.indexOf(NEWLINE, pos); end >= 0; pos = end + 1, end = bytes.indexOf(NEWLINE, pos)) {
    if (decodeLine(bytes.subarray(pos, end)) !== undefined) return true;
  }
  return false;
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}
