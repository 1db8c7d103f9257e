/**
 * RestoreRows (Vesper-only; the write half of `importCollection`, storage/collection-dump.ts):
 * an insert whose rows bring their own primary keys even when the key is auto_id, so an
 * imported collection keeps the keys of the exported one. Every row must carry its key. After
 * the write, the id allocator is moved past the largest numeric key restored, so later
 * auto_id inserts never hand one of those keys out again.
 */
import { VesperError } from '../../errors/index.ts';
import { primaryField } from '../../schema/types.ts';
import { InsertTask } from './insert-task.ts';

export class RestoreRowsTask extends InsertTask {
  override readonly name = 'RestoreRows';
  protected override readonly keepKeys = true;

  override async preExecute(): Promise<void> {
    const rows = this.req.data ?? this.req.fields_data;
    const info = this.ctx.collection(this.req);
    const pk = primaryField(info.schema);
    if (Array.isArray(rows) && pk.autoID) {
      rows.forEach((row, i) => {
        const v = (row as Record<string, unknown>)[pk.name];
        if (v === undefined || v === null) throw new VesperError('CHECK_PRIMARY_KEY', `row ${i}: restoreRows needs every row's primary key ${pk.name}`);
      });
    }
    await super.preExecute();
  }

  override async execute(): Promise<void> {
    const pk = primaryField(this.info.schema);
    if (pk.autoID) {
      let max = -1;
      for (const k of this.pks) {
        const n = typeof k === 'bigint' ? k : /^\d{1,16}$/.test(k) ? BigInt(k) : -1n;
        // the allocator hands out safe integers only: larger keys can never collide with one
        if (n <= BigInt(Number.MAX_SAFE_INTEGER) && n > BigInt(max)) max = Number(n);
      }
      if (max >= 0) await this.ctx.autoIds.advancePast(max);
    }
    await super.execute();
  }
}
