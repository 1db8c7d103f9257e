/**
 * AccessControl: the Durable Object that stores credentials, roles, role memberships and
 * grants (Milvus's RootCoord credential/RBAC meta) in its SQLite storage. One instance for
 * the whole deployment (`idFromName("rbac")`): the policy is small and read far more often
 * than written, so Workers cache a snapshot of it (access-client.ts) and this object only
 * serves snapshots and applies mutations, one at a time (a DO runs one request's storage
 * work atomically). Passwords arrive already hashed (PBKDF2 in the Worker).
 *
 * Every mutation checks its preconditions here, against durable state, so concurrent
 * Workers cannot create a user twice or grant to a dropped role. Errors travel as data.
 */
import { DurableObject } from 'cloudflare:workers';
import { VesperError } from '@vesper/core';
import type { Env } from '../bindings.ts';
import { asResult, type RpcResult } from '../rpc.ts';
import { BUILTIN_ROLES, ROOT_USER, type Grant, type PolicySnapshot } from './policy.ts';
import type { AccessOp } from './access-ops.ts';
import type { AccessControlRpc } from '../do-contracts.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rbac_users (name TEXT PRIMARY KEY, salt TEXT NOT NULL, hash TEXT NOT NULL, iterations INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rbac_roles (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS rbac_user_roles (user TEXT NOT NULL, role TEXT NOT NULL, PRIMARY KEY (user, role));
CREATE TABLE IF NOT EXISTS rbac_grants (role TEXT NOT NULL, object_type TEXT NOT NULL, object_name TEXT NOT NULL, db_name TEXT NOT NULL,
  privilege TEXT NOT NULL, grantor TEXT NOT NULL, PRIMARY KEY (role, object_type, object_name, db_name, privilege));
CREATE TABLE IF NOT EXISTS rbac_api_keys (id TEXT PRIMARY KEY, user TEXT NOT NULL, hash TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS rbac_descriptions (kind TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, PRIMARY KEY (kind, name));
`;

const invalid = (message: string): VesperError => new VesperError('PARAMETER_INVALID', message);

export class AccessControl extends DurableObject<Env> implements AccessControlRpc {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(SCHEMA);
  }

  /** The whole policy. */
  async snapshot(): Promise<RpcResult<PolicySnapshot>> {
    return asResult(async () => this.read());
  }

  /** Applies one mutation atomically. */
  async mutate(op: AccessOp): Promise<RpcResult<null>> {
    return asResult(async () => {
      this.ctx.storage.transactionSync(() => this.apply(op));
      return null;
    });
  }

  private read(): PolicySnapshot {
    const sql = this.ctx.storage.sql;
    const memberships = sql.exec<{ user: string; role: string }>('SELECT user, role FROM rbac_user_roles ORDER BY user, role').toArray();
    const described = sql.exec<{ kind: string; name: string; description: string }>('SELECT kind, name, description FROM rbac_descriptions ORDER BY kind, name').toArray();
    const userDescription = new Map(described.filter((d) => d.kind === 'user').map((d) => [d.name, d.description]));
    const users = sql.exec<{ name: string; salt: string; hash: string; iterations: number }>('SELECT name, salt, hash, iterations FROM rbac_users ORDER BY name').toArray().map((u) => ({
      ...u,
      roles: memberships.filter((m) => m.user === u.name).map((m) => m.role),
      description: userDescription.get(u.name) ?? '',
    }));
    const roleDescriptions = described.filter((d) => d.kind === 'role').map((d) => ({ role: d.name, description: d.description }));
    const roles = sql.exec<{ name: string }>('SELECT name FROM rbac_roles ORDER BY name').toArray().map((r) => r.name);
    const grants = sql
      .exec<{ role: string; object_type: string; object_name: string; db_name: string; privilege: string; grantor: string }>('SELECT * FROM rbac_grants ORDER BY role, db_name, object_type, object_name, privilege')
      .toArray()
      .map((g) => ({ role: g.role, objectType: g.object_type as Grant['objectType'], objectName: g.object_name, dbName: g.db_name, privilege: g.privilege, grantor: g.grantor }));
    const apiKeys = sql.exec<{ id: string; user: string; hash: string }>('SELECT id, user, hash FROM rbac_api_keys ORDER BY id').toArray();
    return { users, roles, roleDescriptions, grants, apiKeys };
  }

  private userExists(name: string): boolean {
    return this.ctx.storage.sql.exec('SELECT 1 FROM rbac_users WHERE name = ?', name).toArray().length > 0;
  }

  private roleExists(name: string): boolean {
    return BUILTIN_ROLES.includes(name) || this.ctx.storage.sql.exec('SELECT 1 FROM rbac_roles WHERE name = ?', name).toArray().length > 0;
  }

  private needUser(name: string): void {
    if (!this.userExists(name)) throw invalid(`user not found[user=${name}]`);
  }

  private needRole(name: string): void {
    if (!this.roleExists(name)) throw invalid(`role not found[role=${name}]`);
  }

  /** Sets (or, with undefined, leaves) the description of a user or role. */
  private describe(kind: 'user' | 'role', name: string, description: string | undefined): void {
    if (description === undefined) return;
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO rbac_descriptions (kind, name, description) VALUES (?, ?, ?)', kind, name, description);
  }

  private apply(op: AccessOp): void {
    const sql = this.ctx.storage.sql;
    switch (op.op) {
      case 'createUser':
        if (op.user === ROOT_USER || this.userExists(op.user)) throw invalid(`user already exists[user=${op.user}]`);
        sql.exec('INSERT INTO rbac_users (name, salt, hash, iterations) VALUES (?, ?, ?, ?)', op.user, op.password.salt, op.password.hash, op.password.iterations);
        this.describe('user', op.user, op.description);
        return;
      case 'updatePassword':
        this.needUser(op.user);
        sql.exec('UPDATE rbac_users SET salt = ?, hash = ?, iterations = ? WHERE name = ?', op.password.salt, op.password.hash, op.password.iterations, op.user);
        this.describe('user', op.user, op.description);
        return;
      case 'dropUser':
        // Milvus answers success for a user that does not exist.
        sql.exec('DELETE FROM rbac_user_roles WHERE user = ?', op.user);
        sql.exec('DELETE FROM rbac_api_keys WHERE user = ?', op.user);
        sql.exec('DELETE FROM rbac_users WHERE name = ?', op.user);
        sql.exec("DELETE FROM rbac_descriptions WHERE kind = 'user' AND name = ?", op.user);
        return;
      case 'grantRole':
        this.needUser(op.user);
        this.needRole(op.role);
        sql.exec('INSERT OR IGNORE INTO rbac_user_roles (user, role) VALUES (?, ?)', op.user, op.role);
        return;
      case 'revokeRole':
        this.needUser(op.user);
        this.needRole(op.role);
        sql.exec('DELETE FROM rbac_user_roles WHERE user = ? AND role = ?', op.user, op.role);
        return;
      case 'createRole':
        if (this.roleExists(op.role)) throw invalid(`role already exists[role=${op.role}]`);
        sql.exec('INSERT INTO rbac_roles (name) VALUES (?)', op.role);
        this.describe('role', op.role, op.description);
        return;
      case 'dropRole': {
        if (BUILTIN_ROLES.includes(op.role)) throw invalid(`the role ${op.role} is a built-in role and can not be dropped`);
        this.needRole(op.role);
        const users = sql.exec<{ user: string }>('SELECT user FROM rbac_user_roles WHERE role = ?', op.role).toArray();
        if (users.length > 0) throw invalid(`role ${op.role} is still granted to users [${users.map((u) => u.user).join(', ')}]: revoke it from them first`);
        sql.exec('DELETE FROM rbac_grants WHERE role = ?', op.role);
        sql.exec('DELETE FROM rbac_roles WHERE name = ?', op.role);
        sql.exec("DELETE FROM rbac_descriptions WHERE kind = 'role' AND name = ?", op.role);
        return;
      }
      case 'grantPrivilege': {
        const g = op.grant;
        if (g.role === 'admin') throw invalid('the admin role already holds every privilege');
        this.needRole(g.role);
        sql.exec('INSERT OR IGNORE INTO rbac_grants (role, object_type, object_name, db_name, privilege, grantor) VALUES (?, ?, ?, ?, ?, ?)', g.role, g.objectType, g.objectName, g.dbName, g.privilege, g.grantor);
        return;
      }
      case 'revokePrivilege': {
        const g = op.grant;
        this.needRole(g.role);
        sql.exec('DELETE FROM rbac_grants WHERE role = ? AND object_type = ? AND object_name = ? AND db_name = ? AND privilege = ?', g.role, g.objectType, g.objectName, g.dbName, g.privilege);
        return;
      }
      case 'createApiKey':
        if (op.user !== ROOT_USER) this.needUser(op.user);
        sql.exec('INSERT INTO rbac_api_keys (id, user, hash) VALUES (?, ?, ?)', op.id, op.user, op.hash);
        return;
      case 'dropApiKey':
        sql.exec('DELETE FROM rbac_api_keys WHERE id = ?', op.id);
        return;
    }
  }
}
