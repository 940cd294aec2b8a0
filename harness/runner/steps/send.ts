// `send`: expressions evaluated in the flow's bindings → buildIp (mistakes included) → injected on the
// path pathFor picks; the packet's time in the capture (as it left) is the `at` reference; the segment
// is recorded for the model at that time (applied when the model is next consulted: ModelTrack.sent).
import type { SendStep, SendTarget } from '../../../lib/case';
import { evalValue } from '../../../lib/case/expr';
import { resolveSendOptions } from '../../../lib/case/options';
import type { StepOutcome } from '../../../lib/match/verdict';
import { macToBytes } from '../../../lib/wire/addr';
import { buildIp, type PacketSpec } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import type { TcpOption } from '../../../lib/wire/types';
import { kernelCookie } from '../../../lib/packetdrill/tfo-cookie';
import { pathFor } from '../../inject/injector';
import type { CaseContext } from '../case-context';
import { msToNs, now, nsToMs } from '../clock';

/**
 * How long a send waits for its echo in the capture (the kernel's time of the packet). On an idle
 * machine it is there in µs; a loaded one may take long, and only it pays the wait. Giving up early
 * would time the model and the `at` reference from the stamp taken before the send, which can be far
 * earlier than the packet really left: on a TCG guest at load 8, a SYN-ACK left 1.9 s after its stamp,
 * after a SYN retransmission the model then placed after it (a false failure, not a re-run).
 */
export const ECHO_WAIT_MS = 2000;

export async function runSend(cx: CaseContext, s: SendStep): Promise<StepOutcome> {
  const flow = cx.flows.get(s.flow)!;
  const lookup = cx.bindings.lookup;
  const options = resolveSendOptions(
    s.options,
    lookup,
    (ref) => {
      const o = cx.packetAt(ref)?.tcp?.options.find((x): x is Extract<TcpOption, { kind: 'tfo' }> => x.kind === 'tfo');
      return o && o.cookie.length ? o.cookie : undefined;
    },
    () => kernelCookie(cx.modelSysctls, cx.peerAddr, cx.dutAddr),
  );
  const target = destination(cx, s.to);
  const spec: PacketSpec = {
    ip: cx.ip,
    src: cx.peerAddr,
    dst: target.addr,
    sport: flow.sport,
    dport: cx.dutPort,
    flags: s.flags,
    seq: evalValue(s.seq, lookup),
    ack: evalValue(s.ack, lookup),
    window: s.window,
    urg: s.urg,
    options,
    payload: s.payload,
    mistakes: s.mistakes,
    // IPv4 ID from the seed, never 0: the raw path would put a random one in place of a 0.
    ...(cx.ip === 4 ? { tos: s.tos, ttl: s.ttl, id: 1 + (cx.rng.u32() % 0xffff) } : { tclass: s.tos, hlim: s.ttl }),
  };
  const bytes = buildIp(spec);
  const seg = decodeIp(bytes);
  const comment = `step ${s.index + 1}: send on flow ${s.flow}${s.label ? ` (${s.label})` : ''}${s.note ? ` — ${s.note}` : ''}`;
  // The kernel's time of the packet (the capture's stamp as it left), not the harness's: a harness
  // descheduled right after the inject would otherwise start `at` windows and the model late, and the
  // answer, made inside the send, would precede its stimulus. The fallback is taken before the send.
  const before = now();
  if (target.mac) cx.lab.injector.sendLink(bytes, target.mac);
  else cx.lab.injector.send(bytes, pathFor(bytes));
  const frame = cx.frame(bytes, target.mac);
  const t = await cx.ledger.sent(seg, frame, before, comment, now() + msToNs(ECHO_WAIT_MS));
  cx.trace.sent(frame, s.index, t, flow.sport);
  cx.stimulus(t);
  cx.stepPackets.set(s.index, [seg]);
  cx.bindings.sent(s.flow, options);
  cx.model.sent(seg, nsToMs(t), s.flow);
  cx.tookEffect(t, t);
  return { index: s.index, kind: 'send', ok: true, ...(t === before ? { unseenSend: true } : {}) };
}

/**
 * A send step's destination: the DUT's address, or a broadcast / multicast one with the matching
 * Ethernet destination (such frames go out on the link path: the tester's stack would not send them
 * to the DUT).
 */
function destination(cx: CaseContext, to: SendTarget): { addr: string; mac?: Uint8Array } {
  switch (to) {
    case 'dut':
      return { addr: cx.dutAddr };
    case 'broadcast':
      return { addr: cx.lab.addr.v4.broadcast, mac: macToBytes('ff:ff:ff:ff:ff:ff') };
    case 'limited-broadcast':
      return { addr: '255.255.255.255', mac: macToBytes('ff:ff:ff:ff:ff:ff') };
    case 'multicast':
      return cx.ip === 4 ? { addr: '224.0.0.1', mac: macToBytes('01:00:5e:00:00:01') } : { addr: 'ff02::1', mac: macToBytes('33:33:00:00:00:01') };
  }
}
