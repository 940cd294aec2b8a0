// `expect_none`: no untaken DUT packet (on the flow, or any) may be there or arrive during the span
// (counted from the step's due time: CaseContext.dueNs),
// and the model, advanced to the end of the span, must have no unclaimed prediction there
// (lib/match/expect-none.ts judges).
import type { ExpectNoneStep } from '../../../lib/case';
import { judgeExpectNoneHit, judgeExpectNoneQuiet, noneSpan } from '../../../lib/match/expect-none';
import type { StepOutcome } from '../../../lib/match/verdict';
import { summarizePacket } from '../../report/packet-summary';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';

export async function runExpectNone(cx: CaseContext, s: ExpectNoneStep): Promise<StepOutcome> {
  const start = now();
  // The span is [due, due + ms] on the kernel's clock: a harness that starts late looks at the packets
  // of the span already captured and waits only for the rest of it (a packet after its end belongs to
  // the next steps, as it would have on time); how late it started is the step's lateness.
  const due = cx.dueNs;
  const spanEnd = due + msToNs(s.ms);
  const end = spanEnd > start ? spanEnd : start;
  cx.tookEffect(start, spanEnd, s.ms);
  const hit = await cx.ledger.waitFor((x) => !x.taken && x.tNs <= spanEnd && (s.flow === undefined || x.flow === s.flow), end);
  cx.check();
  if (hit) {
    hit.during = `arrived during step ${s.index + 1} (expect_none ${noneSpan(s)})`;
    return judgeExpectNoneHit(cx.model, s, { d: hit.d, text: summarizePacket(hit.frame), atMs: nsToMs(hit.tNs), flow: hit.flow }, nsToMs(due));
  }
  return judgeExpectNoneQuiet(cx.model, s, nsToMs(due), nsToMs(end));
}
