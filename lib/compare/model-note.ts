// The model's prediction for an observed packet, as the comparable form keeps it. Pure.
// Sequence-space numbers the model computed from bound random values (seq, ack, TSval, TSecr) are not
// kept as numbers: `=` when they equal the observed packet's, `≠` when not, so two runs' predictions
// compare without their random values.
import type { FieldExpect, Prediction } from '../model';
import type { Decoded, TcpOption } from '../wire/types';
import type { JsonNum } from '../wire/types';
import type { ComparableModel } from './types';
import { round1 } from './normalise';

function rel(v: JsonNum | unknown, obs: number | undefined): string {
  if (v === '*' || typeof v !== 'number') return String(v);
  return obs === undefined ? '≠' : v === obs ? '=' : '≠';
}

function tsOf(d: Decoded | undefined): Extract<TcpOption, { kind: 'ts' }> | undefined {
  return d?.tcp?.options.find((o): o is Extract<TcpOption, { kind: 'ts' }> => o.kind === 'ts');
}

/** A wildcard field the model bounds to a range (the ACK windows of full sockets, C7): "61..65". */
function rangeText(v: JsonNum, e: FieldExpect | undefined): string {
  if (v !== '*' || !e || typeof e !== 'object' || !('range' in e) || !e.range) return String(v);
  return `${e.range[0]}..${e.range[1]}`;
}

/** "SA seq== ack=1001 win=65160 tos=0 ttl=64 [mss 1460,…,ts * =]": the predicted packet without its ports. */
export function predictionText(p: Prediction, observed?: Decoded): string {
  const t = p.packet.tcp;
  const ip = p.packet.ip;
  const ipText = 'ttl' in ip ? `tos=${ip.tos} ttl=${ip.ttl}` : `tclass=${ip.tclass} hlim=${ip.hlim}`;
  const ts = tsOf(observed);
  const opts = t.options.map((o) => (o[0] === 'ts' ? `ts ${rel(o[1], ts?.val)} ${rel(o[2], ts?.ecr)}` : o.join(' '))).join(',');
  const seq = rel(t.seq, observed?.tcp?.seq);
  const ack = t.ack === 0 ? '0' : rel(t.ack, observed?.tcp?.ack);
  return `${t.flags || '(none)'} seq=${seq} ack=${ack} win=${rangeText(t.window, p.expect['tcp.window'])}${t.len ? ` len=${t.len}` : ''} ${ipText}${opts ? ` [${opts}]` : ''}`;
}

/** `refMs`: the step's reference; `prevMs` / `firstMs`: the DUT's previous / first packet on the flow (same clock). */
export function modelNote(p: Prediction, refMs: number, observed?: Decoded, prevMs?: number, firstMs?: number, peerMs?: number): ComparableModel {
  return {
    rule: p.reason.rule,
    fn: p.reason.fn,
    packet: predictionText(p, observed),
    t: round1(p.atMs - refMs),
    ...(prevMs !== undefined ? { gap: round1(p.atMs - prevMs) } : {}),
    ...(firstMs !== undefined ? { first: round1(p.atMs - firstMs) } : {}),
    ...(peerMs !== undefined ? { peer: round1(p.atMs - peerMs) } : {}),
  };
}
