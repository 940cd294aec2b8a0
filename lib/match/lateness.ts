// How late the harness was at each step, and whether that lateness can have changed the verdict.
//
// Each step has a due time: when an on-time harness would have run it — the end of the step before as
// the kernel saw it (the packet an expect took, a send's packet, the end of a syscall, the end of a
// wait or an expect_none span counted from when that step was due). Its start is when it took effect
// (a send's packet, a call's syscall, the start of a wait on the capture). The difference is the
// harness's lateness. Lateness alone changes nothing the kernel does; it matters where a kernel timer
// the model tracks (a SYN or SYN-ACK retransmission, a TIME_WAIT expiry…) fell due while the harness
// was late: the kernel then acted on its own before a step that, run on time, would have come first
// (a retransmission arriving before an expect_none began, a SYN retransmitted before our SYN-ACK).
// Such a step is provably late, and a failing case with one is run again (harness/runner/rerun.ts).
import { TCP_INFO_TIME_FIELDS } from '../case/tcp-info';
import { MODEL_SLACK_MS } from './timing';
import type { FieldDiff, StepOutcome } from './verdict';

/** Lateness below this is the event loop's ordinary jitter, never "provably late". */
export const LATE_MIN_MS = 2;
/** How many times a case whose harness was provably late is run again. */
export const MAX_RERUNS = 2;

/** A step where the harness was late while a kernel timer fell due. */
export interface Lateness {
  /** 1-based step number. */
  step: number;
  /** How late the step started, ms. */
  lateMs: number;
  /** The model's timer that fell due meanwhile, ms after the step was due. */
  timerAfterMs: number;
  /** Not the harness's steps but a blocked call's thread was late (blockedThreadMiss). */
  thread?: true;
}

/** How late a step started, ms (0 when it was on time or early). */
export function stepLateMs(s: Pick<StepOutcome, 'dueNs' | 'startNs'>): number {
  if (s.dueNs === undefined || s.startNs === undefined) return 0;
  return Math.max(0, Number(s.startNs - s.dueNs) / 1e6);
}

/** One step's times, model ms (CLOCK_MONOTONIC), as the runner saw them. */
export interface StepTimes {
  /** When it was due: the previous step's end as the kernel saw it. */
  dueMs: number;
  /** When it took effect. */
  startMs: number;
  /** When the next step is due. */
  nextDueMs: number;
  /** How long the step takes an on-time harness: 0 for a send, the syscall for a call, the span of a wait or expect_none, the kernel's packet for an expect. */
  idealMs: number;
}

/**
 * The case's timeline as an on-time harness would have run it, next to the real one. The drift (real
 * minus ideal) grows with every late step and is never made up by the kernel: a timer armed when the
 * drift was d1 (a SYN-ACK retransmission 1 s after our SYN) fires, relative to the later steps, as if
 * they ran (d2 − d1) late. A step is provably late when the model's next timer falls in the time the
 * harness looked at (up to the step's end) but, on the ideal timeline, only after it — by more than
 * the jiffy slack at either end. Pure; the runner feeds it every step.
 */
export class Drift {
  private idealMs: number | undefined;
  /** Drift at the next step's due time. */
  private driftMs = 0;
  /** The drift when each timer (model ms) was first seen pending. */
  private readonly armed = new Map<number, number>();

  /** The model's next timer as it stands before a step is judged (first sighting: armed at the current drift). */
  seen(timerMs: number): void {
    if (Number.isFinite(timerMs) && !this.armed.has(timerMs)) this.armed.set(timerMs, this.driftMs);
  }

  /** Drift so far, ms. */
  get ms(): number {
    return this.driftMs;
  }

  /**
   * A step ran; `nextTimerMs`: the model's next timer when it was due. When that timer makes the step
   * provably late: the timer, and how late the harness was against it (the drift since it was armed).
   */
  step(t: StepTimes, nextTimerMs: number): { timerMs: number; lateMs: number } | undefined {
    this.seen(nextTimerMs);
    const ideal = this.idealMs ?? t.dueMs;
    const idealEnd = ideal + t.idealMs;
    const end = Math.max(t.startMs, t.nextDueMs);
    const late = end - idealEnd - (this.armed.get(nextTimerMs) ?? 0);
    this.idealMs = idealEnd;
    this.driftMs = Math.max(0, Math.max(t.dueMs, t.nextDueMs) - idealEnd);
    if (!Number.isFinite(nextTimerMs) || late < LATE_MIN_MS) return undefined;
    return nextTimerMs > Math.max(t.dueMs, end - late) + MODEL_SLACK_MS && nextTimerMs <= end + MODEL_SLACK_MS
      ? { timerMs: nextTimerMs, lateMs: late }
      : undefined;
  }
}

/**
 * For the step an `at` window counts from: a timer already armed when the step was due (more than the
 * jiffy slack after it), when the step was late — the window then sees that timer's packet early by
 * the lateness. Its time after the due time, or undefined.
 */
export function pendingTimerOfLateStep(s: Pick<StepOutcome, 'dueNs' | 'startNs'>, nextTimerMs: number): number | undefined {
  if (stepLateMs(s) < LATE_MIN_MS || s.dueNs === undefined || !Number.isFinite(nextTimerMs)) return undefined;
  const after = nextTimerMs - Number(s.dueNs) / 1e6;
  return after > MODEL_SLACK_MS ? after : undefined;
}

/** The provably late step with the largest lateness among `steps` (the ladder as run, up to its failing step). */
export function provablyLate(steps: readonly StepOutcome[]): Lateness | undefined {
  let worst: Lateness | undefined;
  for (const s of steps) {
    if (s.timerAfterMs === undefined) continue;
    const lateMs = s.driftMs ?? stepLateMs(s);
    if (!worst || lateMs > worst.lateMs) worst = { step: s.index + 1, lateMs, timerAfterMs: s.timerAfterMs };
  }
  return worst;
}

/** The fields that are times: a packet's `at` window, and the TSval the model derives from the clock (its ts_off bound from an earlier packet's capture time). */
const TIME_FIELDS = /^(at|(model )?opt\.ts\.val)$/;

/** A differing time: one of those, or a TCP_INFO check over measured times only (`tcpi_rtt=31000`). */
function isTimeDiff(d: FieldDiff): boolean {
  if (TIME_FIELDS.test(d.field)) return true;
  if (!d.field.startsWith('tcp_info')) return false;
  const names = [...d.observed.matchAll(/(tcpi_\w+)=/g)].map((m) => m[1]);
  return names.length > 0 && names.every((n) => TCP_INFO_TIME_FIELDS.has(n));
}

/**
 * A failure on a packet's time alone (`at`, or a TSval judged against the clock) at a step the harness reached late (or right after a late
 * one): the capture's timestamp of a DUT packet carries the machine's scheduling delays as much as the
 * kernel's (the tester's receive path runs when the loaded machine gets to it), so a busy harness
 * cannot tell a late kernel from a late observer there. Such a failure is judged again, alone.
 */
export function lateTimingMiss(steps: readonly StepOutcome[]): Lateness | undefined {
  const i = steps.findIndex((s) => !s.ok);
  if (i < 0) return undefined;
  const s = steps[i];
  if (!s.diffs?.length || !s.diffs.every(isTimeDiff)) return undefined;
  // a measured time (an RTT) may carry the lateness of any step before it (the send it was measured from)
  const before = s.diffs.some((d) => d.field.startsWith('tcp_info')) ? steps.slice(0, i) : i > 0 ? [steps[i - 1]] : [];
  const lateMs = Math.max(stepLateMs(s), ...before.map(stepLateMs));
  return lateMs >= LATE_MIN_MS ? { step: s.index + 1, lateMs, timerAfterMs: 0 } : undefined;
}

/** A send the capture did not see leave in time, before the failing step: the harness cannot vouch for its timeline. */
export function unseenSendBeforeFailure(steps: readonly StepOutcome[]): Lateness | undefined {
  const i = steps.findIndex((s) => !s.ok);
  const s = steps.slice(0, i < 0 ? steps.length : i + 1).find((x) => x.unseenSend);
  return s ? { step: s.index + 1, lateMs: stepLateMs(s), timerAfterMs: 0 } : undefined;
}

/** A failure on time alone (nothing arrived in the window, or `at`) waiting for a packet a blocked call's thread sends (StepOutcome.blockedThread). */
export function blockedThreadMiss(steps: readonly StepOutcome[]): Lateness | undefined {
  const s = steps.find((x) => !x.ok);
  if (!s?.blockedThread) return undefined;
  return { step: s.index + 1, lateMs: stepLateMs(s), timerAfterMs: 0, thread: true };
}

export type AttemptDecision =
  | { kind: 'final' }
  /** The harness was late; run the case again, alone. */
  | { kind: 'rerun'; late: Lateness }
  /** Late in every attempt: the harness cannot judge this case on this machine now. */
  | { kind: 'unjudged'; late: Lateness };

/**
 * What to do after an attempt: a failure with a provably late step is run again (at most MAX_RERUNS
 * times); anything else is final. A pass is final even when steps were late: the kernel did what the
 * case asks, and the model accounted for every packet its timers sent.
 */
export function decideAttempt(status: string, steps: readonly StepOutcome[], rerunsDone: number): AttemptDecision {
  if (status !== 'fail') return { kind: 'final' };
  const late = provablyLate(steps) ?? lateTimingMiss(steps) ?? unseenSendBeforeFailure(steps) ?? blockedThreadMiss(steps);
  if (!late) return { kind: 'final' };
  return rerunsDone < MAX_RERUNS ? { kind: 'rerun', late } : { kind: 'unjudged', late };
}

/** "harness late by 1180 ms at step 14" */
export function lateText(l: Pick<Lateness, 'step' | 'lateMs' | 'thread'>): string {
  if (l.thread) return `a blocked call's thread late at step ${l.step}`;
  return `harness late by ${Math.round(l.lateMs)} ms at step ${l.step}`;
}
