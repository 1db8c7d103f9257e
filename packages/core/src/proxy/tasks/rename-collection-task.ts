/** RenameCollection: new name (and optionally a new database); aliases stay in the old database only if it does not move. */
import { VesperError } from '../../errors/index.ts';
import { validateName } from '../../schema/validate.ts';
import type { CollectionInfo } from '../../catalog/types.ts';
import { Task, SUCCESS, type Status } from '../task.ts';

export interface RenameCollectionRequest {
  db_name?: string;
  collection_name: string;
  new_collection_name: string;
  new_db_name?: string;
}

export class RenameCollectionTask extends Task<RenameCollectionRequest, Status> {
  readonly name = 'RenameCollection';
  readonly queue = 'ddl' as const;
  private next!: CollectionInfo;

  override async preExecute(): Promise<void> {
    const { catalog } = this.ctx;
    const db = this.ctx.dbName(this.req);
    const cur = catalog.listCollections(db).find((c) => c.name === this.req.collection_name);
    if (!cur) throw new VesperError('COLLECTION_NOT_FOUND', `can't find collection[database=${db}][collection=${this.req.collection_name}]`);
    const newName = validateName(this.req.new_collection_name, 'collection');
    const newDb = this.req.new_db_name ? this.req.new_db_name : db;
    const target = catalog.database(newDb);
    if (catalog.findCollection(newDb, newName)) {
      throw new VesperError('PARAMETER_INVALID', `duplicated new collection name ${newName} in database ${newDb}`);
    }
    this.next = { ...cur, name: newName, dbId: target.id, schema: { ...cur.schema, name: newName } };
  }

  async execute(): Promise<void> {
    await this.ctx.catalog.updateCollection(this.next);
  }

  postExecute(): Status {
    return SUCCESS;
  }
}
