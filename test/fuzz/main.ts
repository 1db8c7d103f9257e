/**
 * `npm run fuzz -- [--seed N] [--requests N] [--seconds N] [--client-requests N] [--huge-bytes N] [--concurrency N] [--via direct|proxy]`
 * (huge values log-uniform from 1 KB to --huge-bytes, default 48 MiB):
 * the REST fuzz campaign on a local workerd (unstable_startWorker) and the in-process
 * VesperClient campaign, seeded (the seed is printed first; VESPER_SEED also sets it) and
 * bounded by count and time. Exits 1 on any failure: a non-JSON or 5xx answer, a code-5
 * answer, a hang, a server that stopped answering /health, or a changed reference collection.
 */
import { parseArgs } from 'node:util';
import { testSeed } from '../../packages/core/src/util/random.ts';
import { startVesperWorker } from '../edge/worker-harness.ts';
import { runClientFuzz } from './client-fuzz.ts';
import { runRestFuzz } from './rest-fuzz.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    requests: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '600' },
    'client-requests': { type: 'string', default: '2000' },
    // huge values are log-uniform from 1 KB up to this (generators.ts hugeSize): past the 8 MiB
    // limit of bodies without bulk data and past the 32 MiB one of bulk routes
    'huge-bytes': { type: 'string', default: String(48 * 1024 * 1024) },
    concurrency: { type: 'string', default: '4' },
    // direct: the Worker's own workerd socket; proxy: through wrangler's proxy Worker, whose
    // pooled connections to the Worker reset multi-MB uploads (docs/HARDENING.md "Fuzzing")
    via: { type: 'string', default: 'direct' },
  },
});
const seed = testSeed(values.seed ?? process.env.VESPER_SEED);
const requests = Number(values.requests);
const seconds = Number(values.seconds);
console.log(`fuzz: seed ${seed} (replay with --seed ${seed}), ${requests} REST requests, ${values['client-requests']} client calls, at most ${seconds} s each, huge values up to ${values['huge-bytes']} bytes, via ${values.via}`);

if (values.via !== 'direct' && values.via !== 'proxy') throw new Error('--via direct|proxy');
const worker = await startVesperWorker();
let failed = false;
try {
  const rest = await runRestFuzz({ endpoint: () => (values.via === 'proxy' ? worker.endpoint : worker.directEndpoint), seed, requests, seconds, hugeBytes: Number(values['huge-bytes']), concurrency: Number(values.concurrency), log: (l) => console.log(l) });
  console.log(`REST: ${rest.sent} requests in ${rest.seconds.toFixed(0)} s; codes ${JSON.stringify(rest.byCode)}; non-JSON ${rest.nonJson}, code 5 ${rest.code5}, hangs ${rest.hangs}, healthy ${rest.healthy}, reference intact ${rest.referenceIntact}`);
  for (const f of rest.failures.slice(0, 50)) console.log(`  FAIL ${f.route} [${f.kind}]: ${f.problem}`);
  if (rest.failures.length > 50) console.log(`  ... and ${rest.failures.length - 50} more`);
  failed ||= rest.failures.length > 0;
  if (worker.reloads > 0) {
    // not Vesper's failures: the harness restarted the Worker under the requests in flight
    console.log(`  INVALID RUN: the Worker was reloaded ${worker.reloads} time(s) because a source file changed during the run (wrangler's bundler watches sources); the failures around a reload are the harness's`);
    failed = true;
  }
} finally {
  await worker.dispose();
}
const client = await runClientFuzz(seed, Number(values['client-requests']), seconds);
console.log(`client: ${client.sent} calls; ${client.failures.length} failures`);
for (const f of client.failures.slice(0, 50)) console.log(`  FAIL ${f}`);
failed ||= client.failures.length > 0;
console.log(`fuzz: seed ${seed}: ${failed ? 'FAILED' : 'passed'}`);
process.exit(failed ? 1 : 0);
