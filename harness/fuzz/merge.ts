// `synh merge` of fuzz shards (synh fuzz --shard i/N): the parts' summaries become one campaign
// result — probes and divergences added, findings deduplicated by signature (counts added, the first
// index the lowest, its finding file, repro case and pcapng copied from the part that met it first),
// rule coverage the union. Refuses parts of different campaigns, seeds or campaign definitions,
// different budgets or splits, a shard given twice, and missing shards unless partial results are
// asked for.
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '../../lib/model';
import { writeFileAtomic } from '../../lib/fuzz/checkpoint';
import { coverageReport, formatCoverage } from '../../lib/fuzz/coverage';
import { signatureSlug } from '../../lib/fuzz/signature';
import type { CampaignSummary } from './campaign';

/** A campaign run's summary.json (what finishSummary writes). */
export type FuzzSummaryFile = CampaignSummary & { campaignHash: string; mergedFrom?: string[]; missingShards?: number[] };

export interface FuzzPart {
  dir: string;
  summary: FuzzSummaryFile;
}

export interface FuzzMerged {
  summary: FuzzSummaryFile;
  /** signature → the part whose finding files are kept (the one with the lowest first index). */
  source: Map<string, string>;
  /** Shards of the split that were not given (with `partial`). */
  missing: number[];
}

/** The fuzz summary in `dir`, or undefined when `dir` holds no campaign run. */
export function readFuzzSummary(dir: string): FuzzSummaryFile | undefined {
  let s: Partial<FuzzSummaryFile>;
  try {
    s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  } catch {
    return undefined;
  }
  return s && typeof s.campaign === 'string' && typeof s.campaignHash === 'string' ? (s as FuzzSummaryFile) : undefined;
}

const distinct = <T>(xs: T[]): T[] => [...new Set(xs)];

/** Merges loaded parts. Throws one line saying what is wrong and what to do. */
export function mergeFuzzParts(parts: readonly FuzzPart[], o: { partial?: boolean } = {}): FuzzMerged {
  if (!parts.length) throw new Error("nothing to merge: give the fuzz shards' run directories");
  const s0 = parts[0].summary;
  const names = distinct(parts.map((p) => p.summary.campaign));
  if (names.length > 1) throw new Error(`the parts are runs of different campaigns (${names.join(', ')}): merge the shards of one campaign`);
  const seeds = distinct(parts.map((p) => p.summary.seed));
  if (seeds.length > 1) throw new Error(`the parts ran campaign ${s0.campaign} with different seeds (${seeds.join(', ')}): merge the shards of one seed`);
  const hashes = distinct(parts.map((p) => p.summary.campaignHash));
  if (hashes.length > 1)
    throw new Error(
      `the parts ran different definitions of campaign ${s0.campaign} (hashes ${hashes.join(', ')}): run every shard from the same campaign file`,
    );
  const budgets = distinct(parts.map((p) => p.summary.budget ?? null));
  if (budgets.length > 1)
    throw new Error(
      `the parts ran campaign ${s0.campaign} with different probe budgets (${budgets.map((b) => b ?? 'time-bounded').join(', ')}): give every shard the same --probes`,
    );
  const shards = parts.map((p) => p.summary.shard);
  if (shards.some((s) => s === undefined)) {
    throw new Error(
      parts.length > 1
        ? `some parts are whole runs of campaign ${s0.campaign}, not shards: their probes overlap; merge the shards of one split (synh fuzz --shard i/N)`
        : `${parts[0].dir} is a whole campaign run, not a shard: nothing to merge`,
    );
  }
  const totals = distinct(shards.map((s) => s!.total));
  if (totals.length > 1) throw new Error(`the shards come from different splits (N = ${totals.join(', ')}): merge the shards of one split`);
  const seen = new Set<number>();
  for (const [i, s] of shards.entries()) {
    if (seen.has(s!.index)) throw new Error(`shard ${s!.index}/${s!.total} is given twice (${parts[i].dir})`);
    seen.add(s!.index);
  }
  const total = totals[0];
  const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i));
  if (missing.length && !o.partial) throw new Error(`shard(s) ${missing.join(', ')} of ${total} missing: give every shard's run directory, or --partial`);

  const findings = new Map<string, CampaignSummary['findings'][number]>();
  const source = new Map<string, string>();
  for (const p of parts) {
    for (const f of p.summary.findings) {
      const prev = findings.get(f.signature);
      if (!prev || f.firstIndex < prev.firstIndex) {
        findings.set(f.signature, { ...f, count: f.count + (prev?.count ?? 0) });
        source.set(f.signature, p.dir);
      } else prev.count += f.count;
    }
  }
  const rules = distinct(parts.flatMap((p) => p.summary.rules ?? [])).sort();
  const hit = new Set(rules);
  const sum = (k: 'probes' | 'elapsedMs' | 'probesPerSec' | 'divergences' | 'reruns' | 'flaky'): number => parts.reduce((n, p) => n + (p.summary[k] ?? 0), 0);
  const summary: FuzzSummaryFile = {
    campaign: s0.campaign,
    seed: s0.seed,
    budget: s0.budget ?? null,
    probes: sum('probes'),
    elapsedMs: sum('elapsedMs'),
    // The shards ran side by side: their rates add up.
    probesPerSec: sum('probesPerSec'),
    divergences: sum('divergences'),
    findings: [...findings.values()].sort((a, b) => a.firstIndex - b.firstIndex || (a.signature < b.signature ? -1 : 1)),
    rulesHit: hit.size,
    rulesTotal: RULES.length,
    rulesNeverHit: RULES.map((r) => r.rule).filter((r) => !hit.has(r)),
    rules,
    reruns: sum('reruns'),
    flaky: sum('flaky'),
    coverageText: formatCoverage(coverageReport(RULES, hit)),
    campaignHash: hashes[0],
    mergedFrom: parts.map((p) => p.dir),
    ...(missing.length ? { missingShards: missing } : {}),
  };
  return { summary, source, missing };
}

/** Loads the shards in `dirs`, merges them and writes the campaign result to `out` (a new directory). */
export function mergeFuzzDirs(dirs: readonly string[], out: string, o: { partial?: boolean } = {}): FuzzMerged & { dir: string } {
  const abs = path.resolve(out);
  if (fs.existsSync(abs)) throw new Error(`--out ${out} exists: give a new directory`);
  const parts = dirs.map((d) => {
    const summary = readFuzzSummary(d);
    if (!summary) throw new Error(`${path.join(d, 'summary.json')}: not a fuzz campaign's summary (was the shard's run interrupted before it finished?)`);
    return { dir: path.resolve(d), summary };
  });
  const merged = mergeFuzzParts(parts, o);
  // Everything is read before anything is written: a missing finding file leaves no half-merged run.
  const files: Array<[string, Buffer]> = [];
  for (const f of merged.summary.findings) {
    const from = merged.source.get(f.signature)!;
    const rel = path.join('findings', `${signatureSlug(f.signature)}.json`);
    const read = (r: string): Buffer => {
      try {
        return fs.readFileSync(path.join(from, r));
      } catch (e) {
        throw new Error(`${path.join(from, r)}: ${(e as Error).message} (the shard's summary lists finding ${f.signature}; was its directory copied whole?)`);
      }
    };
    const json = read(rel);
    files.push([rel, json]);
    const ff = JSON.parse(json.toString('utf8')) as { repro?: string; pcapng?: string };
    for (const r of [ff.repro, ff.pcapng]) if (r) files.push([r, read(r)]);
  }
  fs.mkdirSync(path.join(abs, 'findings'), { recursive: true });
  fs.mkdirSync(path.join(abs, 'repro'), { recursive: true });
  for (const [rel, bytes] of files) writeFileAtomic(path.join(abs, rel), bytes);
  writeFileAtomic(path.join(abs, 'coverage.txt'), merged.summary.coverageText + '\n');
  writeFileAtomic(path.join(abs, 'summary.json'), JSON.stringify(merged.summary, null, 2) + '\n');
  return { ...merged, dir: abs };
}
