// The verdict on an `expect_none` step: a DUT packet that was there or came during the span, or a
// packet the model predicts there that the kernel did not send.
import type { ExpectNoneStep } from '../case';
import { describePrediction, fmtRel } from './describe';
import { modelView, type Observed } from './expect';
import type { ModelTrack } from './model-track';
import { MODEL_SLACK_MS } from './timing';
import type { StepOutcome } from './verdict';

export function noneSpan(s: ExpectNoneStep): string {
  return `${s.ms} ms${s.flow ? ` on flow ${s.flow}` : ''}`;
}

/** A packet (on the step's flow, or any) was there at `startMs` or came before the span ended. */
export function judgeExpectNoneHit(model: ModelTrack, s: ExpectNoneStep, hit: Observed & { flow: string | undefined }, startMs: number): StepOutcome {
  const span = noneSpan(s);
  const t = hit.atMs - startMs;
  model.advance(hit.atMs + MODEL_SLACK_MS);
  const pend = hit.flow !== undefined ? model.due(hit.flow)[0] : undefined;
  return {
    index: s.index,
    kind: 'expect_none',
    ok: false,
    message: `nothing expected for ${span}, but the DUT sent a packet ${t < 0 ? 'before the step began' : `at +${t.toFixed(1)} ms`}`,
    diffs: [{ field: 'packet', expected: `nothing for ${span}`, observed: hit.text }],
    reasons: hit.flow !== undefined ? modelView(model, hit.flow, pend) : [],
  };
}

/** Nothing came in [startMs, endMs]: the model, advanced to the end, must predict nothing there either. */
export function judgeExpectNoneQuiet(model: ModelTrack, s: ExpectNoneStep, startMs: number, endMs: number): StepOutcome {
  model.advance(endMs);
  const due = model.due().filter((p) => (s.flow === undefined ? true : p.flow === s.flow));
  if (!due.length) return { index: s.index, kind: 'expect_none', ok: true };
  model.drop(due);
  return {
    index: s.index,
    kind: 'expect_none',
    ok: false,
    message: `the model predicts ${due.length} packet(s) the kernel did not send`,
    diffs: due.map((p) => ({
      field: 'model packet',
      expected: `${describePrediction(p.pred)} at ${fmtRel(p.pred.atMs - startMs)}`,
      observed: 'nothing',
      reason: p.pred.reason.explain(model.env.ip),
    })),
    reasons: due[0].reasons.map((r) => r.explain(model.env.ip)),
  };
}
