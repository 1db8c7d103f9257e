/**
 * The short seeded slice of the fuzz campaign (test/fuzz/; `npm run fuzz` runs the long one):
 * a few hundred hostile REST requests on the real Worker in workerd, and in-process client
 * calls. Every answer Milvus JSON with a code, no code 5, no hang, the server up, the
 * reference collection unchanged. The seed is printed (VESPER_SEED replays it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../../packages/core/src/index.ts';
import { runClientFuzz } from '../fuzz/client-fuzz.ts';
import { runRestFuzz } from '../fuzz/rest-fuzz.ts';
import { startVesperWorker, type RunningWorker } from './worker-harness.ts';

const seed = testSeed(process.env.VESPER_SEED);
let worker: RunningWorker;

beforeAll(async () => {
  worker = await startVesperWorker();
}, 90_000);

afterAll(async () => {
  await worker?.dispose();
});

describe(`fuzz slice (seed ${seed})`, () => {
  it('REST: 300 hostile requests answered in Milvus JSON, none code 5, reference intact', async () => {
    const r = await runRestFuzz({ endpoint: worker.directEndpoint, seed, requests: 300, seconds: 40 });
    expect(r.failures).toEqual([]);
    expect(r.healthy).toBe(true);
    expect(r.referenceIntact).toBe(true);
    expect(r.sent).toBeGreaterThan(0);
  }, 120_000);

  it('in-process client: hostile calls fail with coded errors only', async () => {
    const r = await runClientFuzz(seed, 400, 30);
    expect(r.failures).toEqual([]);
    expect(r.sent).toBeGreaterThan(0);
  }, 60_000);
});
