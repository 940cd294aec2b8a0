// TIME_WAIT, minimal (spec §7): tcp_time_wait, tcp_timewait_state_process, tcp_v4_timewait_ack.
import { ACK, RST, SYN } from '../wire/types';
import { oowLimited } from './check-req';
import { ackWindowRange } from './child';
import { inboundHash } from './auth-options';
import { connRequest, listenerHasKey } from './conn-request';
import type { KernelOpts } from './parse-options';
import { sendStatelessAck } from './send-reset';
import type { Seg } from './seg';
import { after } from './seq-math';
import type { Sock, Step } from './state';
import { numAdd, numText } from './symbols';

export const TCP_TIMEWAIT_LEN = 60000;

export function enterTimeWait(st: Step, s: Sock): void {
  const at = st.now + TCP_TIMEWAIT_LEN;
  st.why('tw.enter', () => `${s.key} → TIME_WAIT until +60 s`);
  st.setSock(s.key, { ...s, state: 'TIME_WAIT', timerAt: at });
  st.arm('tw-expire', at, s.key);
}

export function twRcv(st: Step, tw: Sock, seg: Seg, ko: KernelOpts): void {
  const f = seg.flags;
  const paws = ko.ts && tw.tsOk && tw.tsRecent !== 0 && ((tw.tsRecent - ko.tsVal) | 0) > 0;
  // In-window bare ACK or RST at rcv_nxt.
  if (!paws && seg.seq === tw.rcvNxt && (seg.seq === seg.endSeq || f & RST)) {
    if (f & RST) {
      if (!st.env.sysctls.tcp_rfc1337) {
        st.why('tw.rst-kill', () => `RST seq ${seg.seq} = rcv_nxt: TIME_WAIT ${tw.key} killed`);
        st.setSock(tw.key, undefined);
      } else st.why('tw.rst-ignored', 'tcp_rfc1337=1: RST ignored in TIME_WAIT');
      return;
    }
    st.why('tw.silent', 'in-window bare ACK in TIME_WAIT: timer restarted, no reply');
    return;
  }
  // A new SYN: accepted when its seq is after rcv_nxt or its TSval is newer.
  if ((f & (SYN | RST | ACK)) === SYN && !paws && (after(seg.seq, tw.rcvNxt) || (ko.ts && tw.tsOk && ((ko.tsVal - tw.tsRecent) | 0) > 0))) {
    const l = st.listeners[seg.dport];
    if (l) {
      const isn = numAdd(tw.isn, tw.sndNxtOff + 65537);
      st.why('tw.syn-accept', () => `SYN seq ${seg.seq} after rcv_nxt ${tw.rcvNxt}: TIME_WAIT descheduled, ISN ${numText(isn)}`);
      st.setSock(tw.key, undefined);
      // The SYN now goes through the listener's path, auth gate included: the TIME_WAIT socket is
      // already gone when a malformed auth option gets the SYN dropped (correction C1).
      if (!inboundHash(st, seg, listenerHasKey(l, seg.src))) return;
      connRequest(st, l, seg, ko, isn);
      return;
    }
  }
  if (f & RST) {
    st.why('tw.rst-ignored', 'out-of-window RST in TIME_WAIT: ignored');
    return;
  }
  if (oowLimited(st, tw.lastOowMs, seg)) {
    st.count('TcpExtTCPACKSkippedTimeWait');
    st.why('tw.limited', 'TIME_WAIT ACK within 500 ms of the last: nothing');
    return;
  }
  // tw_rcv_wnd is tcp_receive_window() when TIME_WAIT was entered, i.e. the window of the ACK that
  // answered the FIN (measured: 64239 after a bare FIN, not the initial 64240). The model gives that
  // ACK's window as a range (ackWindowRange), so the TIME_WAIT ACK gets the same range (correction C7).
  const consumed = (tw.rcvNxt - ((tw.rcvIsn + 1) >>> 0)) >>> 0;
  sendStatelessAck(st, seg, 'tw.ack', () => `TIME_WAIT: ACK seq snd_nxt ack ${tw.rcvNxt}, window = the last ACK's (range)`,
    numAdd(tw.isn, tw.sndNxtOff), tw.rcvNxt, ackWindowRange(tw, consumed), tw.tsOk ? { off: tw.tsOff, ecr: tw.tsRecent } : null, tw.md5);
  st.setSock(tw.key, { ...tw, lastOowMs: st.now });
}
