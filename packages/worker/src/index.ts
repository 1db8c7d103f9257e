/**
 * `@vesper/worker`: the engine inside a dedicated Web Worker behind comlink, with the same
 * API as in-process. The worker entry and the main-thread proxy arrive with the browser
 * issue; this module exports the one piece that already exists — the transport contract a
 * worker proxy implements.
 */
export type { Transport } from '@vesper/core';
