// A credit window for injection: at most `limit` probes in flight. Bursting past the per-CPU ingress
// backlog (net.core.netdev_max_backlog = 1000) loses packets and then waits for retransmissions
// (design notes), so every bulk sender takes a credit per probe and returns it when the probe is
// answered or given up on.
export class CreditWindow {
  private inflight = 0;
  private waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new Error(`credit window must be ≥ 1, got ${limit}`);
  }

  get inFlight(): number {
    return this.inflight;
  }

  /** Take a credit if one is free. */
  tryAcquire(): boolean {
    if (this.inflight >= this.limit) return false;
    this.inflight++;
    return true;
  }

  /** Wait for a credit. */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(() => {
      this.inflight++;
      resolve();
    }));
  }

  release(n = 1): void {
    this.inflight = Math.max(0, this.inflight - n);
    while (this.inflight < this.limit && this.waiting.length) this.waiting.shift()!();
  }
}
