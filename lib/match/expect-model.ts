// The verdict on an `expect: model` step: the packets the model predicted so far against the ones the
// DUT sent, flow by flow (packets of one flow keep their order; flows interleave freely); anything
// more that the DUT sent by the end of the step is more than the model predicted.
import type { ExpectStep } from '../case';
import { toPacketJson } from '../wire/summary';
import type { Decoded } from '../wire/types';
import type { FlowBindings } from './bindings';
import { describePrediction } from './describe';
import { earlyDiff, type Observed } from './expect';
import { judge } from './judge';
import type { ModelTrack, PendingPrediction } from './model-track';
import type { FieldDiff, StepOutcome } from './verdict';
import type { Reason } from '../model';

export interface ModelObserved extends Observed {
  flow: string | undefined;
}

export interface ModelStepVerdict<O extends ModelObserved = ModelObserved> {
  outcome: StepOutcome;
  /** pcapng comments for the packets the step took. */
  comments: Map<O, string>;
  /** The packets the step took, for `same:` references, in order. */
  got: Decoded[];
}

/**
 * `preds`: the predictions the step waited for (removed from the model's queue here); `taken`: the
 * packets that answered them; `extra`: every other DUT packet no step took.
 */
export function judgeExpectModel<O extends ModelObserved>(
  model: ModelTrack,
  bindings: FlowBindings,
  s: ExpectStep,
  preds: readonly PendingPrediction[],
  taken: readonly O[],
  extra: readonly O[],
): ModelStepVerdict<O> {
  model.drop(preds);
  const expected = preds.map((p) => `${describePrediction(p.pred)}${p.flow !== undefined ? ` on flow ${p.flow}` : ''}`);
  const comments = new Map<O, string>();
  const got: Decoded[] = [];
  const flows = [...new Set([...preds.map((p) => p.flow), ...taken.map((r) => r.flow), ...extra.map((r) => r.flow)])];
  const isTaken = new Set(taken);
  let k = 0;
  const fail = (message: string, diffs: FieldDiff[], reasons?: readonly Reason[]): ModelStepVerdict<O> => ({
    comments,
    got,
    outcome: {
      index: s.index,
      kind: 'expect',
      ok: false,
      message,
      diffs,
      expected,
      ...(reasons ? { reasons: reasons.map((r) => r.explain(model.env.ip)) } : {}),
    },
  });
  for (const f of flows) {
    const ps = preds.filter((p) => p.flow === f);
    const obs = [...taken.filter((r) => r.flow === f), ...extra.filter((r) => r.flow === f)];
    const detached = f !== undefined ? model.detachedWhy(f) : undefined;
    if (detached && obs.length)
      return fail(
        `expect: model, flow ${f}: the DUT sent ${obs.length} packet(s), but the model does not follow this flow: ${detached}`,
        obs.map((r) => ({ field: 'model packet', expected: 'a prediction', observed: r.text })),
      );
    const json = obs.map((r) => toPacketJson(r.d)!).filter(Boolean);
    const reasons = ps.length ? ps[ps.length - 1].reasons : f !== undefined ? model.reasonsFor(f) : [];
    model.settle();
    const v = judge(
      ps.map((p) => p.pred),
      json,
      model.state,
      reasons,
    );
    model.adopt(v.state);
    for (const r of obs.filter((x) => isTaken.has(x))) {
      if (f !== undefined) {
        bindings.beforeDut(f, r.d);
        bindings.afterDut(f, r.d);
      }
      got.push(r.d);
      comments.set(r, `step ${s.index + 1}: expect: model #${++k}${v.ok ? ' matched' : ''}`);
    }
    if (!v.ok) {
      const div = v.divergence!;
      return fail(
        `expect: model, flow ${f ?? '(none)'}: ${div.text}`,
        div.diffs.map((d) => ({ field: `model ${d.field}`, expected: d.expected, observed: d.observed, reason: d.reason })),
        reasons,
      );
    }
    // a packet far earlier than the delay its prediction carries disagrees (judge pairs a flow's
    // predictions with its packets in order; earlyDiff)
    const early = ps.map((p, i) => (obs[i] ? earlyDiff(p, obs[i], model.env.ip) : undefined)).find((d) => d);
    if (early) return fail(`expect: model, flow ${f ?? '(none)'}: ${early.reason}`, [early], reasons);
  }
  return { comments, got, outcome: { index: s.index, kind: 'expect', ok: true, expected } };
}
