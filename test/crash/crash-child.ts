/**
 * The workload side of a crash trial (crash-trials.ts kills it with SIGKILL at a random
 * moment): opens a file database, then runs a seeded stream of inserts, upserts, deletes,
 * flushes, compactions and index rebuilds (FLAT, so search stays exact) on one single-shard
 * collection. Before each write
 * it prints `B <json>` (the batch it is about to send: version, keys, kind) and after the
 * call returns `A <version>` — an acknowledged batch. Writes go through the public client of
 * `@vesper/core/node`, exactly as an application's would.
 *
 * Usage: node --import tsx test/crash/crash-child.ts <dir> <seed>
 */
import { DataType, Random } from '@vesper/core';
import { openDatabase } from '@vesper/core/node';

const [dir, seedText] = process.argv.slice(2);
const rng = new Random(Number(seedText));
const say = (line: string): void => void process.stdout.write(line + '\n');
// Small segments: flushes, compactions and index builds happen within a second of work.
const policy = { maxRows: 80, maxBytes: 1 << 30, maxAgeMs: 1 << 30, compactBelowRows: 120, compactDeletedRatio: 0.1 };

const db = await openDatabase({ path: dir!, sealPolicy: policy, onBackgroundError: () => undefined });
await db.createCollection({
  collection_name: 'c',
  fields: [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true },
    { name: 'vector', data_type: DataType.FloatVector, dim: 4 },
    { name: 'ver', data_type: DataType.Int64 },
  ],
  index_params: [{ field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' }],
});
say('READY');
const live = new Set<number>();
let next = 0;
for (let version = 1; ; version++) {
  const op = rng.next();
  const vec = (id: number): number[] => [id % 97, version % 89, rng.next(), rng.next()];
  if (op < 0.45 || live.size < 5) {
    const pks = Array.from({ length: rng.range(1, 40) }, () => next++);
    say(`B ${JSON.stringify({ version, kind: 'insert', pks })}`);
    await db.insert({ collection_name: 'c', data: pks.map((id) => ({ id, vector: vec(id), ver: version })) });
    for (const k of pks) live.add(k);
  } else if (op < 0.65) {
    const pks = [...new Set(Array.from({ length: rng.range(1, 10) }, () => rng.pick([...live])))];
    say(`B ${JSON.stringify({ version, kind: 'upsert', pks })}`);
    await db.upsert({ collection_name: 'c', data: pks.map((id) => ({ id, vector: vec(id), ver: version })) });
  } else if (op < 0.85) {
    const pks = [...new Set(Array.from({ length: rng.range(1, 8) }, () => rng.pick([...live])))];
    say(`B ${JSON.stringify({ version, kind: 'delete', pks })}`);
    if (rng.bool()) await db.delete({ collection_name: 'c', ids: pks });
    else await db.delete({ collection_name: 'c', filter: `id in [${pks.join(',')}]` });
    for (const k of pks) live.delete(k);
  } else if (op < 0.93) {
    say(`B ${JSON.stringify({ version, kind: 'flush', pks: [] })}`);
    await db.flush({ collection_names: ['c'] });
  } else if (op < 0.98) {
    say(`B ${JSON.stringify({ version, kind: 'compact', pks: [] })}`);
    await db.compact({ collection_name: 'c' });
  } else {
    // an index rebuild: release, drop, create, load (the crash may land between any two)
    say(`B ${JSON.stringify({ version, kind: 'reindex', pks: [] })}`);
    await db.releaseCollection({ collection_name: 'c' });
    await db.dropIndex({ collection_name: 'c', field_name: 'vector' });
    await db.createIndex({ collection_name: 'c', field_name: 'vector', index_type: 'FLAT', metric_type: 'L2' });
    await db.loadCollection({ collection_name: 'c' });
  }
  say(`A ${version}`);
}
