// `wait`: time passes, counted from the previous step's end as the kernel saw it (CaseContext.dueNs);
// the model's clock is advanced to its end, so timer packets due in it wait in the model's queue for a
// following expect.
import type { WaitStep } from '../../../lib/case';
import type { StepOutcome } from '../../../lib/match/verdict';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';

export async function runWait(cx: CaseContext, s: WaitStep): Promise<StepOutcome> {
  // `ms` after the previous step ended as the kernel saw it: a late harness catches up here instead of
  // carrying its lateness into the next step.
  const end = cx.dueNs + msToNs(s.ms);
  await cx.ledger.sleepUntil(end);
  const t = now();
  cx.model.advance(nsToMs(end > t ? end : t));
  cx.tookEffect(undefined, end, s.ms);
  return { index: s.index, kind: 'wait', ok: true };
}
