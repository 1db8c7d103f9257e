/**
 * The RBAC policy (Milvus's RootCoord meta for credentials, roles and grants) as plain data,
 * and the decisions made on it: does a principal hold a privilege, which databases may it
 * see. `root` is the superuser and the built-in role `admin` holds every privilege; every
 * user implicitly holds `public` (empty until something is granted to it).
 * Pure functions: the AccessControl DO stores the policy, the Worker decides with a cached copy.
 */
import { VesperError, showValue } from '@vesper/core';
import { objectTypeOf, privilegeIncludes, privilegeLevel, PRIVILEGE_GROUPS, ALL_PRIVILEGES, type Need, type ObjectType } from './privileges.ts';

export const ROOT_USER = 'root';
export const ADMIN_ROLE = 'admin';
export const PUBLIC_ROLE = 'public';
export const BUILTIN_ROLES: readonly string[] = [ADMIN_ROLE, PUBLIC_ROLE];

export interface Grant {
  readonly role: string;
  readonly objectType: ObjectType;
  readonly objectName: string;
  readonly dbName: string;
  readonly privilege: string;
  readonly grantor: string;
}

export interface UserRecord {
  readonly name: string;
  /** PBKDF2-SHA256 parameters and derived key, hex. */
  readonly salt: string;
  readonly hash: string;
  readonly iterations: number;
  readonly roles: readonly string[];
  /** What the user was created (or last updated) with; empty when none. */
  readonly description: string;
}

/** An issued API key: only its SHA-256 is stored. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly user: string;
  readonly hash: string;
}

export interface PolicySnapshot {
  readonly users: readonly UserRecord[];
  readonly apiKeys: readonly ApiKeyRecord[];
  /** Custom roles (built-ins are implicit). */
  readonly roles: readonly string[];
  /** Descriptions of custom roles that have one. */
  readonly roleDescriptions: readonly { readonly role: string; readonly description: string }[];
  readonly grants: readonly Grant[];
}

/** Who is calling. */
export interface Principal {
  readonly name: string;
  readonly superuser: boolean;
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

/** Milvus's user/role name rule. @throws PARAMETER_INVALID (1100) */
export function checkName(kind: 'user' | 'role', name: string): string {
  if (!NAME.test(name)) {
    throw new VesperError('PARAMETER_INVALID', `invalid ${kind} name ${showValue(name)}: start with a letter, then letters, digits or underscores, at most 32 characters`);
  }
  return name;
}

/** Milvus's password rule (6..256 characters). @throws PARAMETER_INVALID (1100) */
export function checkPassword(password: string): string {
  if (password.length < 6 || password.length > 256) {
    throw new VesperError('PARAMETER_INVALID', `invalid password: use 6 to 256 characters (got ${password.length})`);
  }
  return password;
}

/** The roles a user holds, `public` included. */
export function rolesOf(policy: PolicySnapshot, user: string): Set<string> {
  const rec = policy.users.find((u) => u.name === user);
  return new Set([PUBLIC_ROLE, ...(rec?.roles ?? [])]);
}

function grantCovers(g: Grant, need: Need): boolean {
  if (!privilegeIncludes(g.privilege, need.privilege)) return false;
  if (g.dbName !== '*' && g.dbName !== need.db) return false;
  if (g.objectType === 'Global') return true;
  if (g.objectType === 'Database') return need.level !== 'Cluster';
  // an undefined collection asks for the privilege on any collection (see Need)
  return need.level === 'Collection' && (g.objectName === '*' || need.collection === undefined || g.objectName === need.collection);
}

/** Whether the principal may do what `need` asks. */
export function allowed(policy: PolicySnapshot, who: Principal, need: Need): boolean {
  if (who.superuser) return true;
  const roles = rolesOf(policy, who.name);
  if (roles.has(ADMIN_ROLE)) return true;
  return policy.grants.some((g) => roles.has(g.role) && grantCovers(g, need));
}

/** @throws PRIVILEGE_NOT_PERMITTED (1401, HTTP 403) unless allowed. */
export function authorize(policy: PolicySnapshot, who: Principal, need: Need): void {
  if (allowed(policy, who, need)) return;
  const on = need.level === 'Collection' ? `Collection ${need.db}.${need.collection ?? '*'}` : need.level === 'Database' ? `Database ${need.db}` : 'Global';
  throw new VesperError('PRIVILEGE_NOT_PERMITTED', `PrivilegeNotPermitted: user ${who.name} lacks privilege ${need.privilege} on ${on}; ask an administrator to grant it to one of the user's roles`);
}

/** Whether the principal may see database `db` at all (databases/list filtering). */
export function seesDatabase(policy: PolicySnapshot, who: Principal, db: string): boolean {
  if (who.superuser) return true;
  const roles = rolesOf(policy, who.name);
  if (roles.has(ADMIN_ROLE)) return true;
  return policy.grants.some((g) => roles.has(g.role) && (g.dbName === '*' || g.dbName === db));
}

/**
 * A grant request checked against Milvus's rules: a known object type, a known privilege
 * (name, built-in group or wildcard) valid for that object type.
 * @throws PARAMETER_INVALID (1100)
 */
export function makeGrant(role: string, objectTypeName: string, objectName: string, dbName: string, privilege: string, grantor: string): Grant {
  const objectType = objectTypeOf(objectTypeName);
  if (objectType === undefined) throw new VesperError('PARAMETER_INVALID', `invalid objectType ${showValue(objectTypeName)}: use Global, Database or Collection`);
  const known = ALL_PRIVILEGES.has(privilege) || PRIVILEGE_GROUPS.has(privilege) || privilegeLevel(privilege) !== undefined;
  if (!known) throw new VesperError('PARAMETER_INVALID', `not found the privilege name[${privilege}]: use a Milvus privilege (e.g. Search, Insert, CreateCollection), a built-in group or *`);
  const level = privilegeLevel(privilege) ?? (privilege.startsWith('Collection') ? 'Collection' : privilege.startsWith('Database') ? 'Database' : privilege.startsWith('Cluster') ? 'Cluster' : undefined);
  if (objectType === 'Collection' && level !== undefined && level !== 'Collection') {
    throw new VesperError('PARAMETER_INVALID', `privilege ${privilege} is not a Collection privilege: grant it on objectType Global${level === 'Database' ? ' or Database' : ''}`);
  }
  if (objectType === 'Database' && level === 'Cluster') {
    throw new VesperError('PARAMETER_INVALID', `privilege ${privilege} is a cluster privilege: grant it on objectType Global`);
  }
  const name = objectName || '*';
  // A Database grant names its database; the object name wins over the request's dbName.
  const db = objectType === 'Database' && name !== '*' ? name : dbName || 'default';
  return { role, objectType, objectName: name, dbName: db, privilege, grantor };
}
