/**
 * Upsert (Milvus's upsertTask): replaces rows by primary key. Each shard's part is one WAL
 * record whose delete of the keys (in every partition) and insert apply at one timestamp,
 * so readers see either the old rows or the new ones, never both or neither. Keys must be
 * given (also for auto_id collections) and may not repeat within the batch.
 */
import { VesperError } from '../../errors/index.ts';
import { InsertTask } from './insert-task.ts';

export class UpsertTask extends InsertTask {
  override readonly name = 'Upsert';
  protected override readonly upsert = true;

  protected override checkKeys(): void {
    const seen = new Set<bigint | string>();
    for (const pk of this.pks) {
      if (seen.has(pk)) {
        throw new VesperError('CHECK_PRIMARY_KEY', `duplicate primary keys are not allowed in the same batch: ${pk.toString()}`);
      }
      seen.add(pk);
    }
  }
}
