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

/** One campaign run's part of a merged coverage view. */
export interface CoveragePart {
  campaign: string;
  dir: string;
  probes: number;
  probesPerSec: number;
  rules: readonly string[];
  guided: boolean;
}

export interface MergedCoverage {
  kernel: string;
  profile: string;
  /** rules of the catalogue hit by some part and able to fire here */
  covered: number;
  /** rules of the catalogue able to fire on this kernel */
  reachable: number;
  /** covered / reachable, 0..1 */
  ratio: number;
  parts: Array<Omit<CoveragePart, 'rules'> & { rulesHit: number }>;
  unreachable: Array<{ rule: string; fn: string; kind: string; reason: string }>;
  /** reachable rules no part hit, by kernel function */
  missed: Array<{ fn: string; rules: string[] }>;
}

/** The union of the parts' rules against the catalogue, leaving out the rules that cannot fire here. */
export function mergeCoverage(
  catalogue: readonly RuleInfoLike[],
  parts: readonly CoveragePart[],
  unreachable: ReadonlyArray<{ rule: string; fn: string; kind: string; reason: string }>,
  kernel: { release: string; profile: string },
): MergedCoverage {
  const out = new Set(unreachable.map((u) => u.rule));
  const hit = new Set(parts.flatMap((p) => p.rules));
  const reachable = catalogue.filter((r) => !out.has(r.rule));
  const missedBy = new Map<string, string[]>();
  let covered = 0;
  for (const r of reachable) {
    if (hit.has(r.rule)) covered++;
    else {
      let g = missedBy.get(r.fn);
      if (!g) missedBy.set(r.fn, (g = []));
      g.push(r.rule);
    }
  }
  return {
    kernel: kernel.release,
    profile: kernel.profile,
    covered,
    reachable: reachable.length,
    ratio: reachable.length ? covered / reachable.length : 1,
    parts: parts.map(({ rules, ...p }) => ({ ...p, rulesHit: rules.length })),
    unreachable: [...unreachable],
    missed: [...missedBy].map(([fn, rules]) => ({ fn, rules })),
  };
}

/** The merged view as text: one line per run, the figure, what cannot fire here and why, the misses. */
export function formatMergedCoverage(m: MergedCoverage): string {
  const lines = m.parts.map(
    (p) =>
      `${p.campaign}${p.guided ? ' (guided)' : ''}: ${p.probes.toLocaleString('en-US')} probes, ${p.probesPerSec.toLocaleString('en-US')}/s, ${p.rulesHit} rules — ${p.dir}`,
  );
  lines.push(
    `covered ${m.covered}/${m.reachable} rules reachable on ${m.kernel} (${(m.ratio * 100).toFixed(1)}%, model profile ${m.profile}); ${m.unreachable.length} cannot fire here`,
  );
  if (m.unreachable.length) {
    lines.push('cannot fire on this kernel:');
    for (const u of m.unreachable) lines.push(`  ${u.rule} (${u.fn}) — ${u.kind}: ${u.reason}`);
  }
  if (m.missed.length) {
    lines.push('never hit:');
    for (const g of m.missed) lines.push(`  ${g.fn}: ${g.rules.join(', ')}`);
  }
  return lines.join('\n');
}
