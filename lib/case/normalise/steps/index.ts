// The steps, walked in order: each is normalised by its kind's file, then the walk records what it
// leaves for later steps (its kind, for step-number references; whether the DUT may answer). Pure.
import type { CaseRaw } from '../../schema';
import type { Step } from '../../types';
import type { CaseContext, Path, RawStep } from '../context';
import { normaliseAssert } from './assert';
import { normaliseCall } from './call';
import { normaliseExpect } from './expect';
import { normaliseIcmp } from './icmp';
import { normaliseSend } from './send';
import { normaliseSysctlStep } from './sysctl';
import { normaliseExpectNone, normaliseWait } from './time';

export function normaliseSteps(ctx: CaseContext, raw: CaseRaw['steps']): Step[] {
  const steps: Step[] = [];
  raw.forEach((s, i) => {
    const step = normaliseStep(ctx, s, ['steps', i], i);
    if (!step) return;
    steps.push(s.note !== undefined ? { ...step, note: s.note } : step);
    ctx.walk.kinds.push(step.kind === 'expect' && step.byModel ? 'model' : step.kind);
    if (step.kind === 'send' || step.kind === 'icmp' || step.kind === 'call') ctx.walk.hasCause = true;
  });
  return steps;
}

/** The step's one action (the schema made sure there is exactly one). */
function normaliseStep(ctx: CaseContext, s: RawStep, sp: Path, i: number): Step | undefined {
  if (s.send) return normaliseSend(ctx, s.send, [...sp, 'send'], i);
  if (s.icmp) return normaliseIcmp(ctx, s.icmp, [...sp, 'icmp'], i);
  if (s.expect !== undefined) return normaliseExpect(ctx, s.expect, [...sp, 'expect'], i);
  if (s.expect_none !== undefined) return normaliseExpectNone(ctx, s.expect_none, [...sp, 'expect_none'], i);
  if (s.call) return normaliseCall(ctx, s.call, [...sp, 'call'], i);
  if (s.wait !== undefined) return normaliseWait(ctx, s.wait, [...sp, 'wait'], i);
  if (s.assert) return normaliseAssert(ctx, s.assert, [...sp, 'assert'], i);
  if (s.sysctl !== undefined) return normaliseSysctlStep(ctx, s.sysctl, [...sp, 'sysctl'], i);
  return undefined;
}
