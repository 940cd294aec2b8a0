// The step kinds, one runner each: a case step goes to the runner of its kind. A new step kind is a
// new file here and one line in STEP_RUNNERS (the type below makes a missing one a compile error).
import type { Step } from '../../../lib/case';
import type { StepOutcome } from '../../../lib/match/verdict';
import type { CaseContext } from '../case-context';
import { runAssert } from './assert';
import { runCall } from './call';
import { runExpect } from './expect';
import { runExpectModel } from './expect-model';
import { runExpectNone } from './expect-none';
import { runIcmp } from './icmp';
import { runSend } from './send';
import { runSysctl } from './sysctl';
import { runWait } from './wait';

type StepRunner<S extends Step> = (cx: CaseContext, s: S) => Promise<StepOutcome>;

export const STEP_RUNNERS: { [K in Step['kind']]: StepRunner<Extract<Step, { kind: K }>> } = {
  send: runSend,
  icmp: runIcmp,
  expect: (cx, s) => (s.byModel ? runExpectModel(cx, s) : runExpect(cx, s)),
  expect_none: runExpectNone,
  call: runCall,
  wait: runWait,
  assert: runAssert,
  sysctl: runSysctl,
};

export function runStep(cx: CaseContext, s: Step): Promise<StepOutcome> {
  return (STEP_RUNNERS[s.kind] as StepRunner<Step>)(cx, s);
}
