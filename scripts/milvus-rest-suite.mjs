// `npm run milvus-rest-suite`: Milvus's own REST v2 test suite (tests/restful_client_v2 of the
// Milvus repository, kept outside this repository with a harness) against a local Vesper
// endpoint, file by file; prints per-file counts and the pass rate.
//
//   npm run milvus-rest-suite -- [--suite DIR] [--files a,b] [--port N] [--venv DIR] [--out DIR]
//
// --suite: the suite folder with its _harness/ (default $VESPER_MILVUS_SUITE, else
//   ../shared/milvus-restful-suite next to the repository). --files: test file names without
//   .py (default: every file the harness runs; test_jobs_operation needs MinIO and is never run).
// --venv: the Python virtualenv, built on first use with what the machine's pip serves
//   (default <tmp>/vesper-mrs-venv). --out: results (default a fresh temp dir): per file
//   <f>.out (pytest's output), <f>.jsonl (per-phase outcomes), summary.json.
//
// Steps: venv → `wrangler dev` on a free private port, state persisted in a temp dir,
// VESPER_LOCAL_DEV=true (root:Milvus) → the harness's run_all.sh → table → server stopped
// (its whole process group) and temp state removed.
//
// Interrupting (SIGINT/SIGTERM) stops the server and the harness's loop; the pytest of the file
// in progress runs under the harness's own `timeout` process group and ends at its per-file limit
// (or kill that group by hand).
//
// Counting: a test passes when its call phase passes (xfail/xpass are listed apart). A failure
// whose message is the harness's gRPC shim ("HARNESS-SHIM") needs pymilvus gRPC, which a
// REST-only server cannot serve: it counts as environment. The pass rate that measures Vesper
// is passed / (ran − environment).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const HOST = '127.0.0.1';

/** The harness's files with their per-file time limits (seconds), in its order. */
const FILES = [
  ['test_alias_operation', 600],
  ['test_partition_operation', 600],
  ['test_database_operation', 600],
  ['test_user_operation', 600],
  ['test_role_operation', 600],
  ['test_index_operation', 1200],
  ['test_partial_update', 900],
  ['test_rest_value_fidelity', 900],
  ['test_query_order_by', 600],
  ['test_collection_operations', 1800],
  ['test_vector_operations', 2700],
];

/** What the suite imports; the machine's pip config decides where they come from. */
const PY_PACKAGES = ['pytest==8.4.2', 'pytest-timeout', 'requests', 'numpy', 'scikit-learn', 'Faker', 'tenacity', 'ml-dtypes', 'loguru', 'bm25s', 'pyarrow', 'shapely', 'pyyaml', 'pandas'];

function fail(message, code = 1) {
  process.stderr.write(`milvus-rest-suite: ${message}\n`);
  process.exit(code);
}

const { values: flags } = (() => {
  try {
    return parseArgs({
      options: {
        suite: { type: 'string' },
        files: { type: 'string' },
        port: { type: 'string' },
        venv: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (err) {
    return fail(`${err.message} (see --help)`, 2);
  }
})();
if (flags.help) {
  console.log('usage: npm run milvus-rest-suite -- [--suite DIR] [--files a,b] [--port N] [--venv DIR] [--out DIR]');
  process.exit(0);
}

const suite = resolve(flags.suite ?? process.env.VESPER_MILVUS_SUITE ?? join(root, '..', 'shared', 'milvus-restful-suite'));
if (!existsSync(join(suite, '_harness', 'run_all.sh'))) fail(`no suite with a harness at ${suite} (_harness/run_all.sh missing); pass --suite DIR or set VESPER_MILVUS_SUITE`, 2);

let files = FILES;
if (flags.files !== undefined) {
  const want = flags.files.split(',').map((s) => s.trim().replace(/\.py$/, '')).filter(Boolean);
  const unknown = want.filter((w) => !FILES.some(([f]) => f === w));
  if (unknown.length > 0) fail(`unknown test file(s) ${unknown.join(', ')}; known: ${FILES.map(([f]) => f).join(', ')}`, 2);
  files = FILES.filter(([f]) => want.includes(f));
}

const venv = resolve(flags.venv ?? join(tmpdir(), 'vesper-mrs-venv'));
const out = resolve(flags.out ?? mkdtempSync(join(tmpdir(), 'vesper-mrs-results-')));
mkdirSync(out, { recursive: true });

// 1. Python venv (built once; pip uses the machine's own configuration and mirrors).
const python = join(venv, 'bin', 'python');
if (!existsSync(python) || spawnSync(python, ['-c', 'import pytest, pytest_timeout, requests, numpy, sklearn, faker, tenacity, ml_dtypes, loguru, pyarrow, shapely, yaml, pandas']).status !== 0) {
  console.log(`building the Python venv in ${venv}`);
  if (spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' }).status !== 0) fail('python3 -m venv failed');
  const pip = spawnSync(python, ['-m', 'pip', 'install', '-q', ...PY_PACKAGES], { stdio: 'inherit' });
  if (pip.status !== 0) fail(`pip install failed (packages: ${PY_PACKAGES.join(' ')})`);
}

// 2. The endpoint: wrangler dev on a private port, its own process group.
async function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen({ host: HOST, port: 0 }, () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}
const port = flags.port !== undefined ? Number(flags.port) : await freePort();
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be an integer in 1..65535, got ${flags.port}`, 2);
const endpoint = `http://${HOST}:${port}`;
const state = mkdtempSync(join(tmpdir(), 'vesper-mrs-state-'));
const hadWranglerTmp = existsSync(join(root, '.wrangler', 'tmp'));
const serverLog = join(out, 'server.log');
const server = spawn(
  join(root, 'node_modules', '.bin', 'wrangler'),
  ['dev', '--ip', HOST, '--port', String(port), '--persist-to', state, '--var', 'VESPER_LOCAL_DEV:true', '--show-interactive-dev-session=false'],
  {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_BUILD_CONDITIONS: process.env.WRANGLER_BUILD_CONDITIONS ?? 'vesper-source,workerd,worker,browser' },
  },
);
const logChunks = [];
server.stdout.on('data', (c) => logChunks.push(c));
server.stderr.on('data', (c) => logChunks.push(c));

let stopped = false;
async function stopServer() {
  if (stopped) return;
  stopped = true;
  const signal = (sig) => {
    try {
      process.kill(-server.pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + 5000;
  while (signal(0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  signal('SIGKILL');
  writeFileSync(serverLog, Buffer.concat(logChunks));
  rmSync(state, { recursive: true, force: true });
  if (!hadWranglerTmp) rmSync(join(root, '.wrangler', 'tmp'), { recursive: true, force: true });
}
/** The harness run (its own process group: run_all.sh, timeout, pytest), once started. */
let harness;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    try {
      if (harness?.pid !== undefined) process.kill(-harness.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    void stopServer().then(() => process.exit(130));
  });
}
process.on('exit', () => {
  if (!stopped) {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

const started = Date.now();
for (;;) {
  if (server.exitCode !== null) {
    writeFileSync(serverLog, Buffer.concat(logChunks));
    fail(`wrangler dev exited (code ${server.exitCode}); see ${serverLog}`);
  }
  try {
    if ((await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(2000) })).ok) break;
  } catch {
    // not up yet
  }
  if (Date.now() - started > 180_000) {
    await stopServer();
    fail(`the endpoint did not answer on ${endpoint}/health within 180 s; see ${serverLog}`);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
console.log(`endpoint ${endpoint} (state ${state}); results in ${out}`);

// 3. The suite, file by file, through the harness (it patches a throw-away copy of the suite).
const run = spawn('nice', ['-n', '10', 'bash', join(suite, '_harness', 'run_all.sh'), endpoint, 'root:Milvus', out], {
  stdio: 'inherit',
  detached: true,
  env: {
    ...process.env,
    MRS_PY: python,
    MRS_RUN: join(out, 'suite-run'),
    MRS_FILES: files.map(([f, t]) => `${f}:${t}`).join(' '),
  },
});
harness = run;
const runCode = await new Promise((res) => run.on('exit', (code) => res(code ?? 1)));
await stopServer();

// 4. Counts per file from the harness's per-phase records.
const rows = [];
const total = { file: 'TOTAL', collected: 0, ran: 0, passed: 0, failed: 0, env: 0, xfail: 0, xpass: 0, skipped: 0, notRun: 0 };
for (const [f] of files) {
  const rec = join(out, `${f}.jsonl`);
  const collected = existsSync(`${rec}.collected`) ? readFileSync(`${rec}.collected`, 'utf8').split('\n').filter(Boolean) : [];
  const phases = new Map();
  if (existsSync(rec)) {
    for (const line of readFileSync(rec, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const r = JSON.parse(line);
      if (!phases.has(r.nodeid)) phases.set(r.nodeid, {});
      phases.get(r.nodeid)[r.when] = r;
    }
  }
  const row = { file: f, collected: collected.length, ran: 0, passed: 0, failed: 0, env: 0, xfail: 0, xpass: 0, skipped: 0, notRun: 0, failures: [] };
  for (const id of collected) {
    const p = phases.get(id);
    const setup = p?.setup;
    const call = p?.call;
    if (p === undefined || (setup?.outcome === 'passed' && call === undefined)) {
      row.notRun++;
      continue;
    }
    row.ran++;
    const failedWith = (r) => {
      if (/HARNESS-SHIM|GrpcUnavailable/.test(r.msg ?? '')) row.env++;
      else {
        row.failed++;
        row.failures.push({ test: id, msg: (r.msg ?? '').slice(0, 300) });
      }
    };
    if (setup?.outcome === 'failed') failedWith(setup);
    else if (setup?.outcome === 'skipped') row.skipped++;
    else if (call.outcome === 'passed') row[call.wasxfail != null ? 'xpass' : 'passed']++;
    else if (call.outcome === 'skipped') row[call.wasxfail != null ? 'xfail' : 'skipped']++;
    else failedWith(call);
  }
  for (const k of Object.keys(total)) if (k !== 'file') total[k] += row[k];
  rows.push(row);
}
const cols = ['collected', 'ran', 'passed', 'failed', 'env', 'xfail', 'xpass', 'skipped', 'notRun'];
const line = (r) => `${r.file.padEnd(28)} ${cols.map((c) => String(r[c]).padStart(9)).join('')}`;
console.log(`\n${'file'.padEnd(28)} ${cols.map((c) => c.padStart(9)).join('')}`);
for (const r of rows) console.log(line(r));
console.log(line(total));
const pct = (a, b) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
const runnable = total.ran - total.env;
console.log(`\npass rate: ${total.passed}/${total.ran} = ${pct(total.passed, total.ran)} of tests run; ${total.passed}/${runnable} = ${pct(total.passed, runnable)} of tests runnable without gRPC (env = failures from the harness's pymilvus gRPC shim; test_jobs_operation needs MinIO and is not run)`);
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
writeFileSync(join(out, 'summary.json'), JSON.stringify({ date: new Date().toISOString(), commit, endpoint, rows, total, runnable }, null, 2));
console.log(`summary: ${join(out, 'summary.json')} (commit ${commit})`);
if (runCode !== 0) fail(`run_all.sh exited with code ${runCode}`);
