/**
 * The distributed data path in workerd — the proxy's DistributedEngine, ShardLeader DOs
 * (WAL in SQLite, growing segments, seals to R2) and QueryNode DOs (sealed segments from R2)
 * — answers exactly as one in-process ProxyNode (core on memory storage, itself checked
 * against brute force in the Node suites) given the same seeded stream of inserts,
 * re-inserts, upserts, deletes by key and by filter, flushes and compaction. The test config
 * seals at 150 rows and gives a query node 16 KiB, so shards seal often and spread their
 * sealed segments over several query nodes. Then faults: one shard leader, or one query
 * node, reset mid-stream.
 */
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DataType, ProxyNode, createMemoryStorage, getIndexFactory, initKernels, kernelsReady } from '@vesper/core';
import kernelsModule from '@vesper/core/kernels.wasm';
import { Random } from '../../packages/core/src/util/random.ts';
import { databaseEngine } from '../../packages/edge/src/index.ts';
import { leaderName, queryNodeName, type Begun, type ShardStats } from '../../packages/edge/src/data/types.ts';
import { edgeMethod, unwrap, type EdgeMethod } from '../../packages/edge/src/rpc.ts';
import { randomVector, workerdSeed } from './seeded.ts';

const seed = workerdSeed();
const DIM = 8;
const SHARDS = 3;
const GROUPS = ['a', 'b', 'c', 'd'];

type Req = Record<string, unknown>;
const strip = (r: unknown): unknown => (r && typeof r === 'object' ? { ...(r as object), session_ts: undefined, timestamp: undefined } : r);

async function engines(collection: string) {
  if (!kernelsReady()) await initKernels(kernelsModule);
  const local = await ProxyNode.open(createMemoryStorage(), { indexFactory: getIndexFactory });
  const remote = databaseEngine(env, 'default');
  const schema = {
    collection_name: collection,
    shards_num: SHARDS,
    enable_dynamic_field: true,
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'v', data_type: DataType.FloatVector, dim: DIM },
      { name: 'g', data_type: DataType.VarChar, max_length: 8 },
      { name: 'n', data_type: DataType.Int32 },
    ],
    index_params: [{ field_name: 'v', index_type: 'FLAT', metric_type: 'L2' }],
  };
  await local.handle('createCollection', schema);
  await remote.call('createCollection', schema);
  const both = async (method: string, req: Req) => {
    // flush names its collections in collection_names and takes no collection_name
    const r = method === 'flush' ? req : { collection_name: collection, ...req };
    const [a, b] = await Promise.all([local.handle(method, r), remote.call(edgeMethod(method), r)]);
    return [strip(a), strip(b)] as const;
  };
  return { local, remote, both };
}

describe(`distributed engine = one ProxyNode (seed ${seed})`, () => {
  it('refuses a method name neither core nor the edge answers, with a code, at the engine and at the coordinator DO', async () => {
    for (const name of ['noSuchMethod', 'constructor', 'toString', '$queryWorkerStats']) {
      expect(() => edgeMethod(name)).toThrow(expect.objectContaining({ error: 'UNIMPLEMENTED' }));
      await expect(databaseEngine(env, 'default').call(name as EdgeMethod, {})).rejects.toMatchObject({ error: 'UNIMPLEMENTED' });
      const stub = env.CATALOG.get(env.CATALOG.idFromName('default'));
      expect(await stub.call('default', name, {})).toMatchObject({ ok: false, error: { error: 'UNIMPLEMENTED' } });
    }
  });

  it('agrees after every round of writes, seals and compaction', async () => {
    const rng = new Random(seed);
    const { both, local } = await engines('dist');
    const vec = () => randomVector(rng, DIM);
    let next = 0;
    for (let round = 0; round < 6; round++) {
      const rows = Array.from({ length: 140 }, () => {
        const id = rng.next() < 0.2 && next > 0 ? rng.int(next) : next++;
        return { id, v: vec(), g: rng.pick(GROUPS), n: rng.int(50), extra: rng.int(5) };
      });
      await both('insert', { data: rows });
      const up = [...new Map(Array.from({ length: 12 }, () => ({ id: rng.int(next), v: vec(), g: rng.pick(GROUPS), n: rng.int(50) })).map((r) => [r.id, r])).values()];
      await both('upsert', { data: up });
      const gone = Array.from({ length: 6 }, () => rng.int(next));
      await both('delete', { ids: gone });
      await both('delete', { filter: `n == ${rng.int(50)}` });
      if (round % 2 === 1) await both('flush', { collection_names: ['dist'] });
      if (round === 4) await both('compact', {});

      const ctx = `seed ${seed}, round ${round}`;
      const q = [vec(), vec()];
      for (const s of [
        { data: q[0], limit: 7, filter: 'n > 10', output_fields: ['g', 'n', 'extra'] },
        { data: q, limit: 5, offset: 3, output_fields: ['*'] },
        { data: q[1], limit: 10, group_by_field: 'g', group_size: 2, output_fields: ['g'] },
        { data: q[0], limit: 30, params: { radius: 1.5, range_filter: 0.2 } },
      ]) {
        const [a, b] = await both('search', { consistency_level: 'Strong', ...s });
        expect(b, `${ctx} search ${JSON.stringify(s).slice(0, 60)}`).toEqual(a);
      }
      for (const qr of [
        { filter: 'n < 25', limit: 40, offset: 5, output_fields: ['n', 'g', 'extra'] },
        { filter: 'g in ["a", "c"]', output_fields: ['count(*)'] },
        { output_fields: ['count(*)'] },
      ]) {
        const [a, b] = await both('query', { consistency_level: 'Strong', ...qr });
        expect(b, `${ctx} query ${JSON.stringify(qr)}`).toEqual(a);
      }
      const [ga, gb] = await both('get', { ids: [0, 1, 2, 3, 5, 8, 13, 21, 34], output_fields: ['v', 'n'], consistency_level: 'Strong' });
      expect(gb, ctx).toEqual(ga);
      const [ha, hb] = await both('hybridSearch', {
        consistency_level: 'Strong',
        data: [
          { anns_field: 'v', data: q[0], limit: 15 },
          { anns_field: 'v', data: q[1], limit: 15, filter: 'n >= 20' },
        ],
        rerank: { strategy: 'rrf' },
        limit: 8,
        output_fields: ['n'],
      });
      expect(hb, ctx).toEqual(ha);
      const [sa, sb] = await both('getCollectionStatistics', {});
      expect(sb, ctx).toEqual(sa);
    }
    await local.close();

    // The topology was really used: sealed segments on several query nodes of a shard.
    const info = (await databaseEngine(env, 'default').call('describeCollection', { collection_name: 'dist' })) as { collectionID: string };
    const id = Number(info.collectionID);
    let nodes = 0;
    let held = 0;
    for (let s = 0; s < SHARDS; s++) {
      for (let k = 0; k < 8; k++) {
        const h = await env.QUERY_NODE.get(env.QUERY_NODE.idFromName(queryNodeName('default', id, s, k))).held();
        if (h.segments.length > 0) nodes++;
        held += h.rows;
      }
    }
    expect(nodes, `seed ${seed}: query nodes holding segments`).toBeGreaterThan(SHARDS);
    expect(held, `seed ${seed}`).toBeGreaterThan(0);
    // ...and the leaders hold only the keys of their sealed segments (the rows are on the nodes)
    const { info: catalogEntry } = unwrap(await env.CATALOG.get(env.CATALOG.idFromName('default')).begin('default', 'dist', {})) as Begun;
    for (let s = 0; s < SHARDS; s++) {
      const leader = env.SHARD_LEADER.get(env.SHARD_LEADER.idFromName(leaderName('default', id, s)));
      const st = unwrap(await leader.stats({ db: 'default', info: catalogEntry }, s)) as ShardStats;
      expect(st.segmentIds.length, `seed ${seed}, shard ${s}`).toBeGreaterThan(0);
      expect(st.sealedColumnsHeld, `seed ${seed}, shard ${s}: one key column per sealed segment`).toBe(st.segmentIds.length);
    }
  });

  it('loses no acknowledged write when one shard leader is reset mid-burst, and a reset query node reloads', async () => {
    const rng = new Random(seed + 1);
    const engine = databaseEngine(env, 'default');
    await engine.call('createCollection', { collection_name: 'lfault', dimension: DIM, shards_num: SHARDS });
    const info = (await engine.call('describeCollection', { collection_name: 'lfault' })) as { collectionID: string };
    const id = Number(info.collectionID);
    const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 60 }, (_, i) => ({ id: b * 1000 + i, vector: randomVector(rng, DIM) })));
    const sent = batches.map((rows) =>
      engine.call('insert', { collection_name: 'lfault', data: rows }).then(
        () => true,
        (e: unknown) => {
          expect([2, 5, 65535], String(e)).toContain((e as { code: number }).code);
          return false;
        },
      ),
    );
    await sent[2];
    const leader = env.SHARD_LEADER.get(env.SHARD_LEADER.idFromName(leaderName('default', id, 1)));
    await runInDurableObject(leader, (_i, state) => state.abort('test: reset shard leader 1')).catch(() => undefined);
    const acked = (await Promise.all(sent)).flatMap((ok, i) => (ok ? batches[i]! : []));
    expect(acked.length).toBeGreaterThan(0);
    const ids = async () =>
      new Set((await engine.call('query', { collection_name: 'lfault', filter: 'id >= 0', limit: 16384, consistency_level: 'Strong' })).data.map((r) => Number(r['id'])));
    const after = await ids();
    for (const r of acked) expect(after.has(r.id), `seed ${seed}: acknowledged id ${r.id} lost`).toBe(true);

    // Seal everything, then reset a query node of each shard: searches give the same answers.
    await engine.call('flush', { collection_names: ['lfault'] });
    const probes = acked.filter((_, i) => i % 53 === 0);
    const top1 = async () => {
      const out: string[] = [];
      for (const p of probes) {
        const r = (await engine.call('search', { collection_name: 'lfault', data: p.vector, limit: 1, consistency_level: 'Strong' })) as { results: { id: string }[] };
        out.push(r.results[0]!.id);
      }
      return out;
    };
    const before = await top1();
    expect(before).toEqual(probes.map((p) => String(p.id)));
    for (let s = 0; s < SHARDS; s++) {
      const node = env.QUERY_NODE.get(env.QUERY_NODE.idFromName(queryNodeName('default', id, s, 0)));
      await runInDurableObject(node, (_i, state) => state.abort('test: reset query node')).catch(() => undefined);
    }
    expect(await top1()).toEqual(before);
    expect(await ids()).toEqual(after);
  });

  it('query nodes are fed their share by version: whole once, then the version alone; again after a reset or a schema change', async () => {
    const rng = new Random(seed + 5);
    const engine = databaseEngine(env, 'default');
    await engine.call('createCollection', { collection_name: 'feed', dimension: DIM, shards_num: 1 });
    const rows = Array.from({ length: 600 }, (_, i) => ({ id: i, vector: randomVector(rng, DIM) }));
    for (let b = 0; b < rows.length; b += 100) await engine.call('insert', { collection_name: 'feed', data: rows.slice(b, b + 100) });
    await engine.call('flush', { collection_names: ['feed'] });
    const stats = async (): Promise<ShardStats> => {
      const { info } = unwrap(await env.CATALOG.get(env.CATALOG.idFromName('default')).begin('default', 'feed', {})) as Begun;
      return unwrap(await env.SHARD_LEADER.get(env.SHARD_LEADER.idFromName(leaderName('default', info.id, 0))).stats({ db: 'default', info }, 0)) as ShardStats;
    };
    const probes = rows.filter((_, i) => i % 41 === 0);
    // each probe is a stored vector: its own row is its nearest
    const searchAll = async () => {
      for (const p of probes) {
        const r = await engine.call('search', { collection_name: 'feed', data: p.vector, limit: 1, consistency_level: 'Strong' });
        expect((r.results as { id: unknown }[])[0]!.id, `seed ${seed}`).toBe(String(p.id));
      }
    };
    const count = async () => Number((await engine.call('query', { collection_name: 'feed', filter: 'id >= 0', output_fields: ['count(*)'], consistency_level: 'Strong' })).data[0]!['count(*)']);
    await searchAll();
    const warm = await stats();
    const nodes = warm.queryNodes;
    expect(nodes, `seed ${seed}: several query nodes`).toBeGreaterThan(1);
    await searchAll();
    const steady = await stats();
    expect(steady.nodeFeeds.calls - warm.nodeFeeds.calls).toBe(probes.length * nodes);
    expect(steady.nodeFeeds.fullFeeds - warm.nodeFeeds.fullFeeds, `seed ${seed}: nothing changed, no share resent`).toBe(0);
    const wouldBe = (steady.nodeFeeds.wouldBeBytes - warm.nodeFeeds.wouldBeBytes) / (steady.nodeFeeds.calls - warm.nodeFeeds.calls);
    console.log(`query node feed (seed ${seed}, ${nodes} nodes): ${wouldBe.toFixed(0)} B of share per call when sent whole every time; ${steady.nodeFeeds.sharedBytes - warm.nodeFeeds.sharedBytes} B over ${steady.nodeFeeds.calls - warm.nodeFeeds.calls} calls now`);

    // a reset node holds nothing: it answers stale once and is sent its share whole
    const { info } = unwrap(await env.CATALOG.get(env.CATALOG.idFromName('default')).begin('default', 'feed', {})) as Begun;
    const node0 = env.QUERY_NODE.get(env.QUERY_NODE.idFromName(queryNodeName('default', info.id, 0, 0)));
    await runInDurableObject(node0, (_i, state) => state.abort('test: reset query node')).catch(() => undefined);
    await searchAll();
    const reset = await stats();
    expect(reset.nodeFeeds.fullFeeds - steady.nodeFeeds.fullFeeds, `seed ${seed}: only the reset node was resent its share`).toBe(1);
    // a fresh stub: the one that reset the node is broken
    expect((await env.QUERY_NODE.get(env.QUERY_NODE.idFromName(queryNodeName('default', info.id, 0, 0))).held()).fullFeeds).toBe(1);

    // a schema change reaches every node (each share is sent whole once more); deletes by filter ask the nodes too
    await engine.call('addCollectionField', { collection_name: 'feed', field: { name: 'extra', data_type: DataType.Int32, nullable: true } });
    await searchAll();
    const altered = await stats();
    expect(altered.nodeFeeds.fullFeeds - reset.nodeFeeds.fullFeeds, `seed ${seed}`).toBe(nodes);
    await engine.call('delete', { collection_name: 'feed', filter: 'id < 100' });
    expect(await count()).toBe(500);
    // a flush writes delete logs: the changed shares are sent again, the answers follow
    await engine.call('flush', { collection_names: ['feed'] });
    expect(await count()).toBe(500);
    const hit = await engine.call('search', { collection_name: 'feed', data: rows[0]!.vector, limit: 1, filter: 'id < 100', consistency_level: 'Strong' });
    expect(hit.results, `seed ${seed}: deleted rows are gone from every node`).toEqual([]);
  });

  it('compaction collects replaced files once they are older than the grace period, and answers stay the same', async () => {
    const rng = new Random(seed + 3);
    const engine = databaseEngine(env, 'default');
    await engine.call('createCollection', { collection_name: 'gc', dimension: DIM, shards_num: SHARDS });
    const { info } = unwrap(await env.CATALOG.get(env.CATALOG.idFromName('default')).begin('default', 'gc', {})) as Begun;
    const rows = Array.from({ length: 600 }, (_, i) => ({ id: i, vector: randomVector(rng, DIM) }));
    for (let b = 0; b < 600; b += 100) await engine.call('insert', { collection_name: 'gc', data: rows.slice(b, b + 100) });
    await engine.call('flush', { collection_names: ['gc'] });
    await engine.call('delete', { collection_name: 'gc', filter: 'id % 3 == 0' });
    await engine.call('flush', { collection_names: ['gc'] });
    const prefix = `db/default/c${info.id}/`;
    const stored = async () => {
      const out: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await env.BUCKET.list({ prefix, ...(cursor ? { cursor } : {}) });
        out.push(...page.objects.map((o) => o.key.slice(prefix.length)));
        cursor = page.truncated ? page.cursor : undefined;
      } while (cursor);
      return out;
    };
    /** Files the two newest manifests reference (what GC keeps), and the manifests. */
    const referenced = async () => {
      const manifests = (await stored()).filter((k) => k.startsWith('manifest/')).sort().slice(0, 2);
      const keep = new Set(manifests.map((k) => `c${info.id}/${k}`));
      for (const k of manifests) {
        const man = (await (await env.BUCKET.get(prefix + k))!.json()) as { segments: { insertLog: string; deltaLogs: string[]; indexes: { key: string }[] }[] };
        for (const r of man.segments) [r.insertLog, ...r.deltaLogs, ...r.indexes.map((i) => i.key)].forEach((x) => keep.add(x));
      }
      return keep;
    };
    const count = async () => Number((await engine.call('query', { collection_name: 'gc', filter: 'id >= 0', output_fields: ['count(*)'], consistency_level: 'Strong' })).data[0]!['count(*)']);
    expect(await count()).toBe(400);
    await engine.call('compact', { collection_name: 'gc' });
    // fresh garbage is younger than the grace period: kept
    const keep1 = await referenced();
    const unreferenced = (await stored()).filter((k) => !k.startsWith('manifest/') && !keep1.has(`c${info.id}/${k}`));
    expect(unreferenced.length, `seed ${seed}: compaction replaced files`).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1_600));
    await engine.call('compact', { collection_name: 'gc' });
    const keep2 = await referenced();
    const after = await stored();
    expect(after.filter((k) => !k.startsWith('manifest/') && !keep2.has(`c${info.id}/${k}`)), `seed ${seed}`).toEqual([]);
    for (const k of keep2) if (!k.includes('/manifest/')) expect(after, `seed ${seed}: referenced ${k}`).toContain(k.slice(`c${info.id}/`.length));
    expect(await count()).toBe(400);
    const probe = rows[1]!;
    const hit = (await engine.call('search', { collection_name: 'gc', data: probe.vector, limit: 1, consistency_level: 'Strong' })) as { results: { id: string }[] };
    expect(hit.results[0]!.id).toBe(String(probe.id));
  });
});

