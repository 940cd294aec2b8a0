// Re-runs of a case whose harness was provably late (lib/match/lateness.ts): a failing attempt with a
// step that started after a kernel timer the model tracks fell due is run again, alone in the pool
// (pool.ts: no other case runs meanwhile), at most MAX_RERUNS times. The result is the last
// attempt's, never silently: its message carries "re-run: harness late by N ms at step K" for each
// earlier attempt, and a case late in every attempt is an error (the harness could not judge it), not
// a failure. A case that fails for a kernel reason fails again on time, and that failure stands.
import { decideAttempt, lateText, MAX_RERUNS, type Lateness } from '../../lib/match/lateness';
import type { CaseResult, EarlierAttempt } from '../report/types';
import type { JobSpec } from './protocol';

/** An attempt that a late harness made unjudgeable, as the result records it. */
export function earlierAttempt(r: CaseResult, late: Lateness): EarlierAttempt {
  return {
    status: r.status,
    ...(r.message !== undefined ? { message: r.message } : {}),
    step: late.step,
    lateMs: late.lateMs,
    durationMs: r.durationMs,
    ...(late.thread ? { slow: `a blocked call's thread was late at step ${late.step}` } : {}),
  };
}

/** "re-run: harness late by 1180 ms at step 14" (", then by 35 ms at step 3" for a second re-run). */
export function rerunNote(earlier: readonly EarlierAttempt[]): string {
  const text = (e: EarlierAttempt): string => (e.slow ? `harness too slow: ${e.slow}` : lateText(e));
  return `re-run: ${earlier.map((e, i) => (i ? `then ${text(e).replace(/^harness /, '')}` : text(e))).join(', ')}`;
}

/**
 * Runs attempts (`attempt(n)`: 0 the first, then the re-runs) until one is final, and returns the
 * result to report: the last attempt's, with the earlier ones and the note.
 */
export async function withReruns(attempt: (n: number) => Promise<CaseResult>): Promise<CaseResult> {
  const earlier: EarlierAttempt[] = [];
  const failures: string[] = [];
  for (;;) {
    const r = await attempt(earlier.length);
    if (r.status === 'fail') failures.push(failureShape(r));
    // An error from the harness's own slowness (a case timer, a set-up deadline) says nothing of the
    // kernel: run it again, alone; if it is still too slow, the error stands with the attempts noted.
    if (r.status === 'error' && r.harnessSlow) {
      const { harnessSlow, ...rest } = r;
      if (earlier.length >= MAX_RERUNS) return finalResult(rest, earlier);
      earlier.push({
        status: r.status,
        ...(r.message !== undefined ? { message: r.message } : {}),
        step: harnessSlow.step,
        lateMs: 0,
        durationMs: r.durationMs,
        slow: harnessSlow.what,
      });
      continue;
    }
    const d = decideAttempt(r.status, r.steps, earlier.length);
    if (d.kind === 'rerun') {
      earlier.push(earlierAttempt(r, d.late));
      continue;
    }
    // Late in every attempt, but failing the same way every time (the same step, the same fields): the
    // lateness did not change the kernel's answer — it is the verdict, not "not judged".
    const same = failures.length === earlier.length + 1 && failures.every((f) => f === failures[0]);
    return finalResult(r, earlier, d.kind === 'unjudged' && !same ? d.late : undefined);
  }
}

/** Where and how an attempt failed: its first failing step and the fields that differed there. */
function failureShape(r: CaseResult): string {
  const s = r.steps.find((x) => !x.ok);
  return s
    ? `${s.index}:${(s.diffs ?? [])
        .map((d) => d.field)
        .sort()
        .join(',')}:${s.diffs?.length ? '' : (s.message ?? r.message ?? '')}`
    : `case:${r.message ?? ''}`;
}

/** A job through the pool with its re-runs, each alone in the pool (`onRerun`: called when the first one starts). */
export function submitWithReruns(pool: { submit(job: JobSpec): Promise<CaseResult> }, job: JobSpec, onRerun?: () => void): Promise<CaseResult> {
  return withReruns((n) => {
    if (n === 1) onRerun?.();
    return pool.submit(n ? { ...job, attempt: n, alone: true } : job);
  });
}

/** The result to report: `last` with the earlier attempts and the note; an error when the harness was late in every attempt (`stillLate`). */
export function finalResult(last: CaseResult, earlier: readonly EarlierAttempt[], stillLate?: Lateness): CaseResult {
  if (!earlier.length) return last;
  const note = rerunNote(earlier);
  const first = earlier[0].message ? `; attempt 1: ${earlier[0].message}` : '';
  if (stillLate) {
    return {
      ...last,
      status: 'error',
      reruns: [...earlier],
      message: `not judged: ${lateText(stillLate)} in the last attempt too (${note}); the machine is too loaded for this case's timers — last attempt: ${last.message ?? 'failed'}`,
    };
  }
  const message = last.status === 'pass' ? `${note}${first}` : `${last.message ?? 'failed'} (${note}${first})`;
  return { ...last, reruns: [...earlier], message };
}
