// Child socket creation (tcp_create_openreq_child, spec §6 "Child initial state") and the packets a
// full socket sends (ACK / FIN / RST|ACK with its own IP ID sequence and TS).
import { ACK } from '../wire/types';
import type { JsonNum } from '../wire/types';
import { ipJson, jnum, jstar, packet, tsOnlyOptions, tsvalExpect } from './json';
import type { RuleId } from './reasons';
import { freshSym } from './openreq-init';
import type { Listener, Sock, Step } from './state';
import { numAdd, Num } from './symbols';

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
  ecnOk: boolean;
  ttl: number;
  tos: number;
  flow: Num;
  md5: boolean;
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
    ecnOk: c.ecnOk,
    ttl: c.ttl,
    tos: c.tos,
    flow: c.flow,
    ipId: st.env.ip === 4 ? ipIdSym(st, c.key) : 0,
    sent: 0,
    lastOowMs: -Infinity,
    opts: l.opts,
    md5: c.md5,
    timerAt: Infinity,
    retransmits: 0,
    totalRto: 0,
    rtoMs: 1000,
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
export function sportJson(lport: Num, ex: import('./state').Expectation): number {
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
export function sockSend(st: Step, sock: Sock, flags: number, rule: RuleId, text: () => string, consumed = 0, seqOff = sock.sndNxtOff): Sock {
  const ex: import('./state').Expectation = {};
  const ip = ipJson(st.env, sock.ttl, sock.tos, st.env.ip === 4 ? numAdd(sock.ipId, sock.sent) : 0, sock.flow, ex);
  let tsval: JsonNum = 0;
  if (sock.tsOk) tsval = jstar('opt.ts.val', tsvalExpect(sock.tsOff, st.now, st.env.tsTolMs), ex);
  const opts = tsOnlyOptions(sock.tsOk, tsval, sock.tsRecent, sock.md5, ex);
  // The right edge of the advertised window does not move for small amounts of data (tcp_select_window
  // keeps rcv_wnd while the free space is within an MSS of it), so the field can be as low as the
  // initial window minus everything received since the ISN (correction C7).
  const since = sock.state === 'SYN_SENT' ? 0 : (sock.rcvNxt - ((sock.rcvIsn + 1) >>> 0)) >>> 0;
  const win = jstar('tcp.window', { range: ackWindowRange(sock, Math.max(consumed, since < 0x40000000 ? since : 0)) }, ex);
  const r = st.why(rule, text);
  st.send(packet(ip, sportJson(sock.lport, ex), sock.pport, jnum(numAdd(sock.isn, seqOff), 'tcp.seq', ex), flags & ACK ? sock.rcvNxt : 0, flags, win, opts), ex, r);
  return { ...sock, sent: sock.sent + 1 };
}
