/**
 * Browser commands (they run in the Vitest host, Node) that start, stop and restart a real local
 * Vesper endpoint — wrangler's workerd, test/edge/worker-harness.ts — for the suites that need a
 * server (the replica suite). Started on first use only, so the other suites pay nothing; the
 * page reaches it cross-origin (its own origin is Vitest's), which is what CORS is for. Its
 * state lives in a temporary directory, so a restart (same port) finds the data it had.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserCommand } from 'vitest/node';
import type { RunningWorker, WorkerPlace } from '../edge/worker-harness.ts';

let running: Promise<RunningWorker> | undefined;
let place: WorkerPlace | undefined;

async function start(): Promise<RunningWorker> {
  // imported here so a run that never asks for an endpoint never loads wrangler
  const m = await import('../edge/worker-harness.ts');
  place ??= { persistTo: await mkdtemp(join(tmpdir(), 'vesper-endpoint-')) };
  const w = await m.startVesperWorker(place);
  place = { ...place, port: Number(new URL(w.endpoint).port) };
  return w;
}

/** Starts the endpoint once (later calls get the same one); answers its origin, e.g. http://127.0.0.1:54321. */
export const startVesperEndpoint: BrowserCommand<[]> = async () => {
  running ??= start();
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

/** Starts the stopped endpoint again, on the same port with the same state; answers its origin. */
export const restartVesperEndpoint: BrowserCommand<[]> = async () => {
  if (place?.port === undefined) throw new Error('restartVesperEndpoint: the endpoint was never started');
  const r = running;
  running = undefined;
  await (await r?.catch(() => undefined))?.dispose();
  running = start();
  return (await running).endpoint;
};
