// Rule coverage of a campaign: which of the model's rules the probes exercised, and the ones never
// hit, grouped by the kernel function they mirror. Takes the rule catalogue as an argument (the
// model's RULES, lib/model/core/reasons.ts) so it works with any version of it. Pure.

export interface RuleInfoLike {
  rule: string;
  /** kernel function the rule mirrors, e.g. 'tcp_check_req' */
  fn: string;
  /** kernel source file defining `fn`, e.g. 'net/ipv4/tcp_minisocks.c' */
  file?: string;
  spec?: string;
  summary?: string;
}

export interface CoverageReport {
  total: number;
  hit: number;
  /** hit / total, 0..1 (1 when the catalogue is empty) */
  ratio: number;
  /** rules never hit, grouped by kernel function (groups and rules in catalogue order) */
  neverHit: Array<{ fn: string; rules: RuleInfoLike[] }>;
  /** ids that were hit but are not in the catalogue (a model newer than the catalogue, or a typo) */
  unknown: string[];
}

export function coverageReport(rules: readonly RuleInfoLike[], hit: Iterable<string>): CoverageReport {
  const seen = new Set(hit);
  const known = new Set(rules.map((r) => r.rule));
  const groups = new Map<string, RuleInfoLike[]>();
  let n = 0;
  for (const r of rules) {
    if (seen.has(r.rule)) {
      n++;
      continue;
    }
    let g = groups.get(r.fn);
    if (!g) groups.set(r.fn, (g = []));
    g.push(r);
  }
  return {
    total: rules.length,
    hit: n,
    ratio: rules.length ? n / rules.length : 1,
    neverHit: [...groups].map(([fn, rs]) => ({ fn, rules: rs })),
    unknown: [...seen].filter((r) => !known.has(r)).sort(),
  };
}

/** The rules of `rules` relevant to a target (by spec section), for a fairer coverage figure. */
export function rulesForSpec(rules: readonly RuleInfoLike[], sections: readonly string[]): RuleInfoLike[] {
  return rules.filter((r) => r.spec !== undefined && sections.some((s) => r.spec === s || r.spec!.startsWith(`${s}.`)));
}

/** Text for the end of a campaign: "rules hit N/M (x%)", then the ones never hit by function. */
export function formatCoverage(rep: CoverageReport): string {
  const lines = [`rules hit ${rep.hit}/${rep.total} (${(rep.ratio * 100).toFixed(1)}%)`];
  if (rep.neverHit.length) {
    lines.push('never hit:');
    for (const g of rep.neverHit) {
      lines.push(`  ${g.fn}`);
      for (const r of g.rules) lines.push(`    ${r.rule}${r.summary ? ` — ${r.summary}` : ''}`);
    }
  }
  if (rep.unknown.length) lines.push(`hit but not in the catalogue: ${rep.unknown.join(', ')}`);
  return lines.join('\n');
}

/** Progress line: probes, probes/s, divergences, findings, rules hit. */
export function formatProgress(p: { probes: number; elapsedMs: number; divergences: number; findings: number; rulesHit: number; rulesTotal?: number }): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.probes * 1000) / p.elapsedMs) : 0;
  const rules = p.rulesTotal ? `${p.rulesHit}/${p.rulesTotal}` : String(p.rulesHit);
  return `${p.probes.toLocaleString('en-US')} probes, ${rate.toLocaleString('en-US')}/s, ${p.divergences} divergences, ${p.findings} findings, rules ${rules}`;
}
