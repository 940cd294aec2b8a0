// tcp_conn_request: passive open on a SYN (spec §4.1 admission order, §4.3 init, §4.4 ISN, §4.5 ECN,
// §4.9 cookie mode, §4.10 TFO, then the SYN-ACK of §4.6–§5).
import { makeChild } from './child';
import { ecnCreateRequest } from './ecn';
import { TfoResult, tryFastOpen } from './fastopen';
import { emitSynAck, makeSynAckTpl } from './make-synack';
import { flowFor, freshStem, isnFor, tsOffFor } from './openreq-init';
import type { KernelOpts } from './parse-options';
import { defaultMssClamp } from './route';
import type { Seg } from './seg';
import type { Listener, Req, Step } from './state';
import { listenerWithQlen } from './state';
import { cookieIsnFor, cookieLow6, cookieMss, cookieTsvalRaw, recordCookie } from './syncookies';
import { Num, numText } from './symbols';
import { armFromEvent } from './timer-wheel';

const NO_TFO: TfoResult = Object.freeze({ child: false });

export function listenerHasKey(l: Listener, peer: string): boolean {
  return !!l.opts.md5Peers && l.opts.md5Peers.includes(peer);
}

/** @param twIsn ISN handed over by a TIME_WAIT socket that accepted the SYN (§7), bypassing limits. */
export function connRequest(st: Step, l: Listener, seg: Seg, ko: KernelOpts, twIsn?: Num): void {
  const env = st.env;
  const s = env.sysctls;
  // Step 0/1: queue limits and cookies.
  let wantCookie = false;
  if (twIsn !== undefined) {
    st.why('conn_request.tw-bypass', () => `TIME_WAIT handed the SYN over with ISN ${numText(twIsn)}: queue limits and cookies skipped`);
  } else if (s.tcp_syncookies === 2 || l.qlen > l.maxBacklog) {
    wantCookie = s.tcp_syncookies !== 0;
    if (!wantCookie) {
      st.count('TcpExtTCPReqQFullDrop');
      st.count('TcpExtListenDrops');
      st.why('conn_request.synq-full-drop', () => `SYN queue qlen ${l.qlen} > backlog ${l.maxBacklog}, tcp_syncookies=0 → drop`);
      return;
    }
    st.count('TcpExtTCPReqQFullDoCookies');
    if (s.tcp_syncookies === 2) st.why('conn_request.cookie-always', 'tcp_syncookies=2 → syncookie');
    else st.why('conn_request.cookie-full', () => `SYN queue qlen ${l.qlen} > backlog ${l.maxBacklog} → syncookie`);
  }
  // Step 2: accept queue.
  if (l.acceptq.length > l.maxBacklog) {
    st.count('TcpExtListenOverflows');
    st.count('TcpExtListenDrops');
    st.why('conn_request.acceptq-full', () => `accept queue full (${l.acceptq.length} > backlog ${l.maxBacklog}) → drop`);
    return;
  }
  // Options (tcp_clear_options in cookie mode without TS).
  let wsOk = ko.wsOk;
  let ws = ko.ws;
  let sackOk = ko.sackOk;
  const ts = ko.ts;
  if (wantCookie && !ts && (wsOk || sackOk)) {
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
      st.why('conn_request.max-syn-backlog', () => `tcp_max_syn_backlog ${max} − qlen ${l.qlen} < ${max >> 2} (peer not proven [inferred]) → drop`);
      return;
    }
  }
  st.why('conn_request.admitted', () => `qlen ${l.qlen}, acceptq ${l.acceptq.length}, backlog ${l.maxBacklog}${wantCookie ? ', cookie mode' : ''}`);
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
  if (ts) st.why('tsoff.value', () => `ts_off ${numText(tsOff)} (tcp_timestamps=${s.tcp_timestamps}, ${env.profile.tsOffPerTuple ? 'per 4-tuple' : 'per address pair'})`);
  // TFO (not in cookie mode).
  let tfo: TfoResult = NO_TFO;
  if (wantCookie) {
    if (ko.tfoLen >= 0) st.why('cookies.tfo-ignored', 'cookie mode: TFO option ignored');
  } else if (ko.tfoLen >= 0 || seg.len > 0) {
    tfo = tryFastOpen(st, l, seg, ko);
  }
  const dataAccepted = tfo.child && seg.len > 0;
  if (seg.len > 0 && !dataAccepted) st.why('conn_request.payload-dropped', () => `${seg.len} B of SYN payload discarded`);
  const rcvNxt = (seg.seq + 1 + (dataAccepted ? seg.len : 0)) >>> 0;
  const mssClamp = ko.mss || defaultMssClamp(env.ip);
  const md5 = listenerHasKey(l, seg.src);
  st.why('openreq.init', () =>
    `rcv_isn ${seg.seq}, rcv_nxt ${rcvNxt}, mss_clamp ${mssClamp}${ko.mss ? '' : ' (no MSS option: default)'}, ts_recent ${ts ? ko.tsVal : 0}, sack ${sackOk}, wscale ${wsOk ? ws : 'none'}, syn_tos 0x${seg.tos.toString(16)}`);
  const { tpl, win } = makeSynAckTpl(st, l.opts, { wsOk, ws, sackOk, ts, ecnOk, synTos: seg.tos, md5, cookie: wantCookie, tfo: tfo.opt });
  if (wantCookie) {
    const isn = cookieIsnFor(st, seg);
    const low6 = ts ? cookieLow6(wsOk, ws, sackOk, ecnOk) : -1;
    const mss = cookieMss(env.ip, mssClamp);
    if (ts) {
      st.why('cookies.ts-encode', () =>
        `TSval low 6 bits = 0x${low6.toString(16).padStart(2, '0')} (ws ${wsOk ? ws : 'none(15)'}, sack ${sackOk}, ecn ${ecnOk}), clock−(0..63)${typeof tsOff === 'number' && tsOff === 0 ? ', ts_off 0: visible on the wire' : ': hidden by ts_off'}`);
    }
    const r = st.why('cookies.send', () => `syncookie SYN-ACK seq ${numText(isn)} (opaque: hash + peer ISN + minute counter + index of mss ${mss}) ack ${rcvNxt}: no req kept, no retransmission`);
    const flow = flowFor(st, key + '/cookie', st.gen + 1);
    const raw = ts ? cookieTsvalRaw(st.now, low6) : 0;
    emitSynAck(st, tpl, { peer: seg.src, pport: seg.sport, lport, isn, rcvNxt, tsOff, tsRecent: ts ? ko.tsVal : 0, flow }, r, st.now,
      ts ? low6 : undefined, ts ? raw : undefined, ts ? st.env.tsTolMs + 64 : undefined);
    st.count('TcpExtSyncookiesSent');
    recordCookie(st, l, seg, isn, mss, tsOff, low6);
    return;
  }
  const isn = twIsn ?? isnFor(st, key);
  if (twIsn === undefined) st.why('isn.normal', () => `ISN ${numText(isn)} (opaque, reused by every retransmission)`);
  else st.why('isn.tw', () => `ISN ${numText(isn)} = tw_snd_nxt + 65537`);
  const flow = flowFor(st, key);
  const target = { peer: seg.src, pport: seg.sport, lport, isn, rcvNxt, tsOff, tsRecent: ts ? ko.tsVal : 0, flow };
  const r = st.why('synack.sent', () => `SYN-ACK seq ${numText(isn)} ack ${rcvNxt} window ${tpl.window}${tpl.flags & 0x40 ? ' ECE' : ''}`);
  const tsSym = ts && !tfo.child ? freshStem(st, 'sats@' + key) : undefined;
  emitSynAck(st, tpl, target, r, st.now, undefined, undefined, undefined, tsSym !== undefined ? tsSym + '/0' : undefined);
  if (tfo.child) {
    const child = makeChild(st, l, {
      key, peer: seg.src, pport: seg.sport, lport, isn, rcvIsn: seg.seq, rcvNxt, tsOk: ts, tsOff, tsRecent: ts ? ko.tsVal : 0,
      sackOk, wsOk, rcvWscale: win.wscale, rcvWnd: win.rcvWnd, fullSpace: win.fullSpace, ecnOk, ttl: tpl.ttl, tos: tpl.tos, flow, md5,
    }, 'SYN_RECV');
    const l2 = st.listeners.get(l.port) ?? l;
    st.setListener(l.port, { ...l2, tfoQlen: l2.tfoQlen + 1 });
    const { atMs: at, slack } = armFromEvent(st.now, 1000);
    st.setSock(key, { ...child, timerAt: at, timerSlack: slack, tpl, firstSynMs: st.now, unread: (rcvNxt - ((seg.seq + 1) >>> 0)) >>> 0 });
    st.arm('tfo-synack-rtx', at, key);
    st.why('fastopen.child-timer', () => `TFO child in SYN_RECV (already in the accept queue), SYN-ACK timer at +1 s, up to ${(l.opts.syncnt ?? s.tcp_synack_retries + 1)} retries`);
    return;
  }
  const { atMs: at, slack } = armFromEvent(st.now, 1000);
  const req: Req = {
    key, peer: seg.src, pport: seg.sport, lport, rcvIsn: seg.seq, rcvNxt, isn, tsOff, tsOk: ts, tsRecent: ts ? ko.tsVal : 0,
    sackOk, wsOk, sndWscale: ws, rcvWscale: win.wscale, mssClamp, ecnOk, rcvWnd: win.rcvWnd, synTos: seg.tos, tpl,
    numTimeout: 0, numRetrans: 0, timerAt: at, timerSlack: slack, tsSym, firstTsMs: st.now, lastTsMs: st.now, lastOowMs: -Infinity, acked: false, flow, flowGen: 0,
  };
  st.setReq(key, req);
  const cur = st.listeners.get(l.port) ?? l;
  st.setListener(l.port, listenerWithQlen(cur, cur.qlen + 1));
  st.arm('synack-rtx', at, key);
  st.why('conn_request.req-created', () => `req ${key} in the SYN queue (qlen ${l.qlen + 1}), SYN-ACK timer at +1 s`);
}
