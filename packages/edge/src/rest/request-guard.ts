/**
 * The privilege check of one REST call (Milvus's privilege interceptor), made on the object
 * the handler acts on as the server resolves it — never on a name the body merely carries:
 * - `collection` endpoints: the body's `collectionName`, an alias resolved to its collection
 *   (a grant on a name must not open whatever collection an alias of that name points at);
 * - `targetDb` endpoints: the database the body names;
 * - `resolved` endpoints (aliases/describe|alter|drop, a compaction's or an import job's
 *   state): up front, only that the privilege is held on some collection of the database; the
 *   handler then resolves its object (alias → collection, job → collection) and calls `on()`.
 *   `finish()` fails a `resolved` call whose handler never called `on()`, so a handler cannot
 *   skip its check silently (as root too, so the tests catch it).
 * Invariant: no handler runs before `before()` succeeded; no `resolved` answer leaves before `on()`.
 */
import { VesperError } from '@vesper/core';
import type { AccessClient } from '../access/access-client.ts';
import type { Principal } from '../access/policy.ts';
import { endpointCheck, type EndpointCheck } from '../access/privileges.ts';
import type { Engine } from '../rpc.ts';
import type { Body } from './body.ts';

export class RequestGuard {
  private readonly check: EndpointCheck | undefined;
  private resolvedChecked = false;

  constructor(
    readonly route: string,
    private readonly principal: Principal,
    private readonly access: AccessClient,
    private readonly dbName: string,
    private readonly engine: Engine,
  ) {
    this.check = endpointCheck(route);
  }

  /** The up-front check. @throws PRIVILEGE_NOT_PERMITTED (1401, HTTP 403) */
  async before(body: Body): Promise<void> {
    const c = this.check;
    if (c === undefined) return;
    const db = c.level === 'Cluster' ? 'default' : c.target === 'targetDb' ? (body.str('dbName') ?? this.dbName) : this.dbName;
    let collection: string | undefined = '*';
    if (c.target === 'resolved') collection = undefined;
    else if (c.target === 'collection') {
      const name = body.str('collectionName');
      collection = name ? await this.collectionOf(name) : '*';
    }
    await this.access.authorize(this.principal, { privilege: c.privilege, level: c.level, db, collection });
  }

  /**
   * A `resolved` endpoint's check on the collection (or alias) its handler acts on.
   * @throws PRIVILEGE_NOT_PERMITTED (1401, HTTP 403)
   */
  async on(collectionOrAlias: string): Promise<void> {
    const c = this.check;
    if (c === undefined || c.target !== 'resolved') throw new VesperError('INTERNAL', `${this.route} is not an endpoint whose handler resolves its object`);
    this.resolvedChecked = true;
    const collection = await this.collectionOf(collectionOrAlias);
    await this.access.authorize(this.principal, { privilege: c.privilege, level: c.level, db: this.dbName, collection });
  }

  /** @throws INTERNAL when a `resolved` handler answered without authorizing its object. */
  finish(): void {
    if (this.check?.target === 'resolved' && !this.resolvedChecked) {
      throw new VesperError('INTERNAL', `${this.route} answered without checking ${this.check.privilege} on the collection it acted on`);
    }
  }

  /** The collection a name designates: an alias's target, else the name itself. */
  private async collectionOf(name: string): Promise<string> {
    // root holds everything: no lookup needed
    if (this.principal.superuser) return name;
    try {
      const res = await this.engine.call('describeAlias', { alias: name });
      return typeof res.collection === 'string' && res.collection !== '' ? res.collection : name;
    } catch (e) {
      // Not an alias (or no valid name at all: the handler answers that). A system failure
      // fails closed: the name might be an alias we could not resolve.
      if (VesperError.wrap(e).kind === 'system') throw e;
      return name;
    }
  }
}
