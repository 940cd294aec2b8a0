// summary.json: the whole run in one machine-readable document. Timestamps are decimal strings of
// nanoseconds (JSON numbers cannot hold them exactly); packets are lower-case hex from the Ethernet
// header on.
import { isUnexpected } from './diff-text';
import { summarizePacket, toHex } from './packet-summary';
import { COMPARABLE_SCHEMA, type ComparableCase } from '../../lib/compare/types';
import { stepLateMs } from '../../lib/match/lateness';
import { countStatuses, type CaseResult, type CaseStatus, type EarlierAttempt, type FieldDiff, type RunResult, type StatusCounts } from './types';

export const SUMMARY_SCHEMA = 'synharness-summary/1';

export interface SummaryPacket {
  tsNs: string;
  /** ms since the case's first packet. */
  tRelMs: number;
  dir: 'sent' | 'received';
  len: number;
  hex: string;
  summary: string;
  comment: string;
  unexpected: boolean;
}

export interface SummaryStep {
  index: number;
  kind: string;
  ok: boolean;
  message?: string;
  script?: string;
  reasons?: string[];
  diffs?: FieldDiff[];
  /** When the step was due and when it took effect, CLOCK_MONOTONIC ns (decimal strings); see lib/match/lateness.ts. */
  dueNs?: string;
  startNs?: string;
  /** How late it started, ms. */
  lateMs?: number;
  /** A kernel timer the model tracks fell due this many ms after the step was due, before it started. */
  timerAfterMs?: number;
  /** With timerAfterMs: how late the harness was against that timer, ms. */
  driftMs?: number;
}

export interface SummaryDiff extends FieldDiff {
  step: number;
}

export interface SummaryCase {
  id: string;
  file: string;
  name: string;
  ip: 4 | 6;
  spec: string[];
  status: CaseStatus;
  message?: string;
  durationMs: number;
  kernel: string;
  sysctls: Record<string, string>;
  modelProfile: string;
  seed: number;
  captureDrops: number;
  unexpected: number;
  /** Path of the case's pcapng relative to the run directory, when one was written. */
  pcap?: string;
  steps: SummaryStep[];
  /** Earlier attempts a late harness made unjudgeable (the case was run again; its message says so). */
  reruns?: EarlierAttempt[];
  /** Every field difference of every step, flattened. */
  diffs: SummaryDiff[];
  packets: SummaryPacket[];
  /** The judged packets with random values normalised, per step, with the model's predictions (`synh compare`). */
  comparable?: ComparableCase;
}

/** The run's own fields as RunResult has them, plus the schema id, totals and the cases' summaries. */
export interface Summary extends Omit<RunResult, 'cases'> {
  schema: string;
  /** Schema of the cases' `comparable` field (lib/compare/types.ts); absent in runs made before it existed. */
  comparableSchema?: string;
  totals: StatusCounts;
  cases: SummaryCase[];
}

export interface SummaryOptions {
  /** case id → pcap path relative to the run directory. */
  pcapPaths?: ReadonlyMap<string, string>;
}

function summaryCase(c: CaseResult, opts: SummaryOptions): SummaryCase {
  const t0 = c.packets.reduce<bigint | undefined>((m, p) => (m === undefined || p.tsNs < m ? p.tsNs : m), undefined);
  const out: SummaryCase = {
    id: c.id,
    file: c.file,
    name: c.name,
    ip: c.ip,
    spec: [...c.spec],
    status: c.status,
    ...(c.message !== undefined ? { message: c.message } : {}),
    durationMs: c.durationMs,
    kernel: c.kernel,
    sysctls: { ...c.sysctls },
    modelProfile: c.modelProfile,
    seed: c.seed,
    captureDrops: c.captureDrops,
    unexpected: c.unexpected,
    ...(opts.pcapPaths?.has(c.id) ? { pcap: opts.pcapPaths.get(c.id)! } : {}),
    steps: c.steps.map((s) => ({
      index: s.index,
      kind: s.kind,
      ok: s.ok,
      ...(s.message !== undefined ? { message: s.message } : {}),
      ...(s.script !== undefined ? { script: s.script } : {}),
      ...(s.reasons && s.reasons.length ? { reasons: [...s.reasons] } : {}),
      ...(s.diffs && s.diffs.length ? { diffs: s.diffs.map((d) => ({ ...d })) } : {}),
      ...(s.dueNs !== undefined && s.startNs !== undefined ? { dueNs: s.dueNs.toString(), startNs: s.startNs.toString(), lateMs: Math.round(stepLateMs(s) * 1000) / 1000 } : {}),
      ...(s.timerAfterMs !== undefined ? { timerAfterMs: s.timerAfterMs } : {}),
      ...(s.driftMs !== undefined ? { driftMs: s.driftMs } : {}),
    })),
    ...(c.reruns?.length ? { reruns: c.reruns.map((r) => ({ ...r })) } : {}),
    diffs: c.steps.flatMap((s) => (s.diffs ?? []).map((d) => ({ step: s.index, ...d }))),
    packets: c.packets.map((p) => ({
      tsNs: p.tsNs.toString(),
      tRelMs: t0 === undefined ? 0 : Number(p.tsNs - t0) / 1e6,
      dir: p.dir,
      len: p.bytes.length,
      hex: toHex(p.bytes),
      summary: summarizePacket(p.bytes, { addrs: true }),
      comment: p.comment,
      unexpected: isUnexpected(p),
    })),
    ...(c.comparable ? { comparable: c.comparable } : {}),
  };
  return out;
}

export function toSummary(run: RunResult, opts: SummaryOptions = {}): Summary {
  return {
    schema: SUMMARY_SCHEMA,
    comparableSchema: COMPARABLE_SCHEMA,
    runId: run.runId,
    startedAt: run.startedAt,
    kernel: run.kernel,
    ...(run.kernelIdentity ? { kernelIdentity: run.kernelIdentity } : {}),
    ...(run.shard ? { shard: run.shard } : {}),
    ...(run.mergedFrom ? { mergedFrom: run.mergedFrom } : {}),
    host: run.host,
    jobs: run.jobs,
    lanes: run.lanes ?? 1,
    ...(run.laneRange ? { laneRange: { ...run.laneRange } } : {}),
    reruns: run.reruns ?? 0,
    seed: run.seed,
    durationMs: run.durationMs,
    totals: countStatuses(run.cases),
    cases: run.cases.map((c) => summaryCase(c, opts)),
  };
}

/** summary.json text (2-space indented, trailing newline). */
export function toSummaryJson(run: RunResult, opts: SummaryOptions = {}): string {
  return JSON.stringify(toSummary(run, opts), null, 2) + '\n';
}
