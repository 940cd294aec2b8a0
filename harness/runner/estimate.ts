// How long a case takes, from its steps alone: the minimum (every wait as short as the case allows)
// schedules the slow cases first; the maximum (every wait to its end) sets the per-case timeout.
// Pure.
import type { CaseFile } from '../../lib/case';
import { DEFAULT_WITHIN_MS } from '../../lib/case/types';

export interface CaseEstimate {
  /** Lower bound on the ladder's own duration, ms (expect_none, wait, the earliest `at`). */
  minMs: number;
  /** Upper bound, ms: every expect waiting to the end of its `within` or `at` window, every call to its timeout. */
  maxMs: number;
}

export function estimateCase(c: CaseFile): CaseEstimate {
  let lo = 0; // elapsed, shortest run
  let hi = 0; // elapsed, longest run
  let refLo = 0; // the `at` reference: latest send or call
  let refHi = 0;
  for (const s of c.steps) {
    switch (s.kind) {
      case 'send':
      case 'icmp':
        refLo = lo;
        refHi = hi;
        break;
      case 'call':
        refLo = lo;
        refHi = hi;
        if ('timeout' in s) hi += s.timeout;
        break;
      case 'expect':
        if (s.byModel) hi += DEFAULT_WITHIN_MS;
        for (const p of s.packets) {
          if (p.at) {
            lo = Math.max(lo, refLo + p.at.min);
            hi = p.within !== undefined ? hi + p.within : Math.max(hi, refHi + p.at.max);
          } else {
            hi += p.within ?? DEFAULT_WITHIN_MS;
          }
        }
        break;
      case 'expect_none':
      case 'wait':
        lo += s.ms;
        hi += s.ms;
        break;
      case 'assert':
      case 'sysctl':
        break;
    }
  }
  return { minMs: lo, maxMs: hi };
}

/** Per-case timeout when none is given: twice the longest plausible run, plus room for set-up. */
export function defaultTimeoutMs(e: CaseEstimate): number {
  return 2 * e.maxMs + 10_000;
}
