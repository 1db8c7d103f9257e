/**
 * Every engine method refuses a request key it does not read (1100 naming the key) before
 * anything runs, and the client's per-call `timeout` answers TIMEOUT (10001) when the call has
 * not answered in time. The nested option bags are covered by the shared semantics scenario
 * (test/read/semantics-scenario.ts, Node and Chromium).
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStorage } from '../adapters/memory-storage.ts';
import { VesperClient } from '../client/vesper-client.ts';
import { LocalTransport, type Transport } from '../client/transport.ts';
import type { VesperError } from '../errors/index.ts';
import { PROXY_METHODS } from './engine-api.ts';
import { ProxyNode } from './proxy-node.ts';

async function open(): Promise<{ proxy: ProxyNode; db: VesperClient }> {
  const proxy = await ProxyNode.open(createMemoryStorage(), {});
  const db = new VesperClient(new LocalTransport(proxy));
  await db.createCollection({ collection_name: 'c', dimension: 2 });
  await db.insert({ collection_name: 'c', data: [{ id: 1, vector: [1, 0] }] });
  return { proxy, db };
}

async function codeOf(p: Promise<unknown>): Promise<VesperError> {
  try {
    await p;
  } catch (e) {
    return e as VesperError;
  }
  throw new Error('resolved, want an error');
}

describe('request keys', () => {
  it('every method refuses a key it does not read, naming it, and changes nothing', async () => {
    const { proxy, db } = await open();
    for (const method of PROXY_METHODS) {
      const e = await codeOf(proxy.handle(method, { zz_not_an_option: 1, collection_name: 'c', db_name: 'default' } as never));
      expect(e.code, method).toBe(1100);
      expect(e.message, method).toContain('zz_not_an_option');
      expect(e.message, method).toContain(method);
    }
    expect((await db.hasCollection({ collection_name: 'c' })).value).toBe(true);
    const rows = await db.query({ collection_name: 'c', filter: '', output_fields: ['count(*)'], consistency_level: 'Strong' });
    expect(rows.data[0]!['count(*)']).toBe(1);
    await db.close();
  });

  it('a key set to undefined is no option (what object spreads leave behind)', async () => {
    const { db } = await open();
    const res = await db.query({ collection_name: 'c', filter: 'id == 1', output_fields: ['id'], consistency_level: 'Strong', ...({ hints: undefined } as object) });
    expect(res.data.map((r) => Number(r['id']))).toEqual([1]);
    await db.close();
  });

  it('SDK options Vesper does not implement say why', async () => {
    const { db } = await open();
    const call = (req: object) => codeOf(db.loadCollection(req as never));
    expect((await call({ collection_name: 'c', resource_groups: ['rg'] })).message).toContain('resource groups');
    expect((await call({ collection_name: 'c', replica_number: 3 })).message).toContain('one replica');
    expect(await db.loadCollection({ collection_name: 'c', replica_number: 1 })).toMatchObject({ error_code: 'Success' });
    const e = await codeOf(db.search({ collection_name: 'c', data: [1, 0], exprValues: { a: 1 } } as never));
    expect(e.message).toContain('filter_params');
    await db.close();
  });

  it('timeout: a call that has not answered in time rejects with TIMEOUT; a write may still be applied', async () => {
    const { proxy, db: direct } = await open();
    const local = new LocalTransport(proxy);
    // the real engine, reached 60 ms late (a slow link)
    const slow: Transport = { call: (m, r) => new Promise((res) => setTimeout(res, 60)).then(() => local.call(m, r)) };
    const db = new VesperClient(slow);
    const read = await codeOf(db.query({ collection_name: 'c', filter: 'id > 0', timeout: 5 }));
    expect(read).toMatchObject({ code: 10001 });
    expect(read.message).toContain('changes nothing');
    const write = await codeOf(db.insert({ collection_name: 'c', data: [{ id: 2, vector: [0, 1] }], timeout: 5 }));
    expect(write).toMatchObject({ code: 10001 });
    expect(write.message).toContain('may still apply');
    // given time, the same calls answer
    expect((await db.query({ collection_name: 'c', filter: 'id > 0', output_fields: ['id'], consistency_level: 'Strong', timeout: 5_000 })).data.length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    const ids = (await direct.query({ collection_name: 'c', filter: 'id > 0', output_fields: ['id'], consistency_level: 'Strong' })).data.map((r) => Number(r['id']));
    expect(ids.sort()).toEqual([1, 2]);
    for (const bad of [0, -1, Number.NaN, '10']) expect((await codeOf(db.query({ collection_name: 'c', filter: 'id > 0', timeout: bad as number }))).code).toBe(1100);
    await direct.close();
  });
});
