/**
 * The REST layer's handler shape: one function per `<category>/<action>` that turns a parsed
 * body into ProxyNode calls on the request's database engine and returns the `data` of
 * Milvus's envelope (plus `topks` for searches).
 */
import type { AccessClient } from '../access/access-client.ts';
import type { Principal } from '../access/policy.ts';
import type { Engine } from '../rpc.ts';
import type { Body } from './body.ts';

export interface RestCall {
  readonly body: Body;
  /** The database the request names (`dbName` in the body, else header `DB-Name`, else "default"). */
  readonly dbName: string;
  /** Int64 values as JSON numbers (exact digits; the default, as Milvus's) or, with `Accept-Type-Allow-Int64: false`, as strings. */
  readonly allowInt64: boolean;
  /** The engine of `dbName`. */
  readonly engine: Engine;
  /** The engine of another database (databases/* endpoints). */
  engineFor(dbName: string): Engine;
  /** The authenticated caller. */
  readonly principal: Principal;
  /** Users, roles and grants (users/*, roles/*, databases/list filtering). */
  readonly access: AccessClient;
  /**
   * Header `Vesper-Session-Ts`: the caller's last write timestamp (from a write's response),
   * for Session consistency on reads — Milvus's SDKs keep it in the client; REST has no field.
   */
  readonly sessionTs?: string;
  /**
   * For endpoints whose object the handler resolves (aliases/describe|alter|drop, job states):
   * checks the endpoint's privilege on the collection (or alias) the handler acts on.
   * @throws PRIVILEGE_NOT_PERMITTED (1401, HTTP 403)
   */
  authorizeOn(collectionOrAlias: string): Promise<void>;
}

export interface RestReply {
  readonly data: unknown;
  readonly topks?: number[];
  /** users/describe, roles/describe: the user's or role's description, beside `data` (as Milvus answers it). */
  readonly description?: string;
  /** A write's timestamp, answered in header `Vesper-Session-Ts`. */
  readonly sessionTs?: string;
}

export type RestHandler = (call: RestCall) => Promise<RestReply>;
export type RestRoutes = Readonly<Record<string, RestHandler>>;
