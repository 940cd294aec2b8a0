// `wait`: time passes; the model's clock is advanced to its end, so timer packets due in it wait in
// the model's queue for a following expect.
import type { WaitStep } from '../../../lib/case';
import type { StepOutcome } from '../../../lib/match/verdict';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';

export async function runWait(cx: CaseContext, s: WaitStep): Promise<StepOutcome> {
  const end = now() + msToNs(s.ms);
  await cx.ledger.sleepUntil(end);
  cx.model.advance(nsToMs(end));
  return { index: s.index, kind: 'wait', ok: true };
}
