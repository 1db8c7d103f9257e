/**
 * The Worker's side of access control: authenticates a request against the root secret or
 * the stored users, and authorizes it against a per-isolate cached policy snapshot (TTL
 * POLICY_TTL_MS; mutations made through this isolate drop the cache at once, other isolates
 * see them within the TTL). Successful password checks are cached by SHA-256 of the
 * credential and tied to the stored hash, so a password change invalidates them and
 * PBKDF2 runs once per credential per isolate rather than once per request. API keys
 * (`Bearer vsk_...`, issued by users/create_api_key) are looked up by their SHA-256.
 */
import { VesperError } from '@vesper/core';
import type { Env } from '../bindings.ts';
import { unwrap } from '../rpc.ts';
import type { AccessOp } from './access-ops.ts';
import { digest, sameString, verifyPassword } from './passwords.ts';
import { authorize, ROOT_USER, type PolicySnapshot, type Principal } from './policy.ts';
import type { Need } from './privileges.ts';

export const DEFAULT_ROOT_PASSWORD = 'Milvus';
/** Issued API keys start with this, so `Bearer <key>` is told apart from `Bearer user:password`. */
export const API_KEY_PREFIX = 'vsk_';
export const POLICY_TTL_MS = 5_000;
const VERIFIED_TTL_MS = 60_000;

/** A hash no real password has: unknown users cost as much as known ones (no enumeration by timing). */
const DECOY = { salt: '00'.repeat(16), hash: '00'.repeat(32), iterations: 100_000 };

let cached: { policy: PolicySnapshot; at: number } | undefined;
const verified = new Map<string, { hash: string; at: number }>();

function credential(header: string | null): string | undefined {
  if (header === null) return undefined;
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const value = rest.join(' ');
  if (/^bearer$/i.test(scheme ?? '')) return value;
  if (/^basic$/i.test(scheme ?? '')) {
    try {
      return atob(value);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export class AccessClient {
  constructor(private readonly env: Env) {}

  private stub() {
    return this.env.ACCESS.get(this.env.ACCESS.idFromName('rbac'));
  }

  /** The cached policy, refreshed after POLICY_TTL_MS. */
  async policy(): Promise<PolicySnapshot> {
    const now = Date.now();
    if (cached === undefined || now - cached.at > POLICY_TTL_MS) {
      cached = { policy: unwrap(await this.stub().snapshot()), at: now };
    }
    return cached.policy;
  }

  /** Applies a mutation in the AccessControl DO and drops this isolate's cached policy. */
  async mutate(op: AccessOp): Promise<void> {
    try {
      unwrap(await this.stub().mutate(op));
    } finally {
      cached = undefined;
    }
  }

  /**
   * The caller, from `Authorization: Bearer user:password` (or Basic).
   * @throws SERVICE_UNAVAILABLE (2) when the deployment has no ROOT_PASSWORD secret
   * @throws NEED_AUTHENTICATE (1800, HTTP 401) when the credential is missing or wrong
   */
  async authenticate(request: Request): Promise<Principal> {
    const localDev = this.env.VESPER_LOCAL_DEV === 'true';
    const rootPassword = this.env.ROOT_PASSWORD;
    if (!rootPassword && !localDev) {
      throw new VesperError('SERVICE_UNAVAILABLE', 'the ROOT_PASSWORD secret is not set: refusing to serve (run `wrangler secret put ROOT_PASSWORD`)');
    }
    const cred = credential(request.headers.get('Authorization'));
    if (cred === undefined || cred === '') throw new VesperError('NEED_AUTHENTICATE', 'missing authentication: send Authorization: Bearer <user>:<password> or Bearer <api-key>');
    if (cred.startsWith(API_KEY_PREFIX)) return this.apiKeyPrincipal(cred);
    const colon = cred.indexOf(':');
    const user = colon < 0 ? '' : cred.slice(0, colon);
    const password = colon < 0 ? cred : cred.slice(colon + 1);
    const fail = (): VesperError => new VesperError('NEED_AUTHENTICATE', 'authentication failed: wrong user name or password');
    if (user === ROOT_USER) {
      if (!sameString(password, rootPassword || DEFAULT_ROOT_PASSWORD)) throw fail();
      return { name: ROOT_USER, superuser: true };
    }
    if (!(await this.checkPassword(user, password))) throw fail();
    return { name: user, superuser: false };
  }

  /** The owner of an API key (keys are random, so a plain SHA-256 is a safe stored form). */
  private async apiKeyPrincipal(key: string): Promise<Principal> {
    const hash = await digest(key);
    let rec = (await this.policy()).apiKeys.find((k) => sameString(k.hash, hash));
    if (rec === undefined && cached !== undefined && Date.now() - cached.at > 1000) {
      cached = undefined; // a key issued by another isolate moments ago
      rec = (await this.policy()).apiKeys.find((k) => sameString(k.hash, hash));
    }
    if (rec === undefined) throw new VesperError('NEED_AUTHENTICATE', 'authentication failed: unknown or revoked API key');
    return { name: rec.user, superuser: rec.user === ROOT_USER };
  }

  /** Whether `password` is `user`'s stored password (root excluded). */
  async checkPassword(user: string, password: string): Promise<boolean> {
    const rec = (await this.policy()).users.find((u) => u.name === user);
    const key = await digest(`${user}\u0000${password}`);
    const hit = verified.get(key);
    const now = Date.now();
    if (rec !== undefined && hit !== undefined && hit.hash === rec.hash && now - hit.at < VERIFIED_TTL_MS) return true;
    const ok = await verifyPassword(password, rec ?? DECOY);
    if (!ok || rec === undefined) return false;
    if (verified.size > 1000) verified.clear();
    verified.set(key, { hash: rec.hash, at: now });
    return true;
  }

  /** @throws PRIVILEGE_NOT_PERMITTED (1401, HTTP 403) */
  async authorize(who: Principal, need: Need): Promise<void> {
    if (who.superuser) return;
    authorize(await this.policy(), who, need);
  }
}
