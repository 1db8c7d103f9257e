/**
 * `jobs/import/*` (Milvus REST v2 bulk import): create `{collectionName, partitionName?,
 * files: [[key, ...], ...]}` → `{jobId}`; list → `{records: [{jobId, collectionName, state,
 * progress}]}`; get_progress `{jobId}` → `{jobId, collectionName, state, progress, totalRows,
 * importedRows, fileSize, completeTime, reason, details}`. The jobs run in the database's DO
 * (import/import-jobs.ts); keys name objects in the Worker's R2 bucket.
 */
import { VesperError, showValue } from '@vesper/core';
import { progressOf, type ImportJob } from '../import/import-jobs.ts';
import { missing } from './body.ts';
import type { RestCall, RestRoutes } from './types.ts';

function files(call: RestCall): string[] {
  const list = call.body.list('files');
  if (list === undefined || list.length === 0) throw missing('files');
  const out: string[] = [];
  for (const group of list) {
    const keys = Array.isArray(group) ? group : [group];
    for (const k of keys) {
      if (typeof k !== 'string' || k === '') throw new VesperError('INCORRECT_PARAMETER_FORMAT', `files must be a list of lists of object keys, got ${showValue(group)}`);
      out.push(k);
    }
  }
  return out;
}

function progress(job: ImportJob): Record<string, unknown> {
  return {
    jobId: job.jobId,
    collectionName: job.collectionName,
    state: job.state,
    progress: progressOf(job),
    totalRows: job.totalRows,
    importedRows: job.importedRows,
    fileSize: job.fileSize,
    completeTime: job.completeTime,
    reason: job.reason,
    details: job.files.map((f, i) => ({ fileName: f, state: i < job.fileIndex ? 'Completed' : job.state === 'Failed' && i === job.fileIndex ? 'Failed' : i === job.fileIndex && job.state === 'Importing' ? 'Importing' : 'Pending' })),
  };
}

export const importRoutes: RestRoutes = {
  'jobs/import/create': async (call) => {
    const req = { collection_name: call.body.need('collectionName'), partition_name: call.body.str('partitionName') ?? '', files: files(call) };
    const res = await call.engine.call('importCreate', req);
    return { data: { jobId: res.jobId } };
  },
  'jobs/import/list': async (call) => {
    const name = call.body.str('collectionName');
    const jobs = await call.engine.call('importList', name ? { collection_name: name } : {});
    return { data: { records: jobs.map((j) => ({ jobId: j.jobId, collectionName: j.collectionName, state: j.state, progress: progressOf(j) })) } };
  },
  'jobs/import/get_progress': async (call) => {
    const job = await call.engine.call('importProgress', { job_id: call.body.need('jobId') });
    await call.authorizeOn(job.collectionName);
    return { data: progress(job) };
  },
};
