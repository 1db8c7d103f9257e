/**
 * CreateCollection (Milvus's createCollectionTask): validates the schema and options, then
 * records the collection with its partitions (`_default`, or `_default_0..n-1` for a
 * partition-key collection). The quick-setup form (`dimension`) also gets an AUTOINDEX on
 * its vector and is loaded at once; a custom schema is indexed and loaded only when
 * `index_params` are given and index every vector field — else, as in Milvus, the collection
 * and the given indexes are created, it is not loaded, and the call fails with 65535 naming the
 * fields without an index. Re-creating an identical collection succeeds, as in Milvus.
 */
import { VesperError } from '../../errors/index.ts';
import { normalizeSchema, type SchemaInput } from '../../schema/normalize.ts';
import { LIMITS } from '../../schema/validate.ts';
import { analyzerFor } from '../../text/analyzer-cache.ts';
import type { CollectionSchema, ConsistencyLevel } from '../../schema/types.ts';
import { DEFAULT_PARTITION, type CollectionInfo, type IndexInfo } from '../../catalog/types.ts';
import { catalogJson } from '../../catalog/catalog.ts';
import { checkCollectionProperties } from '../properties.ts';
import { Task, SUCCESS, type Status } from '../task.ts';
import { isVectorType } from '../../schema/data-type.ts';
import { optInt, parseConsistency, stringProps } from '../request-utils.ts';
import { parseIndexRequest, withIndexMetrics, type IndexRequest, type ParsedIndex } from '../index-params.ts';

export interface CreateCollectionRequest extends SchemaInput {
  db_name?: string;
  num_shards?: number;
  shards_num?: number;
  num_partitions?: number;
  consistency_level?: ConsistencyLevel | number;
  properties?: Record<string, unknown>;
  index_params?: IndexRequest | IndexRequest[];
  metric_type?: string;
  /** camelCase spelling some SDK paths send. */
  enableDynamicField?: boolean;
}

export class CreateCollectionTask extends Task<CreateCollectionRequest, Status> {
  readonly name = 'CreateCollection';
  readonly queue = 'ddl' as const;
  private schema!: CollectionSchema;
  private shards = 1;
  private numPartitions = 0;
  private consistency: ConsistencyLevel = 'Bounded';
  private indexes: ParsedIndex[] = [];
  private load = false;
  private exists = false;
  /** Vector fields the given index_params leave without an index (Milvus then cannot load). */
  private unindexed: string[] = [];

  override async preExecute(): Promise<void> {
    const r = this.req;
    if (typeof r.collection_name !== 'string' || r.collection_name === '') {
      throw new VesperError('PARAMETER_MISSING', 'collection_name is required');
    }
    const dbName = this.ctx.dbName(r);
    this.ctx.catalog.database(dbName);
    const dynamic = r.enable_dynamic_field ?? r.enableDynamicField;
    this.schema = normalizeSchema({ ...r, ...(dynamic !== undefined ? { enable_dynamic_field: dynamic } : {}) });
    for (const f of this.schema.fields) if (f.enable_analyzer === true) await analyzerFor(f);
    this.shards = optInt(r.shards_num ?? r.num_shards, 'shards_num', 1, LIMITS.maxShards) ?? 1;
    const hasPartitionKey = this.schema.fields.some((f) => f.is_partition_key);
    if (r.num_partitions !== undefined && !hasPartitionKey) {
      throw new VesperError('PARAMETER_INVALID', 'num_partitions only applies to collections with a partition key field');
    }
    this.numPartitions = hasPartitionKey
      ? optInt(r.num_partitions, 'num_partitions', 1, LIMITS.maxPartitions) ?? LIMITS.defaultPartitionKeyPartitions
      : 0;
    this.consistency = parseConsistency(r.consistency_level, 'Bounded');
    checkCollectionProperties(stringProps(r.properties), r.collection_name);
    const existing = this.ctx.catalog.findCollection(dbName, r.collection_name);
    if (existing) {
      if (catalogJson(existing.schema) === catalogJson(this.schema) && existing.shardsNum === this.shards) {
        this.exists = true;
        return;
      }
      throw new VesperError('PARAMETER_INVALID', `collection ${r.collection_name} already exists with different parameters`);
    }
    const quick = r.fields === undefined || r.fields.length === 0;
    const requests: IndexRequest[] =
      r.index_params !== undefined
        ? Array.isArray(r.index_params) ? r.index_params : [r.index_params]
        : quick
          ? [{ field_name: this.schema.fields.find((f) => f.data_type >= 100)!.name, index_type: 'AUTOINDEX', metric_type: r.metric_type ?? 'COSINE' }]
          : [];
    const probe = { schema: this.schema } as CollectionInfo;
    this.indexes = requests.map((q) => parseIndexRequest(probe, q, this.ctx.options.indexFactory));
    const indexed = new Set(this.indexes.map((x) => x.field.name));
    this.unindexed = requests.length > 0 ? this.schema.fields.filter((f) => isVectorType(f.data_type) && !indexed.has(f.name)).map((f) => f.name) : [];
    // as in Milvus: index_params load the collection only when they index every vector field
    this.load = requests.length > 0 && this.unindexed.length === 0;
  }

  async execute(): Promise<void> {
    if (this.exists) return;
    const { catalog, tso, ids } = this.ctx;
    const db = catalog.database(this.ctx.dbName(this.req));
    const createdTs = String(await tso.next());
    const partitionNames = this.numPartitions > 0 ? Array.from({ length: this.numPartitions }, (_, i) => `${DEFAULT_PARTITION}_${i}`) : [DEFAULT_PARTITION];
    const [first] = await ids.allocRange(1 + partitionNames.length + this.indexes.length);
    const indexes: IndexInfo[] = this.indexes.map((x, i) => ({
      indexId: first + 1 + partitionNames.length + i,
      indexName: x.indexName,
      fieldName: x.field.name,
      indexType: x.indexType,
      ...(x.metricType ? { metricType: x.metricType } : {}),
      params: x.params,
      createdTs,
    }));
    const properties = stringProps(this.req.properties);
    await catalog.createCollection({
      id: first,
      dbId: db.id,
      name: this.schema.name,
      schema: this.schema,
      shardsNum: this.shards,
      consistencyLevel: this.consistency,
      properties,
      partitions: partitionNames.map((name, i) => ({ id: first + 1 + i, name, createdTs })),
      numPartitions: this.numPartitions,
      indexes,
      ...(indexes.some((i) => i.metricType) ? { vectorMetrics: withIndexMetrics({}, indexes) } : {}),
      createdTs,
      loaded: this.load,
    });
  }

  postExecute(): Status {
    if (!this.exists && this.unindexed.length > 0) {
      // Milvus creates the collection and the given indexes, then fails the load it attempts
      throw new VesperError(
        'UNDEFINED',
        `there is no vector index on field: [${this.unindexed.join(', ')}], please create index firstly: collection ${this.schema.name} was created with the other indexes and is not loaded (create the missing index, then load it)`,
      );
    }
    return SUCCESS;
  }
}
