/**
 * The in-process half of the fuzz campaign: the same hostile values thrown at `VesperClient`
 * (memory storage) method by method. Every failure must be a VesperError with a code other
 * than 5 (unexpected); a reference collection's count and checksum must not change.
 */
import { VesperClient, VesperError } from '../../packages/core/src/index.ts';
import { Random } from '../../packages/core/src/util/random.ts';
import { randomFilter } from '../expr/random-filter.ts';
import { randomValue } from './generators.ts';

export interface ClientFuzzResult {
  readonly sent: number;
  readonly failures: string[];
}

type Method = (req: unknown) => Promise<unknown>;
const METHODS = ['insert', 'upsert', 'delete', 'search', 'query', 'get', 'hasCollection', 'describeCollection', 'createCollection', 'createPartition', 'createIndex', 'loadCollection', 'releaseCollection', 'getCollectionStatistics'];

async function state(c: VesperClient): Promise<string> {
  const q = (await (c as unknown as Record<string, Method>)['query']!({ collection_name: 'ref', filter: 'id >= 0', output_fields: ['id', 'n'], limit: 16384, consistency_level: 'Strong' })) as { data: { id: unknown; n: number }[] };
  let sum = 0;
  for (const row of q.data) sum = (sum + Number(row.id) * 31 + row.n) % 1_000_000_007;
  return `${q.data.length}:${sum}`;
}

export async function runClientFuzz(seed: number, requests: number, seconds: number): Promise<ClientFuzzResult> {
  const r = new Random(seed ^ 0xc11e);
  const c = await VesperClient.open({ storage: 'memory://' });
  const api = c as unknown as Record<string, Method>;
  const failures: string[] = [];
  const deadline = Date.now() + seconds * 1000;
  let sent = 0;
  try {
    for (const name of ['ref', 'fz']) await api['createCollection']!({ collection_name: name, dimension: 4, enable_dynamic_field: true });
    await api['insert']!({ collection_name: 'ref', data: Array.from({ length: 100 }, (_, i) => ({ id: i, vector: [r.next(), r.next(), r.next(), r.next()], n: r.range(-9, 9) })) });
    const before = await state(c);
    while (sent < requests && Date.now() < deadline) {
      sent++;
      const method = r.pick(METHODS);
      const readOnly = ['search', 'query', 'get', 'hasCollection', 'describeCollection', 'getCollectionStatistics'].includes(method);
      const f = randomFilter(r, 1 + r.int(3));
      const req: Record<string, unknown> = {
        collection_name: r.pick(readOnly ? ['ref', 'fz', 'nope'] : ['fz', 'nope', 'fz2']),
        filter: r.bool(0.8) ? f.expr : randomValue(r),
        ...(r.bool(0.5) ? { filter_params: f.params } : {}),
        data: r.bool(0.7) ? Array.from({ length: 1 + r.int(5) }, () => ({ id: r.range(-9, 500), vector: r.bool(0.9) ? [r.next(), r.next(), r.next(), r.next()] : randomValue(r), n: r.bool(0.9) ? r.range(-9, 9) : randomValue(r) })) : randomValue(r),
        limit: r.pick([1, 10, 0, -1, 16385, NaN, Infinity]),
        output_fields: r.pick([['*'], ['n'], ['count(*)'], randomValue(r)]),
        ids: r.bool(0.5) ? [r.range(-5, 50)] : randomValue(r),
        dimension: r.pick([4, 0, -1, NaN]),
        partition_name: r.pick(['_default', 'p1', '__proto__']),
        field_name: 'vector',
        index_type: r.pick(['FLAT', 'HNSW', 'nope']),
        metric_type: r.pick(['L2', 'IP', 'COSINE', 'nope']),
      };
      for (const k of Object.keys(req)) if (k !== 'collection_name' && r.bool(0.3)) delete req[k];
      if (r.bool(0.1)) req[r.pick(['__proto__', 'constructor', 'toString'])] = randomValue(r);
      try {
        await api[method]!(req);
      } catch (e) {
        if (!VesperError.is(e)) failures.push(`${method}: not a VesperError: ${String(e).slice(0, 200)}`);
        else if (e.code === 5) failures.push(`${method}: code 5: ${e.message.slice(0, 200)}`);
      }
    }
    const after = await state(c);
    if (after !== before) failures.push(`reference collection changed: ${before} → ${after}`);
  } finally {
    await c.close();
  }
  return { sent, failures };
}
