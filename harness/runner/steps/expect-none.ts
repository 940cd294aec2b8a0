// `expect_none`: no untaken DUT packet (on the flow, or any) may be there or arrive during the span,
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
  const end = start + msToNs(s.ms);
  const hit = await cx.ledger.waitFor((x) => !x.taken && (s.flow === undefined || x.flow === s.flow), end);
  cx.check();
  if (hit) {
    hit.during = `arrived during step ${s.index + 1} (expect_none ${noneSpan(s)})`;
    return judgeExpectNoneHit(cx.model, s, { d: hit.d, text: summarizePacket(hit.frame), atMs: nsToMs(hit.tNs), flow: hit.flow }, nsToMs(start));
  }
  return judgeExpectNoneQuiet(cx.model, s, nsToMs(start), nsToMs(end));
}
