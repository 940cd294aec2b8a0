// `synh list`: what a case file holds, one entry per case — name, file, spec sections, families,
// kernel range, sysctls, and how long one run of it (one family) is expected to take: the bounds
// estimate.ts derives from its steps (the shortest: every expect_none and wait, and each `at`
// window's start; the longest: each expectation waiting to the end of its `within` or `at` window,
// each call to its timeout). Pure.
import type { CaseFile } from '../../lib/case';
import { estimateCase } from './estimate';

export interface CaseListing {
  name: string;
  file: string;
  description: string;
  spec: string[];
  families: Array<4 | 6>;
  /** The `kernel:` range as written ("*": any) and the reason on its line. */
  kernel: { range: string; why?: string };
  sysctls: Record<string, string>;
  /** One run (one family), ms. */
  expectedMs: { min: number; max: number };
  /** Set for a packetdrill script. */
  source?: 'packetdrill';
}

export function caseListing(c: CaseFile): CaseListing {
  const e = estimateCase(c);
  return {
    name: c.name,
    file: c.file,
    description: c.description,
    spec: [...c.spec],
    families: [...c.families],
    kernel: { range: c.kernel.text, ...(c.kernel.why ? { why: c.kernel.why } : {}) },
    sysctls: Object.fromEntries(c.sysctls.map((s) => [s.name, String(s.value)])),
    expectedMs: { min: e.minMs, max: e.maxMs },
    ...(c.source ? { source: c.source.kind } : {}),
  };
}

function seconds(ms: number): string {
  return ms === 0 ? '0' : ms < 100 ? `${(ms / 1000).toFixed(2)}` : `${(ms / 1000).toFixed(1)}`;
}

/** "0.2–1.2 s", "0.20 s". */
export function durationRange(e: CaseListing['expectedMs']): string {
  const lo = seconds(e.min);
  const hi = seconds(e.max);
  return lo === hi ? `${lo} s` : `${lo}–${hi} s`;
}

function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
}

/** One line: name, file, spec, families, kernel range, expected duration, sysctls (tab-separated). */
export function formatListing(l: CaseListing): string {
  const sys = Object.entries(l.sysctls)
    .map(([k, v]) => `${k}=${/\s/.test(v) ? JSON.stringify(v) : v}`)
    .join(' ');
  return [
    l.name,
    l.file,
    l.spec.join(' ') || '-',
    l.families.map((f) => `ipv${f}`).join(','),
    `kernel ${l.kernel.range}`,
    durationRange(l.expectedMs),
    sys || '-',
  ]
    .map(oneLine)
    .join('\t');
}
