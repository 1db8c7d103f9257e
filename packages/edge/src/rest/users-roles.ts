/**
 * `users/*` and `roles/*` (Milvus REST v2, handler_v2's user and role handlers): bodies
 * `{userName, password, newPassword, roleName, objectType, objectName, privilege, description}`; `data` is
 * `[names]` for list and users/describe (the user's roles), `[{objectType, objectName,
 * privilege, dbName, grantor}]` for roles/describe (both describes add `description` beside
 * `data`), `{}` otherwise. The privilege each one
 * needs is checked before the handler runs (access/privileges.ts), except self-service:
 * every user may describe themself, change their own password (with the old one) and
 * issue or drop their own API keys (users/create_api_key, users/drop_api_key: Vesper's own).
 */
import { VesperError, showValue } from '@vesper/core';
import { API_KEY_PREFIX } from '../access/access-client.ts';
import { digest, hashPassword } from '../access/passwords.ts';
import { ADMIN_ROLE, BUILTIN_ROLES, checkName, checkPassword, makeGrant, ROOT_USER } from '../access/policy.ts';
import type { RestCall, RestReply, RestRoutes } from './types.ts';

const EMPTY: RestReply = { data: {} };

const userName = (call: RestCall): string => checkName('user', call.body.need('userName'));
const roleName = (call: RestCall): string => checkName('role', call.body.need('roleName'));

/** The optional `description` of users/create, users/update_password and roles/create (Milvus 2.6). */
function descriptionOf(call: RestCall): string | undefined {
  const d = call.body.str('description');
  if (d !== undefined && d.length > 1024) throw new VesperError('PARAMETER_INVALID', `description is ${d.length} characters, more than 1024`);
  return d;
}

async function selfOr(call: RestCall, user: string, privilege: string): Promise<void> {
  if (user === call.principal.name) return;
  await call.access.authorize(call.principal, { privilege, level: 'Cluster', db: 'default', collection: '*' });
}

function grantOf(call: RestCall) {
  return makeGrant(roleName(call), call.body.need('objectType'), call.body.str('objectName') ?? '*', call.dbName, call.body.need('privilege'), call.principal.name);
}

export const userRoutes: RestRoutes = {
  'users/list': async (call) => {
    const policy = await call.access.policy();
    return { data: [ROOT_USER, ...policy.users.map((u) => u.name)] };
  },
  'users/describe': async (call) => {
    const user = userName(call);
    await selfOr(call, user, 'SelectUser');
    if (user === ROOT_USER) return { data: [], description: '' };
    const rec = (await call.access.policy()).users.find((u) => u.name === user);
    if (rec === undefined) throw new VesperError('PARAMETER_INVALID', `user not found[user=${user}]`);
    return { data: [...rec.roles], description: rec.description };
  },
  'users/create': async (call) => {
    const user = userName(call);
    const password = checkPassword(call.body.need('password'));
    if (user === ROOT_USER) throw new VesperError('PARAMETER_INVALID', 'user already exists[user=root]');
    // `Bearer vsk_...` is read as an API key at login: such a user could never sign in
    if (user.startsWith(API_KEY_PREFIX)) throw new VesperError('PARAMETER_INVALID', `invalid user name ${showValue(user)}: the prefix ${API_KEY_PREFIX} is reserved for API keys`);
    const description = descriptionOf(call);
    await call.access.mutate({ op: 'createUser', user, password: await hashPassword(password), ...(description === undefined ? {} : { description }) });
    return EMPTY;
  },
  'users/update_password': async (call) => {
    const user = userName(call);
    const oldPassword = call.body.need('password');
    const newPassword = checkPassword(call.body.need('newPassword'));
    if (user === ROOT_USER) throw new VesperError('PARAMETER_INVALID', "root's password is the ROOT_PASSWORD secret: change it with `wrangler secret put ROOT_PASSWORD`");
    await selfOr(call, user, 'UpdateUser');
    // Like Milvus, the old password must be right unless a superuser/admin resets it.
    const roles = (await call.access.policy()).users.find((u) => u.name === call.principal.name)?.roles ?? [];
    const privileged = call.principal.superuser || roles.includes(ADMIN_ROLE);
    if (!privileged && !(await call.access.checkPassword(user, oldPassword))) {
      throw new VesperError('PARAMETER_INVALID', `old password not correct for user ${user}`);
    }
    const description = descriptionOf(call);
    await call.access.mutate({ op: 'updatePassword', user, password: await hashPassword(newPassword), ...(description === undefined ? {} : { description }) });
    return EMPTY;
  },
  'users/drop': async (call) => {
    const user = userName(call);
    if (user === ROOT_USER) throw new VesperError('PARAMETER_INVALID', 'root user cannot be deleted');
    if (user === call.principal.name) throw new VesperError('PARAMETER_INVALID', 'a user cannot drop themself');
    await call.access.mutate({ op: 'dropUser', user });
    return EMPTY;
  },
  'users/grant_role': async (call) => {
    const user = userName(call);
    if (user === ROOT_USER) throw new VesperError('PARAMETER_INVALID', 'root is the superuser already');
    await call.access.mutate({ op: 'grantRole', user, role: roleName(call) });
    return EMPTY;
  },
  // Vesper's own (Milvus's REST has no API-key endpoints): a key acts as its user. The key is
  // shown once; only its SHA-256 is stored.
  'users/create_api_key': async (call) => {
    const user = call.body.str('userName') || call.principal.name;
    if (user !== ROOT_USER) checkName('user', user);
    await selfOr(call, user, 'UpdateUser');
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    const apiKey = API_KEY_PREFIX + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
    const keyId = apiKey.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + 12);
    await call.access.mutate({ op: 'createApiKey', user, id: keyId, hash: await digest(apiKey) });
    return { data: { apiKey, keyId, userName: user } };
  },
  'users/drop_api_key': async (call) => {
    const keyId = call.body.need('keyId');
    const rec = (await call.access.policy()).apiKeys.find((k) => k.id === keyId);
    if (rec !== undefined) await selfOr(call, rec.user, 'UpdateUser');
    await call.access.mutate({ op: 'dropApiKey', id: keyId });
    return EMPTY;
  },
  'users/revoke_role': async (call) => {
    await call.access.mutate({ op: 'revokeRole', user: userName(call), role: roleName(call) });
    return EMPTY;
  },
};

export const roleRoutes: RestRoutes = {
  'roles/list': async (call) => ({ data: [...BUILTIN_ROLES, ...(await call.access.policy()).roles] }),
  'roles/describe': async (call) => {
    const role = roleName(call);
    const policy = await call.access.policy();
    if (!BUILTIN_ROLES.includes(role) && !policy.roles.includes(role)) throw new VesperError('PARAMETER_INVALID', `role not found[role=${role}]`);
    // Milvus describes the grants of the request's database; `*` grants apply there too.
    const grants = policy.grants.filter((g) => g.role === role && (g.dbName === call.dbName || g.dbName === '*'));
    const description = policy.roleDescriptions.find((d) => d.role === role)?.description ?? '';
    return { data: grants.map((g) => ({ objectType: g.objectType, objectName: g.objectName, privilege: g.privilege, dbName: g.dbName, grantor: g.grantor })), description };
  },
  'roles/create': async (call) => {
    const description = descriptionOf(call);
    await call.access.mutate({ op: 'createRole', role: roleName(call), ...(description === undefined ? {} : { description }) });
    return EMPTY;
  },
  'roles/drop': async (call) => {
    await call.access.mutate({ op: 'dropRole', role: roleName(call) });
    return EMPTY;
  },
  'roles/grant_privilege': async (call) => {
    await call.access.mutate({ op: 'grantPrivilege', grant: grantOf(call) });
    return EMPTY;
  },
  'roles/revoke_privilege': async (call) => {
    await call.access.mutate({ op: 'revokePrivilege', grant: grantOf(call) });
    return EMPTY;
  },
};
