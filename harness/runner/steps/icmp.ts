// `icmp`: an ICMP error about a packet the DUT sent (an earlier captured one, or a segment built from
// the flow's addresses, ports and the step's seq), sent by the peer as a router on the path would;
// injected like a send, its capture time is the `at` reference and the model takes it then.
import type { IcmpStep } from '../../../lib/case';
import { evalValue } from '../../../lib/case/expr';
import type { StepOutcome } from '../../../lib/match/verdict';
import { buildIcmp, quotePacket } from '../../../lib/wire/build-icmp';
import { buildIp } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { pathFor } from '../../inject/injector';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';
import { ECHO_WAIT_MS } from './send';

/** The IP packet (header first) the error is about. */
function offending(cx: CaseContext, s: IcmpStep): Uint8Array {
  const q = s.quote;
  if ('ref' in q) {
    const d = cx.packetAt(q.ref);
    if (!d) throw new Error(`step ${s.index + 1}: the quoted packet ${q.ref.text} was not seen — its expect step failed first`);
    const ipOff = d.eth ? 14 : 0;
    return d.bytes.subarray(ipOff);
  }
  const flow = cx.flows.get(s.flow)!;
  return buildIp({
    ip: cx.ip,
    src: cx.dutAddr,
    dst: cx.peerAddr,
    sport: cx.dutPort,
    dport: flow.sport,
    seq: evalValue(q.seq, cx.bindings.lookup),
    flags: q.flags,
    payload: new Uint8Array(q.len),
  });
}

export async function runIcmp(cx: CaseContext, s: IcmpStep): Promise<StepOutcome> {
  const kind = s.icmp[cx.ip]!;
  const bytes = buildIcmp({
    ip: cx.ip,
    src: cx.peerAddr,
    dst: cx.dutAddr,
    type: kind.type,
    code: kind.code,
    ...(s.mtu !== undefined ? { mtu: s.mtu } : {}),
    quote: quotePacket(offending(cx, s)),
    mistakes: s.mistakes,
    ...(cx.ip === 4 ? { id: 1 + (cx.rng.u32() % 0xffff) } : {}),
  });
  const seg = decodeIp(bytes);
  const comment = `step ${s.index + 1}: icmp on flow ${s.flow}${s.note ? ` — ${s.note}` : ''}`;
  const before = now();
  cx.lab.injector.send(bytes, pathFor(bytes));
  const frame = cx.frame(bytes, undefined);
  const t = await cx.ledger.sent(seg, frame, before, comment, now() + msToNs(ECHO_WAIT_MS));
  cx.trace.sent(frame, s.index, t, cx.flows.get(s.flow)!.sport);
  cx.stimulus(t);
  cx.stepPackets.set(s.index, [seg]);
  cx.model.sent(seg, nsToMs(t), s.flow);
  cx.tookEffect(t, t);
  return { index: s.index, kind: 'icmp', ok: true, ...(t === before ? { unseenSend: true } : {}) };
}
