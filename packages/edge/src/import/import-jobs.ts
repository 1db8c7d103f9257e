/**
 * Import jobs (Milvus's bulk import, DataCoord's ImportJob): rows from files already in the
 * R2 bucket — JSON row files (`{"rows": [...]}` or a bare array, Milvus's JSON import layout)
 * or Arrow IPC files (`.arrow`/`.ipc`: one column per field) — written into a collection by the database's own DO. A job is a row in the DO's SQLite
 * table; the DO's alarm runs it one chunk (CHUNK_ROWS rows) at a time so no invocation runs
 * long, and persists its position after every chunk, so an evicted or restarted DO resumes
 * where it stopped. Chunks go through `upsert` when the collection's primary key is not
 * auto-generated, so a chunk replayed after a crash writes no duplicates.
 * States: Pending → Importing → Completed | Failed (with a reason).
 *
 * A file is parsed whole (JSON.parse, or Arrow IPC decoded to rows) and its rows kept while the
 * job runs, in a DO of 128 MB; so its size is bounded before any byte is read: from R2's
 * metadata (head), at create (a coded error, no job) and again before the file is read (it may
 * have been replaced since; the job fails with the reason).
 */
import { VesperError, arrowIpcRows } from '@vesper/core';
import type { EdgeMethod, EdgeResponse } from '../rpc.ts';
import type { ImportJob, ImportState } from './import-job.ts';

export const CHUNK_ROWS = 1000;
/**
 * Largest import file. Parsing a JSON file of S bytes holds its bytes, its text and its rows
 * (numbers and objects, two to three times S for vectors) at once, next to everything else
 * of the DO's 128 MB: 16 MiB keeps that under about 80 MB. Larger data sets are split into
 * several files of one job.
 */
export const MAX_IMPORT_FILE_BYTES = 16 * 1024 * 1024;

/** @throws PARAMETER_TOO_LARGE (1102) for a file over MAX_IMPORT_FILE_BYTES */
function checkFileSize(key: string, size: number): void {
  if (size > MAX_IMPORT_FILE_BYTES) {
    throw new VesperError('PARAMETER_TOO_LARGE', `import file ${key} is ${size} bytes, over the limit of ${MAX_IMPORT_FILE_BYTES} bytes per file: split it into several files of one job`);
  }
}

export type { ImportJob, ImportState } from './import-job.ts';

/** What a job needs of the engine. */
export interface ImportEngine {
  call<M extends EdgeMethod>(dbName: string, method: M, request: Record<string, unknown>): Promise<EdgeResponse<M>>;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS vesper_import_jobs (job_id TEXT PRIMARY KEY, db TEXT NOT NULL, collection TEXT NOT NULL,
  partition TEXT NOT NULL, files TEXT NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', file_index INTEGER NOT NULL DEFAULT 0,
  row_offset INTEGER NOT NULL DEFAULT 0, imported_rows INTEGER NOT NULL DEFAULT 0, total_rows INTEGER NOT NULL DEFAULT 0,
  file_size INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, complete_time TEXT NOT NULL DEFAULT '')`;

type Row = Record<string, string | number>;

function toJob(r: Row): ImportJob {
  return {
    jobId: String(r['job_id']),
    dbName: String(r['db']),
    collectionName: String(r['collection']),
    partitionName: String(r['partition']),
    files: JSON.parse(String(r['files'])) as string[],
    state: String(r['state']) as ImportState,
    reason: String(r['reason']),
    fileIndex: Number(r['file_index']),
    rowOffset: Number(r['row_offset']),
    importedRows: Number(r['imported_rows']),
    totalRows: Number(r['total_rows']),
    fileSize: Number(r['file_size']),
    completeTime: String(r['complete_time']),
  };
}

/** Parses one import file into rows. @throws PARAMETER_INVALID (1100) for an unreadable file */
export function parseImportFile(key: string, bytes: Uint8Array): Record<string, unknown>[] {
  if (/\.(arrow|arrows|ipc|feather)$/i.test(key)) return arrowIpcRows(bytes);
  if (!key.toLowerCase().endsWith('.json')) {
    throw new VesperError('PARAMETER_INVALID', `unsupported import file ${key}: use JSON row files (.json) or Arrow IPC files (.arrow, .ipc)`);
  }
  let text: string;
  try {
    // fatal: replacement characters would import mangled keys and values silently
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new VesperError('PARAMETER_INVALID', `import file ${key} is not valid UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new VesperError('PARAMETER_INVALID', `import file ${key} is not valid JSON: ${(e as Error).message}`);
  }
  const rows = Array.isArray(value) ? value : (value as { rows?: unknown } | null)?.rows;
  if (!Array.isArray(rows)) throw new VesperError('PARAMETER_INVALID', `import file ${key} must hold {"rows": [...]} or an array of rows`);
  return rows as Record<string, unknown>[];
}

export class ImportJobs {
  /** Parsed files of the running job, kept between chunks while the DO stays in memory. */
  private readonly parsed = new Map<string, Record<string, unknown>[]>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly bucket: R2Bucket,
    private readonly engine: ImportEngine,
  ) {
    sql.exec(SCHEMA);
  }

  /**
   * Registers a Pending job. A file missing now fails the job when it runs (as in Milvus); one
   * over MAX_IMPORT_FILE_BYTES is refused here.
   * @throws 1802/1100 for a bad request, 100 for an unknown collection, 1102 for a file too large
   */
  async create(dbName: string, collectionName: string, partitionName: string, files: readonly string[]): Promise<string> {
    if (files.length === 0) throw new VesperError('MISSING_REQUIRED_PARAMETERS', 'missing required parameters, error: files is required');
    await this.engine.call(dbName, 'describeCollection', { db_name: dbName, collection_name: collectionName });
    for (const key of files) {
      const head = await this.bucket.head(key);
      if (head !== null) checkFileSize(key, head.size);
    }
    const jobId = String(Date.now() * 1000 + Math.floor(Math.random() * 1000));
    this.sql.exec(
      'INSERT INTO vesper_import_jobs (job_id, db, collection, partition, files, state, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
      jobId, dbName, collectionName, partitionName, JSON.stringify(files), 'Pending', Date.now(),
    );
    return jobId;
  }

  list(collectionName?: string): ImportJob[] {
    const rows = this.sql.exec<Row>('SELECT * FROM vesper_import_jobs ORDER BY created').toArray().map(toJob);
    return collectionName ? rows.filter((j) => j.collectionName === collectionName) : rows;
  }

  /** @throws PARAMETER_INVALID (1100) for an unknown job */
  get(jobId: string): ImportJob {
    const row = this.sql.exec<Row>('SELECT * FROM vesper_import_jobs WHERE job_id = ?', jobId).toArray()[0];
    if (row === undefined) throw new VesperError('PARAMETER_INVALID', `import job not found[jobId=${jobId}]`);
    return toJob(row);
  }

  /** Whether any job still has work. */
  pending(): boolean {
    return this.sql.exec("SELECT 1 FROM vesper_import_jobs WHERE state IN ('Pending', 'Importing') LIMIT 1").toArray().length > 0;
  }

  /** Runs one chunk of the oldest unfinished job; true while work remains. */
  async step(): Promise<boolean> {
    const row = this.sql.exec<Row>("SELECT * FROM vesper_import_jobs WHERE state IN ('Pending', 'Importing') ORDER BY created LIMIT 1").toArray()[0];
    if (row === undefined) return false;
    const job = toJob(row);
    try {
      await this.advance(job);
    } catch (e) {
      const reason = VesperError.wrap(e).message;
      this.sql.exec("UPDATE vesper_import_jobs SET state = 'Failed', reason = ?, complete_time = ? WHERE job_id = ?", reason, new Date().toISOString(), job.jobId);
      this.parsed.clear();
    }
    return this.pending();
  }

  private async rowsOf(key: string, job: ImportJob): Promise<Record<string, unknown>[]> {
    const hit = this.parsed.get(key);
    if (hit !== undefined) return hit;
    const notFound = (): VesperError => new VesperError('PARAMETER_INVALID', `import file not found in the bucket: ${key}`);
    const head = await this.bucket.head(key);
    if (head === null) throw notFound();
    checkFileSize(key, head.size);
    // the same version that was measured (onlyIf etag): a file replaced since is not read
    const obj = await this.bucket.get(key, { onlyIf: { etagMatches: head.etag } });
    if (obj === null) throw notFound();
    if (!('body' in obj)) throw new VesperError('PARAMETER_INVALID', `import file ${key} changed while the job read it: create the job again`);
    checkFileSize(key, obj.size);
    const rows = parseImportFile(key, new Uint8Array(await obj.arrayBuffer()));
    this.parsed.clear();
    this.parsed.set(key, rows);
    if (job.rowOffset === 0) {
      // First visit of this file: count it (a resumed file was counted before the restart).
      this.sql.exec('UPDATE vesper_import_jobs SET total_rows = total_rows + ?, file_size = file_size + ? WHERE job_id = ?', rows.length, obj.size, job.jobId);
    }
    return rows;
  }

  private async advance(job: ImportJob): Promise<void> {
    if (job.state === 'Pending') this.sql.exec("UPDATE vesper_import_jobs SET state = 'Importing' WHERE job_id = ?", job.jobId);
    const key = job.files[job.fileIndex];
    if (key === undefined) return this.complete(job.jobId);
    const rows = await this.rowsOf(key, job);
    const chunk = rows.slice(job.rowOffset, job.rowOffset + CHUNK_ROWS);
    if (chunk.length > 0) {
      const desc = (await this.engine.call(job.dbName, 'describeCollection', { db_name: job.dbName, collection_name: job.collectionName })) as { schema?: { fields?: { is_primary_key?: boolean; autoID?: boolean; auto_id?: boolean }[] } };
      const pk = desc.schema?.fields?.find((f) => f.is_primary_key);
      const method = pk?.autoID || pk?.auto_id ? 'insert' : 'upsert';
      const req: Record<string, unknown> = { db_name: job.dbName, collection_name: job.collectionName, data: chunk };
      if (job.partitionName) req['partition_name'] = job.partitionName;
      await this.engine.call(job.dbName, method, req);
    }
    const offset = job.rowOffset + chunk.length;
    if (offset >= rows.length) {
      this.parsed.delete(key);
      this.sql.exec('UPDATE vesper_import_jobs SET file_index = file_index + 1, row_offset = 0, imported_rows = imported_rows + ? WHERE job_id = ?', chunk.length, job.jobId);
      if (job.fileIndex + 1 >= job.files.length) this.complete(job.jobId);
    } else {
      this.sql.exec('UPDATE vesper_import_jobs SET row_offset = ?, imported_rows = imported_rows + ? WHERE job_id = ?', offset, chunk.length, job.jobId);
    }
  }

  private complete(jobId: string): void {
    this.sql.exec("UPDATE vesper_import_jobs SET state = 'Completed', complete_time = ? WHERE job_id = ?", new Date().toISOString(), jobId);
  }
}

/** Progress in percent: finished files plus the share of the current one. */
export function progressOf(job: ImportJob): number {
  if (job.state === 'Completed') return 100;
  if (job.files.length === 0) return 0;
  const current = job.totalRows > job.importedRows && job.rowOffset > 0 ? job.rowOffset / Math.max(1, job.totalRows - (job.importedRows - job.rowOffset)) : 0;
  return Math.min(99, Math.floor((100 * (job.fileIndex + current)) / job.files.length));
}
