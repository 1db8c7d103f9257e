/**
 * `npm start` (scripts/start.mjs) as a user meets it, with real wrangler, workerd and vite on
 * free random ports and a throwaway --persist-to directory:
 * - a port already in use: one line naming it and the setting that moves it, exit 1, no stack
 *   trace, nothing started;
 * - started, answering /health and the demo page, then SIGTERM to `npm start` (or SIGINT to
 *   start.mjs itself): every process of the tree seen while it ran (npm, sh, start.mjs,
 *   wrangler, workerd, vite, esbuild) is gone, by pid and by process group, and both ports are free;
 * - the banner matches the credential in force: ROOT_PASSWORD from the environment or from the
 *   repository's `.dev.vars` (where wrangler dev and start.mjs read it) is used, the banner says
 *   where it came from, and neither the password nor root:Milvus is printed or root:Milvus
 *   accepted; `.dev.vars` is git-ignored.
 *
 * The `.dev.vars` case must write the real file (wrangler reads it next to wrangler.toml). It
 * runs only when the repository has none — a developer's own secrets are never touched — and
 * removes it in `finally`, in afterAll and on process exit; the file starts with DEV_VARS_MARK,
 * so one left by a killed run is recognised and removed by the next.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HOST, descendants, freePort, killAll, listProcesses, portIsFree, survivors, waitUntil } from './processes.ts';

const root = join(import.meta.dirname, '..', '..');
const script = join(root, 'scripts', 'start.mjs');
const dirs: string[] = [];
const devVars = join(root, '.dev.vars');
/** First line of a .dev.vars this file writes: how a leftover of a killed run is recognised. */
const DEV_VARS_MARK = '# written by test/start/start.test.ts for one test; safe to delete';
const ownDevVars = (): boolean => existsSync(devVars) && readFileSync(devVars, 'utf8').startsWith(DEV_VARS_MARK);
const removeOwnDevVars = (): void => {
  if (ownDevVars()) rmSync(devVars);
};
removeOwnDevVars();
process.on('exit', removeOwnDevVars);
/** The .dev.vars case needs the file to itself: none of the developer's may exist. */
const devVarsFree = !existsSync(devVars);
afterAll(async () => {
  removeOwnDevVars();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Run {
  // detached: the run gets its own process group, apart from the test runner's.
  const child = spawn(cmd, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += String(c)));
  child.stderr!.on('data', (c) => (err += String(c)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, out: () => out, err: () => err, exited };
}

function baseEnv(ports: { port: number; demoPort: number }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(ports.port), DEMO_PORT: String(ports.demoPort) };
  delete env.ROOT_PASSWORD;
  delete env.CLOUDFLARE_INCLUDE_PROCESS_ENV;
  return env;
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.end('occupied\n'));
    server.once('error', reject);
    server.listen({ host: HOST, port }, () => resolve(server));
  });
}

async function restCode(port: number, token: string): Promise<number> {
  const res = await fetch(`http://${HOST}:${port}/v2/vectordb/collections/list`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: '{}',
  });
  return ((await res.json()) as { code: number }).code;
}

describe('npm start: a port already in use', () => {
  it.each([
    ['PORT', 'endpoint'],
    ['DEMO_PORT', 'demo'],
  ] as const)('%s taken: one clear line, exit 1, nothing started', async (envName, what) => {
    const ports = { port: await freePort(), demoPort: await freePort() };
    const taken = envName === 'PORT' ? ports.port : ports.demoPort;
    const other = envName === 'PORT' ? ports.demoPort : ports.port;
    const server = await occupy(taken);
    try {
      const r = run(process.execPath, [script], baseEnv(ports));
      const { code } = await r.exited;
      const lines = r.err().trim().split('\n');
      expect(code).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`port ${taken} (${what}) is already in use`);
      expect(lines[0]).toContain(`${envName}=<port>`);
      expect(r.err()).not.toMatch(/^\s+at /m); // no stack trace
      expect(r.out()).not.toContain('Milvus REST v2 endpoint'); // no banner for servers that never start
      expect(await portIsFree(other)).toBe(true); // the other server was not started either
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 30_000);

  it('a bad port value: one line, exit 2', async () => {
    const r = run(process.execPath, [script, '--port', 'http'], baseEnv({ port: 1, demoPort: 2 }));
    expect((await r.exited).code).toBe(2);
    expect(r.err().trim().split('\n')).toEqual(['vesper: endpoint port must be an integer in 1..65535, got "http" (PORT or --port)']);
  }, 30_000);
});

describe('npm start: the credential', () => {
  it('.dev.vars, where a local ROOT_PASSWORD goes, is git-ignored', () => {
    expect(execFileSync('git', ['check-ignore', '--no-index', '.dev.vars'], { cwd: root, encoding: 'utf8' }).trim()).toBe('.dev.vars');
    expect(execFileSync('git', ['ls-files', '--', '.dev.vars'], { cwd: root, encoding: 'utf8' })).toBe(''); // and never committed
  });
});

interface StopCase {
  readonly how: string;
  /** through `npm start` (else start.mjs itself) */
  readonly npm: boolean;
  readonly signal: NodeJS.Signals;
  /** where ROOT_PASSWORD comes from (none: the local default credential) */
  readonly password: 'environment' | '.dev.vars' | undefined;
}

describe('npm start: stopping leaves nothing behind', () => {
  it.for<StopCase>([
    { how: 'SIGTERM to npm start, ROOT_PASSWORD in the environment', npm: true, signal: 'SIGTERM', password: 'environment' },
    { how: 'SIGTERM to start.mjs, ROOT_PASSWORD in .dev.vars', npm: false, signal: 'SIGTERM', password: '.dev.vars' },
    { how: 'SIGINT to start.mjs, default credential', npm: false, signal: 'SIGINT', password: undefined },
  ])('$how', { timeout: 240_000 }, async ({ npm, signal, password }, { skip }) => {
    if (password === '.dev.vars' && !devVarsFree) skip('the repository has its own .dev.vars; this case writes that file and never touches a developer\'s');
    const ports = { port: await freePort(), demoPort: await freePort() };
    const state = await mkdtemp(join(tmpdir(), 'vesper-start-'));
    dirs.push(state);
    const env = baseEnv(ports);
    const secret = randomBytes(9).toString('base64url');
    if (password === 'environment') env.ROOT_PASSWORD = secret;
    if (password === '.dev.vars') writeFileSync(devVars, `${DEV_VARS_MARK}\nROOT_PASSWORD="${secret}"\n`, { mode: 0o600 });
    const r = npm
      ? run('npm', ['start', '--silent', '--', '--persist-to', state], env)
      : run(process.execPath, [script, '--persist-to', state], env);
    const pids = new Set<number>();
    const pgids = new Set<number>();
    const ownPgid = listProcesses().find((p) => p.pid === process.pid)?.pgid;
    try {
      const ready = await waitUntil(() => r.out().includes('vesper: ready') || r.child.exitCode !== null, 150_000, 250);
      expect(ready && r.child.exitCode === null, `start did not become ready:\n${r.out()}\n${r.err()}`).toBe(true);

      // Both servers answer.
      const health = await fetch(`http://${HOST}:${ports.port}/health`);
      expect(await health.json()).toEqual({ ok: true, engine: 'vesper' });
      const demo = await fetch(`http://${HOST}:${ports.demoPort}/`);
      expect(demo.status).toBe(200);
      expect(await demo.text()).toContain('<script type="module"');

      // The banner tells the truth, and the endpoint enforces what it says.
      const banner = r.out().split('\n').find((l) => l.includes('Milvus REST v2 endpoint')) ?? '';
      if (password !== undefined) {
        expect(banner).toContain(`ROOT_PASSWORD is set (from ${password === 'environment' ? 'the environment' : '.dev.vars'})`);
        expect(r.out()).not.toContain('root:Milvus');
        expect(r.out()).not.toContain(secret);
        expect(await restCode(ports.port, `root:${secret}`)).toBe(0);
        expect(await restCode(ports.port, 'root:Milvus')).toBe(1800);
      } else if (!existsSync(join(root, '.dev.vars'))) {
        expect(banner).toContain('Bearer root:Milvus');
        expect(await restCode(ports.port, 'root:Milvus')).toBe(0);
      }

      // The tree as it runs: wrangler, workerd and vite are all in it.
      const tree = descendants(r.child.pid!);
      for (const p of tree) {
        pids.add(p.pid);
        if (p.pgid !== ownPgid) pgids.add(p.pgid);
      }
      const names = tree.map((p) => p.args).join('\n');
      expect(names).toMatch(/wrangler/);
      expect(names).toMatch(/workerd/);
      expect(names).toMatch(/vite/);

      process.kill(r.child.pid!, signal);
      await r.exited;
      await waitUntil(() => survivors(pids, pgids).length === 0, 30_000);
      expect(survivors(pids, pgids)).toEqual([]);
      expect(await portIsFree(ports.port)).toBe(true);
      expect(await portIsFree(ports.demoPort)).toBe(true);
      expect(r.err()).not.toContain('exited (');
    } finally {
      killAll(pids, pgids);
      if (r.child.exitCode === null) killAll([r.child.pid!], [r.child.pid!]);
      removeOwnDevVars();
    }
  });
});
