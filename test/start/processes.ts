/**
 * Helpers for the `npm start` tests: free ports, the process tree under a pid (from /proc on
 * Linux, which slim CI images have even without procps; from `ps` elsewhere), and whether a process group or a listening port is still there. Each
 * helper observes the real system; none of them waits on a clock except `waitUntil`, which
 * only bounds how long a test may hang.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

export const HOST = '127.0.0.1';

/** A port that was free a moment ago (the kernel picked it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: HOST, port: 0 }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True if nothing listens on HOST:port (we could bind it ourselves). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface Proc {
  pid: number;
  ppid: number;
  pgid: number;
  args: string;
}

export function listProcesses(): Proc[] {
  if (existsSync('/proc/self/stat')) return fromProc();
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), pgid: Number(m[3]), args: m[4]! }));
}

/** `root` and every process below it, as the process table shows them now. */
export function descendants(root: number): Proc[] {
  const all = listProcesses();
  const found = all.filter((p) => p.pid === root);
  for (let i = 0; i < found.length; i++) {
    for (const p of all) if (p.ppid === found[i]!.pid) found.push(p);
  }
  return found;
}

/** Processes still alive among `pids`, or in any of the process groups `pgids`. */
export function survivors(pids: Set<number>, pgids: Set<number>): Proc[] {
  return listProcesses().filter((p) => pids.has(p.pid) || pgids.has(p.pgid));
}

/** Kills every listed process group and pid: cleanup after a failed test, so no server lingers. */
export function killAll(pids: Iterable<number>, pgids: Iterable<number>): void {
  for (const g of pgids) {
    try {
      process.kill(-g, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Polls `check` until it is true or `limitMs` passes; returns the last answer. */
export async function waitUntil(check: () => boolean | Promise<boolean>, limitMs: number, everyMs = 200): Promise<boolean> {
  const end = Date.now() + limitMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The process table from /proc: `stat` is "pid (comm) state ppid pgrp ...", comm may hold spaces. */
function fromProc(): Proc[] {
  const procs: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (after[0] === 'Z') continue; // a zombie has exited: it serves nothing and holds no port
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim();
      procs.push({ pid: Number(name), ppid: Number(after[1]), pgid: Number(after[2]), args: args || stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) });
    } catch {
      // the process ended while we read it
    }
  }
  return procs;
}
