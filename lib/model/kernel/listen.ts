// tcp_v4_do_rcv for a LISTEN socket (net/ipv4/tcp_ipv4.c; spec §3.3, §4.9): the syncookie check
// (tcp_v4_cookie_check), whose child runs tcp_child_process, then the LISTEN flag table of
// tcp_rcv_state_process (net/ipv4/tcp_input.c), which sends a SYN to tcp_conn_request.
import { ACK, FIN, RST, SYN } from '../../wire/types';
import type { Seg } from '../core/seg';
import type { Listener, Sock, Step } from '../core/state';
import { aceOf } from './ecn';
import { makeChild } from './child';
import { connRequest } from './conn-request';
import { childProcess } from './established';
import { synackIpFields } from './make-synack';
import { flowFor } from './openreq-init';
import type { KernelOpts } from './parse-options';
import { selectInitialWindow } from './select-window';
import { sendReset } from './send-reset';
import { cookieCheck } from './syncookies';

// Reason texts, formatted on first read by module-level functions (no closure per segment).
const ackRstText = (f: number, ack: number): string => `ACK (flags 0x${f.toString(16)}) to a listener without a matching req: RST seq=SEG.ACK ${ack}`;
const listenSynText = (l: Listener, seg: Seg): string => `SYN to listener ${l.port}${seg.len ? ` with ${seg.len} B payload` : ''}: tcp_conn_request`;
const noSynNoAckText = (f: number): string => `no SYN/ACK/RST (flags 0x${f.toString(16)}) to a listener: dropped`;
const cookieAcceptqFullText = (l: Listener): string => `valid cookie but accept queue ${l.acceptq.length} > backlog ${l.maxBacklog}: dropped`;

/** §3.3: a segment that reaches a LISTEN socket with no req/child. */
export function listenerRcv(st: Step, l: Listener, seg: Seg, ko: KernelOpts, md5: boolean): void {
  const f = seg.flags;
  if (!(f & SYN)) {
    const c = cookieCheck(st, l, seg, ko, (f & ACK) !== 0, (f & RST) !== 0);
    if (c.kind === 'valid') return cookieChild(st, l, seg, ko, c, md5);
  }
  if (f & ACK) {
    if (f & RST) {
      st.why('listen.ack-with-rst', 'ACK+RST to a listener: no reply (never answer a RST)');
      return;
    }
    const r = st.whyf('listen.ack-rst', ackRstText, f, seg.ack);
    sendReset(st, seg, r, md5);
    return;
  }
  if (f & RST) {
    st.why(f & SYN ? 'listen.syn-rst-drop' : 'listen.rst-drop', f & SYN ? 'SYN+RST: dropped (RST test first)' : 'RST to a listener: dropped');
    return;
  }
  if (f & SYN) {
    if (f & FIN) {
      st.why('listen.syn-fin-drop', 'SYN+FIN to a listener: dropped');
      return;
    }
    st.whyf('listen.syn', listenSynText, l, seg);
    connRequest(st, l, seg, ko);
    return;
  }
  st.whyf('listen.no-syn-no-ack', noSynNoAckText, f);
}

/**
 * cookie_v4_check / cookie_v6_check (6.18, AccECN code present): a cookie whose option bits carry ECN
 * opens an AccECN child when the ACK's ACE field is 2..7 (cookie_accecn_ok) — the SYN asked for
 * classic ECN and the SYN-ACK answered classically, the ACK alone decides. tcp_ecn_openreq_child then
 * validates a pure ACK's ACE as the echo of the SYN-ACK's IP ECN (Not-ECT: only 0b010 is consistent;
 * with tcp_ecn_fallback another value fails the ACE feedback: nothing sent ECT) and counts a CE mark
 * on it. The child's segments carry ACE 5 + CE counted, ECT(0) (correction C34).
 */
function cookieAccecn(st: Step, seg: Seg, ecnOk: boolean): Sock['accecn'] {
  const ace = aceOf(seg.flags);
  if (!ecnOk || !st.env.profile.accecn || ace < 2) return undefined;
  const fail = seg.seq === seg.endSeq && ace !== 0b010 && ace !== 0b101 && ace !== 0b111 && st.env.sysctls.tcp_ecn_fallback !== 0;
  const ce = (seg.tos & 3) === 3 && !fail;
  st.why(
    'cookies.accecn',
    () =>
      `cookie with ECN, ACK's ACE ${ace.toString(2).padStart(3, '0')}: AccECN child${fail ? '; ACE inconsistent with the Not-ECT SYN-ACK: ACE feedback failed, no ECT' : ', sent ECT(0)'}${ce ? ', the CE-marked ACK counted' : ''}`,
  );
  return { ect: !fail, ace: (5 + (ce ? 1 : 0)) & 7, ceRcv: ce ? 1 : 0 };
}

function cookieChild(st: Step, l: Listener, seg: Seg, ko: KernelOpts, c: Extract<ReturnType<typeof cookieCheck>, { kind: 'valid' }>, md5: boolean): void {
  if (l.acceptq.length > l.maxBacklog) {
    st.count('TcpExtListenOverflows');
    st.count('TcpExtListenDrops');
    st.whyf('cookies.acceptq-full', cookieAcceptqFullText, l);
    return;
  }
  const env = st.env;
  // cookie_v4_check sizes the child's window on the MSS the cookie encodes (the peer's, from the
  // table), with no TS allowance — not on this side's advmss as a req does [correction C26].
  const win = selectInitialWindow(env, l.opts, c.rec.mss, 0, c.wsOk);
  const ipf = synackIpFields(env, l.opts, seg.tos);
  const key = seg.key;
  const accecn = cookieAccecn(st, seg, c.ecnOk);
  const child = makeChild(st, l, {
    key,
    peer: seg.src,
    pport: seg.sport,
    lport: seg.dport,
    isn: c.rec.isn,
    rcvIsn: (seg.seq - 1) >>> 0,
    rcvNxt: seg.seq,
    tsOk: c.tsOk,
    tsOff: c.tsOff,
    tsRecent: c.tsOk ? ko.tsVal : 0,
    sackOk: c.sackOk,
    wsOk: c.wsOk,
    rcvWscale: win.wscale,
    rcvWnd: win.rcvWnd,
    fullSpace: win.fullSpace,
    ecnOk: c.ecnOk && !accecn,
    accecn,
    ttl: ipf.ttl,
    tos: ipf.tos,
    flow: flowFor(st, key),
    md5,
    // tcp_create_openreq_child: snd_wnd = the ACK's window << the peer's (decoded) wscale, snd_wl1 = its seq (C27)
    sndWnd: seg.window * 2 ** (c.wsOk ? c.ws : 0),
    sndWl1: seg.seq,
    sndWscale: c.wsOk ? c.ws : 0,
  });
  childProcess(st, child, seg, ko);
}
