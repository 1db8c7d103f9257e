/**
 * Authentication (Milvus's proxy authentication interceptor, HTTP side): the caller presents
 * `Authorization: Bearer user:password` (or Basic base64(user:password)). For now the only
 * user is `root`; its password is the ROOT_PASSWORD secret. Locally (`npm start` passes
 * VESPER_LOCAL_DEV=true) it defaults to "Milvus" like a fresh local Milvus; a deployment
 * without the secret refuses to serve rather than run with a known password. Users, roles,
 * API keys and RBAC (403, code 1401) come later.
 * A missing or wrong credential is HTTP 401 with code 1800.
 */
import { VesperError } from '@vesper/core';

export const DEFAULT_ROOT_PASSWORD = 'Milvus';

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

/** Constant-time string comparison, so the password cannot be guessed byte by byte from timing. */
function sameString(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/**
 * The authenticated user's name.
 * @throws NEED_AUTHENTICATE (1800, HTTP 401) when the credential is missing or wrong.
 */
export function authenticate(request: Request, rootPassword: string | undefined, localDev = false): string {
  if (!rootPassword && !localDev) {
    throw new VesperError('SERVICE_UNAVAILABLE', 'the ROOT_PASSWORD secret is not set: refusing to serve (run `wrangler secret put ROOT_PASSWORD`)');
  }
  const cred = credential(request.headers.get('Authorization'));
  if (cred === undefined || cred === '') throw new VesperError('NEED_AUTHENTICATE', 'missing authentication: send Authorization: Bearer <user>:<password>');
  const colon = cred.indexOf(':');
  const user = colon < 0 ? '' : cred.slice(0, colon);
  const password = colon < 0 ? cred : cred.slice(colon + 1);
  if (user !== 'root' || !sameString(password, rootPassword || DEFAULT_ROOT_PASSWORD)) {
    throw new VesperError('NEED_AUTHENTICATE', 'authentication failed: wrong user name or password');
  }
  return user;
}
