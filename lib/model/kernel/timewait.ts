// TIME_WAIT, minimal (spec §7): tcp_time_wait and tcp_timewait_state_process (net/ipv4/tcp_minisocks.c),
// tcp_v4_timewait_ack (net/ipv4/tcp_ipv4.c). Like the kernel's, tcp_timewait_state_process returns
// what tcp_v4_rcv does next (v4-rcv.ts): nothing, an ACK, a RST, or the SYN to a listener.
import { ACK, FIN, RST, SYN } from '../../wire/types';
import type { Reason, RuleId } from '../core/reasons';
import { ackWindowRange, receiveWindow } from './child';
import { oowLimited } from './oow-rate-limited';
import type { KernelOpts } from './parse-options';
import { sendStatelessAck } from './send-reset';
import type { Seg } from '../core/seg';
import { after, before } from '../core/seq-math';
import type { Sock, Step } from '../core/state';
import type { Num } from '../core/symbols';
import { numAdd } from '../core/symbols';

export const TCP_TIMEWAIT_LEN = 60000;

export function enterTimeWait(st: Step, s: Sock): void {
  const at = st.now + TCP_TIMEWAIT_LEN;
  st.why('tw.enter', () => `${s.key} → TIME_WAIT until +60 s`);
  st.setSock(s.key, { ...s, state: 'TIME_WAIT', timerAt: at });
  st.arm('tw-expire', at, s.key);
}

/** TCP_FIN_TIMEOUT (tcp_fin_timeout default, 60 s): the lifetime of a FIN_WAIT2-substate timewait socket. */
export const TCP_FIN_TIMEOUT = 60000;

/** Whether segments for this socket go to tcp_timewait_state_process (TIME_WAIT, or the FIN_WAIT2 substate). */
export function isTimeWaitSock(s: Sock): boolean {
  return s.state === 'TIME_WAIT' || s.twSub === 'FIN_WAIT2';
}

/**
 * tcp_rcv_state_process, FIN_WAIT1 of an orphaned socket (close() was called) whose FIN an ACK without
 * FIN or data acknowledges: tcp_fin_time is 60 s (not above TCP_TIMEWAIT_LEN), so tcp_time_wait turns it
 * into a timewait mini-socket in the FIN_WAIT2 substate for 60 s. From then on its answers are the
 * stateless ones (§3.5: IPv4 ID 0) — measured on 6.18.44, correction C23. tw_rcv_wnd is the receive
 * window at this moment.
 */
export function enterFinWait2Tw(st: Step, s: Sock): void {
  const at = st.now + TCP_FIN_TIMEOUT;
  st.why('tw.fin-wait2', () => `orphan ${s.key}: FIN acked → timewait socket in the FIN_WAIT2 substate until +60 s`);
  st.setSock(s.key, { ...s, state: 'FIN_WAIT2', twSub: 'FIN_WAIT2', rcvWnd: receiveWindow(st, s), timerAt: at });
  st.arm('tw-expire', at, s.key);
}

/**
 * What tcp_timewait_state_process returns to tcp_v4_rcv (enum tcp_tw_status): TCP_TW_SUCCESS (nothing
 * more), TCP_TW_ACK (tcp_v4_timewait_ack: `tw` is the socket after this segment, `win` the window the
 * model predicts), TCP_TW_RST (tcp_v4_send_reset), TCP_TW_SYN (the SYN goes to a listener, with the
 * ISN derived from the timewait socket).
 */
export type TwVerdict =
  | { readonly kind: 'success' }
  | { readonly kind: 'ack'; readonly tw: Sock; readonly rule: RuleId; readonly text: () => string; readonly win: number | [number, number] }
  | { readonly kind: 'rst'; readonly cause: Reason }
  | { readonly kind: 'syn'; readonly isn: Num };

const TW_SUCCESS: TwVerdict = Object.freeze({ kind: 'success' });

/**
 * tcp_v4_timewait_ack / tcp_v6_timewait_ack: the stateless ACK of a TCP_TW_ACK verdict, with the
 * socket's own TOS / traffic class (tw_tos / tw_tclass), not the segment's (correction C25).
 */
export function timewaitAck(st: Step, seg: Seg, v: Extract<TwVerdict, { kind: 'ack' }>): void {
  const tw = v.tw;
  sendStatelessAck(
    st,
    seg,
    v.rule,
    v.text,
    numAdd(tw.isn, tw.sndNxtOff),
    tw.rcvNxt,
    v.win,
    tw.tsOk ? { off: tw.tsOff, ecr: tw.tsRecent } : null,
    tw.md5,
    tw.tos,
  );
}

/** tcp_timewait_state_process, FIN_WAIT2 substate (correction C23). */
function twFinWait2Rcv(st: Step, tw: Sock, seg: Seg, ko: KernelOpts, paws: boolean): TwVerdict {
  const f = seg.flags;
  const wnd = tw.rcvWnd;
  // tcp_in_window against [rcv_nxt, rcv_nxt + tw_rcv_wnd]: starts at the left edge, or overlaps the
  // window, or is an empty segment exactly at the right edge.
  const right = (tw.rcvNxt + wnd) >>> 0;
  const inWindow =
    !paws && (seg.seq === tw.rcvNxt || (after(seg.endSeq, tw.rcvNxt) && before(seg.seq, right)) || (seg.seq === right && seg.endSeq === seg.seq));
  if (!inWindow) {
    if (oowLimited(st, tw.lastOowMs, seg)) {
      st.count('TcpExtTCPACKSkippedFinWait2');
      st.why('tw.limited', 'FIN_WAIT2 timewait: out-of-window ACK within 500 ms of the last: nothing');
      return TW_SUCCESS;
    }
    const t1: Sock = { ...tw, lastOowMs: st.now };
    st.setSock(tw.key, t1);
    return {
      kind: 'ack',
      tw: t1,
      rule: 'tw.fw2-oow',
      text: () => `FIN_WAIT2 timewait: ${paws ? 'PAWS reject' : `segment ${seg.seq} out of window`}: ACK seq snd_nxt ack ${tw.rcvNxt}`,
      win: fw2Window(tw),
    };
  }
  if (f & RST) {
    st.why('tw.rst-kill', () => `FIN_WAIT2 timewait: in-window RST: ${tw.key} killed`);
    st.setSock(tw.key, undefined);
    return TW_SUCCESS;
  }
  if (f & SYN && !before(seg.seq, tw.rcvNxt)) {
    return { kind: 'rst', cause: st.why('tw.fw2-rst', () => `FIN_WAIT2 timewait: SYN at/after rcv_nxt: RST`) };
  }
  if (!(f & ACK) || !after(seg.endSeq, tw.rcvNxt) || seg.endSeq === seg.seq) {
    st.why('tw.silent', 'FIN_WAIT2 timewait: duplicate or bare ACK: no reply');
    return TW_SUCCESS;
  }
  if (!(f & FIN) || seg.endSeq !== (tw.rcvNxt + 1) >>> 0) {
    return { kind: 'rst', cause: st.why('tw.fw2-rst', () => `FIN_WAIT2 timewait: new data after close(): RST`) };
  }
  const tsRecent = ko.ts && tw.tsOk ? ko.tsVal : tw.tsRecent;
  const at = st.now + TCP_TIMEWAIT_LEN;
  const t2: Sock = { ...tw, state: 'TIME_WAIT', twSub: undefined, rcvNxt: seg.endSeq, tsRecent, timerAt: at };
  st.setSock(t2.key, t2);
  st.arm('tw-expire', at, t2.key);
  return {
    kind: 'ack',
    tw: t2,
    rule: 'tw.fw2-fin',
    text: () => `FIN_WAIT2 timewait: FIN at rcv_nxt → TIME_WAIT; stateless ACK seq snd_nxt ack ${t2.rcvNxt} (IPv4 ID 0)`,
    win: fw2Window(tw),
  };
}

/** tw_rcv_wnd >> rcv_wscale, as a range around the window fixed at entry (C7). */
function fw2Window(tw: Sock): [number, number] {
  const ws = tw.rcvWscale;
  const v = Math.min(65535, tw.rcvWnd >> ws);
  return [Math.max(0, v - 1), Math.min(65535, v + 1)];
}

/** tcp_timewait_state_process: a segment for a timewait socket (TIME_WAIT, or the FIN_WAIT2 substate). */
export function twRcv(st: Step, tw: Sock, seg: Seg, ko: KernelOpts): TwVerdict {
  const f = seg.flags;
  const paws = ko.ts && tw.tsOk && tw.tsRecent !== 0 && ((tw.tsRecent - ko.tsVal) | 0) > 0;
  if (tw.twSub === 'FIN_WAIT2') return twFinWait2Rcv(st, tw, seg, ko, paws);
  // In-window bare ACK or RST at rcv_nxt.
  if (!paws && seg.seq === tw.rcvNxt && (seg.seq === seg.endSeq || f & RST)) {
    if (f & RST) {
      if (!st.env.sysctls.tcp_rfc1337) {
        st.why('tw.rst-kill', () => `RST seq ${seg.seq} = rcv_nxt: TIME_WAIT ${tw.key} killed`);
        st.setSock(tw.key, undefined);
      } else st.why('tw.rst-ignored', 'tcp_rfc1337=1: RST ignored in TIME_WAIT');
      return TW_SUCCESS;
    }
    st.why('tw.silent', 'in-window bare ACK in TIME_WAIT: timer restarted, no reply');
    return TW_SUCCESS;
  }
  // A new SYN: accepted when its seq is after rcv_nxt or its TSval is newer (TCP_TW_SYN, with the ISN
  // tcp_v4_rcv gives the listener's request).
  // "Newer" as the kernel writes it, (s32)(ts_recent − TSval) < 0: a TSval exactly 2^31 ahead is newer
  // (correction C25).
  if ((f & (SYN | RST | ACK)) === SYN && !paws && (after(seg.seq, tw.rcvNxt) || (ko.ts && tw.tsOk && ((tw.tsRecent - ko.tsVal) | 0) < 0))) {
    return { kind: 'syn', isn: numAdd(tw.isn, tw.sndNxtOff + 65537) };
  }
  if (f & RST) {
    st.why('tw.rst-ignored', 'out-of-window RST in TIME_WAIT: ignored');
    return TW_SUCCESS;
  }
  return timewaitOowAck(st, tw, seg);
}

/**
 * tcp_timewait_check_oow_rate_limit and the ACK it allows: TCP_TW_SUCCESS within tcp_invalid_ratelimit
 * of the last answer, else TCP_TW_ACK. (An accepted SYN that finds no listener is ACKed without it:
 * timewaitSynAck, C29.)
 */
export function timewaitOowAck(st: Step, tw: Sock, seg: Seg): TwVerdict {
  if (oowLimited(st, tw.lastOowMs, seg)) {
    st.count('TcpExtTCPACKSkippedTimeWait');
    st.why('tw.limited', 'TIME_WAIT ACK within 500 ms of the last: nothing');
    return TW_SUCCESS;
  }
  const t1: Sock = { ...tw, lastOowMs: st.now };
  st.setSock(tw.key, t1);
  return twAck(t1);
}

/** The TIME_WAIT ACK tcp_v4_rcv sends for an accepted SYN that finds no listener: not rate-limited (C29). */
export function timewaitSynAck(tw: Sock): TwVerdict {
  return twAck(tw);
}

function twAck(tw: Sock): TwVerdict {
  // tw_rcv_wnd is tcp_receive_window() when TIME_WAIT was entered, i.e. the window of the ACK that
  // answered the FIN (measured: 64239 after a bare FIN, not the initial 64240). The model gives that
  // ACK's window as a range (ackWindowRange), so the TIME_WAIT ACK gets the same range (correction C7).
  const consumed = (tw.rcvNxt - ((tw.rcvIsn + 1) >>> 0)) >>> 0;
  return {
    kind: 'ack',
    tw,
    rule: 'tw.ack',
    text: () => `TIME_WAIT: ACK seq snd_nxt ack ${tw.rcvNxt}, window = the last ACK's (range)`,
    win: ackWindowRange(tw, consumed),
  };
}
