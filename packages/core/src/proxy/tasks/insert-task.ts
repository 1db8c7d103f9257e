/**
 * Insert (Milvus's insertTask): converts and checks every row first (a bad row rejects the
 * whole batch before anything is written), assigns auto ids, routes rows to partitions and
 * shards, then writes each shard's part through its WAL. Resolves after every part is
 * durable and applied. Upsert extends this task.
 */
import { VesperError } from '../../errors/index.ts';
import { primaryKeysOf, rowsToBatch, type Row } from '../../schema/row-batch.ts';
import { DataType } from '../../schema/data-type.ts';
import { primaryField } from '../../schema/types.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { renderIds } from '../render.ts';
import { functionOutputs } from '../../functions/bm25-function.ts';
import { completedRows } from '../partial-update.ts';
import { routeBatch, targetPartition, type RoutedBatch } from '../write-routing.ts';
import { showValue } from '../../util/show-value.ts';

export interface InsertRequest {
  db_name?: string;
  collection_name: string;
  partition_name?: string;
  /** Rows as objects keyed by field name (interfaces and classes welcome). */
  data?: readonly object[];
  /** The SDK's older name for data. */
  fields_data?: readonly object[];
  /** Upsert only (Milvus 2.6): fields a row leaves out keep their stored values (proxy/partial-update.ts). */
  partial_update?: boolean;
}

export interface MutationResult {
  status: Status;
  succ_index: number[];
  err_index: number[];
  IDs: Record<string, { data: string[] }>;
  acknowledged: boolean;
  insert_cnt: string;
  delete_cnt: string;
  upsert_cnt: string;
  timestamp: string;
}

export class InsertTask extends Task<InsertRequest, MutationResult> {
  readonly name: string = 'Insert';
  readonly queue = 'dml' as const;
  protected info!: CollectionInfo;
  protected routed: RoutedBatch[] = [];
  protected pks: (bigint | string)[] = [];
  protected ts = 0n;
  protected readonly upsert: boolean = false;
  /** Rows bring their own primary keys even when it is auto_id (restoreRows). */
  protected readonly keepKeys: boolean = false;

  override queueKeys(): string[] {
    return [`coll:${this.ctx.collection(this.req).id}`];
  }

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    let rows = this.req.data ?? this.req.fields_data;
    if (!Array.isArray(rows) || rows.length === 0) {
      throw new VesperError('INVALID_INSERT_DATA', `${this.name.toLowerCase()} data is empty: pass data as a non-empty array of rows`);
    }
    const partial = this.req.partial_update;
    if (partial !== undefined && typeof partial !== 'boolean') throw new VesperError('PARAMETER_INVALID', `partial_update must be true or false, got ${showValue(partial)}`);
    if (partial === true && !this.upsert) throw new VesperError('PARAMETER_INVALID', 'partial_update applies to upsert only');
    if (partial === true) rows = await completedRows(this.ctx, this.info, rows as readonly Row[]);
    const partitionId = targetPartition(this.info, this.req.partition_name);
    const pk = primaryField(this.info.schema);
    let autoIds: (bigint | string)[] | undefined;
    if (pk.autoID && !this.upsert && !this.keepKeys) {
      const [first] = await this.ctx.autoIds.allocRange(rows.length);
      autoIds = rows.map((_, i) => (pk.data_type === DataType.Int64 ? BigInt(first + i) : String(first + i)));
    }
    const outputs = await functionOutputs(this.info.schema);
    const batch = rowsToBatch(this.info.schema, rows as readonly Row[], {
      ...(autoIds ? { autoIds } : {}),
      allowAutoIdInput: this.upsert || this.keepKeys,
      ...(outputs ? { functionOutputs: outputs } : {}),
    });
    this.pks = primaryKeysOf(batch, pk);
    this.routed = routeBatch(this.info, batch, partitionId);
  }

  async execute(): Promise<void> {
    const mgr = await this.ctx.data(this.info);
    const c = this.info.id;
    const stamps = await Promise.all(
      this.routed.map((r) =>
        mgr.write(r.shard, (ts) => ({ type: 'insert', collectionId: c, partitionId: r.partitionId, ts, upsert: this.upsert, batch: r.batch }), r.partitionId),
      ),
    );
    this.ts = stamps.reduce((a, b) => (b > a ? b : a), 0n);
  }

  postExecute(): MutationResult {
    const n = String(this.pks.length);
    return {
      status: SUCCESS,
      succ_index: this.pks.map((_, i) => i),
      err_index: [],
      IDs: renderIds(this.info.schema, this.pks),
      acknowledged: false,
      insert_cnt: this.upsert ? '0' : n,
      delete_cnt: '0',
      upsert_cnt: this.upsert ? n : '0',
      timestamp: this.ts.toString(),
    };
  }
}
