/** ShowCollections / ListCollections: the database's collections with ids and load state. */
import { Task, SUCCESS, type Status } from '../task.ts';

export interface ShowCollectionsRequest {
  db_name?: string;
  collection_names?: string[];
}

export interface CollectionEntry {
  name: string;
  id: string;
  timestamp: string;
  loadedPercentage: string;
}

export class ShowCollectionsTask extends Task<ShowCollectionsRequest, { status: Status; data: CollectionEntry[]; collection_names: string[] }> {
  readonly name = 'ShowCollections';
  readonly queue = 'dql' as const;
  private data: CollectionEntry[] = [];

  async execute(): Promise<void> {
    const wanted = this.req.collection_names;
    this.data = this.ctx.catalog
      .listCollections(this.ctx.dbName(this.req))
      .filter((c) => !wanted || wanted.length === 0 || wanted.includes(c.name))
      .map((c) => ({ name: c.name, id: String(c.id), timestamp: c.createdTs, loadedPercentage: c.loaded ? '100' : '0' }));
  }

  postExecute(): { status: Status; data: CollectionEntry[]; collection_names: string[] } {
    return { status: SUCCESS, data: this.data, collection_names: this.data.map((d) => d.name) };
  }
}
