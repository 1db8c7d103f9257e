/**
 * Flush: seals every growing segment of the named collections and persists them (insert
 * logs, delete logs, manifest, WAL truncation). Resolves when the data is durable in the
 * object store; index builds continue in the background.
 */
import { flush } from '../../segments/segment-maintenance.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface FlushRequest {
  db_name?: string;
  collection_names: string[];
}

export interface FlushResponse {
  status: Status;
  coll_segIDs: Record<string, { data: string[] }>;
  flush_coll_segIDs: Record<string, { data: string[] }>;
  coll_seal_times: Record<string, string>;
  db_name: string;
}

export class FlushTask extends Task<FlushRequest, FlushResponse> {
  readonly name = 'Flush';
  readonly queue = 'dml' as const;
  private segs: Record<string, { data: string[] }> = {};

  override queueKeys(): string[] {
    return (this.req.collection_names ?? []).map((n) => `coll:${this.ctx.collection({ ...this.req, collection_name: n }).id}`);
  }

  async execute(): Promise<void> {
    for (const name of this.req.collection_names ?? []) {
      const info = this.ctx.collection({ ...this.req, collection_name: name });
      const mgr = await this.ctx.data(info);
      await flush(mgr);
      this.segs[name] = { data: mgr.sealed.map((s) => String(s.id)) };
    }
  }

  postExecute(): FlushResponse {
    const now = String(Date.now());
    return {
      status: SUCCESS,
      coll_segIDs: this.segs,
      flush_coll_segIDs: this.segs,
      coll_seal_times: Object.fromEntries(Object.keys(this.segs).map((k) => [k, now])),
      db_name: this.ctx.dbName(this.req),
    };
  }
}
