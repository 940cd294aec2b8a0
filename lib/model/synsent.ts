// tcp_rcv_synsent_state_process (spec §8.4 table) and the ACK that completes an active open.
import { ACK, CWR, ECE, FIN, RST, SYN } from '../wire/types';
import { sockSend } from './child';
import type { KernelOpts } from './parse-options';
import { sendReset } from './send-reset';
import type { Seg } from './seg';
import { between } from './seq-math';
import { simultaneousOpen } from './simultaneous-open';
import type { Sock, Step } from './state';
import { numText, numValue } from './symbols';
import { armFromEvent } from './timer-wheel';

export const TCP_TIMEOUT_MIN_MS = 8; // 2 jiffies at HZ=250

export function synsentRcv(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): void {
  const f = seg.flags;
  if (f & ACK) {
    const isn = numValue(sock.isn, st.bindings);
    let ackOk = true;
    if (isn === undefined) st.why('synsent.isn-unbound', () => `ISN ${numText(sock.isn)} unbound: SEG.ACK ${seg.ack} assumed = ISN+1`);
    else ackOk = seg.ack === ((isn + 1) >>> 0);
    if (!ackOk) {
      // The fast re-send is armed for every unacceptable ACK, RST or not ("a previous RST/ACK might
      // have been ignored"): observed on 6.18.44, RST|ACK ack=ISN+5 → the SYN comes again at once
      // (correction C3).
      let s = sock;
      if (sock.retransmits === 0) {
        const { atMs: at, slack } = armFromEvent(st.now, TCP_TIMEOUT_MIN_MS);
        s = { ...sock, timerAt: at, timerSlack: slack };
        st.arm('syn-rtx', at, sock.key);
        st.why('syn_timer.fast-resend', () => `no retransmit yet: SYN re-sent after ${TCP_TIMEOUT_MIN_MS} ms`);
      }
      st.setSock(sock.key, s);
      if (f & RST) {
        st.why('synsent.bad-ack-rst', () => `SEG.ACK ${seg.ack} unacceptable, RST set: no RST in reply`);
        return;
      }
      const r = st.why('synsent.bad-ack', () => `SEG.ACK ${seg.ack} ≠ ISN+1 ${(isn! + 1) >>> 0}: RST seq=SEG.ACK, stays SYN_SENT`);
      sendReset(st, seg, r, sock.md5);
      return;
    }
    if (ko.ts && ko.tsEcr) {
      const off = numValue(sock.tsOff, st.bindings);
      if (off !== undefined) {
        const ecr = (ko.tsEcr - off) >>> 0;
        const tol = st.env.tsTolMs;
        if (!between(ecr, (sock.firstSynMs - tol) >>> 0, (st.now + tol) >>> 0)) {
          st.count('TcpExtPAWSActive');
          const r = st.why('synsent.tsecr-reject', () => `TSecr ${ko.tsEcr} − ts_off = ${ecr} not within [first SYN ${sock.firstSynMs}, now ${st.now}] ± ${tol}: RST`);
          sendReset(st, seg, r, sock.md5);
          return;
        }
      }
    }
    if (f & RST) {
      st.why('synsent.refused', () => `acceptable ACK with RST: ${sock.key} refused (ECONNREFUSED)`);
      st.count('TcpAttemptFails');
      st.setSock(sock.key, undefined);
      return;
    }
    if (!(f & SYN)) {
      st.why('synsent.ack-no-syn', 'acceptable ACK without SYN: dropped');
      return;
    }
    const tsOk = sock.tsOk && ko.ts;
    const wsOk = sock.wsOk && ko.wsOk;
    const ecnOk = sock.ecnOk && (f & ECE) !== 0 && !(f & CWR);
    let s: Sock = {
      ...sock, state: 'ESTABLISHED', rcvIsn: seg.seq, rcvNxt: (seg.seq + 1) >>> 0, tsOk, tsRecent: tsOk ? ko.tsVal : 0,
      wsOk, rcvWscale: wsOk ? sock.rcvWscale : 0, ecnOk, timerAt: Infinity, sackOk: sock.sackOk && ko.sackOk,
    };
    s = sockSend(st, s, ACK, 'synsent.established', () =>
      `SYN-ACK accepted: ESTABLISHED, ACK seq ISN+1 ack ${s.rcvNxt}${seg.len || f & FIN ? ' (payload/FIN in the SYN-ACK ignored)' : ''}${ecnOk ? ', ECN on' : ''}`);
    st.setSock(s.key, s);
    return;
  }
  if (f & RST) {
    st.why('synsent.rst-drop', 'RST without ACK in SYN_SENT: dropped');
    return;
  }
  if (ko.ts && sock.tsRecent !== 0 && ((sock.tsRecent - ko.tsVal) | 0) > 0) {
    st.why('synsent.paws-drop', 'SYN failing PAWS: dropped');
    return;
  }
  if (f & SYN) return simultaneousOpen(st, sock, seg, ko);
  st.why('synsent.other-drop', () => `flags 0x${f.toString(16)} without ACK/SYN/RST in SYN_SENT: dropped`);
}
