/**
 * Password hashing with WebCrypto: PBKDF2-SHA256, a random 16-byte salt per user, 100,000
 * iterations (the most workerd's PBKDF2 accepts), a 32-byte key, stored as hex. Verification
 * compares in constant time. Only hashes are ever stored; plaintext passwords live no longer
 * than the request that carries them.
 */

export const PBKDF2_ITERATIONS = 100_000;

export interface PasswordHash {
  readonly salt: string;
  readonly hash: string;
  readonly iterations: number;
}

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function unhex(s: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** A fresh salted hash of `password`. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt: hex(salt), hash: hex(await derive(password, salt, PBKDF2_ITERATIONS)), iterations: PBKDF2_ITERATIONS };
}

/** Whether `password` matches the stored hash (constant-time comparison of the keys). */
export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const got = await derive(password, unhex(stored.salt), stored.iterations);
  return sameBytes(got, unhex(stored.hash));
}

/** Constant-time comparison: the time depends on the lengths only. */
export function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export function sameString(a: string, b: string): boolean {
  return sameBytes(new TextEncoder().encode(a), new TextEncoder().encode(b));
}

/** SHA-256 of a string, hex: cache keys that never hold a password in the clear. */
export async function digest(s: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s))));
}
