/**
 * Users, roles and RBAC through the Worker in workerd (AccessControl DO + CatalogCoordinator
 * DOs): root is the superuser; a new user can do nothing until a role with grants is given;
 * grants are scoped to one database and one collection; passwords are stored hashed; 401
 * (1800) for a wrong credential, 403 (1401) for a missing privilege. Plus the policy's pure
 * rules (privilege levels, groups, scopes) and the token bucket.
 */
import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { allowed, makeGrant, type PolicySnapshot } from '../../packages/edge/src/access/policy.ts';
import { endpointPrivileges } from '../../packages/edge/src/access/privileges.ts';
import { TokenBucket } from '../../packages/edge/src/limits.ts';

const ROOT = { Authorization: 'Bearer root:Milvus' };
type Reply = { status: number; json: { code: number; message?: string; data?: unknown } };

async function post(path: string, body: unknown, headers: Record<string, string> = ROOT): Promise<Reply> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Reply['json'] };
}
const ok = async (path: string, body: unknown, headers: Record<string, string> = ROOT): Promise<unknown> => {
  const r = await post(path, body, headers);
  expect(r.json.code, `${path}: ${r.json.message}`).toBe(0);
  return r.json.data;
};
const as = (user: string, password: string) => ({ Authorization: `Bearer ${user}:${password}` });

describe('RBAC in workerd', () => {
  it('manages users and stores only salted PBKDF2 hashes', async () => {
    await ok('users/create', { userName: 'alice', password: 'alice-pass' });
    expect((await post('users/create', { userName: 'alice', password: 'alice-pass' })).json.code).toBe(1100);
    expect((await post('users/create', { userName: 'bob', password: '123' })).json.code).toBe(1100);
    expect(await ok('users/list', {})).toEqual(expect.arrayContaining(['root', 'alice']));
    const snap = (await env.ACCESS.get(env.ACCESS.idFromName('rbac')).snapshot()) as { ok: true; data: PolicySnapshot };
    const rec = snap.data.users.find((u) => u.name === 'alice')!;
    expect(rec.iterations).toBeGreaterThanOrEqual(100_000);
    expect(rec.salt).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.stringify(snap.data)).not.toContain('alice-pass');
    // the user authenticates, and is denied what no role grants
    expect(await post('collections/list', {}, as('alice', 'alice-pass'))).toMatchObject({ status: 403, json: { code: 1401 } });
    expect(await post('collections/list', {}, as('alice', 'wrong'))).toMatchObject({ status: 401, json: { code: 1800 } });
    expect(await post('collections/list', {}, as('nobody', 'whatever'))).toMatchObject({ status: 401, json: { code: 1800 } });
    // self-service: describe self, change own password with the old one
    expect(await ok('users/describe', { userName: 'alice' }, as('alice', 'alice-pass'))).toEqual([]);
    expect((await post('users/update_password', { userName: 'alice', password: 'bad-old', newPassword: 'alice-pass2' }, as('alice', 'alice-pass'))).json.code).toBe(1100);
    await ok('users/update_password', { userName: 'alice', password: 'alice-pass', newPassword: 'alice-pass2' }, as('alice', 'alice-pass'));
    expect((await post('users/describe', { userName: 'alice' }, as('alice', 'alice-pass'))).status).toBe(401);
    expect(await ok('users/describe', { userName: 'alice' }, as('alice', 'alice-pass2'))).toEqual([]);
    expect(await post('users/describe', { userName: 'root' }, as('alice', 'alice-pass2'))).toMatchObject({ status: 403, json: { code: 1401 } });
  });

  it('keeps user and role descriptions (Milvus 2.6), beside data in describe', async () => {
    await ok('users/create', { userName: 'cleo', password: 'cleo-pass', description: 'data team' });
    expect((await post('users/describe', { userName: 'cleo' })).json).toEqual({ code: 0, data: [], description: 'data team' });
    await ok('users/update_password', { userName: 'cleo', password: 'cleo-pass', newPassword: 'cleo-pass2', description: 'ml team' });
    expect((await post('users/describe', { userName: 'cleo' })).json).toMatchObject({ description: 'ml team' });
    // a password change without a description keeps it
    await ok('users/update_password', { userName: 'cleo', password: 'cleo-pass2', newPassword: 'cleo-pass3' });
    expect((await post('users/describe', { userName: 'cleo' })).json).toMatchObject({ description: 'ml team' });
    await ok('roles/create', { roleName: 'readers', description: 'read only' });
    await ok('roles/grant_privilege', { roleName: 'readers', objectType: 'Global', objectName: '*', privilege: 'DescribeCollection' });
    expect((await post('roles/describe', { roleName: 'readers' })).json).toMatchObject({ code: 0, description: 'read only', data: [expect.objectContaining({ privilege: 'DescribeCollection' })] });
    expect((await post('roles/create', { roleName: 'long', description: 'x'.repeat(1025) })).json.code).toBe(1100);
    expect((await post('roles/describe', { roleName: 'long' })).json.code).toBe(1100);
    // dropped and created again: the old description is gone
    await ok('roles/revoke_privilege', { roleName: 'readers', objectType: 'Global', objectName: '*', privilege: 'DescribeCollection' });
    await ok('roles/drop', { roleName: 'readers' });
    await ok('roles/create', { roleName: 'readers' });
    expect((await post('roles/describe', { roleName: 'readers' })).json).toMatchObject({ description: '' });
    await ok('users/drop', { userName: 'cleo' });
    await ok('users/create', { userName: 'cleo', password: 'cleo-pass' });
    expect((await post('users/describe', { userName: 'cleo' })).json).toMatchObject({ description: '' });
    await ok('roles/drop', { roleName: 'readers' });
    await ok('users/drop', { userName: 'cleo' });
  });

  it('grants per database and collection; admin holds everything', async () => {
    await ok('databases/create', { dbName: 'db1' });
    await ok('databases/create', { dbName: 'db2' });
    for (const db of ['db1', 'db2']) await ok('collections/create', { dbName: db, collectionName: 'c', dimension: 2 });
    await ok('collections/create', { dbName: 'db1', collectionName: 'other', dimension: 2 });
    await ok('users/create', { userName: 'carol', password: 'carol-pass' });
    await ok('roles/create', { roleName: 'reader' });
    await ok('roles/grant_privilege', { roleName: 'reader', objectType: 'Collection', objectName: 'c', privilege: 'Search', dbName: 'db1' });
    await ok('roles/grant_privilege', { roleName: 'reader', objectType: 'Collection', objectName: 'c', privilege: 'Insert', dbName: 'db1' });
    await ok('roles/grant_privilege', { roleName: 'reader', objectType: 'Database', objectName: 'db1', privilege: 'ShowCollections' });
    expect((await post('roles/grant_privilege', { roleName: 'reader', objectType: 'Collection', objectName: 'c', privilege: 'CreateDatabase' })).json.code).toBe(1100);
    expect((await post('roles/grant_privilege', { roleName: 'reader', objectType: 'Collection', objectName: 'c', privilege: 'Fly' })).json.code).toBe(1100);
    await ok('users/grant_role', { userName: 'carol', roleName: 'reader' });
    expect(await ok('users/describe', { userName: 'carol' })).toEqual(['reader']);
    expect(await ok('roles/describe', { roleName: 'reader', dbName: 'db1' })).toEqual(
      expect.arrayContaining([{ objectType: 'Collection', objectName: 'c', privilege: 'Search', dbName: 'db1', grantor: 'root' }]),
    );
    const carol = as('carol', 'carol-pass');
    await ok('entities/insert', { dbName: 'db1', collectionName: 'c', data: [{ id: 1, vector: [1, 0] }] }, carol);
    await ok('entities/search', { dbName: 'db1', collectionName: 'c', data: [[1, 0]], limit: 1 }, carol);
    expect(((await ok('collections/list', { dbName: 'db1' }, carol)) as string[]).sort()).toEqual(['c', 'other']);
    expect(await ok('databases/list', {}, carol)).toEqual(['db1']);
    // not on another collection, another database, or another privilege
    expect((await post('entities/search', { dbName: 'db1', collectionName: 'other', data: [[1, 0]] }, carol)).status).toBe(403);
    expect((await post('entities/search', { dbName: 'db2', collectionName: 'c', data: [[1, 0]] }, carol)).json.code).toBe(1401);
    expect((await post('collections/list', { dbName: 'db2' }, carol)).json.code).toBe(1401);
    expect((await post('entities/delete', { dbName: 'db1', collectionName: 'c', filter: 'id > 0' }, carol)).json.code).toBe(1401);
    expect((await post('collections/drop', { dbName: 'db1', collectionName: 'c' }, carol)).json.code).toBe(1401);
    expect((await post('users/create', { userName: 'mallory', password: 'mallory-pass' }, carol)).json.code).toBe(1401);
    // revoke takes effect at once; admin opens everything
    await ok('roles/revoke_privilege', { roleName: 'reader', objectType: 'Collection', objectName: 'c', privilege: 'Search', dbName: 'db1' });
    expect((await post('entities/search', { dbName: 'db1', collectionName: 'c', data: [[1, 0]] }, carol)).json.code).toBe(1401);
    await ok('users/grant_role', { userName: 'carol', roleName: 'admin' });
    await ok('entities/search', { dbName: 'db2', collectionName: 'c', data: [[1, 0]] }, carol);
    await ok('users/revoke_role', { userName: 'carol', roleName: 'admin' });
    expect((await post('roles/drop', { roleName: 'reader' })).json.code).toBe(1100); // still granted to carol
    await ok('users/revoke_role', { userName: 'carol', roleName: 'reader' });
    await ok('roles/drop', { roleName: 'reader' });
    expect(await ok('roles/list', {})).toEqual(['admin', 'public']);
    await ok('users/drop', { userName: 'carol' });
    expect((await post('collections/list', {}, carol)).status).toBe(401);
  });

  it('issues API keys that act as their user, stored hashed, revocable', async () => {
    await ok('users/create', { userName: 'dave', password: 'dave-pass' });
    const { apiKey, keyId } = (await ok('users/create_api_key', {}, as('dave', 'dave-pass'))) as { apiKey: string; keyId: string };
    expect(apiKey).toMatch(/^vsk_[0-9a-f]{64}$/);
    const key = { Authorization: `Bearer ${apiKey}` };
    expect(await ok('users/describe', { userName: 'dave' }, key)).toEqual([]);
    expect(await post('collections/list', {}, key)).toMatchObject({ status: 403, json: { code: 1401 } });
    const snap = (await env.ACCESS.get(env.ACCESS.idFromName('rbac')).snapshot()) as { ok: true; data: PolicySnapshot };
    expect(JSON.stringify(snap.data)).not.toContain(apiKey);
    const rootKey = ((await ok('users/create_api_key', { userName: 'root' })) as { apiKey: string }).apiKey;
    expect(await ok('collections/list', {}, { Authorization: `Bearer ${rootKey}` })).toEqual(expect.any(Array));
    expect((await post('users/create_api_key', { userName: 'root' }, key)).json.code).toBe(1401);
    await ok('users/drop_api_key', { keyId }, as('dave', 'dave-pass'));
    expect(await post('users/describe', { userName: 'dave' }, key)).toMatchObject({ status: 401, json: { code: 1800 } });
    expect(await post('collections/list', {}, { Authorization: 'Bearer vsk_0000' })).toMatchObject({ status: 401, json: { code: 1800 } });
  });

  it('decides scopes, groups and wildcards like Milvus', () => {
    const g = (t: string, n: string, db: string, p: string) => makeGrant('r', t, n, db, p, 'root');
    const policy = (...grants: ReturnType<typeof g>[]): PolicySnapshot => ({ users: [{ name: 'u', salt: '', hash: '', iterations: 1, roles: ['r'], description: '' }], roles: ['r'], roleDescriptions: [], grants, apiKeys: [] });
    const u = { name: 'u', superuser: false };
    const search = (db: string, c: string) => ({ privilege: 'Search', level: 'Collection' as const, db, collection: c });
    expect(allowed(policy(g('Global', '*', 'db1', '*')), u, search('db1', 'x'))).toBe(true);
    expect(allowed(policy(g('Global', '*', 'db1', '*')), u, search('db2', 'x'))).toBe(false);
    expect(allowed(policy(g('Global', '*', '*', 'All')), u, search('db2', 'x'))).toBe(true);
    expect(allowed(policy(g('Collection', '*', 'db1', 'CollectionReadOnly')), u, search('db1', 'x'))).toBe(true);
    expect(allowed(policy(g('Database', 'db1', 'default', 'DatabaseAdmin')), u, search('db1', 'x'))).toBe(false);
    expect(allowed(policy(g('Database', 'db1', 'default', 'Search')), u, search('db1', 'x'))).toBe(true);
    expect(allowed(policy(g('Global', '*', 'default', 'CreateDatabase')), u, { privilege: 'CreateDatabase', level: 'Cluster', db: 'default', collection: '*' })).toBe(true);
    const table = endpointPrivileges();
    expect(table['entities/insert']).toBe('Insert');
    expect(table['collections/create']).toBe('CreateCollection');
    expect(table['users/create']).toBe('CreateOwnership');
  });

  it('token bucket: burst of one second, then the rate', () => {
    const b = new TokenBucket(2, 0);
    expect([b.take(0), b.take(0), b.take(0)]).toEqual([true, true, false]);
    expect(b.take(499)).toBe(false);
    expect(b.take(500)).toBe(true);
  });
});
