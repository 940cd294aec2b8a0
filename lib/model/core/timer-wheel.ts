// When a kernel timer really fires (correction C5, docs/model-corrections.md). The request, SYN_SENT,
// TFO-child and TIME_WAIT timers are ordinary timer-wheel timers (mod_timer / sk_reset_timer), and the
// timer wheel (kernel/time/timer.c, calc_wheel_index → calc_index) never fires early: it rounds the
// expiry jiffy *up*, strictly, to the granularity of the wheel level the timeout falls in. With HZ=250
// (4 ms jiffies, spec §1) the levels are:
//   level 0: timeout < 63 jiffies (252 ms)          granule 1 jiffy   (4 ms)
//   level 1: < 504 jiffies (2.016 s)                 granule 8 jiffies (32 ms)     — 1 s, 2 s
//   level 2: < 4032 jiffies (16.128 s)               granule 64 jiffies (256 ms)   — 4 s, 8 s, 16 s
//   level 3: < 32256 jiffies (129 s)                 granule 512 jiffies (2.048 s) — 32 s, 60 s, 64 s, 120 s
// A timer armed from packet processing (arbitrary phase) fires up to one granule after its nominal
// time. A timer re-armed from its own callback starts from a granule-aligned jiffy: when the new
// timeout's granule is no coarser, the delay is exact — 1 s → 1024 ms, 2 s → 2016 ms, 8 s → 8192 ms,
// 16 s → 16128 ms (measured on 6.18.44) — otherwise one more granule of uncertainty is added.
// The model fires its timers at the earliest possible time and carries the width of the window in
// which the kernel's timer really fires (TSval expectations and TSecr ranges use it).

export const JIFFY_MS = 4;

/**
 * The model's clock is advanced this far past an observed packet before its prediction is claimed
 * (lib/match): kernel timers are armed in jiffies (4 ms at HZ=250), so a retransmission may leave a few
 * ms before the model's exact due time. An event that follows within it is applied at the advanced
 * time, so the model's time of a segment may be late by up to this much (the RTT sample of C39).
 */
export const MODEL_SLACK_MS = 20;
const LVL_CLK_SHIFT = 3;
const LVL_SIZE = 64;

/** First jiffy count of wheel level n (n ≥ 1), precomputed for the 9 levels. */
const LVL_START = Array.from({ length: 10 }, (_, n) => (n === 0 ? 0 : (LVL_SIZE - 1) * 2 ** ((n - 1) * LVL_CLK_SHIFT)));
function lvlStart(n: number): number {
  return LVL_START[n];
}
/** Granule (ms) of wheel level n: 2^(3n) jiffies, precomputed (no Math.pow per timer). */
const LVL_GRANULE_MS = Array.from({ length: 9 }, (_, n) => 2 ** (LVL_CLK_SHIFT * n) * JIFFY_MS);

/** Wheel level of a timeout of `deltaJ` jiffies. */
export function wheelLevel(deltaJ: number): number {
  let l = 0;
  while (l < 8 && deltaJ >= lvlStart(l + 1)) l++;
  return l;
}

/** Granule (ms) of the level a timeout of `timeoutMs` lands in. */
export function wheelGranuleMs(timeoutMs: number): number {
  return LVL_GRANULE_MS[wheelLevel(Math.ceil(timeoutMs / JIFFY_MS))];
}

/** Where a timer really fires, relative to the model's nominal (earliest) time. */
export interface TimerSlack {
  /** The kernel fires the timer in [nominal, nominal + widthMs] (± a jiffy). */
  readonly widthMs: number;
  /** The real firing jiffy is a multiple of this many ms (0: unknown phase). */
  readonly alignMs: number;
}

export const NO_SLACK: TimerSlack = Object.freeze({ widthMs: 0, alignMs: 0 });

/** Slack of a timer armed at an arbitrary phase, per wheel level: one granule wide (immutable, shared). */
const EVENT_SLACK: readonly TimerSlack[] = LVL_GRANULE_MS.map((g) => Object.freeze({ widthMs: g, alignMs: g }));

/** A timer armed from packet processing or a syscall at `nowMs` (arbitrary jiffy phase). */
export function armFromEvent(nowMs: number, timeoutMs: number): { atMs: number; slack: TimerSlack } {
  return { atMs: nowMs + timeoutMs, slack: EVENT_SLACK[wheelLevel(Math.ceil(timeoutMs / JIFFY_MS))] };
}

/** A timer re-armed from its own callback, which fired at nominal `atMs` with `slack`. */
export function rearmFromTimer(atMs: number, slack: TimerSlack | undefined, timeoutMs: number): { atMs: number; slack: TimerSlack } {
  const s = slack ?? NO_SLACK;
  const g = wheelGranuleMs(timeoutMs);
  if (s.alignMs > 0 && g <= s.alignMs) {
    // Exact: (floor(T / g) + 1) granules after an aligned start.
    const gj = g / JIFFY_MS;
    const tj = Math.ceil(timeoutMs / JIFFY_MS);
    const delay = (Math.floor(tj / gj) + 1) * g;
    return { atMs: atMs + delay, slack: { widthMs: s.widthMs, alignMs: g } };
  }
  return { atMs: atMs + timeoutMs, slack: { widthMs: s.widthMs + g, alignMs: g } };
}

/** TSval expectation centre and tolerance for a packet sent by a timer firing at nominal `atMs`. */
export function firedAt(atMs: number, slack: TimerSlack | undefined, tolMs: number): { approxMs: number; tolMs: number } {
  const w = slack ? slack.widthMs : 0;
  return { approxMs: atMs + w / 2, tolMs: tolMs + w / 2 };
}
