// Child socket creation (tcp_create_openreq_child, spec §6 "Child initial state") and the packets a
// full socket sends (ACK / FIN / RST|ACK with its own IP ID sequence and TS).
import { TCP_TIMEOUT_INIT_MS } from '../core/rto';
import { ACK, AE, CWR, ECE, FIN, RST, SYN } from '../../wire/types';
import type { JsonNum } from '../../wire/types';
import { ipJson, jnum, jstar, packet, tsOnlyOptions, tsvalExpect } from '../core/json';
import type { OptionJson } from '../../wire/types';
import type { RuleId } from '../core/reasons';
import { freshSym } from './openreq-init';
import { after } from '../core/seq-math';
import type { Listener, Sock, Step } from '../core/state';
import { numAdd, Num } from '../core/symbols';
import { firedAt, TimerSlack } from '../core/timer-wheel';

export interface ChildInit {
  key: string;
  peer: string;
  pport: number;
  lport: number;
  isn: Num;
  rcvIsn: number;
  rcvNxt: number;
  tsOk: boolean;
  tsOff: Num;
  tsRecent: number;
  sackOk: boolean;
  wsOk: boolean;
  rcvWscale: number;
  rcvWnd: number;
  fullSpace: number;
  /** The peer's window as the child takes it from the ACK that completes the handshake (snd_wnd, snd_wl1, snd_wscale). */
  sndWnd?: number;
  sndWl1?: number;
  sndWscale?: number;
  ecnOk: boolean;
  /** AccECN mode from the start (a syncookie child whose ACK chose it, C34). */
  accecn?: Sock['accecn'];
  ttl: number;
  tos: number;
  flow: Num;
  md5: boolean;
  /** The handshake's RTT sample, ms (undefined: none the model knows; C39). */
  rttMs?: number;
}

export function ipIdSym(st: Step, key: string): Num {
  return { sym: freshSym(st, 'ipid@' + key) };
}

/** A passive child (SYN_RECV until the caller moves it on), queued on the listener's accept queue. */
export function makeChild(st: Step, l: Listener, c: ChildInit, state: Sock['state'] = 'ESTABLISHED'): Sock {
  const sock: Sock = {
    key: c.key,
    state,
    peer: c.peer,
    pport: c.pport,
    lport: c.lport,
    active: false,
    listenPort: l.port,
    accepted: false,
    isn: c.isn,
    sndNxtOff: 1,
    rcvNxt: c.rcvNxt,
    rcvIsn: c.rcvIsn,
    tsOk: c.tsOk,
    tsOff: c.tsOff,
    tsRecent: c.tsRecent,
    sackOk: c.sackOk,
    wsOk: c.wsOk,
    rcvWscale: c.wsOk ? c.rcvWscale : 0,
    rcvWnd: c.rcvWnd,
    fullSpace: c.fullSpace,
    sndWnd: c.sndWnd,
    sndWl1: c.sndWl1,
    maxWindow: c.sndWnd,
    sndWscale: c.sndWscale,
    ecnOk: c.ecnOk,
    ...(c.accecn ? { accecn: c.accecn } : {}),
    ttl: c.ttl,
    tos: c.tos,
    flow: c.flow,
    ipId: st.env.ip === 4 ? ipIdSym(st, c.key) : 0,
    sent: 0,
    lastOowMs: -Infinity,
    opts: l.opts,
    md5: c.md5,
    ...(c.rttMs !== undefined ? { rttMs: c.rttMs } : {}),
    timerAt: Infinity,
    retransmits: 0,
    totalRto: 0,
    rtoMs: TCP_TIMEOUT_INIT_MS,
    firstSynMs: st.now,
    synEcn: false,
    numTimeout: 0,
  };
  st.setSock(c.key, sock);
  st.setListener(l.port, { ...l, acceptq: [...l.acceptq, c.key] });
  st.count('TcpPassiveOpens');
  return sock;
}

/**
 * Source port as JSON. PacketJson types sport as a number; an unobserved ephemeral port is emitted
 * as '*' anyway (cast), with the symbol in expect['tcp.sport'].
 */
export function sportJson(lport: Num, ex: import('../core/state').Expectation): number {
  return jnum(lport, 'tcp.sport', ex) as number;
}

/** Window field of an ACK from a full socket: a range (free-space rounding is not modelled exactly) [inferred]. */
export function ackWindowRange(sock: Sock, consumed: number): [number, number] {
  const ws = sock.rcvWscale;
  const lo = Math.max(0, ((sock.rcvWnd - consumed) >> ws) - 1);
  const hi = Math.min(65535, (Math.max(sock.rcvWnd, sock.fullSpace) >> ws) + 1);
  return [Math.min(lo, hi), hi];
}

/**
 * Sends a segment from a full socket: seq = ISN + sndNxtOff, ack = rcvNxt, NOP NOP TS when TS is on,
 * IP ID = the socket's next. Returns the socket with `sent` bumped (caller stores it).
 */
export function sockSend(
  st: Step,
  sock: Sock,
  flags: number,
  rule: RuleId,
  text: () => string,
  consumed = 0,
  seqOff = sock.sndNxtOff,
  sack?: Array<[number, number]>,
  at?: number,
  slack?: TimerSlack,
  len?: number,
): Sock {
  // An ACK sent now (and a RST) ends a pending delayed ACK: tcp_event_ack_sent clears the timer (C37).
  if (sock.delackAt !== undefined && (at === undefined || at <= st.now)) sock = withoutDelack(st, sock);
  const ex: import('../core/state').Expectation = {};
  // AccECN mode (C18): ACE bits on every segment, ECT(0) unless the ACE feedback failed.
  const acc = sock.accecn;
  if (acc && !(flags & RST)) flags |= (acc.ace & 4 ? AE : 0) | (acc.ace & 2 ? CWR : 0) | (acc.ace & 1 ? ECE : 0);
  // Classic ECN (tcp_ecn_send): ECE on every segment while a CE mark waits for the peer's CWR (C36).
  if (sock.demandCwr && sock.ecnOk && !acc) flags |= ECE;
  const tos = acc && acc.ect && !(flags & RST) ? (sock.tos & 0xfc) | 2 : sock.tos;
  const ip = ipJson(st.env, sock.ttl, tos, st.env.ip === 4 ? numAdd(sock.ipId, sock.sent) : 0, sock.flow, ex);
  let tsval: JsonNum = 0;
  // A timer-driven send (slack given) lands somewhere in [at, at + slack.widthMs]: the TSval expectation
  // is centred on that window (firedAt).
  const when = slack ? firedAt(at ?? st.now, slack, st.env.tsTolMs) : { approxMs: at ?? st.now, tolMs: st.env.tsTolMs };
  if (sock.tsOk) tsval = jstar('opt.ts.val', tsvalExpect(sock.tsOff, when.approxMs, when.tolMs), ex);
  const opts: OptionJson[] = tsOnlyOptions(sock.tsOk, tsval, sock.tsRecent, sock.md5, ex);
  // tcp_established_options: SACK blocks — the D-SACK first, then those of the out-of-order queue
  // (C27), as many as the option space holds — after the timestamp, as NOP NOP SACK; a full socket's
  // RST|ACK carries them too (tcp_send_active_reset builds it the same way, C27).
  const blocks = sock.ofo?.length ? [...(sack ?? []), ...sock.ofo] : sack;
  if (blocks && blocks.length && sock.sackOk && flags & ACK) {
    const room = Math.floor((40 - (sock.tsOk ? 12 : 0) - (sock.md5 ? 20 : 0) - 4) / 8);
    if (room > 0) opts.push(['nop'], ['nop'], ['sack', ...blocks.slice(0, room).map((b): [number, number] => [b[0], b[1]])]);
  }
  // AccECN option (C18): kind 174, EE1B ECEB EE0B as 24-bit counters (initial 1, 0, 1; Not-ECT data
  // leaves them), padded with one NOP. Byte counting for ECT data is not modelled [inferred].
  if (acc?.opt && !(flags & RST)) opts.push(['kind', 174, '000001000000000001'], ['nop']);
  // The right edge of the advertised window does not move for small amounts of data (tcp_select_window
  // keeps rcv_wnd while the free space is within an MSS of it), so the field can be as low as the
  // initial window minus everything received since the ISN (correction C7).
  const since = sock.state === 'SYN_SENT' ? 0 : (sock.rcvNxt - ((sock.rcvIsn + 1) >>> 0)) >>> 0;
  // The window field is bound (rcvWndSym): tcp_select_window stores field << rcv_wscale as rcv_wnd and
  // rcv_wup = rcv_nxt, which is the receive window tcp_sequence tests the next segment against (C13).
  const wsym = freshSym(st, `win@${sock.key}/${sock.sent}`);
  const win = jstar('tcp.window', { range: ackWindowRange(sock, Math.max(consumed, since < 0x40000000 ? since : 0)), bindAs: wsym }, ex);
  const r = st.why(rule, text);
  const delayed = at !== undefined && at > st.now && slack === undefined && (flags & (ACK | RST | FIN | SYN)) === ACK;
  st.send(
    packet(ip, sportJson(sock.lport, ex), sock.pport, jnum(numAdd(sock.isn, seqOff), 'tcp.seq', ex), flags & ACK ? sock.rcvNxt : 0, flags, win, opts, len),
    ex,
    r,
    at,
    delayed ? sock.key : undefined,
  );
  if (flags & RST) return { ...sock, sent: sock.sent + 1 };
  const accNext = acc ? { ...acc, ace: (5 + acc.ceRcv) & 7 } : undefined;
  // (the rest spread of a whole socket is slow: only when there is a field to drop)
  const rest = sock.wupBeforeDelack === undefined ? sock : withoutWupBeforeDelack(sock);
  return {
    ...rest,
    sent: sock.sent + 1,
    rcvWndSym: wsym,
    rcvWup: sock.rcvNxt,
    ...(acc ? { accecn: accNext } : {}),
    // (a delayed ACK moves rcv_wup only when it leaves: until then the window is the last one sent, C44)
    // (a socket that never sent has rcv_wup = rcv_isn + 1: tcp_create_openreq_child)
    ...(delayed ? { delackAt: at, wupBeforeDelack: { rcvWup: sock.rcvWup ?? (sock.rcvIsn + 1) >>> 0, rcvWndSym: sock.rcvWndSym } } : {}),
  };
}

function withoutWupBeforeDelack(sock: Sock): Sock {
  const { wupBeforeDelack: _w, ...rest } = sock;
  return rest;
}

/**
 * The socket's receive-window state as the kernel tests a segment against it now: rcv_wup and the
 * window symbol of the last ACK that left — not of a delayed ACK still pending (C44).
 */
export function sentWindowState(st: Step, sock: Sock): Sock {
  const w = sock.wupBeforeDelack;
  if (!w || sock.delackAt === undefined || st.now >= sock.delackAt) return sock;
  return { ...sock, rcvWup: w.rcvWup, rcvWndSym: w.rcvWndSym };
}

/**
 * The socket without its pending delayed ACK: if that ACK is not due yet it will not be sent
 * (tcp_event_ack_sent, or tcp_done's tcp_clear_xmit_timers): the step withdraws it and gives back the
 * IPv4 ID it had counted (C37).
 */
export function withoutDelack(st: Step, sock: Sock): Sock {
  if (sock.delackAt === undefined) return sock;
  const { delackAt, wupBeforeDelack: _w, ...rest } = sock;
  if (st.now >= delackAt) return rest;
  st.cancel(sock.key);
  // it took no IPv4 ID after all
  return { ...rest, sent: rest.sent - 1 };
}

/** tcp_receive_window: rcv_wup + rcv_wnd − rcv_nxt (≥ 0), rcv_wnd from the last window the socket advertised. */
export function receiveWindow(st: Step, sock: Sock): number {
  const field = sock.rcvWndSym !== undefined ? st.bindings[sock.rcvWndSym] : undefined;
  const wnd = field !== undefined ? field * 2 ** sock.rcvWscale : sock.rcvWnd;
  const wup = sock.rcvWup ?? sock.rcvNxt;
  if (after(sock.rcvNxt, (wup + wnd) >>> 0)) return 0;
  return (wup + wnd - sock.rcvNxt) >>> 0;
}
