// `expect: model`: takes exactly the packets the model has predicted so far (each waited for up to
// DEFAULT_WITHIN_MS), lets SETTLE_MS pass after the last stimulus, and has lib/match/expect-model.ts
// judge them — and anything more the DUT sent — flow by flow.
import type { ExpectStep } from '../../../lib/case';
import { DEFAULT_WITHIN_MS } from '../../../lib/case/types';
import { judgeExpectModel, type ModelObserved } from '../../../lib/match/expect-model';
import { SETTLE_MS } from '../../../lib/match/timing';
import type { StepOutcome } from '../../../lib/match/verdict';
import { summarizePacket } from '../../report/packet-summary';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';
import type { Rx } from '../dut-ledger';

export async function runExpectModel(cx: CaseContext, s: ExpectStep): Promise<StepOutcome> {
  const start = now();
  cx.model.advance(nsToMs(start));
  const preds = cx.model.due();
  cx.stepPackets.set(s.index, []);
  const taken: Rx[] = [];
  for (const pend of preds) {
    const r = await cx.ledger.waitFor((x) => !x.taken && x.flow === pend.flow, start + msToNs(DEFAULT_WITHIN_MS));
    cx.check();
    if (!r) break;
    r.taken = true;
    taken.push(r);
  }
  // Anything else the DUT has sent by now is more than the model predicted.
  const settled = cx.lastStimulusNs + msToNs(SETTLE_MS);
  await cx.ledger.sleepUntil(settled);
  cx.check();
  const seen = (r: Rx): ModelObserved & { rx: Rx } => ({ d: r.d, text: summarizePacket(r.frame), atMs: nsToMs(r.tNs), flow: r.flow, rx: r });
  const v = judgeExpectModel(cx.model, cx.bindings, s, preds, taken.map(seen), cx.ledger.rx.filter((x) => !x.taken).map(seen));
  for (const [o, comment] of v.comments) o.rx.comment = comment;
  // Each flow's taken packets answer its predictions in order (as judge pairs them).
  const next = new Map<string | undefined, number>();
  for (const r of taken) {
    const k = next.get(r.flow) ?? 0;
    next.set(r.flow, k + 1);
    cx.trace.took(r.frame, s.index, r.tNs, cx.refNs, preds.filter((p) => p.flow === r.flow)[k]?.pred);
  }
  const last = taken.length ? taken[taken.length - 1].tNs : settled;
  const ends = last > settled ? last : settled;
  cx.tookEffect(undefined, ends, Math.max(0, nsToMs(ends - cx.dueNs)));
  cx.stepPackets.set(s.index, v.got);
  return v.outcome;
}
