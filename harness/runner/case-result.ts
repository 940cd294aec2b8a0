// The end of a case: every DUT packet no expectation took is unexpected — unless it came after the
// case's window — and the frames become the result's packets, in time order, each with its comment.
import { SETTLE_MS } from '../../lib/match/timing';
import { blankResult, type CapturedPacket, type CaseResult, type CaseStatus, type StepOutcome } from '../report/types';
import type { CaseContext } from './case-context';
import { msToNs, nsToMs } from './clock';
import type { DutLedger, Rx } from './dut-ledger';

export interface CaseEnd {
  status: CaseStatus;
  message?: string;
  steps: StepOutcome[];
  kernel: string;
  sysctls: Record<string, string>;
  profile: string;
  drops: number;
  durationMs: number;
  /** CLOCK_MONOTONIC → Unix epoch, ns. */
  epochOffsetNs: bigint;
}

/**
 * The case observes the link until SETTLE_MS after its last stimulus. A frame the kernel stamped after
 * that (a timer the case never waited for, read late because the event loop was busy) is outside the
 * case: kept in the pcapng, not judged — on an idle machine the case would have ended before it came.
 */
export function caseResult(
  cx: CaseContext | undefined,
  ledger: DutLedger | undefined,
  dutMac: string | undefined,
  e: CaseEnd,
  c: CaseContext['c'],
  ip: 4 | 6,
  seed: number,
): CaseResult {
  let { status, message } = e;
  const rx = ledger?.rx ?? [];
  const foreign = ledger?.foreign ?? [];
  const last = cx?.lastStimulusNs ?? 0n;
  const windowEnd = last + msToNs(SETTLE_MS);
  const inWindow = (r: Rx): boolean => r.tNs <= windowEnd;
  const outside = (r: Rx): string => `after the case's window (+${nsToMs(r.tNs - last).toFixed(1)} ms after its last stimulus): not judged`;
  const unexpected: Rx[] = [];
  // `trailing: report` (imported packetdrill scripts): what the DUT sent after the last expected packet
  // is reported, not judged — packetdrill never looks at it (--strict makes it count)
  const trailing = (r: Rx): boolean => c.trailing === 'report' && r.tNs > (cx?.lastExpectedNs ?? 0n);
  // so is what a connection sent after the script's last expected packet on it (a FIN re-sent after the
  // script moved on to another socket): packetdrill skips packets of sockets it no longer waits on
  const flowEnd = (r: Rx): bigint | undefined => (c.trailing === 'report' && r.flow !== undefined ? cx?.flowEndNs.get(r.flow) : undefined);
  for (const r of rx) {
    if (r.taken) continue;
    if (trailing(r)) {
      r.comment = `after the script's last expected packet: reported, not judged (--strict judges it)${r.flow !== undefined ? ` (flow ${r.flow})` : ''}`;
      continue;
    }
    const end = flowEnd(r);
    if (end !== undefined && r.tNs > end) {
      r.comment = `after the script's last expected packet on flow ${r.flow}: reported, not judged (--strict judges it)`;
      continue;
    }
    if (!inWindow(r)) {
      r.comment = outside(r);
      continue;
    }
    unexpected.push(r);
    r.comment = `UNEXPECTED: ${r.during ?? (r.flow === undefined ? 'to a port no flow of the case uses' : `no expectation took it (flow ${r.flow})`)}`;
  }
  const fromDut = (r: Rx): boolean => !!dutMac && r.d.eth?.src === dutMac;
  for (const r of foreign) {
    if (!inWindow(r)) {
      r.comment = outside(r);
      continue;
    }
    unexpected.push(r);
    r.comment = `UNEXPECTED: ${fromDut(r) ? `from the DUT's other address ${r.d.ip?.src ?? ''}`.trimEnd() : 'not from the DUT and not sent by the harness'}`;
  }
  if (unexpected.length && status === 'pass') {
    status = 'fail';
    message = `${unexpected.length} unexpected packet(s) from the DUT`;
  }
  ledger?.finish();
  const off = e.epochOffsetNs;
  const packets: CapturedPacket[] = [
    ...(ledger?.tx ?? []).map((t) => ({
      tsNs: t.tNs + off,
      dir: 'sent' as const,
      bytes: t.frame,
      comment: t.comment,
      ...(t.flow !== undefined ? { flow: t.flow } : {}),
    })),
    ...rx.map((r) => ({
      tsNs: r.tNs + off,
      dir: 'received' as const,
      bytes: r.frame,
      comment: r.comment ?? '',
      ...(r.flow !== undefined ? { flow: r.flow } : {}),
    })),
    ...foreign.map((r) => ({ tsNs: r.tNs + off, dir: fromDut(r) ? ('received' as const) : ('sent' as const), bytes: r.frame, comment: r.comment ?? '' })),
  ].sort((p, q) => (p.tsNs < q.tsNs ? -1 : p.tsNs > q.tsNs ? 1 : 0));
  return {
    ...blankResult(c, ip, seed, e.kernel, status, message),
    durationMs: e.durationMs,
    steps: e.steps,
    packets,
    unexpected: unexpected.length,
    sysctls: e.sysctls,
    modelProfile: e.profile,
    captureDrops: e.drops,
    ...(cx ? { comparable: comparableOf(cx, ledger, c, packets) } : {}),
  };
}

/** The comparable form, the harness's frames known by the bytes they crossed the wire with. */
function comparableOf(cx: CaseContext, ledger: DutLedger | undefined, c: CaseContext['c'], packets: readonly CapturedPacket[]): CaseResult['comparable'] {
  for (const t of ledger?.tx ?? []) cx.trace.alias(t.frame, t.built);
  return cx.trace.comparable(c, packets);
}
