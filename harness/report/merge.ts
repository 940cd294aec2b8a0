// `synh merge`: shard results (synh run --shard i/N on several machines) back into one run — summary,
// JUnit, KTAP, KCIDB and pcaps written as one run writes them. Refuses what would not be one run:
// parts on different kernels, a case run in two parts, shards of different splits, missing shards
// (unless partial results are asked for).
import * as fs from 'fs';
import * as path from 'path';
import { fromHex } from '../../lib/wire/bytes';
import { loadRun } from './load-run';
import { writeRun, isSafeRunId, type WrittenRun } from './results-dir';
import type { Summary, SummaryCase } from './summary';
import type { CaseResult, RunResult } from './types';

/** A summary.json case back as the runner's CaseResult (summary.json keeps all of it). */
export function caseFromSummary(c: SummaryCase): CaseResult {
  return {
    id: c.id,
    file: c.file,
    name: c.name,
    spec: [...c.spec],
    ip: c.ip,
    status: c.status,
    ...(c.message !== undefined ? { message: c.message } : {}),
    durationMs: c.durationMs,
    steps: c.steps.map(({ dueNs, startNs, lateMs: _late, step, ...s }) => ({
      // synharness-summary/1 had the 0-based `index` where /2 has the 1-based `step`.
      index: step !== undefined ? step - 1 : (s as unknown as { index: number }).index,
      ...s,
      ...(dueNs !== undefined ? { dueNs: BigInt(dueNs) } : {}),
      ...(startNs !== undefined ? { startNs: BigInt(startNs) } : {}),
    })),
    packets: c.packets.map((p) => ({
      tsNs: BigInt(p.tsNs),
      dir: p.dir,
      bytes: fromHex(p.hex),
      comment: p.comment,
      ...(p.flow !== undefined ? { flow: p.flow } : {}),
    })),
    unexpected: c.unexpected,
    kernel: c.kernel,
    sysctls: { ...c.sysctls },
    modelProfile: c.modelProfile,
    seed: c.seed,
    captureDrops: c.captureDrops,
    ...(c.comparable ? { comparable: c.comparable } : {}),
    ...(c.reruns?.length ? { reruns: c.reruns.map((r) => ({ ...r })) } : {}),
  };
}

export interface MergeOptions {
  /** Merge even when shards are missing (the merged run says which). */
  partial?: boolean;
  kcidbOrigin?: string;
}

export interface Merged {
  run: RunResult;
  /** case id → pcapng bytes, from the parts. */
  pcaps: Map<string, Uint8Array>;
  /** Shards of the split that were not given (with `partial`). */
  missing: number[];
}

/** Merges loaded parts (dir + summary). Throws with what is wrong and what to do. */
export function mergeParts(parts: ReadonlyArray<{ dir: string; summary: Summary }>, o: MergeOptions = {}): Merged {
  if (!parts.length) throw new Error("nothing to merge: give the shards' results directories");
  const kernels = [...new Set(parts.map((p) => p.summary.kernel))];
  if (kernels.length > 1)
    throw new Error(
      `the parts ran on different kernels (${kernels.join(', ')}): merge each kernel's shards separately, and compare the merged runs with synh compare`,
    );
  const shards = parts.map((p) => p.summary.shard);
  let missing: number[] = [];
  let planned: number | undefined;
  if (shards.some((s) => s !== undefined)) {
    if (shards.some((s) => s === undefined)) throw new Error('some parts are shards and some are whole runs: merge the shards of one split');
    const totals = [...new Set(shards.map((s) => `${s!.total}/${s!.planned}`))];
    if (totals.length > 1) throw new Error(`the shards come from different splits (N/case runs: ${totals.join(', ')}): merge the shards of one split`);
    const seen = new Set<number>();
    for (const [i, s] of shards.entries()) {
      if (seen.has(s!.index)) throw new Error(`shard ${s!.index}/${s!.total} is given twice (${parts[i].dir})`);
      seen.add(s!.index);
    }
    const total = shards[0]!.total;
    planned = shards[0]!.planned;
    missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !seen.has(i));
    if (missing.length && !o.partial) throw new Error(`shard(s) ${missing.join(', ')} of ${total} missing: give every shard's results, or --partial`);
  }
  const owner = new Map<string, string>();
  const cases: CaseResult[] = [];
  const pcaps = new Map<string, Uint8Array>();
  for (const p of parts) {
    for (const c of p.summary.cases) {
      const prev = owner.get(c.id);
      if (prev !== undefined)
        throw new Error(`${c.id} is in ${prev} and in ${p.dir}: the parts overlap (the same shard twice, or shards of different case lists)`);
      owner.set(c.id, p.dir);
      cases.push(caseFromSummary(c));
      if (c.pcap) {
        const f = path.join(p.dir, c.pcap);
        try {
          pcaps.set(c.id, fs.readFileSync(f));
        } catch (e) {
          throw new Error(`${f}: ${(e as Error).message} (summary.json names it; was the shard's directory copied whole?)`);
        }
      }
    }
  }
  if (planned !== undefined && !missing.length && cases.length !== planned) {
    throw new Error(`the shards hold ${cases.length} case runs, the split planned ${planned}: were they run with the same paths, --filter and --ip?`);
  }
  // Discovery order: by file, then name, then family.
  cases.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : a.ip - b.ip));
  const starts = parts.map((p) => Date.parse(p.summary.startedAt));
  const t0 = Math.min(...starts);
  const t1 = Math.max(...parts.map((p, i) => starts[i] + p.summary.durationMs));
  const first = parts[starts.indexOf(t0)].summary;
  const run: RunResult = {
    runId: '',
    startedAt: new Date(t0).toISOString(),
    kernel: kernels[0],
    ...(first.kernelIdentity ? { kernelIdentity: first.kernelIdentity } : {}),
    host: [...new Set(parts.map((p) => p.summary.host))].join(','),
    jobs: parts.reduce((n, p) => n + p.summary.jobs, 0),
    lanes: first.lanes ?? 1,
    reruns: parts.reduce((n, p) => n + (p.summary.reruns ?? 0), 0),
    seed: first.seed,
    durationMs: t1 - t0,
    cases,
    mergedFrom: parts.map((p) => p.summary.runId),
  };
  return { run, pcaps, missing };
}

/** Loads the parts, merges them and writes the run to `out` (a new directory). */
export function mergeDirs(dirs: readonly string[], out: string, o: MergeOptions = {}): { written: WrittenRun; merged: Merged } {
  const abs = path.resolve(out);
  const runId = path.basename(abs);
  if (!isSafeRunId(runId)) throw new Error(`--out ${out}: the last component must be a plain directory name (letters, digits, . _ @ + = -)`);
  if (fs.existsSync(abs)) throw new Error(`--out ${out} exists: give a new directory`);
  const parts = dirs.map((d) => {
    const l = loadRun(d);
    return { dir: l.dir, summary: l.summary };
  });
  const merged = mergeParts(parts, o);
  merged.run.runId = runId;
  const written = writeRun(path.dirname(abs), merged.run, merged.pcaps, { updateLatest: false, kcidb: { origin: o.kcidbOrigin } });
  return { written, merged };
}
