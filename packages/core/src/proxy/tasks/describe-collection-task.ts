/** DescribeCollection: schema, ids, shards, aliases, properties, in the SDK's shape. */
import { physicalMs } from '../../catalog/tso.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS } from '../task.ts';
import { channelNames, keyValuePairs, renderFunctions, renderSchema } from '../render.ts';

export interface DescribeCollectionRequest {
  db_name?: string;
  collection_name: string;
}

export function describeCollection(info: CollectionInfo, dbName: string, aliases: string[]): Record<string, unknown> {
  return {
    status: SUCCESS,
    schema: renderSchema(info.schema),
    collectionID: String(info.id),
    collection_name: info.name,
    db_name: dbName,
    created_timestamp: info.createdTs,
    created_utc_timestamp: String(physicalMs(BigInt(info.createdTs))),
    shards_num: info.shardsNum,
    num_partitions: String(info.numPartitions || info.partitions.length),
    aliases,
    consistency_level: info.consistencyLevel,
    properties: keyValuePairs(info.properties),
    virtual_channel_names: channelNames(info),
    physical_channel_names: channelNames(info),
    start_positions: [],
    functions: renderFunctions(info.schema),
    loaded: info.loaded,
    // schema changes since create (addCollectionField); absent while there were none
    ...(info.schemaVersion ? { schema_version: info.schemaVersion } : {}),
  };
}

export class DescribeCollectionTask extends Task<DescribeCollectionRequest, Record<string, unknown>> {
  readonly name = 'DescribeCollection';
  readonly queue = 'dql' as const;
  private info!: CollectionInfo;

  async execute(): Promise<void> {
    this.info = this.ctx.collection(this.req);
  }

  postExecute(): Record<string, unknown> {
    const db = this.ctx.dbName(this.req);
    return describeCollection(this.info, db, this.ctx.catalog.listAliases(db, this.info.id));
  }
}
