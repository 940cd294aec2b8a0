// `wait`: time passes, counted from the previous step's end as the kernel saw it (CaseContext.dueNs);
// the model's clock is advanced to its end — the end on the kernel's clock, never to when the harness
// woke up: a timer that fell due after the end while the harness was late must still be pending when
// the next step is judged, so that lib/match/lateness.ts sees the step as provably late. (Advanced to
// the wake-up, a late wait had the model fire the timer inside the wait; a retransmission that came
// before the next send was then taken by the expect meant for the send's answer, and the answer
// reported as unexpected: a false failure in a loaded guest.) Timer packets due within the wait wait
// in the model's queue for a following expect.
import type { WaitStep } from '../../../lib/case';
import type { StepOutcome } from '../../../lib/match/verdict';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';

export async function runWait(cx: CaseContext, s: WaitStep): Promise<StepOutcome> {
  // `ms` after the previous step ended as the kernel saw it: a late harness catches up here instead of
  // carrying its lateness into the next step.
  const end = cx.dueNs + msToNs(s.ms);
  await cx.ledger.sleepUntil(end);
  const late = cx.lateWakeMs?.(s.index + 1) ?? 0;
  if (late > 0) await cx.ledger.sleepUntil(now() + msToNs(late));
  cx.model.advance(nsToMs(end));
  cx.tookEffect(undefined, end, s.ms);
  return { index: s.index, kind: 'wait', ok: true };
}
