/**
 * queryIterator (the Milvus SDK's query iterator): the rows matching a filter, in primary-key
 * order, `batchSize` at a time, up to `limit` — past the 16,384-row window of one query. Every
 * batch reads the snapshot the first one read (`snapshot_ts`), so writes made while iterating
 * neither appear nor shift the pages; each batch continues after the last key returned (a
 * `pk > last` condition added to the filter as a template value, so the key needs no quoting).
 */
import { VesperError } from '../errors/index.ts';
import type { QueryRequest, QueryResponse } from '../proxy/tasks/query-task.ts';
import { REQUEST_LIMITS } from '../proxy/request-limits.ts';
import { showValue } from '../util/show-value.ts';

export interface QueryIteratorRequest extends Omit<QueryRequest, 'ids' | 'offset' | 'limit' | 'snapshot_ts'> {
  /** Rows per batch, 1..16384. */
  batchSize: number;
  /** Rows in all (absent or -1: every matching row). */
  limit?: number;
}

const LAST_KEY = 'vesper_iterator_last_pk';

/** The batches of a query iterator, pulled from `query` (the client's query call). */
export function queryIterator(
  req: QueryIteratorRequest,
  describe: () => Promise<{ pk: string; int64: boolean }>,
  query: (r: QueryRequest) => Promise<QueryResponse>,
): AsyncIterable<Record<string, unknown>[]> {
  const { batchSize, limit, expr, ...rest } = req;
  const max = REQUEST_LIMITS.maxQueryResultWindow;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > max) throw new VesperError('PARAMETER_INVALID', `batchSize should be an integer in range [1, ${max}], got ${showValue(batchSize)}`);
  if (limit !== undefined && limit !== -1 && !(Number.isInteger(limit) && limit >= 0)) throw new VesperError('PARAMETER_INVALID', `limit of a query iterator should be -1 or a non-negative integer, got ${showValue(limit)}`);
  const fields = rest.output_fields;
  if (fields?.some((f) => f.trim().toLowerCase() === 'count(*)')) throw new VesperError('PARAMETER_INVALID', 'count(*) cannot be iterated: use count()');
  const given: unknown = rest.filter ?? expr ?? '';
  if (typeof given !== 'string') throw new VesperError('PARAMETER_INVALID', 'filter must be a string');
  const userFilter = given.trim();
  if (rest.filter_params !== undefined && (rest.filter_params === null || typeof rest.filter_params !== 'object')) throw new VesperError('PARAMETER_INVALID', 'filter_params must be an object');
  return {
    async *[Symbol.asyncIterator]() {
      const { pk, int64 } = await describe();
      let left = limit === undefined || limit === -1 ? Infinity : limit;
      let last: unknown;
      let snapshot: string | undefined;
      while (left > 0) {
        const size = Math.min(batchSize, left);
        const after = last === undefined ? '' : `${pk} > {${LAST_KEY}}`;
        const filter = [userFilter && `(${userFilter})`, after].filter((f) => f !== '').join(' && ');
        const params = { ...((rest.filter_params as Record<string, unknown> | undefined) ?? {}), ...(last === undefined ? {} : { [LAST_KEY]: last }) };
        const res = await query({
          ...rest,
          filter,
          ...(Object.keys(params).length > 0 ? { filter_params: params } : {}),
          limit: size,
          ...(fields !== undefined && fields.length > 0 && !fields.includes(pk) ? { output_fields: [...fields, pk] } : {}),
          ...(snapshot !== undefined ? { snapshot_ts: snapshot } : {}),
        });
        snapshot ??= res.session_ts;
        if (res.data.length === 0) return;
        const key = res.data[res.data.length - 1]![pk];
        last = int64 ? BigInt(key as string) : key;
        left -= res.data.length;
        yield res.data;
        if (res.data.length < size) return;
      }
    },
  };
}
