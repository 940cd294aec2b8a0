// tcp_conn_request: passive open on a SYN (spec §4.1 admission order, §4.3 init, §4.4 ISN, §4.5 ECN,
// §4.9 cookie mode, §4.10 TFO, then the SYN-ACK of §4.6–§5).
import { makeChild } from './child';
import { ecnCreateRequest } from './ecn';
import { TfoResult, tryFastOpen } from './fastopen';
import { emitSynAck, makeSynAckTpl } from './make-synack';
import { flowFor, freshStem, isnFor, tsOffFor } from './openreq-init';
import type { KernelOpts } from './parse-options';
import { defaultMssClamp } from '../core/route';
import type { Seg } from '../core/seg';
import type { Listener, ModelEnv, Req, Step, SynAckTpl } from '../core/state';
import type { Sysctls } from '../core/sysctls';
import { listenerWithQlen } from '../core/state';
import { cookieIsnFor, cookieLow6, cookieMss, cookieTsvalRaw, recordCookie } from './syncookies';
import { Num, numText } from '../core/symbols';
import { armFromEvent } from '../core/timer-wheel';

const NO_TFO: TfoResult = Object.freeze({ child: false });

export function listenerHasKey(l: Listener, peer: string): boolean {
  return !!l.opts.md5Peers && l.opts.md5Peers.includes(peer);
}

// Reason texts, formatted on first read by module-level functions (no closure per SYN).
const twBypassText = (isn: Num): string => `TIME_WAIT handed the SYN over with ISN ${numText(isn)}: queue limits and cookies skipped`;
const synqFullDropText = (l: Listener): string => `SYN queue qlen ${l.qlen} > backlog ${l.maxBacklog}, tcp_syncookies=0 → drop`;
const cookieFullText = (l: Listener): string => `SYN queue qlen ${l.qlen} > backlog ${l.maxBacklog} → syncookie`;
const acceptqFullText = (l: Listener): string => `accept queue full (${l.acceptq.length} > backlog ${l.maxBacklog}) → drop`;
const maxSynBacklogText = (l: Listener, max: number): string => `tcp_max_syn_backlog ${max} − qlen ${l.qlen} < ${max >> 2} (peer not proven [inferred]) → drop`;
const admittedText = (l: Listener, cookie: boolean): string =>
  `qlen ${l.qlen}, acceptq ${l.acceptq.length}, backlog ${l.maxBacklog}${cookie ? ', cookie mode' : ''}`;
const tsOffText = (tsOff: Num, env: ModelEnv): string =>
  `ts_off ${numText(tsOff)} (tcp_timestamps=${env.sysctls.tcp_timestamps}, ${env.profile.tsOffPerTuple ? 'per 4-tuple' : 'per address pair'})`;
const payloadDroppedText = (seg: Seg): string => `${seg.len} B of SYN payload discarded`;
/** `cleared`: cookie mode without TS forgot SACK/WS (tcp_clear_options). */
const initText = (seg: Seg, ko: KernelOpts, rcvNxt: number, cleared: boolean): string =>
  `rcv_isn ${seg.seq}, rcv_nxt ${rcvNxt}, mss_clamp ${ko.mss || defaultMssClamp(seg.ipv)}${ko.mss ? '' : ' (no MSS option: default)'}, ts_recent ${ko.ts ? ko.tsVal : 0}, sack ${cleared ? false : ko.sackOk}, wscale ${!cleared && ko.wsOk ? ko.ws : 'none'}, syn_tos 0x${seg.tos.toString(16)}`;
/** The SYN had TS, so nothing was cleared: WS/SACK are the parsed ones. */
const tsEncodeText = (low6: number, tsOff: Num, ko: KernelOpts, ecnOk: boolean): string =>
  `TSval low 6 bits = 0x${low6.toString(16).padStart(2, '0')} (ws ${ko.wsOk ? ko.ws : 'none(15)'}, sack ${ko.sackOk}, ecn ${ecnOk}), clock−(0..63)${typeof tsOff === 'number' && tsOff === 0 ? ', ts_off 0: visible on the wire' : ': hidden by ts_off'}`;
const cookieSendText = (isn: Num, mss: number, rcvNxt: number): string =>
  `syncookie SYN-ACK seq ${numText(isn)} (opaque: hash + peer ISN + minute counter + index of mss ${mss}) ack ${rcvNxt}: no req kept, no retransmission`;
const isnText = (isn: Num): string => `ISN ${numText(isn)} (opaque, reused by every retransmission)`;
const isnTwText = (isn: Num): string => `ISN ${numText(isn)} = tw_snd_nxt + 65537`;
const synackSentText = (isn: Num, rcvNxt: number, tpl: SynAckTpl): string =>
  `SYN-ACK seq ${numText(isn)} ack ${rcvNxt} window ${tpl.window}${tpl.flags & 0x40 ? ' ECE' : ''}`;
const childTimerText = (l: Listener, s: Sysctls): string =>
  `TFO child in SYN_RECV (already in the accept queue), SYN-ACK timer at +1 s, up to ${l.opts.syncnt ?? s.tcp_synack_retries + 1} retries`;
const reqCreatedText = (key: string, l: Listener): string => `req ${key} in the SYN queue (qlen ${l.qlen + 1}), SYN-ACK timer at +1 s`;

/** @param twIsn ISN handed over by a TIME_WAIT socket that accepted the SYN (§7), bypassing limits. */
export function connRequest(st: Step, l: Listener, seg: Seg, ko: KernelOpts, twIsn?: Num): void {
  const env = st.env;
  const s = env.sysctls;
  // Step 0/1: queue limits and cookies.
  let wantCookie = false;
  if (twIsn !== undefined) {
    st.whyf('conn_request.tw-bypass', twBypassText, twIsn);
  } else if (s.tcp_syncookies === 2 || l.qlen > l.maxBacklog) {
    wantCookie = s.tcp_syncookies !== 0;
    if (!wantCookie) {
      st.count('TcpExtTCPReqQFullDrop');
      st.count('TcpExtListenDrops');
      st.whyf('conn_request.synq-full-drop', synqFullDropText, l);
      return;
    }
    st.count('TcpExtTCPReqQFullDoCookies');
    if (s.tcp_syncookies === 2) st.why('conn_request.cookie-always', 'tcp_syncookies=2 → syncookie');
    else st.whyf('conn_request.cookie-full', cookieFullText, l);
  }
  // Step 2: accept queue.
  if (l.acceptq.length > l.maxBacklog) {
    st.count('TcpExtListenOverflows');
    st.count('TcpExtListenDrops');
    st.whyf('conn_request.acceptq-full', acceptqFullText, l);
    return;
  }
  // Options (tcp_clear_options in cookie mode without TS).
  let wsOk = ko.wsOk;
  let ws = ko.ws;
  let sackOk = ko.sackOk;
  const ts = ko.ts;
  const cleared = wantCookie && !ts && (wsOk || sackOk);
  if (cleared) {
    wsOk = false;
    ws = 0;
    sackOk = false;
    st.why('openreq.cookie-clear', 'cookie mode, SYN without TS: SACK/WS/ECN forgotten');
  }
  // Step 3: the last quarter of tcp_max_syn_backlog (syncookies=0 only; peer assumed not proven).
  if (!wantCookie && twIsn === undefined && s.tcp_syncookies === 0) {
    const max = s.tcp_max_syn_backlog;
    if (max - l.qlen < max >> 2) {
      st.count('TcpExtListenDrops');
      st.whyf('conn_request.max-syn-backlog', maxSynBacklogText, l, max);
      return;
    }
  }
  st.whyf('conn_request.admitted', admittedText, l, wantCookie);
  // ECN.
  const e = ecnCreateRequest(env, seg.flags, seg.tos);
  st.note(e.reason);
  let ecnOk = e.ok;
  if (wantCookie && !ts && ecnOk) {
    ecnOk = false;
    st.why('ecn.cookie-no-ts', 'cookie mode without TS: ecn_ok = 0');
  }
  const lport = seg.dport;
  const key = seg.key; // tupleKey(seg.src, seg.sport, lport)
  const tsOff: Num = ts ? tsOffFor(st, seg.src, key) : 0;
  if (ts) st.whyf('tsoff.value', tsOffText, tsOff, env);
  // TFO (not in cookie mode).
  let tfo: TfoResult = NO_TFO;
  if (wantCookie) {
    if (ko.tfoLen >= 0) st.why('cookies.tfo-ignored', 'cookie mode: TFO option ignored');
  } else if (ko.tfoLen >= 0 || seg.len > 0) {
    tfo = tryFastOpen(st, l, seg, ko);
  }
  const dataAccepted = tfo.child && seg.len > 0;
  if (seg.len > 0 && !dataAccepted) st.whyf('conn_request.payload-dropped', payloadDroppedText, seg);
  const rcvNxt = (seg.seq + 1 + (dataAccepted ? seg.len : 0)) >>> 0;
  const mssClamp = ko.mss || defaultMssClamp(env.ip);
  const md5 = listenerHasKey(l, seg.src);
  st.whyf('openreq.init', initText, seg, ko, rcvNxt, cleared);
  const { tpl, win } = makeSynAckTpl(st, l.opts, { wsOk, ws, sackOk, ts, ecnOk, synTos: seg.tos, md5, cookie: wantCookie, tfo: tfo.opt });
  if (wantCookie) {
    const isn = cookieIsnFor(st, seg);
    const low6 = ts ? cookieLow6(wsOk, ws, sackOk, ecnOk) : -1;
    const mss = cookieMss(env.ip, mssClamp);
    if (ts) {
      st.whyf('cookies.ts-encode', tsEncodeText, low6, tsOff, ko, ecnOk);
    }
    const r = st.whyf('cookies.send', cookieSendText, isn, mss, rcvNxt);
    const flow = flowFor(st, key + '/cookie', st.gen + 1);
    const raw = ts ? cookieTsvalRaw(st.now, low6) : 0;
    emitSynAck(
      st,
      tpl,
      { peer: seg.src, pport: seg.sport, lport, isn, rcvNxt, tsOff, tsRecent: ts ? ko.tsVal : 0, flow },
      r,
      st.now,
      ts ? low6 : undefined,
      ts ? raw : undefined,
      ts ? st.env.tsTolMs + 64 : undefined,
    );
    st.count('TcpExtSyncookiesSent');
    recordCookie(st, l, seg, isn, mss, tsOff, low6);
    return;
  }
  const isn = twIsn ?? isnFor(st, key);
  if (twIsn === undefined) st.whyf('isn.normal', isnText, isn);
  else st.whyf('isn.tw', isnTwText, isn);
  const flow = flowFor(st, key);
  const target = { peer: seg.src, pport: seg.sport, lport, isn, rcvNxt, tsOff, tsRecent: ts ? ko.tsVal : 0, flow };
  const r = st.whyf('synack.sent', synackSentText, isn, rcvNxt, tpl);
  const tsSym = ts && !tfo.child ? freshStem(st, 'sats@' + key) : undefined;
  emitSynAck(st, tpl, target, r, st.now, undefined, undefined, undefined, tsSym !== undefined ? tsSym + '/0' : undefined);
  if (tfo.child) {
    const child = makeChild(
      st,
      l,
      {
        key,
        peer: seg.src,
        pport: seg.sport,
        lport,
        isn,
        rcvIsn: seg.seq,
        rcvNxt,
        tsOk: ts,
        tsOff,
        tsRecent: ts ? ko.tsVal : 0,
        sackOk,
        wsOk,
        rcvWscale: win.wscale,
        rcvWnd: win.rcvWnd,
        fullSpace: win.fullSpace,
        ecnOk,
        ttl: tpl.ttl,
        tos: tpl.tos,
        flow,
        md5,
      },
      'SYN_RECV',
    );
    const l2 = st.listeners.get(l.port) ?? l;
    st.setListener(l.port, { ...l2, tfoQlen: l2.tfoQlen + 1 });
    const { atMs: at, slack } = armFromEvent(st.now, 1000);
    st.setSock(key, { ...child, timerAt: at, timerSlack: slack, tpl, firstSynMs: st.now, unread: (rcvNxt - ((seg.seq + 1) >>> 0)) >>> 0 });
    st.arm('tfo-synack-rtx', at, key);
    st.whyf('fastopen.child-timer', childTimerText, l, s);
    return;
  }
  const { atMs: at, slack } = armFromEvent(st.now, 1000);
  const req: Req = {
    key,
    peer: seg.src,
    pport: seg.sport,
    lport,
    rcvIsn: seg.seq,
    rcvNxt,
    isn,
    tsOff,
    tsOk: ts,
    tsRecent: ts ? ko.tsVal : 0,
    sackOk,
    wsOk,
    sndWscale: ws,
    rcvWscale: win.wscale,
    mssClamp,
    ecnOk,
    rcvWnd: win.rcvWnd,
    synTos: seg.tos,
    tpl,
    numTimeout: 0,
    numRetrans: 0,
    timerAt: at,
    timerSlack: slack,
    tsSym,
    firstTsMs: st.now,
    lastTsMs: st.now,
    lastOowMs: -Infinity,
    acked: false,
    flow,
    flowGen: 0,
  };
  st.setReq(key, req);
  const cur = st.listeners.get(l.port) ?? l;
  st.setListener(l.port, listenerWithQlen(cur, cur.qlen + 1));
  st.arm('synack-rtx', at, key);
  st.whyf('conn_request.req-created', reqCreatedText, key, l);
}
