/**
 * The RBAC matrix, in workerd through the Worker's fetch: every endpoint of the router's own
 * table (ROUTES) × six credentials — none, a wrong password, a user with no grant, a user
 * holding the endpoint's privilege on another collection (or database), that user's API key,
 * and root — with the expected code. Expectations come from the privilege table
 * (access/privileges.ts); endpoints outside it must be listed below as self-service, so a new
 * endpoint without an expectation fails this test instead of skipping it.
 */
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { endpointCheck } from '../../packages/edge/src/access/privileges.ts';
import { REQUEST_KEYS } from '../../packages/edge/src/rest/request-shape.ts';

/** The keys of `body` that `route` reads (an unknown key is 1100 before the privilege check). */
function shaped(route: string, body: Record<string, unknown>): Record<string, unknown> {
  const keys = new Set([...(REQUEST_KEYS[route] ?? []), 'dbName'].map((k) => k.toLowerCase()));
  return Object.fromEntries(Object.entries(body).filter(([k]) => keys.has(k.toLowerCase())));
}
import { ROUTES } from '../../packages/edge/src/rest/router.ts';

/** Endpoints that check no privilege up front: a user acts on themself (or sees a filtered list). */
const SELF_SERVICE = new Set(['users/describe', 'users/update_password', 'users/create_api_key', 'users/drop_api_key', 'databases/list']);

type Reply = { status: number; code: number; message: string };
const ROOT = 'Bearer root:Milvus';

async function post(route: string, body: unknown, auth: string | undefined): Promise<Reply> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (auth !== undefined) headers['Authorization'] = auth;
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  const json = JSON.parse(text) as { code: number; message?: string };
  return { status: res.status, code: json.code, message: json.message ?? '' };
}
async function ok(route: string, body: unknown): Promise<unknown> {
  const res = await exports.default.fetch(`http://vesper.test/v2/vectordb/${route}`, { method: 'POST', headers: { Authorization: ROOT }, body: JSON.stringify(body) });
  const json = (await res.json()) as { code: number; message?: string; data?: unknown };
  expect(json.code, `${route}: ${json.message}`).toBe(0);
  return json.data;
}

describe('RBAC matrix: every endpoint × every kind of credential', () => {
  it('answers each endpoint with the expected code for each credential', async () => {
    const routes = Object.keys(ROUTES).sort();
    const missing = routes.filter((r) => endpointCheck(r) === undefined && !SELF_SERVICE.has(r));
    expect(missing, 'endpoints with neither a privilege nor a self-service expectation').toEqual([]);

    await ok('databases/create', { dbName: 'otherdb' });
    for (const c of ['target', 'other']) await ok('collections/create', { collectionName: c, dimension: 4 });
    await ok('collections/create', { dbName: 'otherdb', collectionName: 'target', dimension: 4 });
    await ok('aliases/create', { aliasName: 'al_target', collectionName: 'target' });
    const { jobId } = (await ok('jobs/import/create', { collectionName: 'target', files: [['none.json']] })) as { jobId: string };
    const { compactionID } = (await ok('collections/compact', { collectionName: 'target' })) as { compactionID: number };

    // keys match case-insensitively (as in Milvus), so jobId and jobID cannot both be sent
    const job = (route: string) => (route === 'collections/get_compaction_state' ? { jobID: compactionID } : { jobId });
    // one user without grants, one holding (for each endpoint in turn) its privilege elsewhere
    const bare = 'bare';
    const near = 'near';
    for (const u of [bare, near]) await ok('users/create', { userName: u, password: `${u}-pass` });
    const { apiKey } = (await ok('users/create_api_key', { userName: near })) as { apiKey: string };
    const rows: string[] = [];
    const cells: { route: string; who: string; got: Reply; want: string }[] = [];
    for (const [i, route] of routes.entries()) {
      const check = endpointCheck(route);
      await ok('roles/create', { roleName: `r${i}` });
      if (check !== undefined) {
        // the endpoint's own privilege, one step beside the object the request names
        const grant =
          check.level === 'Collection'
            ? { objectType: 'Collection', objectName: 'other', privilege: check.privilege }
            : check.level === 'Database'
              ? { objectType: 'Database', objectName: 'otherdb', privilege: check.privilege }
              : { objectType: 'Collection', objectName: 'other', privilege: 'Search' };
        await ok('roles/grant_privilege', { roleName: `r${i}`, ...grant });
      }
      await ok('users/grant_role', { userName: near, roleName: `r${i}` });
      const body = (self: string) => ({
        collectionName: 'target', dbName: 'default', aliasName: 'al_target', partitionName: 'p', partitionNames: ['_default'], indexName: 'vector',
        ...job(route), userName: self, password: `${self}-pass`, newPassword: `${self}-pass`, roleName: `r${i}`,
        objectType: 'Collection', objectName: 'target', privilege: 'Search', filter: 'id > 0', data: [{ id: 1, vector: [1, 0, 0, 0] }],
        id: [1], limit: 1, outputFields: ['id'], newCollectionName: `renamed${i}`, files: [['none.json']], keyId: 'none', indexParams: [{ fieldName: 'vector', metricType: 'L2', indexName: 'vector' }], dimension: 4, properties: { 'x.y': '1' }, propertyKeys: ['x.y'],
      });
      const denied = check !== undefined;
      const expectFor = (who: string): string => (who === 'none' || who === 'wrong' ? '401/1800' : who === 'root' || !denied ? 'allowed' : '403/1401');
      const creds: [string, string | undefined, string][] = [
        ['none', undefined, bare],
        ['wrong', `Bearer ${bare}:not-the-password`, bare],
        ['unprivileged', `Bearer ${bare}:${bare}-pass`, bare],
        ['other-object', `Bearer ${near}:${near}-pass`, near],
        ['api-key', `Bearer ${apiKey}`, near],
      ];
      for (const [who, auth, self] of creds) cells.push({ route, who, got: await post(route, shaped(route, body(self)), auth), want: expectFor(who) });
      await ok('users/revoke_role', { userName: near, roleName: `r${i}` });
      rows.push(route);
    }
    // root last: its calls may drop or rename what the others were denied
    for (const route of routes) cells.push({ route, who: 'root', got: await post(route, shaped(route, { collectionName: 'target', aliasName: 'al_target', ...job(route), userName: 'bare', roleName: 'r0', dbName: 'default' }), ROOT), want: 'allowed' });

    const wrong = cells.filter(({ got, want }) => {
      if (want === '401/1800') return !(got.status === 401 && got.code === 1800);
      if (want === '403/1401') return !(got.status === 403 && got.code === 1401);
      return got.status === 401 || got.status === 403 || got.code === 1800 || got.code === 1401 || got.code === 5;
    });
    expect(wrong.map((c) => `${c.route} as ${c.who}: want ${c.want}, got HTTP ${c.got.status} code ${c.got.code} ${c.got.message.slice(0, 100)}`)).toEqual([]);
    expect(rows.length).toBe(routes.length);
    expect(cells.length).toBe(routes.length * 6);
  }, 300_000);
});
