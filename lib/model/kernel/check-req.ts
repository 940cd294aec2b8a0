// tcp_check_req (net/ipv4/tcp_minisocks.c): a segment for an existing request socket (spec §6, steps
// 1–10). Like the kernel's, it returns what tcp_v4_rcv does next (v4-rcv.ts): nothing, hand the
// segment to the listener, or run the new child on it (step 11, tcp_child_process).
import { ACK, RST, SYN } from '../../wire/types';
import { makeChild } from './child';
import { oowLimited } from './oow-rate-limited';
import type { KernelOpts } from './parse-options';
import { nextSynAckTimeout, resendSynAck } from './reqsk-timer';
import { sendReset, sendStatelessAck } from './send-reset';
import type { Seg } from '../core/seg';
import { after, between } from '../core/seq-math';
import { deferSecondsToRetrans } from '../core/sockopts';
import type { Req, Sock, Step } from '../core/state';
import { listenerWithQlen } from '../core/state';
import { numAdd, numText, numValue } from '../core/symbols';
import { armFromEvent } from '../core/timer-wheel';

/**
 * What tcp_check_req returns to tcp_v4_rcv: NULL (`consumed`: the segment was answered or dropped
 * here), the listener itself (`listener`: the listener processes the segment, step 3), or the new
 * child (`child`: tcp_child_process runs it on the segment, step 11).
 */
export type ReqVerdict = { readonly kind: 'consumed' } | { readonly kind: 'listener' } | { readonly kind: 'child'; readonly child: Sock };

const CONSUMED: ReqVerdict = Object.freeze({ kind: 'consumed' });
const TO_LISTENER: ReqVerdict = Object.freeze({ kind: 'listener' });

/** The §6 in-window test: seq == rcv_nxt, or end_seq > rcv_nxt and seq < rcv_nxt+win, or seq == end_seq == rcv_nxt+win. */
export function inWindow(seq: number, endSeq: number, s: number, e: number): boolean {
  if (seq === s) return true;
  if (after(endSeq, s) && ((seq - e) | 0) < 0) return true;
  return seq === e && seq === endSeq;
}

export function reqWin(req: Req): number {
  return Math.min(req.rcvWnd, 65535);
}

export function sendReqskAck(st: Step, req: Req, seg: Seg, text: () => string, md5: boolean): void {
  sendStatelessAck(
    st,
    seg,
    'check_req.oow-ack',
    text,
    numAdd(req.isn, 1),
    req.rcvNxt,
    reqWin(req) >> req.rcvWscale,
    req.tsOk ? { off: req.tsOff, ecr: req.tsRecent } : null,
    md5,
  );
}

export function checkReq(st: Step, req: Req, seg: Seg, ko: KernelOpts, md5: boolean): ReqVerdict {
  const env = st.env;
  const l = st.listeners.get(req.lport);
  let flg = seg.flags & (RST | SYN | ACK);
  // Step 1: TSecr check and PAWS.
  let pawsReject = false;
  let tsecrReject = false;
  if (ko.ts) {
    // tcp_check_req compares TSecr with the TSvals it actually sent (snt_tsval_first ..
    // snt_tsval_last), exactly: one SYN-ACK sent → only its TSval passes; ±1 is rejected (measured on
    // 6.18.44, correction C10). When those TSvals were observed (bound), decide exactly.
    const tsFirst = req.tsSym !== undefined ? st.bindings[req.tsSym + '/0'] : undefined;
    const tsLast = req.tsSym !== undefined ? st.bindings[`${req.tsSym}/${req.numRetrans}`] : undefined;
    if (ko.tsEcr && req.tsOk && env.profile.tsecrCheck && tsFirst !== undefined && tsLast !== undefined) {
      if (!between(ko.tsEcr, tsFirst, tsLast)) {
        tsecrReject = true;
        st.why('check_req.tsecr-exact', () => `TSecr ${ko.tsEcr} outside the SYN-ACK TSvals sent [${tsFirst}, ${tsLast}]`);
      }
    } else if (ko.tsEcr && req.tsOk && env.profile.tsecrCheck) {
      const off = numValue(req.tsOff, st.bindings);
      if (off === undefined) {
        st.why('check_req.tsecr-unknown', () => `TSecr ${ko.tsEcr}: ts offset ${numText(req.tsOff)} unbound → assumed within the SYN-ACK TSvals`);
      } else {
        const tol = env.tsTolMs;
        const first = (req.firstTsMs + off - tol) >>> 0;
        const last = (req.lastTsMs + off + tol) >>> 0;
        if (!between(ko.tsEcr, first, last)) {
          tsecrReject = true;
          st.why('check_req.tsecr-reject', () => `TSecr ${ko.tsEcr} outside [${first}, ${last}] (SYN-ACK TSvals ± ${tol} ms)`);
        }
      }
    }
    if (req.tsRecent !== 0 && ((req.tsRecent - ko.tsVal) | 0) > 0) {
      const stampAge = nextSynAckTimeout(req.numTimeout);
      if (!(seg.flags & RST && stampAge >= 60000)) {
        pawsReject = true;
        st.why('check_req.paws-reject', () => `TSval ${ko.tsVal} older than ts_recent ${req.tsRecent}`);
      }
    }
  }
  // Step 2: pure retransmitted SYN.
  if (seg.seq === req.rcvIsn && flg === SYN && !pawsReject) {
    if (oowLimited(st, req.lastOowMs, seg)) {
      st.count('TcpExtTCPACKSkippedSynRecv');
      st.why(
        'check_req.dup-syn-limited',
        () => `duplicate SYN ${Math.round(st.now - req.lastOowMs)} ms after the last answer (< ${env.sysctls.tcp_invalid_ratelimit} ms): nothing`,
      );
      return CONSUMED;
    }
    const q = resendSynAck(
      st,
      req,
      st.now,
      'check_req.dup-syn',
      () => `duplicate SYN seq=rcv_isn: SYN-ACK re-sent (same ISN, TSecr ${req.tsRecent} unchanged), timer → +${nextSynAckTimeout(req.numTimeout) / 1000} s`,
    );
    const { atMs: at, slack } = armFromEvent(st.now, nextSynAckTimeout(req.numTimeout));
    st.setReq(req.key, { ...q, lastOowMs: st.now, timerAt: at, timerSlack: slack });
    st.arm('synack-rtx', at, req.key);
    return CONSUMED;
  }
  // Step 3: bad ACK number → back to the listener (tcp_v4_rcv hands it the segment). Not for a RST:
  // 6.18 judges a RST by its sequence number first (RST|ACK with a bad ack at rcv_nxt still removes the
  // req; C15).
  if (flg & ACK && !(flg & RST)) {
    const isn = numValue(req.isn, st.bindings);
    if (isn === undefined) {
      st.why('check_req.isn-unbound', () => `ISN ${numText(req.isn)} unbound: SEG.ACK ${seg.ack} assumed = ISN+1`);
    } else if (seg.ack !== (isn + 1) >>> 0) {
      st.why('check_req.bad-ack', () => `SEG.ACK ${seg.ack} ≠ ISN+1 ${(isn + 1) >>> 0}: handed to the listener, req kept`);
      return TO_LISTENER;
    }
  }
  // Step 4: window / PAWS / TSecr.
  const win = reqWin(req);
  if (pawsReject || tsecrReject || !inWindow(seg.seq, seg.endSeq, req.rcvNxt, (req.rcvNxt + win) >>> 0)) {
    if (!(seg.flags & RST)) {
      if (oowLimited(st, req.lastOowMs, seg)) {
        st.count('TcpExtTCPACKSkippedSynRecv');
        st.why(
          'check_req.oow-limited',
          () => `stateless ACK ${Math.round(st.now - req.lastOowMs)} ms after the last (< ${env.sysctls.tcp_invalid_ratelimit} ms): nothing`,
        );
      } else {
        sendReqskAck(
          st,
          req,
          seg,
          () =>
            `${pawsReject ? 'PAWS reject' : tsecrReject ? 'TSecr reject' : `seq ${seg.seq}..${seg.endSeq} outside [${req.rcvNxt}, +${win}]`}: ACK seq ISN+1 ack ${req.rcvNxt} win ${win}>>${req.rcvWscale}`,
          md5,
        );
        st.setReq(req.key, { ...req, lastOowMs: st.now });
      }
    } else {
      st.why('check_req.oow-rst', 'out-of-window (or PAWS-rejected) RST: dropped, req kept');
    }
    if (pawsReject) st.count('TcpExtPAWSEstab');
    if (tsecrReject) st.count('TcpExtTSEcrRejected');
    return CONSUMED;
  }
  // Step 5: ts_recent update and SYN trim.
  let tsRecent = req.tsRecent;
  if (ko.ts && !after(seg.seq, req.rcvNxt)) {
    tsRecent = ko.tsVal;
    if (tsRecent !== req.tsRecent) st.why('check_req.ts-recent', () => `ts_recent ${req.tsRecent} → ${ko.tsVal}`);
  }
  if (seg.seq === req.rcvIsn) flg &= ~SYN;
  // Step 6: RST or SYN still in flg. (a) An in-window RST not at rcv_nxt: 6.18 applies RFC 5961 §3.2
  // to request sockets: only a RST at exactly rcv_nxt removes the req (silently); any other in-window
  // RST draws a challenge ACK (the request's ACK, one per tcp_invalid_ratelimit ms,
  // TcpExtTCPChallengeACK) and the req stays (measured, correction C15).
  if (flg & RST && seg.seq !== req.rcvNxt) {
    if (st.now - req.lastOowMs < env.sysctls.tcp_invalid_ratelimit) {
      st.count('TcpExtTCPACKSkippedSynRecv');
      st.why(
        'check_req.rst-challenge-limited',
        () => `in-window RST seq ${seg.seq} ≠ rcv_nxt ${req.rcvNxt} within ${env.sysctls.tcp_invalid_ratelimit} ms of the last answer: nothing`,
      );
      return CONSUMED;
    }
    st.count('TcpExtTCPChallengeACK');
    // ts_recent is not refreshed from the RST: the ACK echoes the old value (measured).
    sendStatelessAck(
      st,
      seg,
      'check_req.rst-challenge',
      () => `in-window RST seq ${seg.seq} ≠ rcv_nxt ${req.rcvNxt}: challenge ACK seq ISN+1 ack ${req.rcvNxt}, req kept`,
      numAdd(req.isn, 1),
      req.rcvNxt,
      reqWin(req) >> req.rcvWscale,
      req.tsOk ? { off: req.tsOff, ecr: req.tsRecent } : null,
      md5,
    );
    st.setReq(req.key, { ...req, lastOowMs: st.now });
    return CONSUMED;
  }
  // Step 6 (b): the embryonic reset (an RST at rcv_nxt, or an in-window SYN not at rcv_isn).
  if (flg & (RST | SYN)) {
    st.count('TcpAttemptFails');
    st.count('TcpExtEmbryonicRsts');
    if (!(flg & RST)) {
      const r = st.why('check_req.embryonic-reset', () => `in-window SYN seq ${seg.seq} ≠ rcv_isn ${req.rcvIsn}: RST, req removed`);
      sendReset(st, seg, r, md5);
    } else {
      st.why('check_req.embryonic-rst', () => `in-window RST seq ${seg.seq}: req removed silently`);
    }
    dropReq(st, req);
    return CONSUMED;
  }
  // Step 7: no ACK.
  if (!(flg & ACK)) {
    st.why('check_req.no-ack', 'in-window segment without ACK: dropped');
    return CONSUMED;
  }
  // Step 8: AccECN option bookkeeping (6.18): inert unless AccECN was negotiated; not modelled.
  // Step 9: TCP_DEFER_ACCEPT.
  const defer = l ? deferSecondsToRetrans(l.opts.deferAccept ?? 0) : 0;
  if (req.numTimeout < defer && seg.endSeq === (req.rcvIsn + 1) >>> 0) {
    st.count('TcpExtTCPDeferAcceptDrop');
    st.why(
      'check_req.defer-accept',
      () => `TCP_DEFER_ACCEPT ${l!.opts.deferAccept} s (${defer} retrans), num_timeout ${req.numTimeout}: bare ACK → req acked, no child`,
    );
    st.setReq(req.key, { ...req, acked: true, tsRecent });
    return CONSUMED;
  }
  if (!l) return CONSUMED;
  // Step 10: child creation / accept queue overflow.
  if (l.acceptq.length > l.maxBacklog) {
    st.count('TcpExtListenOverflows');
    st.count('TcpExtListenDrops');
    if (!env.sysctls.tcp_abort_on_overflow) {
      st.why('check_req.overflow-drop', () => `accept queue ${l.acceptq.length} > backlog ${l.maxBacklog}: req acked, ACK dropped, SYN-ACK timer continues`);
      st.setReq(req.key, { ...req, acked: true, tsRecent });
    } else {
      st.count('TcpExtEmbryonicRsts');
      const r = st.why(
        'check_req.overflow-abort',
        () => `accept queue ${l.acceptq.length} > backlog ${l.maxBacklog}, tcp_abort_on_overflow=1: RST, req removed`,
      );
      sendReset(st, seg, r, md5);
      dropReq(st, req);
    }
    return CONSUMED;
  }
  dropReq(st, req);
  const l2 = st.listeners.get(l.port) ?? l;
  const child = makeChild(st, l2, {
    key: req.key,
    peer: req.peer,
    pport: req.pport,
    lport: req.lport,
    isn: req.isn,
    rcvIsn: req.rcvIsn,
    rcvNxt: req.rcvNxt,
    tsOk: req.tsOk,
    tsOff: req.tsOff,
    tsRecent,
    sackOk: req.sackOk,
    wsOk: req.wsOk,
    rcvWscale: req.rcvWscale,
    rcvWnd: req.rcvWnd,
    // tcp_synack_rtt_meas: from the SYN-ACK's send time, unless it was retransmitted (C39).
    ...(req.numRetrans === 0 ? { rttMs: st.now - req.lastTsMs } : {}),
    fullSpace: 0,
    ecnOk: req.ecnOk,
    ttl: req.tpl.ttl,
    tos: req.tpl.tos,
    flow: req.flow,
    md5,
    // tcp_rcv_state_process (SYN_RECV → ESTABLISHED): snd_wnd = this ACK's window << snd_wscale, snd_wl1 = its seq.
    sndWnd: seg.window * 2 ** (req.wsOk ? req.sndWscale : 0),
    sndWl1: seg.seq,
    sndWscale: req.wsOk ? req.sndWscale : 0,
  });
  st.why('check_req.child', () => `child ${req.key} created (acceptq ${l2.acceptq.length + 1}), ${req.numRetrans} SYN-ACK retransmit(s) counted as loss`);
  // Step 11 is the caller's: tcp_v4_rcv runs tcp_child_process on the new child.
  return { kind: 'child', child: { ...child, fullSpace: req.rcvWnd } };
}

function dropReq(st: Step, req: Req): void {
  st.setReq(req.key, undefined);
  const l = st.listeners.get(req.lport);
  if (l) st.setListener(l.port, listenerWithQlen(l, Math.max(0, l.qlen - 1)));
}
