/**
 * WriteGate: a shard leader's readers-writer gate over its writes. Ordinary writes (inserts,
 * upserts, deletes) pass together — the segment manager orders them by timestamp — while a
 * partial update holds it alone: it reads the stored rows, merges and writes, and no other
 * write to the shard may land between its read and its write (a lost update otherwise).
 * First come, first served: a waiting partial update holds back writes that arrive after it.
 */
interface Waiter {
  readonly exclusive: boolean;
  readonly go: () => void;
}

export class WriteGate {
  private shared = 0;
  private held = false;
  private readonly waiting: Waiter[] = [];

  /** Runs fn with the gate shared (ordinary writes) or exclusive (read-merge-write). */
  async run<T>(exclusive: boolean, fn: () => Promise<T>): Promise<T> {
    await this.acquire(exclusive);
    try {
      return await fn();
    } finally {
      if (exclusive) this.held = false;
      else this.shared--;
      this.drain();
    }
  }

  private acquire(exclusive: boolean): Promise<void> | void {
    if (this.waiting.length === 0 && this.admits(exclusive)) return this.enter(exclusive);
    return new Promise<void>((go) => this.waiting.push({ exclusive, go }));
  }

  private admits(exclusive: boolean): boolean {
    return !this.held && (!exclusive || this.shared === 0);
  }

  private enter(exclusive: boolean): void {
    if (exclusive) this.held = true;
    else this.shared++;
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.admits(this.waiting[0]!.exclusive)) {
      const w = this.waiting.shift()!;
      this.enter(w.exclusive);
      w.go();
      if (w.exclusive) return;
    }
  }
}
