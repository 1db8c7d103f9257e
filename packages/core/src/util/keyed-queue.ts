/**
 * Runs async jobs one at a time per key, in submission order. A job may hold several keys
 * (an insert that touches three shards); it starts when it reaches the head of every key's
 * queue. Keys are claimed synchronously at submission, so two multi-key jobs can never wait
 * on each other (no deadlock), and order per key is exactly submission order.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(keys: readonly string[], job: () => Promise<T>): Promise<T> {
    const waits = keys.map((k) => this.tails.get(k)).filter((p): p is Promise<unknown> => p !== undefined);
    const result = Promise.all(waits).then(job, job);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    for (const k of keys) {
      this.tails.set(k, settled);
      void settled.then(() => {
        if (this.tails.get(k) === settled) this.tails.delete(k);
      });
    }
    return result;
  }

  /** Number of keys with queued or running work. */
  get busyKeys(): number {
    return this.tails.size;
  }
}
