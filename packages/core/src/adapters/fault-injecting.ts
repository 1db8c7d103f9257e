/**
 * FaultInjectingStorage: a StorageSet wrapper that makes chosen adapter calls fail, or
 * simulates a crash, for durability tests (what Milvus gets from killing a DataNode mid-flush).
 * Injected failures are VesperError IO_FAILED (1000, retriable) with `details.injected`.
 *
 * Rules match calls by adapter, method and key. A rule fails either before the call reaches
 * the inner storage (nothing happened) or after it completed (it happened, but the caller
 * never hears so — the ambiguous outcome a lost acknowledgement produces). A crash makes
 * every later call fail, and calls in flight when it happens fail after completing.
 * Each wrapped adapter's `close` always reaches the inner adapter, so tests can reopen.
 */
import { VesperError } from '../errors/index.ts';
import { interceptStorage, type AdapterName, type StorageCall } from './intercept-storage.ts';
import type { StorageSet } from './storage-set.ts';

export interface FaultMatch {
  readonly adapter?: AdapterName;
  /** e.g. 'put', 'append', 'batch'; any method when absent. */
  readonly method?: string;
  /** Matches when any key of the call (object/meta key, WAL channel, list prefix) matches. */
  readonly key?: string | RegExp | ((key: string) => boolean);
}

export interface FaultRule extends FaultMatch {
  /** Fail only the nth matching call (1-based) — counting from when the rule was added. */
  readonly nth?: number;
  /** Fail at most this many matching calls (default: every one, or 1 with `nth`). */
  readonly times?: number;
  /** 'before' (default): the inner call never runs. 'after': it runs, then the caller gets the error. */
  readonly phase?: 'before' | 'after';
}

export interface CrashOptions {
  /** Crash after the nth matching call completes (default 1). */
  readonly nth?: number;
  /** The crashing call itself rejects as well (its effect stays), as if the process died before replying. */
  readonly failCall?: boolean;
}

/** A rule or crash trigger that was added; `hits` counts matching calls seen so far. */
export interface FaultHandle {
  readonly hits: number;
  readonly fired: number;
  remove(): void;
}

interface Armed {
  readonly match: FaultMatch;
  readonly kind: 'fail' | 'crash';
  readonly nth: number | undefined;
  readonly times: number;
  readonly phase: 'before' | 'after';
  readonly failCall: boolean;
  hits: number;
  fired: number;
}

export class FaultInjectingStorage implements StorageSet {
  readonly objects: StorageSet['objects'];
  readonly meta: StorageSet['meta'];
  readonly wal: StorageSet['wal'];
  /** Every call seen, in order, as `adapter.method(keys)` — handy when a test fails. */
  readonly log: string[] = [];
  private rules: Armed[] = [];
  private crashedBy: string | undefined;

  constructor(readonly inner: StorageSet) {
    const wrapped = interceptStorage(inner, (call, run) => this.run(call, run));
    this.objects = wrapped.objects;
    this.meta = wrapped.meta;
    this.wal = wrapped.wal;
  }

  get crashed(): boolean {
    return this.crashedBy !== undefined;
  }

  /** Fails matching calls with IO_FAILED, e.g. `failOn({ adapter: 'objects', method: 'put', nth: 3 })`. */
  failOn(rule: FaultRule): FaultHandle {
    const nth = rule.nth;
    if (nth !== undefined && !(Number.isSafeInteger(nth) && nth >= 1)) {
      throw new VesperError('PARAMETER_INVALID', `fault rule nth must be an integer >= 1, got ${nth}`);
    }
    return this.arm({
      match: rule,
      kind: 'fail',
      nth,
      times: rule.times ?? (nth === undefined ? Infinity : 1),
      phase: rule.phase ?? 'before',
      failCall: true,
    });
  }

  /** Fails the next matching call only, e.g. `failNext({ adapter: 'wal', method: 'append' })`. */
  failNext(match: FaultMatch, phase: 'before' | 'after' = 'before'): FaultHandle {
    return this.failOn({ ...match, times: 1, phase });
  }

  /** After the nth matching call completes, every later call throws IO_FAILED. */
  crashAfter(match: FaultMatch, opts: CrashOptions = {}): FaultHandle {
    return this.arm({ match, kind: 'crash', nth: opts.nth ?? 1, times: 1, phase: 'after', failCall: opts.failCall ?? false });
  }

  /** Crashes now: every later call throws IO_FAILED. */
  crash(reason = 'crash()'): void {
    this.crashedBy ??= reason;
  }

  /** Removes every rule and clears the crash: the "restarted process" sees the inner storage again. */
  reset(): void {
    this.rules = [];
    this.crashedBy = undefined;
  }

  private arm(rule: Omit<Armed, 'hits' | 'fired'>): FaultHandle {
    const armed: Armed = { ...rule, hits: 0, fired: 0 };
    this.rules.push(armed);
    return {
      get hits() {
        return armed.hits;
      },
      get fired() {
        return armed.fired;
      },
      remove: () => {
        this.rules = this.rules.filter((r) => r !== armed);
      },
    };
  }

  private async run<T>(call: StorageCall, run: () => Promise<T>): Promise<T> {
    const name = `${call.adapter}.${call.method}(${call.keys.map((k) => JSON.stringify(k)).join(', ')})`;
    this.log.push(name);
    if (this.crashedBy !== undefined) throw injected(call, name, `storage crashed after ${this.crashedBy}`);
    const firing: Armed[] = [];
    for (const rule of this.rules) {
      if (!matches(rule.match, call)) continue;
      rule.hits++;
      const due = rule.nth === undefined ? true : rule.kind === 'crash' ? rule.hits === rule.nth : rule.hits >= rule.nth;
      if (due && rule.fired < rule.times) {
        rule.fired++;
        firing.push(rule);
      }
    }
    const failBefore = firing.find((r) => r.kind === 'fail' && r.phase === 'before');
    if (failBefore !== undefined) throw injected(call, name, 'injected failure');
    const result = await run();
    for (const rule of firing) if (rule.kind === 'crash') this.crash(name);
    const failAfter = firing.find((r) => r.failCall && r.phase === 'after');
    if (failAfter !== undefined) throw injected(call, name, 'injected failure after the call took effect');
    if (this.crashedBy !== undefined && !firing.some((r) => r.kind === 'crash')) {
      throw injected(call, name, `storage crashed (${this.crashedBy}) while the call was in flight`);
    }
    return result;
  }
}

function matches(m: FaultMatch, call: StorageCall): boolean {
  if (m.adapter !== undefined && m.adapter !== call.adapter) return false;
  if (m.method !== undefined && m.method !== call.method) return false;
  const key = m.key;
  if (key === undefined) return true;
  const test = typeof key === 'string' ? (k: string) => k === key : key instanceof RegExp ? (k: string) => key.test(k) : key;
  return call.keys.some(test);
}

function injected(call: StorageCall, name: string, what: string): VesperError {
  return new VesperError('IO_FAILED', `${name} failed: ${what}`, {
    injected: true,
    adapter: call.adapter,
    method: call.method,
    keys: [...call.keys],
  });
}
