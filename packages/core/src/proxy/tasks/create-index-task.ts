/**
 * CreateIndex: validates the request (field, type, metric, params), records the index in the
 * catalog, and starts building it on every sealed segment in the background. Growing
 * segments and segments whose build is pending are searched exactly meanwhile. Creating an
 * identical index again succeeds; a different index on the same field is rejected (Milvus
 * allows one index per field).
 */
import { VesperError } from '../../errors/index.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { scheduleIndexBuilds } from '../../segments/segment-maintenance.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { parseIndexRequest, withIndexMetrics, type IndexRequest, type ParsedIndex } from '../index-params.ts';

export interface CreateIndexRequest extends IndexRequest {
  db_name?: string;
  collection_name: string;
  /** The SDK's older spelling of params. */
  extra_params?: Record<string, unknown>;
}

export class CreateIndexTask extends Task<CreateIndexRequest, Status> {
  readonly name = 'CreateIndex';
  readonly queue = 'ddl' as const;
  private info!: CollectionInfo;
  private parsed!: ParsedIndex;
  private same = false;

  override async preExecute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
    const params = this.req.params ?? this.req.extra_params;
    this.parsed = parseIndexRequest(this.info, { ...this.req, params }, this.ctx.options.indexFactory);
    const p = this.parsed;
    const onField = this.info.indexes.find((i) => i.fieldName === p.field.name);
    const named = this.info.indexes.find((i) => i.indexName === p.indexName);
    const sameAs = (i: typeof onField): boolean =>
      i !== undefined && i.indexName === p.indexName && i.indexType === p.indexType && i.metricType === p.metricType && JSON.stringify(i.params) === JSON.stringify(p.params);
    if (sameAs(onField)) {
      this.same = true;
      return;
    }
    if (onField) throw new VesperError('INDEX_DUPLICATE', `CreateIndex failed: creating multiple indexes on same field is not supported (field ${p.field.name} already has index ${onField.indexName})`);
    if (named) throw new VesperError('INDEX_DUPLICATE', `CreateIndex failed: index name ${p.indexName} is already used on field ${named.fieldName}`);
  }

  async execute(): Promise<void> {
    if (this.same) return;
    const p = this.parsed;
    const next: CollectionInfo = {
      ...this.info,
      ...(p.metricType ? { vectorMetrics: withIndexMetrics(this.info, [{ fieldName: p.field.name, metricType: p.metricType }]) } : {}),
      indexes: [
        ...this.info.indexes,
        {
          indexId: await this.ctx.ids.alloc(),
          indexName: p.indexName,
          fieldName: p.field.name,
          indexType: p.indexType,
          ...(p.metricType ? { metricType: p.metricType } : {}),
          params: p.params,
          createdTs: String(await this.ctx.tso.next()),
        },
      ],
    };
    await this.ctx.catalog.updateCollection(next);
    const mgr = await this.ctx.data(next);
    scheduleIndexBuilds(mgr, mgr.sealed);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
