// The verdict on an `expect` step's packets against their case patterns, and on the model's
// prediction each of them claims; the model's view of a flow for a failure report. The runner
// waits for the packets and passes each one in with its arrival time (model ms).
import type { Bindings, ExpectStep, PacketRef } from '../case';
import type { Prediction } from '../model';
import { toPacketJson } from '../wire/summary';
import type { Decoded } from '../wire/types';
import { describePattern, describePrediction } from './describe';
import type { ModelTrack, PendingPrediction } from './model-track';
import { matchPattern, windowText } from './pattern';
import { MODEL_SLACK_MS } from './timing';
import type { FieldDiff, StepOutcome } from './verdict';

/** A DUT packet as the judging sees it. */
export interface Observed {
  d: Decoded;
  /** One line describing it, for diffs ("SA seq=… ack=… win=…"). */
  text: string;
  /** When the kernel sent it (capture timestamp), model ms. */
  atMs: number;
}

export interface ExpectScene {
  /** Expression bindings as they were before this packet (FlowBindings.beforeDut applied). */
  lookup: Bindings;
  packetAt(ref: Pick<PacketRef, 'step' | 'packet'>): Decoded | undefined;
  /** The `at` reference (the latest send or call), model ms. */
  refMs: number;
  /** The DUT socket's port (every DUT packet of the case comes from it). */
  dutPort: number;
  /** The case file, for file:line:column in messages. */
  file: string;
}

/** The model's view for a report: its prediction (if any) and the reasons behind it. */
export function modelView(model: ModelTrack, flow: string, pend: PendingPrediction | undefined): string[] {
  const detached = model.detachedWhy(flow);
  if (detached) return [`not following flow ${flow}: ${detached}`];
  if (pend) return [`predicted ${describePrediction(pend.pred)}`, ...pend.reasons.map((r) => r.explain(model.env.ip))];
  const why = model.reasonsFor(flow);
  return why.length ? ['predicted nothing more on this flow', ...why.map((r) => r.explain(model.env.ip))] : [];
}

export interface PacketVerdict {
  /** Undefined when the packet matched (and the model agreed where asked). */
  failure?: StepOutcome;
  /** The pcapng comment for the packet. */
  comment: string;
  /** The model's prediction the packet claimed, if any (for the comparable form). */
  pred?: Prediction;
}

/**
 * Packet `i` of an expect step against its pattern; the model's oldest prediction on the flow (or,
 * when the pattern does not ask the model, the oldest that agrees) is claimed by it and, with
 * `model: true`, must agree field by field.
 */
export function judgeExpectPacket(model: ModelTrack, s: ExpectStep, i: number, obs: Observed, sc: ExpectScene): PacketVerdict {
  const p = s.packets[i];
  const n = s.packets.length;
  const what = n > 1 ? `#${i + 1} of ${n}: ` : '';
  const which = n > 1 ? ` #${i + 1}` : '';
  const diffs: FieldDiff[] = matchPattern(p, obs.d, { lookup: sc.lookup, packetAt: sc.packetAt, atMs: obs.atMs - sc.refMs });
  const t = obs.d.tcp;
  if (t && t.sport !== sc.dutPort) diffs.push({ field: 'sport', expected: String(sc.dutPort), observed: String(t.sport), reason: "the DUT socket's port" });
  // The model: its oldest prediction on this flow is what this packet answers.
  model.advance(obs.atMs + MODEL_SLACK_MS);
  const detached = model.detachedWhy(p.flow);
  const json = toPacketJson(obs.d);
  const pend = detached ? undefined : p.model || !json ? model.take(p.flow) : model.claim(p.flow, json);
  let modelOk = true;
  if (p.model) {
    if (detached) {
      diffs.push({
        field: 'model',
        expected: 'a prediction of this packet',
        observed: 'none',
        reason: `the model does not follow flow ${p.flow}: ${detached}`,
      });
    } else if (!pend) {
      diffs.push({
        field: 'model',
        expected: 'no packet (the model predicts silence here)',
        observed: obs.text,
        reason: 'the model predicted nothing more on this flow',
      });
    } else if (json) {
      for (const d of model.agree(pend, json)) diffs.push({ ...d, field: `model ${d.field}` });
      const early = earlyDiff(pend, obs, model.env.ip);
      if (early) diffs.push(early);
    }
    modelOk = !diffs.some((d) => d.field.startsWith('model'));
  }
  const label = p.label ? ` (${p.label})` : '';
  const pred = pend ? { pred: pend.pred } : {};
  if (!diffs.length) return { comment: `step ${s.index + 1}: expect${which}${label} matched${p.model && modelOk ? '; the model agrees' : ''}`, ...pred };
  return {
    ...pred,
    comment: `step ${s.index + 1}: expect${which}${label} MISMATCH in ${[...new Set(diffs.map((d) => d.field))].join(', ')}`,
    failure: {
      index: s.index,
      kind: 'expect',
      ok: false,
      message: `${what}${describePattern(p)} on flow ${p.flow} — ${diffs.length} field(s) differ (${sc.file}:${p.pos.line}:${p.pos.column})`,
      diffs,
      reasons: modelView(model, p.flow, pend),
    },
  };
}

/**
 * A packet that came well before the delay the model put on its prediction (a delayed ACK: 40 ms
 * after the segment it answers), both counted from the event behind the prediction — the packet from
 * when that event really happened, so the model's own clock (up to MODEL_SLACK_MS late) does not
 * count. Kernel timers never fire early: more than the jiffy slack early is a disagreement on time.
 */
export function earlyDiff(pend: PendingPrediction, obs: Pick<Observed, 'atMs'>, ip: 4 | 6): FieldDiff | undefined {
  const delay = pend.pred.atMs - pend.madeMs;
  const after = obs.atMs - pend.causeMs;
  if (delay <= after + MODEL_SLACK_MS) return undefined;
  return {
    field: 'model at',
    expected: `${delay.toFixed(1)} ms after its cause`,
    observed: `${after.toFixed(1)} ms after it`,
    reason: `${pend.pred.reason.explain(ip)}: sent ${(delay - after).toFixed(1)} ms before the model's time`,
  };
}

/** Packet `i` of an expect step never came (the wait ended at `nowMs`). */
export function judgeNothingArrived(model: ModelTrack, s: ExpectStep, i: number, nowMs: number): StepOutcome {
  const p = s.packets[i];
  const n = s.packets.length;
  const what = n > 1 ? `#${i + 1} of ${n}: ` : '';
  model.advance(nowMs);
  const pend = model.due(p.flow)[0];
  const waited = p.within !== undefined ? `within ${p.within} ms` : `by the end of ${windowText(p.at!)}`;
  return {
    index: s.index,
    kind: 'expect',
    ok: false,
    message: `${what}${describePattern(p)} on flow ${p.flow} — nothing arrived ${waited}`,
    reasons: modelView(model, p.flow, pend),
  };
}
