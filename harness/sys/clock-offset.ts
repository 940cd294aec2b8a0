// CLOCK_REALTIME − CLOCK_MONOTONIC: maps the capture's kernel timestamps (realtime) onto the runner's
// clock (process.hrtime, monotonic). The two clocks cannot be read at one instant: a sample reads
// monotonic a, realtime r, monotonic b, and says only that the offset lies in [r − b, r − a]. Read
// naively (a, r, no b), a pause between the reads — a preemption on a busy machine, a GC — skews the
// offset by the pause, up to tens of ms, and every frame of that capture drain with it: a reply could
// then carry an earlier time than its stimulus (seen in CI as "frame 1 acknowledges X, sent only
// later"). The offset changes only when the realtime clock is set (NTP slews both clocks alike), so
// the estimator keeps the intersection of its samples' intervals, which only narrows; a sample that
// does not intersect it means the clock was set, and the estimate starts again from that sample.
import { realtimeNs } from './libc';

export interface ClockReads {
  mono(): bigint;
  real(): bigint;
}

/** Samples taken when the interval is wider than this (up to SAMPLES_WHEN_WIDE), to narrow it. */
const WIDE_NS = 2_000n;
const SAMPLES_WHEN_WIDE = 8;

export class ClockOffset {
  private lo = 0n;
  private hi = -1n;

  constructor(private readonly reads: ClockReads) {}

  /** One bracketed sample: the interval the offset lies in. */
  private sample(): [bigint, bigint] {
    const a = this.reads.mono();
    const r = this.reads.real();
    const b = this.reads.mono();
    return [r - b, r - a];
  }

  /** Folds one sample into the estimate: their intersection, or the sample alone when they are disjoint (the clock was set); true then. */
  private fold([lo, hi]: [bigint, bigint]): boolean {
    const fresh = this.hi < this.lo || hi < this.lo || lo > this.hi;
    if (fresh) [this.lo, this.hi] = [lo, hi];
    else [this.lo, this.hi] = [lo > this.lo ? lo : this.lo, hi < this.hi ? hi : this.hi];
    return fresh;
  }

  /**
   * The current best offset (the middle of the interval), after one new sample — and, when that sample
   * started the estimate afresh (the first call, a set clock) and left it wide, a few more to narrow it
   * (the capture's drain calls this each time: a settled estimate costs one sample).
   */
  now(): bigint {
    if (this.fold(this.sample())) for (let i = 0; i < SAMPLES_WHEN_WIDE && this.hi - this.lo > WIDE_NS; i++) this.fold(this.sample());
    return (this.lo + this.hi) / 2n;
  }

  /** Width of the interval the offset is known to lie in, ns. */
  get uncertaintyNs(): bigint {
    return this.hi - this.lo;
  }
}

/** The process's estimator over the real clocks. */
let shared: ClockOffset | undefined;

/** CLOCK_REALTIME − CLOCK_MONOTONIC (process.hrtime's clock) now, in ns: maps pcap timestamps to hrtime. */
export function realMinusMonotonicNs(): bigint {
  shared ??= new ClockOffset({ mono: () => process.hrtime.bigint(), real: realtimeNs });
  return shared.now();
}
