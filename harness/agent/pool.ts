/**
 * AgentPool: keeps agents pre-spawned so take() returns at once; every take() starts a
 * replacement in the background. close() kills every agent the pool spawned (warm or handed out).
 *
 *   const pool = new AgentPool();          // starts warming immediately
 *   const dut = await pool.take();         // ~0 ms once warm
 *   ...
 *   await pool.close();
 */
import { Agent, SpawnOptions } from './client';

export interface PoolOptions extends SpawnOptions {
  /** how many warm agents to keep ready (default 1) */
  size?: number;
}

export class AgentPool {
  private readonly opts: PoolOptions;
  private readonly size: number;
  private readonly warm: Array<Promise<Agent>> = [];
  private readonly all = new Set<Agent>();
  private closed = false;

  constructor(opts: PoolOptions = {}) {
    this.opts = opts;
    this.size = Math.max(0, opts.size ?? 1);
    this.refill();
  }

  /** A ready agent: a warm one if available (else a fresh spawn); a replacement starts in the background. */
  take(): Promise<Agent> {
    if (this.closed) return Promise.reject(new Error('AgentPool is closed'));
    const next = this.warm.shift() ?? this.spawnOne();
    // child_process.spawn itself is synchronous (fork+exec, several ms): start the replacement
    // after the caller has had its agent
    setImmediate(() => this.refill());
    return next;
  }

  /** Number of agents warming or warm. */
  get warmCount(): number {
    return this.warm.length;
  }

  /** Kill every agent this pool spawned (warm ones and the ones handed out) and stop refilling. */
  async close(): Promise<void> {
    this.closed = true;
    const pending = this.warm.splice(0);
    const settled = await Promise.allSettled(pending);
    for (const s of settled) if (s.status === 'fulfilled') this.all.add(s.value);
    await Promise.all([...this.all].map((a) => a.kill()));
    this.all.clear();
  }

  private spawnOne(): Promise<Agent> {
    return Agent.spawn(this.opts).then(async (a) => {
      if (this.closed) {
        await a.kill();
        throw new Error('AgentPool is closed');
      }
      for (const x of this.all) if (!x.alive) this.all.delete(x);
      this.all.add(a);
      return a;
    });
  }

  private refill(): void {
    while (!this.closed && this.warm.length < this.size) {
      const p = this.spawnOne();
      p.catch(() => {
        /* surfaced to whoever takes it */
      });
      this.warm.push(p);
    }
  }
}
