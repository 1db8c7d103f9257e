/**
 * A scan in primary-key order by keyset paging: each page is a query with `pk > last` added to
 * the filter (a query answers in primary-key order). For readers without an iterator (REST v2)
 * or whose iterator pins a snapshot they cannot take (a replica refuses `snapshot_ts`). Each
 * page reads its own snapshot: a write during the scan may show.
 */
import type { CollectionInfo, Row } from './backend.ts';

/** One page: up to limit rows matching filter, in primary-key order, with these fields. */
export type PageReader = (filter: string, outputFields: readonly string[], limit: number) => Promise<Row[]>;

export async function* keysetScan(info: CollectionInfo, o: { filter: string; outputFields: readonly string[]; batchSize: number }, page: PageReader): AsyncIterable<Row[]> {
  const pk = info.pk;
  // an Int64 key may come back as a string (lossless JSON): it is still compared as a number
  const quoted = info.fields.find((f) => f.primary)?.type === 'VarChar';
  const fields = o.outputFields.includes(pk) ? o.outputFields : [...o.outputFields, pk];
  let last: unknown;
  for (;;) {
    const after = last === undefined ? '' : `${pk} > ${quoted ? JSON.stringify(last) : String(last)}`;
    const filter = [o.filter.trim() && `(${o.filter.trim()})`, after].filter((f) => f !== '').join(' and ');
    const rows = await page(filter, fields, o.batchSize);
    if (rows.length === 0) return;
    last = rows[rows.length - 1]![pk];
    yield rows;
    if (rows.length < o.batchSize) return;
  }
}
