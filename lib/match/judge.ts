// The verdict on one probe: what the model predicted against what the kernel sent, packet by packet and
// field by field. Silence is a prediction too: an extra packet is as much a divergence as a missing one.
import { bind, matchPrediction } from '../model/core/match';
import type { FieldDiff } from '../model/core/match';
import type { ModelState, Prediction } from '../model/core/state';
import type { Reason } from '../model/core/reasons';
import type { PacketJson } from '../wire/types';

export interface Divergence {
  /** The model rule behind the first disagreeing prediction (or 'unpredicted' for an extra packet). */
  rule: string;
  fn: string;
  /** Differing fields, e.g. ['tcp.window', 'opt.wscale'], or ['packet'] for a missing/extra packet. */
  fields: string[];
  diffs: FieldDiff[];
  text: string;
}

export interface Verdict {
  ok: boolean;
  divergence?: Divergence;
  /** State with the symbols the observation bound (ISN, TSval offset, flow label…). */
  state: ModelState;
}

function describe(p: Prediction): string {
  const t = p.packet.tcp;
  return `${t.flags} seq=${t.seq} ack=${t.ack} win=${t.window}`;
}

/** Judge `observed` (in arrival order) against `predictions` (in send order), binding symbols as it goes. */
export function judge(predictions: readonly Prediction[], observed: readonly PacketJson[], state: ModelState, reasons: readonly Reason[] = []): Verdict {
  let st = state;
  const n = Math.min(predictions.length, observed.length);
  for (let i = 0; i < n; i++) {
    const p = predictions[i];
    // Success path: one unification that also binds. Only a mismatch pays for the structured diff.
    const b = bind(st, p, observed[i]);
    if (b.mismatches.length === 0) {
      st = b.state;
      continue;
    }
    const diffs = matchPrediction(p, observed[i], st);
    {
      return {
        ok: false,
        state: st,
        divergence: {
          rule: p.reason.rule,
          fn: p.reason.fn,
          fields: [...new Set(diffs.map((d) => d.field))].sort(),
          diffs,
          text: `packet ${i + 1}: ${diffs.map((d) => `${d.field} expected ${d.expected}, observed ${d.observed}`).join('; ')} (${p.reason.fn}: ${p.reason.text})`,
        },
      };
    }
  }
  if (predictions.length > observed.length) {
    const p = predictions[observed.length];
    return {
      ok: false,
      state: st,
      divergence: {
        rule: p.reason.rule,
        fn: p.reason.fn,
        fields: ['packet'],
        diffs: [{ field: 'packet', expected: describe(p), observed: 'nothing', reason: p.reason.text }],
        text: `missing packet ${observed.length + 1}: expected ${describe(p)} (${p.reason.fn}: ${p.reason.text}), observed nothing`,
      },
    };
  }
  if (observed.length > predictions.length) {
    const o = observed[predictions.length].tcp;
    const last = reasons[reasons.length - 1];
    return {
      ok: false,
      state: st,
      divergence: {
        rule: last?.rule ?? 'unpredicted',
        fn: last?.fn ?? '',
        fields: ['packet'],
        diffs: [
          {
            field: 'packet',
            expected: 'nothing',
            observed: `${o.flags} seq=${o.seq} ack=${o.ack} win=${o.window}`,
            reason: last ? last.text : 'the model predicted silence',
          },
        ],
        text: `unexpected packet ${predictions.length + 1}: ${o.flags} seq=${o.seq} ack=${o.ack} win=${o.window}; the model predicted ${predictions.length ? `only ${predictions.length}` : 'silence'}${last ? ` (${last.fn}: ${last.text})` : ''}`,
      },
    };
  }
  return { ok: true, state: st };
}
