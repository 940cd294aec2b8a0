// How many cases a worker runs at once when `--lanes` is not given: the coordinator adapts each
// worker's lanes to the event-loop delay that worker measures (perf_hooks.monitorEventLoopDelay,
// reported every LOAD_REPORT_MS). A late event loop is a late harness: a step starts after the
// kernel's timers have moved on (lib/match/lateness.ts). On an idle host the lanes climb to the
// maximum within a second; on a loaded machine or in a guest under TCG (JS ~17x slower) they fall
// until the loop keeps time. Pure: the pool feeds it measurements.

export interface LaneBounds {
  min: number;
  /** Where a worker starts: labs are created one by one, so starting high buys little. */
  start: number;
  max: number;
}

/**
 * Never fewer than 2: next to other processes that hold the CPU (busy loops at a higher priority, a
 * qemu guest) the loop is late whatever the lanes, and one lane made a suite run take 150 s under that
 * load instead of ~60 s; the re-runs (rerun.ts) take care of the cases it makes late.
 */
export const AUTO_LANES: LaneBounds = { min: 2, start: 4, max: 16 };
/** How often a worker reports its event-loop delay, ms. */
export const LOAD_REPORT_MS = 250;
/**
 * How often the event-loop delay is sampled (monitorEventLoopDelay's resolution), ms. Every sample is a
 * timer wake-up: at 5 ms an otherwise idle node process spends 15.6 ms of CPU a second on them (20 ms:
 * 6.0; measured natively), which a worker in a TCG guest pays ~17 times over. 12 samples per report
 * still catch a loop late by LOOP_DELAY_LOW_MS or more.
 */
export const LOOP_SAMPLE_MS = 20;
/**
 * A worker whose loop delay (p99 over a report, beyond the sampling interval: monitorEventLoopDelay
 * records whole intervals) is above this runs fewer cases: halved.
 */
export const LOOP_DELAY_HIGH_MS = 45;
/** …and below this, more: doubled (up to the maximum). Between the two, unchanged. */
export const LOOP_DELAY_LOW_MS = 10;

/** The lanes for a worker that runs `current` and measured a p99 event-loop delay of `p99Ms`. */
export function adaptLanes(current: number, p99Ms: number, b: LaneBounds = AUTO_LANES): number {
  if (!Number.isFinite(p99Ms)) return current;
  if (p99Ms > LOOP_DELAY_HIGH_MS) return Math.max(b.min, Math.floor(current / 2));
  if (p99Ms < LOOP_DELAY_LOW_MS) return Math.min(b.max, Math.max(current * 2, b.min));
  return Math.min(b.max, Math.max(b.min, current));
}
