/**
 * The messages tabs of one database exchange on BroadcastChannel "vesper-tabs:<url>" (see
 * tab-transport.ts). Everything is structured-cloneable; errors travel as VesperError JSON.
 *
 *   hello   a tab joined and asks who leads          (the leader answers with 'leader')
 *   leader  tab `leader` holds the lock and serves    (calls posted to others are lost)
 *   bye     the leader stopped serving                (its unanswered calls are lost)
 *   req     a follower's call, addressed to the leader it believes in
 *   res     the leader's answer to call `id` of tab `to`
 *   cancel  the caller aborted call `id`
 */
import type { VesperErrorJSON } from '@vesper/core';
import type { CallMeta, WorkerMethod } from '@vesper/worker';

export type TabMessage =
  | { readonly t: 'hello'; readonly from: string }
  | { readonly t: 'leader'; readonly leader: string }
  | { readonly t: 'bye'; readonly leader: string }
  | { readonly t: 'req'; readonly id: string; readonly from: string; readonly to: string; readonly method: WorkerMethod; readonly request: unknown; readonly meta: CallMeta }
  | { readonly t: 'res'; readonly id: string; readonly to: string; readonly ok: true; readonly value: unknown }
  | { readonly t: 'res'; readonly id: string; readonly to: string; readonly ok: false; readonly error: VesperErrorJSON }
  | { readonly t: 'cancel'; readonly id: string; readonly to: string };
