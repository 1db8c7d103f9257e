/**
 * The read pipeline's equivalence scenario, one file run in every runtime: in Node (proxy tasks
 * with a LocalReaderPool), in Chromium (the engine worker with query workers) and in workerd
 * (the Worker's DistributedEngine, ShardLeader and QueryNode DOs). Each runtime hands it a
 * `subject` (its distributed host) and a `reference` (one in-process ProxyNode on memory
 * storage, no readers — itself checked against brute force by the search oracle suites), and
 * the scenario drives both with the same seeded stream of inserts, re-inserts, upserts, deletes
 * by key and by filter, and flushes; after every round the same searches (filter, offset,
 * nq = 2, grouping, range), hybrid search, query, get and count must answer identically. FLAT
 * is exact, so the answers cannot depend on how the rows are split (invariant 6).
 * Answers the list of differences (empty = equivalent); the seed is in each.
 */
import { DataType } from '../../packages/core/src/schema/data-type.ts';
import { Random } from '../../packages/core/src/util/random.ts';

/** One engine call by method name (ProxyNode.handle, DistributedEngine.call, a client's method). */
export type Call = (method: string, request: Record<string, unknown>) => Promise<unknown>;

export interface ReadScenarioOptions {
  readonly collection?: string;
  readonly rounds?: number;
  readonly rowsPerRound?: number;
  readonly shards?: number;
  /** Runs after each round's writes (a runtime waits here for its readers to take the new segments). */
  readonly settle?: () => Promise<void>;
}

const DIM = 8;
const GROUPS = ['a', 'b', 'c', 'd'];

/** Session timestamps differ between hosts (each has its own oracle); everything else must not. */
function comparable(r: unknown): unknown {
  if (r === null || typeof r !== 'object') return r;
  const { session_ts: _s, timestamp: _t, ...rest } = r as Record<string, unknown>;
  return JSON.parse(JSON.stringify(rest, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
}

export async function readScenario(seed: number, subject: Call, reference: Call, o: ReadScenarioOptions = {}): Promise<string[]> {
  const rng = new Random(seed);
  const name = o.collection ?? 'read_scenario';
  const diffs: string[] = [];
  const vec = (): number[] => Array.from({ length: DIM }, () => Math.fround(rng.next() * 2 - 1));
  const schema = {
    collection_name: name,
    shards_num: o.shards ?? 2,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      { name: 'w', data_type: DataType.FloatVector, dim: DIM },
      { name: 'g', data_type: DataType.VarChar, max_length: 8 },
      { name: 'n', data_type: DataType.Int32 },
    ],
    index_params: [
      { field_name: 'v', index_type: 'FLAT', metric_type: 'L2' },
      { field_name: 'w', index_type: 'FLAT', metric_type: 'IP' },
    ],
  };
  const both = async (method: string, req: Record<string, unknown>): Promise<[unknown, unknown]> => {
    // flush names its collections in collection_names (a stray collection_name is refused)
    const r = 'collection_names' in req ? req : { collection_name: name, ...req };
    const [a, b] = await Promise.all([subject(method, r), reference(method, r)]);
    return [comparable(a), comparable(b)];
  };
  let checks = 0;
  let answered = 0;
  const same = async (what: string, method: string, req: Record<string, unknown>): Promise<void> => {
    const [a, b] = await both(method, { consistency_level: 'Strong', ...req });
    checks++;
    const out = (a as { results?: unknown[]; data?: unknown[] } | null)?.results ?? (a as { data?: unknown[] } | null)?.data;
    if (Array.isArray(out) && out.length > 0) answered++;
    const sa = JSON.stringify(a);
    const sb = JSON.stringify(b);
    if (sa !== sb) diffs.push(`seed ${seed}: ${what}: ${method} ${JSON.stringify(req).slice(0, 160)}\n  subject   ${sa.slice(0, 400)}\n  reference ${sb.slice(0, 400)}`);
  };

  await both('createCollection', schema);
  let next = 0;
  const rounds = o.rounds ?? 4;
  for (let round = 0; round < rounds; round++) {
    const rows = Array.from({ length: o.rowsPerRound ?? 120 }, () => {
      const id = rng.next() < 0.15 && next > 0 ? rng.int(next) : next++;
      return { id, v: vec(), w: vec(), g: rng.pick(GROUPS), n: rng.int(50), extra: rng.int(5) };
    });
    await both('insert', { data: rows });
    const up = [...new Map(Array.from({ length: 10 }, () => ({ id: rng.int(next), v: vec(), w: vec(), g: rng.pick(GROUPS), n: rng.int(50) })).map((r) => [r.id, r])).values()];
    await both('upsert', { data: up });
    await both('delete', { ids: Array.from({ length: 5 }, () => rng.int(next)) });
    await both('delete', { filter: `n == ${rng.int(50)} and g == "${rng.pick(GROUPS)}"` });
    if (round % 2 === 1) await both('flush', { collection_names: [name] });
    await o.settle?.();

    const at = `round ${round}`;
    const q1 = vec();
    const q2 = vec();
    await same(at, 'search', { data: [q1], anns_field: 'v', limit: 7, output_fields: ['n', 'g', 'extra'] });
    await same(at, 'search', { data: [q1, q2], anns_field: 'v', limit: 5, offset: 3, filter: 'n < 30 and g != "b"', output_fields: ['n'] });
    await same(at, 'search', { data: [q2], anns_field: 'w', limit: 6, filter: 'n in [{a}, {b}, 7]', filter_params: { a: rng.int(50), b: rng.int(50) } });
    await same(at, 'search', { data: [q1], anns_field: 'v', limit: 3, group_by_field: 'g', group_size: 2, output_fields: ['g'] });
    await same(at, 'search', { data: [q2], anns_field: 'v', limit: 10, params: { radius: 1.5, range_filter: 0.2 } });
    await same(at, 'hybridSearch', {
      search: [
        { data: [q1], anns_field: 'v', limit: 8 },
        { data: [q2], anns_field: 'w', limit: 8, filter: 'n >= 10' },
      ],
      rerank: { strategy: 'rrf', params: { k: 20 } },
      limit: 5,
      output_fields: ['n'],
    });
    await same(at, 'query', { filter: 'n < 8', output_fields: ['n', 'g', 'extra'], limit: 40, offset: 2 });
    await same(at, 'query', { filter: 'g == "c"', output_fields: ['count(*)'] });
    await same(at, 'get', { ids: Array.from({ length: 6 }, () => rng.int(next)), output_fields: ['n', 'v'] });
  }
  // an equivalence of empty answers proves nothing
  if (answered < checks * 0.8) diffs.push(`seed ${seed}: only ${answered} of ${checks} reads answered any row`);
  return diffs;
}
