/**
 * Collection, index and database properties through the embedded client: TTL and mmap
 * validated with 1100 (and nothing changed), mmap accepted as a documented no-op visible in
 * describe, index and database properties altered and dropped.
 */
import { describe, expect, it } from 'vitest';
import { VesperClient } from '../client/vesper-client.ts';
import type { VesperError } from '../errors/index.ts';

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    return (e as VesperError).code;
  }
}

const propsOf = async (db: VesperClient, name: string): Promise<Record<string, string>> => {
  const d = (await db.describeCollection({ collection_name: name })) as { properties: { key: string; value: string }[] };
  return Object.fromEntries(d.properties.map((p) => [p.key, p.value]));
};

describe('collection properties', () => {
  it('validates collection.ttl.seconds and mmap.enabled, at create and alter', async () => {
    const db = await VesperClient.open({ storage: 'memory://' });
    for (const ttl of ['abc', '-5', '1.5', '']) {
      expect(await codeOf(db.createCollection({ collection_name: 'bad', dimension: 2, properties: { 'collection.ttl.seconds': ttl } } as never))).toBe(1100);
    }
    expect((await db.hasCollection({ collection_name: 'bad' })).value).toBe(false);
    await db.createCollection({ collection_name: 'c', dimension: 2, properties: { 'collection.ttl.seconds': '60' } } as never);
    expect(await propsOf(db, 'c')).toEqual({ 'collection.ttl.seconds': '60' });
    expect(await codeOf(db.alterCollectionProperties({ collection_name: 'c', properties: { 'collection.ttl.seconds': -5 } }))).toBe(1100);
    expect(await codeOf(db.alterCollectionProperties({ collection_name: 'c', properties: { 'mmap.enabled': 'maybe' } }))).toBe(1100);
    expect(await propsOf(db, 'c')).toEqual({ 'collection.ttl.seconds': '60' });
    await db.alterCollectionProperties({ collection_name: 'c', properties: { 'mmap.enabled': true, 'collection.ttl.seconds': 0 } });
    expect(await propsOf(db, 'c')).toEqual({ 'collection.ttl.seconds': '0', 'mmap.enabled': 'true' });
    await db.dropCollectionProperties({ collection_name: 'c', delete_keys: ['mmap.enabled'] });
    expect(await propsOf(db, 'c')).toEqual({ 'collection.ttl.seconds': '0' });
    await db.close();
  });
});

describe('index properties', () => {
  it('sets and drops mmap.enabled, refuses other keys and bad values', async () => {
    const db = await VesperClient.open({ storage: 'memory://' });
    await db.createCollection({ collection_name: 'c', dimension: 2 } as never);
    const params = async (): Promise<Record<string, string>> => {
      const d = (await db.describeIndex({ collection_name: 'c' } as never)) as { index_descriptions: { params: { key: string; value: string }[] }[] };
      return Object.fromEntries(d.index_descriptions[0]!.params.map((p) => [p.key, p.value]));
    };
    const indexName = ((await db.describeIndex({ collection_name: 'c' } as never)) as { index_descriptions: { index_name: string }[] }).index_descriptions[0]!.index_name;
    const before = await params();
    expect(before['mmap.enabled']).toBeUndefined();
    await db.alterIndexProperties({ collection_name: 'c', index_name: indexName, params: { 'mmap.enabled': true } });
    expect(await params()).toEqual({ ...before, 'mmap.enabled': 'true' });
    expect(await codeOf(db.alterIndexProperties({ collection_name: 'c', index_name: indexName, params: { invalid_key: true } }))).toBe(1100);
    expect(await codeOf(db.alterIndexProperties({ collection_name: 'c', index_name: indexName, params: { 'mmap.enabled': 'invalid_value' } }))).toBe(1100);
    expect(await codeOf(db.dropIndexProperties({ collection_name: 'c', index_name: indexName, delete_keys: ['nonexistent.key'] }))).toBe(1100);
    expect(await codeOf(db.alterIndexProperties({ collection_name: 'c', index_name: 'nope', params: { 'mmap.enabled': true } }))).toBe(700);
    expect(await params()).toEqual({ ...before, 'mmap.enabled': 'true' });
    await db.dropIndexProperties({ collection_name: 'c', index_name: indexName, delete_keys: ['mmap.enabled'] });
    expect(await params()).toEqual(before);
    await db.close();
  });
});

describe('database properties', () => {
  it('drops database properties by key', async () => {
    const db = await VesperClient.open({ storage: 'memory://' });
    await db.createDatabase({ db_name: 'd', properties: { a: '1', b: '2' } } as never);
    await db.dropDatabaseProperties({ db_name: 'd', delete_keys: ['a', 'missing'] });
    const d = (await db.describeDatabase({ db_name: 'd' } as never)) as { properties: { key: string; value: string }[] };
    expect(d.properties).toEqual([{ key: 'b', value: '2' }]);
    await db.close();
  });
});
