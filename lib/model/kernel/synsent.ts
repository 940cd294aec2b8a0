// tcp_rcv_synsent_state_process (spec §8.4 table) and the ACK that completes an active open.
import { ACK, CWR, ECE, FIN, RST, SYN } from '../../wire/types';
import { aceOf } from './ecn';
import { sockSend } from './child';
import type { KernelOpts } from './parse-options';
import { sendReset } from './send-reset';
import type { Seg } from '../core/seg';
import { between } from '../core/seq-math';
import { simultaneousOpen } from './simultaneous-open';
import type { Sock, Step } from '../core/state';
import { numText, numValue } from '../core/symbols';
import { armFromEvent } from '../core/timer-wheel';
import { fastOpenSynAck } from './fastopen-client';
import { PSH } from '../../wire/types';

export const TCP_TIMEOUT_MIN_MS = 8; // 2 jiffies at HZ=250
export const TCP_DELACK_MAX_MS = 200;

/** ACE value (AE CWR ECE) that echoes a SYN-ACK's IP ECN field on the ACK completing the handshake. */
const ACE_ECHO = [0b010, 0b011, 0b100, 0b110]; // Not-ECT, ECT(1), ECT(0), CE

/**
 * tcp_ecn_rcv_synack (6.18, AccECN code present): a socket whose SYN asked for ECN (ECE|CWR, tcp_ecn=1)
 * reads the SYN-ACK's ACE field (AE CWR ECE): 0 and 7 → no ECN, 1 and 5 → classic ECN, any other
 * value (2, 3, 4, 6) → AccECN mode — although tcp_ecn=1 never asked for it. In AccECN mode the ACK
 * completing the handshake echoes the SYN-ACK's IP ECN field in its ACE bits and is sent ECT(0); later
 * ACKs carry ACE = 5 + CE packets received. A CE-marked SYN-ACK is checked against the ECT of our SYN
 * (Not-ECT → only ACE 0b010 is consistent, tcp_accecn_validate_syn_feedback): a mismatch marks the ACE
 * field as failed (no ECT on what we send, CE not counted). Measured on 6.18.44 for every ACE value ×
 * Not-ECT/ECT(0)/CE SYN-ACKs (correction C18).
 */
function accecnFromSynAck(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): Sock['accecn'] {
  if (!sock.ecnOk || !sock.synEcn || !st.env.profile.accecn) return undefined;
  const f = seg.flags;
  const ace = aceOf(f);
  if (ace === 0 || ace === 7 || ace === 1 || ace === 5) return undefined;
  const ipEcn = seg.tos & 3;
  const ce = ipEcn === 3;
  const fail = ce && ace !== 0b010;
  st.why(
    'synsent.accecn',
    () =>
      `SYN-ACK ACE ${ace.toString(2).padStart(3, '0')}: AccECN mode; ACK echoes IP ECN ${ipEcn} as ACE ${ACE_ECHO[ipEcn].toString(2).padStart(3, '0')}${fail ? '; CE with an inconsistent ACE: ACE feedback failed, no ECT' : ', sent ECT(0)'}`,
  );
  // A SYN-ACK carrying an AccECN option (kind 172 or 174, whatever its length) makes every later
  // segment carry one: kind 174 with the initial byte counters EE1B=1, ECEB=0, EE0B=1, then a NOP.
  if (ko.accecnOpt && st.env.sysctls.tcp_ecn_option !== 0)
    st.why('synsent.accecn-option', 'the SYN-ACK carried an AccECN option: ours (kind 174, counters 1/0/1) follows on every segment');
  return { ect: !fail, ace: ACE_ECHO[ipEcn], ceRcv: ce && !fail ? 1 : 0, opt: !!ko.accecnOpt && st.env.sysctls.tcp_ecn_option !== 0 };
}

/**
 * tcp_rcv_synsent_state_process: TSecr − ts_off must lie within [retrans_stamp, now] (kernel ms clock).
 * retrans_stamp + ts_off is exactly the first SYN's TSval (the SYN is stamped from the same clock read),
 * so with that TSval observed (bound as sock.synTsSym) the lower edge is exact: TSecr = SYN TSval − 1 is
 * rejected, = SYN TSval accepted. The upper edge is the kernel's millisecond clock when it processes the
 * segment; the model knows it only to within a tick or so (the harness's CLOCK_MONOTONIC time before the
 * injection), so a TSecr a few ms after the SYN's TSval cannot be decided and the campaigns do not send
 * one (gen-synsent: "outside" TSecrs are ≤ −1 or ≥ +1000; correction C11). The model takes the upper
 * edge as now + the TSval tolerance.
 */
function tsecrRejected(st: Step, sock: Sock, tsEcr: number): boolean {
  const tol = st.env.tsTolMs;
  const synTs = sock.synTsSym !== undefined ? st.bindings[sock.synTsSym] : undefined;
  if (synTs !== undefined) {
    const k = (tsEcr - synTs) | 0;
    const rej = k < 0 || k > st.now - sock.firstSynMs + tol;
    if (rej)
      st.why(
        'synsent.tsecr-exact',
        () =>
          `TSecr ${tsEcr} = first SYN TSval ${synTs} ${k >= 0 ? '+' : '−'} ${Math.abs(k)} ms: outside [SYN TSval, SYN TSval + ${Math.round(st.now - sock.firstSynMs)} ms elapsed (+${tol})]`,
      );
    return rej;
  }
  const off = numValue(sock.tsOff, st.bindings);
  if (off === undefined) return false;
  const ecr = (tsEcr - off) >>> 0;
  const rej = !between(ecr, (sock.firstSynMs - tol) >>> 0, (st.now + tol) >>> 0);
  if (rej)
    st.why(
      'synsent.tsecr-approx',
      () => `TSecr ${tsEcr} − ts_off = ${ecr} not within [first SYN ${sock.firstSynMs}, now ${st.now}] ± ${tol} (SYN TSval not observed)`,
    );
  return rej;
}

/** The blocked writer's bytes go out once established (the data path): they count in snd_nxt, for a later FIN's seq. */
function writerSends(s: Sock): Sock {
  if (!s.writePending) return s;
  return { ...s, sndNxtOff: s.sndNxtOff + s.writePending, writePending: 0 };
}

export function synsentRcv(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): void {
  const f = seg.flags;
  if (f & ACK) {
    const isn = numValue(sock.isn, st.bindings);
    let ackOk = true;
    if (isn === undefined) st.why('synsent.isn-unbound', () => `ISN ${numText(sock.isn)} unbound: SEG.ACK ${seg.ack} assumed = ISN+1`);
    // acceptable: snd_una < SEG.ACK <= snd_nxt (snd_nxt is past SYN data, §8.7)
    else ackOk = sock.sndNxtOff === 1 ? seg.ack === (isn + 1) >>> 0 : between((seg.ack - isn) >>> 0, 1, sock.sndNxtOff);
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
    if (ko.ts && ko.tsEcr && tsecrRejected(st, sock, ko.tsEcr)) {
      st.count('TcpExtPAWSActive');
      // reset_and_undo: the caller answers with tcp_v4_send_reset / tcp_v6_send_reset, which never
      // answers a RST — a RST|ACK with a bad TSecr is ignored and the socket stays in SYN_SENT
      // (measured on 6.18.44, correction C11).
      if (f & RST) {
        st.why('synsent.tsecr-rst', () => `RST|ACK with TSecr ${ko.tsEcr} outside [SYN TSval, now]: ignored (no RST answers a RST), stays SYN_SENT`);
        return;
      }
      const r = st.why('synsent.tsecr-reject', () => `TSecr ${ko.tsEcr} outside [SYN TSval, now]: RST seq=SEG.ACK`);
      sendReset(st, seg, r, sock.md5);
      return;
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
    let ecnOk = sock.ecnOk && (f & ECE) !== 0 && !(f & CWR);
    const accecn = accecnFromSynAck(st, sock, seg, ko);
    if (accecn) ecnOk = false;
    let s: Sock = {
      ...sock,
      state: 'ESTABLISHED',
      // The RTT sample from the SYN's send time, unless it was retransmitted (C39).
      rttMs: sock.retransmits === 0 ? st.now - sock.firstSynMs : undefined,
      rcvIsn: seg.seq,
      rcvNxt: (seg.seq + 1) >>> 0,
      tsOk,
      tsRecent: tsOk ? ko.tsVal : 0,
      wsOk,
      rcvWscale: wsOk ? sock.rcvWscale : 0,
      ecnOk,
      timerAt: Infinity,
      sackOk: sock.sackOk && ko.sackOk,
      // The SYN-ACK's window is not scaled; snd_wl1 = its seq (tcp_init_wl), max_window = snd_wnd.
      sndWnd: seg.window,
      sndWl1: seg.seq,
      maxWindow: seg.window,
      sndWscale: wsOk ? ko.ws : 0,
      accecn,
    };
    // TCP_DEFER_ACCEPT on the connecting socket (rskq_defer_accept ≠ 0): tcp_rcv_synsent_state_process
    // does not ACK at once but enters quick-ack mode and arms the delayed-ACK timer for TCP_DELACK_MAX
    // (200 ms = 50 jiffies, timer-wheel level 0: fires 200–204 ms later, a few ms more under load).
    // Measured on 6.18.44: 200.8–208.1 ms after the SYN-ACK in 23 of 24 runs, one at 225 ms (correction C20).
    // The connection is ESTABLISHED at once; only the ACK waits.
    let tfoFin = false;
    if (sock.tfoClient) {
      const ackOff = isn === undefined ? sock.sndNxtOff : (seg.ack - isn) >>> 0;
      const mssOpt = seg.d.tcp!.options.find((o) => o.kind === 'mss');
      const fo = fastOpenSynAck(st, s, ackOff, ko, mssOpt?.kind === 'mss' ? mssOpt.value : undefined);
      if (fo.resend > 0) {
        // tcp_rcv_fastopen_synack returns true: no pure ACK, the data goes again carrying the ACK, in
        // segments of the peer's MSS, PSH on the last — as far as the SYN-ACK's window reaches
        // (__tcp_retransmit_skb cuts the skb at tcp_wnd_end; a zero window lets one segment through
        // as a probe), and PSH only when the last byte goes (tcp_fragment leaves PSH on the tail)
        // [correction C41]
        const avail = seg.window > 0 ? seg.window : fo.sndMss;
        const total = Math.min(fo.resend, avail);
        for (let off = 0; off < total; off += fo.sndMss) {
          const n = Math.min(fo.sndMss, total - off);
          const last = off + n >= fo.resend;
          const o = fo.unaOff + off;
          s = sockSend(
            st,
            s,
            last ? ACK | PSH : ACK,
            'fastopen.client-data-resend',
            () => `SYN data sent again: seq ISN+${o}, ${n} of ${fo.resend} byte(s), ack ${s.rcvNxt}`,
            0,
            o,
            undefined,
            undefined,
            undefined,
            n,
          );
        }
        st.setSock(s.key, writerSends(s));
        return;
      }
      // tcp_fastopen_add_skb: the SYN-ACK's payload (and FIN) go to the receive queue of a Fast Open
      // socket whose SYN data (if any) was all acknowledged; a FIN moves it to CLOSE_WAIT in pingpong
      // mode, so the ACK waits for the delayed-ACK timer (TCP_DELACK_MAX) [correction C40]
      if (seg.len > 0 || f & FIN) {
        const fin = (f & FIN) !== 0;
        s = {
          ...s,
          rcvNxt: (seg.seq + 1 + seg.len + (fin ? 1 : 0)) >>> 0,
          ...(seg.len > 0 ? { unread: (s.unread ?? 0) + seg.len } : {}),
          ...(fin ? { state: 'CLOSE_WAIT' as const } : {}),
        };
        if (fin) tfoFin = true;
        st.why(
          'fastopen.client-synack-data',
          () =>
            `Fast Open socket: the SYN-ACK's ${seg.len} byte(s)${fin ? ' and FIN' : ''} queued (rcv_nxt ${s.rcvNxt})${fin ? ': CLOSE_WAIT, pingpong — the ACK waits for the delayed-ACK timer' : ''}`,
        );
      }
    }
    if (sock.writePending) {
      st.why(
        'synsent.write-pending',
        () =>
          `SYN-ACK accepted: ESTABLISHED; a blocked writer has ${sock.writePending} byte(s) the SYN did not carry: no pure ACK, its data carries the ACK (data segments not predicted)`,
      );
      st.setSock(s.key, writerSends(s));
      return;
    }
    const defer = (sock.opts.deferAccept ?? 0) > 0 || tfoFin;
    const dack = defer ? armFromEvent(st.now, TCP_DELACK_MAX_MS) : undefined;
    if (defer && !tfoFin)
      st.why(
        'synsent.defer-delack',
        () =>
          `TCP_DEFER_ACCEPT ${sock.opts.deferAccept} s on the connecting socket: ACK by the delayed-ACK timer, ${TCP_DELACK_MAX_MS}–${TCP_DELACK_MAX_MS + dack!.slack.widthMs} ms later`,
      );
    s = sockSend(
      st,
      s,
      ACK,
      'synsent.established',
      () =>
        `SYN-ACK accepted: ${s.state}, ACK seq ISN+1 ack ${s.rcvNxt}${(seg.len || f & FIN) && !sock.tfoClient ? ' (payload/FIN in the SYN-ACK ignored)' : ''}${ecnOk ? ', ECN on' : ''}${defer ? ' (delayed)' : ''}`,
      0,
      s.sndNxtOff,
      undefined,
      dack?.atMs,
      dack?.slack,
    );
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
