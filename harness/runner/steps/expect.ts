// `expect` (patterns): each pattern takes the next DUT packet on its flow that no earlier step took,
// waiting on the capture up to `within` or the end of the `at` window; the verdict on it (pattern and
// model) is lib/match/expect.ts's.
import type { ExpectStep } from '../../../lib/case';
import { judgeExpectPacket, judgeNothingArrived } from '../../../lib/match/expect';
import type { StepOutcome } from '../../../lib/match/verdict';
import type { Decoded } from '../../../lib/wire/types';
import { summarizePacket } from '../../report/packet-summary';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';

export async function runExpect(cx: CaseContext, s: ExpectStep): Promise<StepOutcome> {
  let waitFrom = now();
  const got: Decoded[] = [];
  cx.stepPackets.set(s.index, got);
  for (let i = 0; i < s.packets.length; i++) {
    const p = s.packets[i];
    const deadline = p.within !== undefined ? waitFrom + msToNs(p.within) : cx.refNs + msToNs(p.at!.max);
    const r = await cx.ledger.waitFor((x) => !x.taken && x.flow === p.flow, deadline);
    cx.check();
    if (!r) return { ...judgeNothingArrived(cx.model, s, i, nsToMs(now())), ...threadWait(cx) };
    r.taken = true;
    waitFrom = r.tNs;
    if (r.tNs > cx.lastExpectedNs) cx.lastExpectedNs = r.tNs;
    if (cx.lastExpectStep.get(p.flow) === s.index) cx.flowEndNs.set(p.flow, r.tNs);
    cx.bindings.beforeDut(p.flow, r.d);
    const v = judgeExpectPacket(
      cx.model,
      s,
      i,
      { d: r.d, text: summarizePacket(r.frame), atMs: nsToMs(r.tNs) },
      {
        lookup: cx.bindings.lookup,
        packetAt: cx.packetAt,
        refMs: nsToMs(cx.refNs),
        dutPort: cx.dutPort,
        file: cx.c.file,
      },
    );
    cx.trace.took(r.frame, s.index, r.tNs, cx.refNs, v.pred);
    got.push(r.d);
    cx.bindings.afterDut(p.flow, r.d);
    r.comment = v.comment;
    if (v.failure) return v.failure.diffs?.every((d) => d.field === 'at') ? { ...v.failure, ...threadWait(cx) } : v.failure;
  }
  // An on-time harness goes on when the last packet came.
  cx.tookEffect(undefined, waitFrom, Math.max(0, nsToMs(waitFrom - cx.dueNs)));
  return { index: s.index, kind: 'expect', ok: true };
}

/** While a blocking call is in flight, the DUT's next packet may be its thread's (the writer's data): a miss on time is not a verdict (lateness.ts). */
function threadWait(cx: CaseContext): { blockedThread?: true } {
  return cx.blockingCall ? { blockedThread: true } : {};
}
