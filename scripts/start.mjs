// `npm start`: the Milvus REST v2 endpoint on workerd (wrangler dev, local DO + R2 state) and
// the Vite demo app (demo/), side by side.
//
// Ports: PORT / --port (endpoint, default 8787) and DEMO_PORT / --demo-port (demo, default
// 5173); flags win over the environment. State: --persist-to (default .wrangler/state).
//
// Invariants:
// - A port already in use is found before anything starts: one line naming the port and the
//   setting that moves it, exit code 1, nothing left running. Bad flags: one line, exit 2.
// - Each server runs in its own process group (detached), so stopping kills the whole group:
//   wrangler *and* the workerd it spawns, vite *and* its esbuild service. Stopping is triggered
//   by SIGINT/SIGTERM/SIGHUP, by either server exiting (the other is stopped with a clear
//   line), or by our parent going away (`npm start` runs us under `sh -c`; npm forwards a
//   SIGTERM to that shell, which dies without passing it on, so we watch our parent pid).
//   A group that ignores SIGTERM for 5 s gets SIGKILL.
// - The banner never claims a credential that is not the one in force: with ROOT_PASSWORD set
//   (environment, .dev.vars, or .env when there is no .dev.vars — wrangler's own order) it
//   says so and prints no password; only without it does it print the local root:Milvus.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, parseEnv } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);
const HOST = '127.0.0.1';
const KILL_AFTER_MS = 5000;

/** One line on stderr and out, with no stack trace: what a user should see for a setup problem. */
function fail(message, code) {
  process.stderr.write(`vesper: ${message}\n`);
  process.exit(code);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        'demo-port': { type: 'string' },
        'persist-to': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    return fail(`${err.message} (usage: npm start -- [--port N] [--demo-port N] [--persist-to DIR])`, 2);
  }
}

function portFrom(flag, envName, fallback, what) {
  const raw = flag ?? process.env[envName] ?? String(fallback);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(n) || n < 1 || n > 65535) {
    fail(`${what} port must be an integer in 1..65535, got ${JSON.stringify(raw)} (${envName} or --${flagName(envName)})`, 2);
  }
  return n;
}
const flagName = (envName) => (envName === 'PORT' ? 'port' : 'demo-port');

/** Resolves to undefined if the port can be bound on HOST, else to the error code (EADDRINUSE, EACCES). */
function probePort(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err) => resolve(err.code ?? 'error'));
    server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Where ROOT_PASSWORD comes from, following wrangler dev's order; undefined when it is unset. */
function rootPasswordSource() {
  if (process.env.ROOT_PASSWORD !== undefined && process.env.ROOT_PASSWORD !== '') return 'the environment';
  const read = (file) => (existsSync(join(root, file)) ? parseEnv(readFileSync(join(root, file), 'utf8')) : undefined);
  const devVars = read('.dev.vars');
  if (devVars !== undefined) return devVars.ROOT_PASSWORD ? '.dev.vars' : undefined;
  for (const file of ['.env', '.env.local']) if (read(file)?.ROOT_PASSWORD) return file;
  return undefined;
}

/**
 * wrangler dev does not pass the process environment to the Worker, so a ROOT_PASSWORD from the
 * environment goes in through a private env file (.dev.vars content first, the environment's
 * password last so it wins). Not on the command line: argv is visible to every local user.
 */
function envFileArgs() {
  const password = process.env.ROOT_PASSWORD;
  if (password === undefined || password === '') return { args: [], cleanup: () => {} };
  if (/[\r\n]/.test(password)) fail('ROOT_PASSWORD must be a single line', 2);
  const dir = mkdtempSync(join(tmpdir(), 'vesper-start-'));
  const file = join(dir, 'dev.vars');
  // What wrangler would have loaded without --env-file (.dev.vars, else .env and .env.local), so
  // the other local secrets stay in force; later lines win, so the password goes last.
  const files = existsSync(join(root, '.dev.vars')) ? ['.dev.vars'] : ['.env', '.env.local'];
  const base = files.map((f) => join(root, f)).filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8') + '\n').join('');
  writeFileSync(file, `${base}ROOT_PASSWORD=${JSON.stringify(password)}\n`, { mode: 0o600 });
  return { args: ['--env-file', file], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const flags = parseFlags();
if (flags.help) {
  console.log('usage: npm start -- [--port N] [--demo-port N] [--persist-to DIR]');
  console.log('  or PORT=N DEMO_PORT=N npm start   (defaults 8787 and 5173; flags win)');
  process.exit(0);
}
const port = portFrom(flags.port, 'PORT', 8787, 'endpoint');
const demoPort = portFrom(flags['demo-port'], 'DEMO_PORT', 5173, 'demo');
if (port === demoPort) fail(`the endpoint and the demo need different ports (both are ${port}); set PORT or DEMO_PORT`, 2);
const persistTo = flags['persist-to'] ?? '.wrangler/state';

for (const [p, envName, what] of [[port, 'PORT', 'endpoint'], [demoPort, 'DEMO_PORT', 'demo']]) {
  const problem = await probePort(p);
  if (problem === 'EADDRINUSE') {
    fail(`port ${p} (${what}) is already in use; stop what is using it or pick another with ${envName}=<port> or --${flagName(envName)} <port>. Nothing was started.`, 1);
  }
  if (problem !== undefined) fail(`cannot listen on ${HOST}:${p} (${what}): ${problem}. Nothing was started.`, 1);
}

const secrets = envFileArgs();
const source = rootPasswordSource();
const credential =
  source === undefined
    ? 'Authorization: Bearer root:Milvus (the local default; set ROOT_PASSWORD in .dev.vars to change it)'
    : `ROOT_PASSWORD is set (from ${source}): Authorization: Bearer root:<that password>`;
console.log('Vesper');
console.log(`  Milvus REST v2 endpoint: http://${HOST}:${port}  (${credential})`);
console.log(`  demo app:                http://${HOST}:${demoPort}  (demo/: arXiv papers in opfs://vesper-demo)`);
console.log(`  local state:             ${persistTo}`);

const servers = [
  {
    name: 'edge',
    what: 'the REST endpoint (wrangler)',
    cmd: bin('wrangler'),
    args: ['dev', '--ip', HOST, '--port', String(port), '--persist-to', persistTo, '--var', 'VESPER_LOCAL_DEV:true', '--show-interactive-dev-session=false', ...secrets.args],
    // the repository's Worker bundles the packages' sources (the vesper-source export condition), not dist/
    env: { ...process.env, WRANGLER_BUILD_CONDITIONS: process.env.WRANGLER_BUILD_CONDITIONS ?? 'vesper-source,workerd,worker,browser' },
  },
  { name: 'demo', what: 'the demo (vite)', cmd: bin('vite'), args: ['--host', HOST, '--port', String(demoPort), '--strictPort'] },
];

let stopping = false;
let exitCode = 0;
const children = servers.map((server) => {
  // detached: its own process group, so one kill reaches the whole tree (wrangler → workerd).
  const child = spawn(server.cmd, server.args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: server.env ?? process.env, detached: true });
  const prefix = (stream, out) =>
    stream.on('data', (chunk) => {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') out.write(`[${server.name}] ${line}\n`);
    });
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('error', (err) => {
    process.stderr.write(`vesper: cannot start ${server.what}: ${err.message}. Run npm install first.\n`);
    stop(1);
  });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`vesper: ${server.what} exited (${signal ?? `code ${code}`}); stopping the other server too.\n`);
    stop(code === 0 ? 1 : (code ?? 1));
  });
  return child;
});

/** Signals a child's whole process group; false once nothing in the group is left. */
function signalGroup(child, signal) {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is empty
  }
}
const groupAlive = (child) => signalGroup(child, 0);

async function stop(code) {
  if (stopping) return;
  stopping = true;
  exitCode = code;
  clearInterval(parentWatch);
  for (const c of children) signalGroup(c, 'SIGTERM');
  const deadline = Date.now() + KILL_AFTER_MS;
  while (children.some(groupAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  children.forEach((c, i) => {
    if (signalGroup(c, 'SIGKILL')) console.log(`vesper: ${servers[i].what} did not stop within ${KILL_AFTER_MS / 1000} s of SIGTERM; killed`);
  });
  while (children.some(groupAlive)) await new Promise((r) => setTimeout(r, 50));
  secrets.cleanup();
  process.exit(exitCode);
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (!stopping) console.log(`vesper: ${sig}, stopping both servers`);
    void stop(0);
  });
}
// Last resort if we exit some other way (an exception in this script): leave nothing behind.
process.on('exit', () => {
  for (const c of children) signalGroup(c, 'SIGKILL');
  secrets.cleanup();
});

const parentPid = process.ppid;
const parentWatch = setInterval(() => {
  if (process.ppid !== parentPid) {
    console.log('vesper: the parent process went away, stopping both servers');
    void stop(0);
  }
}, 250);

/** Prints one "ready" line once both servers answer over HTTP (a test and a human can wait for it). */
async function announceReady() {
  const ok = async (url) => {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(2000) })).ok;
    } catch {
      return false;
    }
  };
  const urls = [`http://${HOST}:${port}/health`, `http://${HOST}:${demoPort}/`];
  while (!stopping) {
    if ((await Promise.all(urls.map(ok))).every(Boolean)) {
      console.log(`vesper: ready — endpoint http://${HOST}:${port}, demo http://${HOST}:${demoPort}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
void announceReady();
