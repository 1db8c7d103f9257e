/**
 * Upsert (Milvus's upsertTask): replaces rows by primary key. Each shard's part is one WAL
 * record whose delete of the keys (in every partition) and insert apply at one timestamp,
 * so readers see either the old rows or the new ones, never both or neither. Keys must be
 * given (also for auto_id collections); a key the batch repeats keeps its last row, as in an
 * insert (write-routing.ts).
 */
import { InsertTask } from './insert-task.ts';

export class UpsertTask extends InsertTask {
  override readonly name = 'Upsert';
  protected override readonly upsert = true;
}
