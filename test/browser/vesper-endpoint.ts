/**
 * Browser commands (they run in the Vitest host, Node) that start and stop a real local Vesper
 * endpoint — wrangler's workerd, test/edge/worker-harness.ts — for the suites that need a
 * server (the replica suite). Started on first use only, so the other suites pay nothing; the
 * page reaches it cross-origin (its own origin is Vitest's), which is what CORS is for.
 */
import type { BrowserCommand } from 'vitest/node';
import type { RunningWorker } from '../edge/worker-harness.ts';

let running: Promise<RunningWorker> | undefined;

/** Starts the endpoint once (later calls get the same one); answers its origin, e.g. http://127.0.0.1:54321. */
export const startVesperEndpoint: BrowserCommand<[]> = async () => {
  // imported here so a run that never asks for an endpoint never loads wrangler
  running ??= import('../edge/worker-harness.ts').then((m) => m.startVesperWorker());
  try {
    return (await running).endpoint;
  } catch (e) {
    running = undefined;
    throw e;
  }
};

/** Stops the endpoint (no workerd process outlives the suite); stopping none is fine. */
export const stopVesperEndpoint: BrowserCommand<[]> = async () => {
  const r = running;
  running = undefined;
  await (await r?.catch(() => undefined))?.dispose();
};
