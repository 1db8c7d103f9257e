/**
 * Manifest versions have one writer: several shard leaders commit to one collection's manifest
 * chain, each version a create-only put through the database's CatalogCoordinator (one at a
 * time per directory). Of racers for a version exactly one writes, and what is stored is the
 * winner's bytes; and a version at or below the newest is refused even when garbage collection
 * has deleted it — a shard leader with a stale view once re-created a collected version below
 * the head, believed its compaction committed, and deleted rows came back
 * (test/workerd/replica-random.test.ts found it).
 */
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { unwrap } from '../../packages/edge/src/rpc.ts';

describe('create-once puts through the catalog coordinator', () => {
  it('lets exactly one of concurrent writers create a key, and keeps its bytes', async () => {
    const coord = env.CATALOG.get(env.CATALOG.idFromName('default'));
    for (let round = 0; round < 20; round++) {
      const key = `db/default/c999/manifest/${String(1000 - round).padStart(16, '0')}.json`; // versions count down in keys
      const bodies = Array.from({ length: 6 }, (_, i) => new TextEncoder().encode(`{"round":${round},"writer":${i}}`));
      const won = await Promise.all(bodies.map(async (b) => unwrap(await coord.createOnce(key, b)) as boolean));
      expect(won.filter(Boolean), `round ${round}`).toHaveLength(1);
      const stored = await (await env.BUCKET.get(key))!.text();
      expect(stored).toBe(new TextDecoder().decode(bodies[won.indexOf(true)]!));
      // a later writer of the same version loses too
      expect(unwrap(await coord.createOnce(key, bodies[0]!))).toBe(false);
    }
  });

  it('refuses a version below the newest, even once garbage collection deleted it', async () => {
    const coord = env.CATALOG.get(env.CATALOG.idFromName('default'));
    // versions count down in keys: ...0010 is version 10 below ...0008
    const at = (v: number) => `db/default/c998/manifest/${String(1000 - v).padStart(16, '0')}.json`;
    const put = async (v: number) => unwrap(await coord.createOnce(at(v), new TextEncoder().encode(`{"version":${v}}`))) as boolean;
    for (const v of [1, 2, 3, 4]) expect(await put(v)).toBe(true);
    await env.BUCKET.delete([at(1), at(2)]); // collected: only the newest two are kept
    expect(await put(2)).toBe(false);
    expect(await put(4)).toBe(false);
    expect(await env.BUCKET.head(at(2))).toBeNull();
    expect(await put(5)).toBe(true);
  });
});
