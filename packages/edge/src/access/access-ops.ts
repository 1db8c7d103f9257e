/** The mutations the AccessControl Durable Object applies, one at a time (see access-control.ts). */
import type { Grant } from './policy.ts';
import type { PasswordHash } from './passwords.ts';

export type AccessOp =
  | { readonly op: 'createUser'; readonly user: string; readonly password: PasswordHash; readonly description?: string }
  | { readonly op: 'updatePassword'; readonly user: string; readonly password: PasswordHash; readonly description?: string }
  | { readonly op: 'dropUser'; readonly user: string }
  | { readonly op: 'grantRole'; readonly user: string; readonly role: string }
  | { readonly op: 'revokeRole'; readonly user: string; readonly role: string }
  | { readonly op: 'createRole'; readonly role: string; readonly description?: string }
  | { readonly op: 'dropRole'; readonly role: string }
  | { readonly op: 'grantPrivilege'; readonly grant: Grant }
  | { readonly op: 'revokePrivilege'; readonly grant: Grant }
  | { readonly op: 'createApiKey'; readonly user: string; readonly id: string; readonly hash: string }
  | { readonly op: 'dropApiKey'; readonly id: string };
