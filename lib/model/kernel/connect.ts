// Active open (spec §8.1 port choice, §8.2 SYN format): tcp_v4_connect, tcp_connect, tcp_syn_options.
import { TCP_TIMEOUT_INIT_MS } from '../core/rto';
import { ACK, CWR, ECE, SYN } from '../../wire/types';
import type { JsonNum } from '../../wire/types';
import { ipIdSym } from './child';
import { ipJson, jnum, jstar, packet, synackOptionsJson, tsvalExpect } from '../core/json';
import { flowFor, freshSym, tsOffFor } from './openreq-init';
import type { Reason } from '../core/reasons';
import { selectInitialWindow } from './select-window';
import type { SockOpts } from '../core/sockopts';
import type { Expectation, Sock, Step, SynAckTpl } from '../core/state';
import { tupleKey } from '../core/state';
import { Num, numAdd, numText } from '../core/symbols';
import { armFromEvent, firedAt, TimerSlack } from '../core/timer-wheel';
import { synFastOpen, type ActiveFastOpen, type SynFastOpen } from './fastopen-client';

/** `fo`: a Fast Open connect (sendto MSG_FASTOPEN, or the write a TCP_FASTOPEN_CONNECT connect deferred its SYN to; §8.7). */
export function connect(st: Step, dport: number, sportIn: number | undefined, opts: SockOpts, fo?: ActiveFastOpen): void {
  const env = st.env;
  const s = env.sysctls;
  const peer = env.peer;
  const [lo, hi] = s.ip_local_port_range;
  let lport: Num;
  let key: string;
  const fixedPort = sportIn ?? env.fixed?.sport;
  if (fixedPort !== undefined) {
    lport = fixedPort;
    key = tupleKey(peer, dport, fixedPort);
    if (st.socks.has(key) || st.reqs.has(key)) {
      st.why('connect.in-use', () => `4-tuple ${key} in use: connect() fails, nothing sent`);
      return;
    }
    st.why('connect.port', () => `source port ${fixedPort}${sportIn === undefined ? ' (fixed draw)' : ' (bound)'}`);
  } else {
    st.gen++;
    lport = { sym: freshSym(st, 'sport@' + peer + ':' + dport + '#' + st.gen) };
    key = peer + ':' + dport + '>?' + st.gen;
    st.why('connect.port', () => `ephemeral port ${numText(lport)}: even, in ${lo}..${hi}`);
  }
  const portName: number | string = typeof lport === 'number' ? lport : lport.sym;
  const tuple = peer + ':' + dport + '>' + portName;
  const isn: Num = env.fixed?.isn !== undefined ? env.fixed.isn >>> 0 : { sym: freshSym(st, 'isn@' + tuple) };
  const md5 = !!opts.md5Peers?.includes(peer);
  const ts = s.tcp_timestamps !== 0 && !md5;
  const tsOff: Num = ts ? tsOffFor(st, peer, tuple) : 0;
  const mss = opts.maxseg ? Math.min(env.route.advmss, opts.maxseg) : env.route.advmss;
  const tfo = synFastOpen(st, opts, fo, mss);
  if (tfo.deferred) return;
  const wsOn = s.tcp_window_scaling !== 0;
  const win = selectInitialWindow(env, opts, mss, 0, wsOn);
  st.why('window.initial', win.text);
  const ecn = s.tcp_ecn === 1 || env.route.ecn || env.route.ecnCa;
  if (ecn) st.why('connect.ecn', () => `tcp_ecn=${s.tcp_ecn}${env.route.ecn ? ', route ecn' : ''}: SYN carries ECE+CWR`);
  const tpl: SynAckTpl = {
    flags: SYN | (ecn ? ECE | CWR : 0),
    window: win.field,
    mss,
    ws: wsOn ? win.wscale : -1,
    ts,
    sack: s.tcp_sack !== 0,
    md5,
    ttl: opts.ttl ?? (env.ip === 4 ? s.ip_default_ttl : 64),
    tos: ((env.ip === 4 ? opts.tos : opts.tclass) ?? 0) & 0xfc,
  };
  const sock: Sock = {
    key,
    state: 'SYN_SENT',
    peer,
    pport: dport,
    lport,
    active: true,
    accepted: true,
    isn,
    sndNxtOff: 1,
    rcvNxt: 0,
    rcvIsn: 0,
    tsOk: ts,
    tsOff,
    tsRecent: 0,
    sackOk: tpl.sack,
    wsOk: wsOn,
    rcvWscale: wsOn ? win.wscale : 0,
    rcvWnd: win.rcvWnd,
    fullSpace: win.fullSpace,
    ecnOk: ecn,
    ttl: tpl.ttl,
    tos: tpl.tos,
    flow: flowFor(st, key),
    ipId: env.ip === 4 ? ipIdSym(st, key) : 0,
    sent: 0,
    lastOowMs: -Infinity,
    opts,
    md5,
    ...timer1s(st.now),
    retransmits: 0,
    totalRto: 0,
    rtoMs: TCP_TIMEOUT_INIT_MS,
    firstSynMs: st.now,
    tpl,
    synEcn: ecn,
    numTimeout: 0,
    synTsSym: ts ? freshSym(st, 'synts@' + key) : undefined,
    ...(tfo.option || tfo.data ? { tfoClient: { option: !!tfo.option, exp: !!tfo.option?.exp, data: tfo.data }, sndNxtOff: 1 + tfo.data } : {}),
    ...(fo?.blocking && fo.len > tfo.data ? { writePending: fo.len - tfo.data } : {}),
  };
  const r = st.why(
    'connect.syn',
    () =>
      `SYN seq ${numText(isn)} window ${tpl.window}, MSS ${mss}${ts ? ', TS' : ''}${tpl.sack ? ', SACK_PERM' : ''}${wsOn ? `, WS ${win.wscale}` : ''}${tfo.option ? (tfo.option.hex ? `, TFO cookie ${tfo.option.hex}` : ', TFO cookie request') : ''}${tfo.data ? `, ${tfo.data} byte(s) of data` : ''}`,
  );
  const sent = emitSyn(st, sock, tpl.flags, r, st.now, undefined, sock.synTsSym, tfo);
  st.setSock(key, sent);
  st.count('TcpActiveOpens');
  st.arm('syn-rtx', sock.timerAt, key);
}

function timer1s(now: number): { timerAt: number; timerSlack: TimerSlack } {
  const a = armFromEvent(now, 1000);
  return { timerAt: a.atMs, timerSlack: a.slack };
}

/**
 * Emits the socket's SYN (or, in simultaneous open, its SYN-ACK) with the next IP ID. `slack`: the
 * packet is sent by a timer that may fire that much later than `at` (timer wheel, C5).
 */
export function emitSyn(st: Step, sock: Sock, flags: number, r: Reason, at: number, slack?: TimerSlack, tsBindAs?: string, first?: SynFastOpen): Sock {
  const env = st.env;
  // Only the first SYN carries Fast Open's option and data (tcp_send_syn_data; retries exclude them).
  const tpl = first?.option ? { ...sock.tpl!, tfo: first.option } : sock.tpl!;
  const ex: Expectation = {};
  if (typeof sock.lport !== 'number') {
    const [lo, hi] = env.sysctls.ip_local_port_range;
    ex['tcp.sport'] = st.bindings[sock.lport.sym] ?? { even: true, range: [lo, hi] };
  }
  const ip = ipJson(env, tpl.ttl, tpl.tos, env.ip === 4 ? numAdd(sock.ipId, sock.sent) : 0, sock.flow, ex);
  let tsval: JsonNum = 0;
  const f = firedAt(at, slack, env.tsTolMs);
  if (tpl.ts) tsval = jstar('opt.ts.val', tsvalExpect(sock.tsOff, f.approxMs, f.tolMs, undefined, tsBindAs), ex);
  const synack = (flags & ACK) !== 0;
  const opts = synackOptionsJson(tpl, tsval, synack ? sock.tsRecent : 0, ex);
  const sport = typeof sock.lport === 'number' ? sock.lport : (st.bindings[sock.lport.sym] ?? ('*' as unknown as number));
  if (typeof sock.lport !== 'number' && st.bindings[sock.lport.sym] !== undefined) delete ex['tcp.sport'];
  st.send(packet(ip, sport, sock.pport, jnum(sock.isn, 'tcp.seq', ex), synack ? sock.rcvNxt : 0, flags, tpl.window, opts, first?.data), ex, r, at);
  return { ...sock, sent: sock.sent + 1 };
}
