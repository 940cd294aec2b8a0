// summary.json: the whole run in one machine-readable document, of the shape summary-schema.ts defines
// (and summary.schema.json publishes). Timestamps are decimal strings of nanoseconds (JSON numbers
// cannot hold them exactly); step numbers are 1-based; packets are lower-case hex from the Ethernet
// header and from the IP header.
import { isUnexpected } from './diff-text';
import { ipBytes, summarizePacket, toHex } from './packet-summary';
import { COMPARABLE_SCHEMA } from '../../lib/compare/types';
import { stepLateMs } from '../../lib/match/lateness';
import { SUMMARY_SCHEMA, SUMMARY_SCHEMA_FILE, type Summary, type SummaryCase, type SummaryDiff, type SummaryPacket, type SummaryStep } from './summary-schema';
import { countStatuses, type CaseResult, type RunResult } from './types';

export { SUMMARY_SCHEMA };
export type { Summary, SummaryCase, SummaryDiff, SummaryPacket, SummaryStep };

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
    steps: c.steps.map((s): SummaryStep => ({
      step: s.index + 1,
      kind: s.kind,
      ok: s.ok,
      ...(s.message !== undefined ? { message: s.message } : {}),
      ...(s.script !== undefined ? { script: s.script } : {}),
      ...(s.reasons && s.reasons.length ? { reasons: [...s.reasons] } : {}),
      ...(s.expected ? { expected: [...s.expected] } : {}),
      ...(s.diffs && s.diffs.length ? { diffs: s.diffs.map((d) => ({ ...d })) } : {}),
      ...(s.dueNs !== undefined && s.startNs !== undefined
        ? { dueNs: s.dueNs.toString(), startNs: s.startNs.toString(), lateMs: Math.round(stepLateMs(s) * 1000) / 1000 }
        : {}),
      ...(s.timerAfterMs !== undefined ? { timerAfterMs: s.timerAfterMs } : {}),
      ...(s.driftMs !== undefined ? { driftMs: s.driftMs } : {}),
    })),
    ...(c.reruns?.length ? { reruns: c.reruns.map((r) => ({ ...r })) } : {}),
    diffs: c.steps.flatMap((s) => (s.diffs ?? []).map((d): SummaryDiff => ({ step: s.index + 1, ...d }))),
    packets: c.packets.map((p): SummaryPacket => ({
      tsNs: p.tsNs.toString(),
      tRelMs: t0 === undefined ? 0 : Number(p.tsNs - t0) / 1e6,
      dir: p.dir,
      len: p.bytes.length,
      hex: toHex(p.bytes),
      ...ipHexOf(p.bytes),
      summary: summarizePacket(p.bytes, { addrs: true }),
      comment: p.comment,
      ...(p.flow !== undefined ? { flow: p.flow } : {}),
      unexpected: isUnexpected(p),
    })),
    ...(c.comparable ? { comparable: c.comparable } : {}),
  };
  return out;
}

function ipHexOf(frame: Uint8Array): { ipHex?: string } {
  const ip = ipBytes(frame);
  return ip ? { ipHex: toHex(ip) } : {};
}

export function toSummary(run: RunResult, opts: SummaryOptions = {}): Summary {
  return {
    $schema: SUMMARY_SCHEMA_FILE,
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
