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
  /** Header `Accept-Type-Allow-Int64: true`: Int64 values as JSON numbers instead of strings. */
  readonly allowInt64: boolean;
  /** The engine of `dbName`. */
  readonly engine: Engine;
  /** The engine of another database (databases/* endpoints). */
  engineFor(dbName: string): Engine;
  /** The authenticated caller. */
  readonly principal: Principal;
  /** Users, roles and grants (users/*, roles/*, databases/list filtering). */
  readonly access: AccessClient;
}

export interface RestReply {
  readonly data: unknown;
  readonly topks?: number[];
}

export type RestHandler = (call: RestCall) => Promise<RestReply>;
export type RestRoutes = Readonly<Record<string, RestHandler>>;
