// Steps that let time pass: wait (timers, rate limits) and expect_none (nothing may arrive). Pure.
import type { ExpectNoneStep, WaitStep } from '../../types';
import type { CaseContext, Path, RawStep } from '../context';
import { flowRef } from '../flows';

export function normaliseExpectNone(ctx: CaseContext, en: NonNullable<RawStep['expect_none']>, ep: Path, i: number): ExpectNoneStep {
  if (en.ms <= 0) ctx.problem(ep, 'expect_none needs a duration above 0ms — e.g. expect_none: 300ms', 'key');
  const flow = en.flow !== undefined ? flowRef(ctx, en.flow, [...ep, 'flow']) : undefined;
  return { kind: 'expect_none', index: i, pos: ctx.posOf(ep, true), ms: en.ms, ...(flow ? { flow } : {}) };
}

export function normaliseWait(ctx: CaseContext, ms: number, wp: Path, i: number): WaitStep {
  if (ms <= 0) ctx.problem(wp, 'wait needs a duration above 0ms — e.g. wait: 600ms');
  return { kind: 'wait', index: i, pos: ctx.posOf(wp, true), ms };
}
