// tcp_v4_rcv / tcp_v6_rcv (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c), ingress demultiplexing (spec
// §3.1–§3.4): the IP and TCP pre-checks, socket lookup, the auth-option gate (tcp_inbound_hash), then
// the socket's handler, dispatching on what the handlers of a request socket (tcp_check_req) and of a
// timewait socket (tcp_timewait_state_process) return, as the kernel does; the closed-port RST.
import type { Decoded, Ipv4Repr, Ipv6Repr } from '../../wire/types';
import { FIN, RST, SYN } from '../../wire/types';
import { authOf, inboundHash, resetAuthOk } from './auth-options';
import { checkReq } from './check-req';
import type { ReqVerdict } from './check-req';
import { connRequest, listenerHasKey } from './conn-request';
import { childProcess, estabRcv } from './established';
import { listenerRcv } from './listen';
import { KernelOpts, optsSummary, parseSegOptions, ParseCtx } from './parse-options';
import { sendReset } from './send-reset';
import { segOf } from '../core/seg';
import type { Seg } from '../core/seg';
import type { ModelEnv, Req, Sock, Step } from '../core/state';
import type { Num } from '../core/symbols';
import { numText } from '../core/symbols';
import { synsentRcv } from './synsent';
import { tcpErr } from './icmp-err';
import { isTimeWaitSock, timewaitAck, timewaitSynAck, twRcv } from './timewait';
import type { TwVerdict } from './timewait';

/** Directed/limited broadcast or multicast destination (§3.1 step 5). */
export function isBroadcastOrMulticast(env: ModelEnv, dst: string): boolean {
  if (dst === env.dut) return env.dutIsBroadcast;
  return broadcastCheck(env, dst);
}

export function broadcastCheck(env: Pick<ModelEnv, 'dut' | 'prefixLen'>, dst: string): boolean {
  if (dst.includes(':')) return dst.toLowerCase().startsWith('ff');
  const p = dst.split('.').map(Number);
  if (p.length !== 4) return false;
  if (p[0] >= 224 && p[0] <= 239) return true;
  if (dst === '255.255.255.255') return true;
  const d = env.dut.split('.').map(Number);
  if (d.length !== 4 || env.prefixLen >= 31) return false;
  const u = (a: number[]) => ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
  const mask = env.prefixLen === 0 ? 0 : (0xffffffff << (32 - env.prefixLen)) >>> 0;
  const host = ~mask >>> 0;
  return (u(p) & mask) >>> 0 === (u(d) & mask) >>> 0 && (u(p) & host) >>> 0 === host;
}

function parse(st: Step, seg: Seg, c: ParseCtx): KernelOpts {
  const ko = parseSegOptions(seg, st.env.sysctls, c);
  if (ko.notes) for (const [rule, text] of ko.notes) st.why(rule, text);
  return ko;
}

/** Socket maps (immutable once published) known to hold no connect()ed socket with a symbolic port. */
const NO_UNBOUND = new WeakSet<object>();

/** Finds a connect()ed socket whose ephemeral port is still a symbol; binds it on first sight. */
function findUnboundActive(st: Step, seg: Seg): Sock | undefined {
  const socks = st.socks;
  if (NO_UNBOUND.has(socks)) return undefined;
  let any = false;
  for (const s of socks.values()) {
    if (s.active && typeof s.lport !== 'number') {
      any = true;
      break;
    }
  }
  if (!any) {
    if (socks === st.base.socks) NO_UNBOUND.add(socks);
    return undefined;
  }
  for (const s of st.socks.values()) {
    if (!s.active || typeof s.lport === 'number' || s.peer !== seg.src || s.pport !== seg.sport) continue;
    const b = st.bindings[s.lport.sym];
    if (b !== undefined) {
      if (b === seg.dport) return s;
      continue;
    }
    const [lo, hi] = st.env.sysctls.ip_local_port_range;
    if (seg.dport % 2 === 0 && seg.dport >= lo && seg.dport <= hi) {
      st.bind(s.lport.sym, seg.dport);
      return s;
    }
  }
  return undefined;
}

/** Bytes of the packet from the IP header on (the decoder starts at the IP header or after Ethernet). */
function ipBytesPresent(d: Decoded): number {
  return d.bytes.length - (d.eth ? 14 : 0);
}

// Reason texts, formatted on first read by module-level functions (no closure per segment).
const v4TruncatedText = (ip: Ipv4Repr, present: number): string => `IPv4 total length ${ip.totalLength} > ${present} bytes received: dropped by IP`;
const v4ShortText = (ip: Ipv4Repr): string => `IPv4 total length ${ip.totalLength} < header length ${ip.ihl * 4}: dropped by IP`;
const v4NotTcpText = (ip: Ipv4Repr): string => `IP protocol ${ip.protocol}: not TCP`;
const v6TruncatedText = (ip: Ipv6Repr, d: Decoded): string =>
  `IPv6 payload length ${ip.payloadLength} > ${ipBytesPresent(d) - 40} bytes received: dropped by IPv6`;
const v6NotTcpText = (ip: Ipv6Repr): string => `IPv6 next header ${ip.nextHeader}: not TCP (extension headers not modelled)`;
const broadcastText = (dst: string): string => `destination ${dst} is broadcast/multicast: no SYN-ACK, no RST`;
const notLocalText = (dst: string, dut: string): string => `destination ${dst} is not the DUT ${dut}: dropped`;
const badDoffText = (doff: number): string => `data offset ${doff} ${doff < 5 ? '< 5' : 'runs past the segment'}: dropped, no RST`;
const sockLookupText = (key: string, sock: Sock): string => `${key}: ${sock.active ? 'connected' : 'child'} socket in ${sock.state}`;
const reqLookupText = (key: string): string => `${key}: request socket (SYN_RECV)`;
const closedRstText = (dport: number): string => `no socket on port ${dport}: RST`;

/** tcp_v4_rcv / tcp_v6_rcv for one incoming packet. */
export function tcpRcv(st: Step, d: Decoded, checksumOk?: boolean): void {
  const env = st.env;
  const ip = d.ip;
  if (!ip) {
    st.why('demux.no-ip', 'no IP header could be parsed: dropped');
    return;
  }
  if (d.icmp) {
    // icmp_rcv / icmpv6_rcv → the error handler of the quoted protocol (tcp_v4_err / tcp_v6_err)
    if (ip.version === 4 && d.ipChecksumOk === false) st.why('demux.ip-csum', 'IPv4 header checksum bad: dropped by IP [inferred]');
    else if (ip.dst !== env.dut) st.whyf('demux.not-local', notLocalText, ip.dst, env.dut);
    else tcpErr(st, d);
    return;
  }
  if (ip.version === 4) {
    if (d.ipChecksumOk === false) {
      st.why('demux.ip-csum', 'IPv4 header checksum bad: dropped by IP [inferred]');
      return;
    }
    // ip_rcv_core: a total length beyond the bytes received is a truncated packet (IpInTruncatedPkts),
    // one below the header length a header error; both are dropped before TCP sees anything
    // (correction C21). Trailing bytes beyond the total length are trimmed (the decoder ignores them).
    const present = ipBytesPresent(d);
    if (ip.totalLength > present) {
      st.count('IpInTruncatedPkts');
      st.whyf('demux.ip-truncated', v4TruncatedText, ip, present);
      return;
    }
    if (ip.totalLength < ip.ihl * 4) {
      st.count('IpInHdrErrors');
      st.whyf('demux.ip-truncated', v4ShortText, ip);
      return;
    }
    if (ip.fragOffset !== 0 || ip.flags & 1) {
      st.why('demux.fragment', 'IPv4 fragment: waits for reassembly that never completes [inferred]');
      return;
    }
    if (ip.protocol !== 6) {
      st.whyf('demux.not-tcp', v4NotTcpText, ip);
      return;
    }
  } else if (ip.payloadLength + 40 > ipBytesPresent(d)) {
    // ipv6_rcv: payload length beyond the bytes received → dropped (Ip6InTruncatedPkts), correction C21.
    st.count('Ip6InTruncatedPkts');
    st.whyf('demux.ip-truncated', v6TruncatedText, ip, d);
    return;
  } else if (ip.nextHeader !== 6) {
    st.whyf('demux.not-tcp', v6NotTcpText, ip);
    return;
  }
  if (isBroadcastOrMulticast(env, ip.dst)) {
    st.whyf('demux.broadcast', broadcastText, ip.dst);
    return;
  }
  if (ip.dst !== env.dut) {
    st.whyf('demux.not-local', notLocalText, ip.dst, env.dut);
    return;
  }
  const t = d.tcp;
  if (!t) {
    st.count('TcpInErrs');
    st.why('demux.no-tcp', 'TCP header truncated: dropped');
    return;
  }
  if (t.dataOffset < 5 || (t.dataOffset > 5 && t.options.length === 0)) {
    st.count('TcpInErrs');
    st.whyf('demux.bad-doff', badDoffText, t.dataOffset);
    return;
  }
  if (d.tcpChecksumOk === false || checksumOk === false) {
    st.count('TcpInCsumErrors');
    st.count('TcpInErrs');
    st.why('demux.bad-csum', 'TCP checksum bad: dropped, no RST');
    return;
  }
  const seg = segOf(d);
  const syn = (seg.flags & SYN) !== 0;
  // An empty socket table holds no connect()ed socket whose port is still a symbol either.
  const sock = st.socks.size === 0 ? undefined : (st.socks.get(seg.key) ?? findUnboundActive(st, seg));
  if (sock) {
    st.whyf('demux.lookup', sockLookupText, seg.key, sock);
    // TIME_WAIT is handled before tcp_inbound_hash: no auth gate there (correction C1).
    const tw = isTimeWaitSock(sock);
    if (!tw && !inboundHash(st, seg, sock.md5)) return;
    const ko = parse(st, seg, {
      syn,
      tfo: sock.state === 'SYN_SENT',
      userMss: sock.opts.maxseg ?? 0,
      estabTsOk: sock.state === 'SYN_SENT' || tw ? undefined : sock.tsOk,
    });
    if (tw) return doTimeWait(st, sock, seg, ko, twRcv(st, sock, seg, ko));
    if (sock.state === 'SYN_SENT') return synsentRcv(st, sock, seg, ko);
    return estabRcv(st, sock, seg, ko);
  }
  const req = st.reqs.size === 0 ? undefined : st.reqs.get(seg.key);
  if (req) {
    const l = st.listeners.get(req.lport);
    st.whyf('demux.lookup', reqLookupText, req.key);
    const hasKey = !!l && listenerHasKey(l, seg.src);
    if (!inboundHash(st, seg, hasKey, true)) return;
    const ko = parse(st, seg, { syn, tfo: false, userMss: 0 });
    return doReq(st, req, seg, ko, hasKey, checkReq(st, req, seg, ko, hasKey));
  }
  const l = st.listeners.get(seg.dport);
  if (l) {
    const hasKey = listenerHasKey(l, seg.src);
    if (!inboundHash(st, seg, hasKey)) return;
    const ko = parse(st, seg, { syn, tfo: true, userMss: l.opts.maxseg ?? 0 });
    st.whyf('parse_options.summary', optsSummary, ko);
    return listenerRcv(st, l, seg, ko, hasKey);
  }
  closedPort(st, seg);
}

/** What tcp_v4_rcv does with tcp_check_req's answer: the listener takes the segment, or the child does. */
function doReq(st: Step, req: Req, seg: Seg, ko: KernelOpts, md5: boolean, v: ReqVerdict): void {
  if (v.kind === 'consumed') return;
  if (v.kind === 'child') return childProcess(st, v.child, seg, ko);
  const l = st.listeners.get(req.lport);
  if (l) listenerRcv(st, l, seg, ko, md5);
}

const twSynAcceptText = (seg: Seg, tw: Sock, isn: Num): string => `SYN seq ${seg.seq} after rcv_nxt ${tw.rcvNxt}: TIME_WAIT descheduled, ISN ${numText(isn)}`;

const twIsnLostText = (kernel: string, isn: Num): string =>
  `kernel ${kernel}: the TIME_WAIT ISN ${numText(isn)} is lost on the way, the SYN is handled as a new one`;

/** tcp_v4_rcv's do_time_wait: acts on tcp_timewait_state_process's answer. */
function doTimeWait(st: Step, tw: Sock, seg: Seg, ko: KernelOpts, v: TwVerdict): void {
  if (v.kind === 'syn') {
    const l = st.listeners.get(seg.dport);
    if (l) {
      st.whyf('tw.syn-accept', twSynAcceptText, seg, tw, v.isn);
      st.setSock(tw.key, undefined);
      // The SYN now goes through the listener's path, auth gate included: the TIME_WAIT socket is
      // already gone when a malformed auth option gets the SYN dropped (correction C1).
      if (!inboundHash(st, seg, listenerHasKey(l, seg.src))) return;
      // tcp_rcv_state_process in LISTEN drops a SYN with FIN, also one TIME_WAIT let through — after
      // the TIME_WAIT socket was descheduled (correction C25).
      if (seg.flags & FIN) {
        st.why('listen.syn-fin-drop', 'SYN+FIN that TIME_WAIT accepted: the listener drops it (the TIME_WAIT socket is gone)');
        return;
      }
      // Before 6.10 the ISN tcp_timewait_state_process chose did not reach tcp_conn_request
      // (profile.twIsnReuse): the SYN is an ordinary one there — fresh ISN, queue limits and cookies.
      if (st.env.profile.twIsnReuse) return connRequest(st, l, seg, ko, v.isn);
      st.whyf('tw.isn-lost', twIsnLostText, st.env.profile.name, v.isn);
      return connRequest(st, l, seg, ko);
    }
    // No listener: tcp_v4_rcv falls through from TCP_TW_SYN to TCP_TW_ACK and sends the timewait ACK
    // straight away — no rate limit (tcp_timewait_check_oow_rate_limit is inside
    // tcp_timewait_state_process), and tw_last_oow_ack_time is left as it was (measured on 6.18.44:
    // the same SYN three times → three ACKs; correction C29).
    v = timewaitSynAck(tw);
  }
  if (v.kind === 'ack') timewaitAck(st, seg, v);
  else if (v.kind === 'rst') {
    // TCP_TW_RST: tcp_v4_send_reset, then inet_twsk_deschedule_put — the timewait socket is gone, a
    // later segment meets the listener or no socket (correction C29).
    // tcp_v4_send_reset sees no full socket: its auth checks are the closed port's (an MD5 option the
    // listener has no key for: no RST; correction C43); the timewait socket goes either way.
    const r = resetWithoutFullSock(st, seg, 'timewait socket');
    if (r.send) sendReset(st, seg, v.cause, r.md5 || tw.md5);
    st.setSock(tw.key, undefined);
  }
}

/** §3.4: no socket (tcp_v4_send_reset / tcp_v6_send_reset with sk == NULL). */
export function closedPort(st: Step, seg: Seg): void {
  if (seg.flags & RST) {
    st.why('closed.rst-input', 'no socket; segment has RST: no reply');
    return;
  }
  const ok = resetWithoutFullSock(st, seg, 'no socket');
  if (!ok.send) return;
  const r = st.whyf('closed.rst', closedRstText, seg.dport);
  sendReset(st, seg, r, ok.md5, true);
}

/**
 * The auth checks of tcp_v4_send_reset / tcp_v6_send_reset without a full socket (none, or a timewait
 * one): the auth pre-parse first (a failed walk, or IPv4 without CONFIG_TCP_AO an AO option: no RST),
 * then an MD5 option needs the listener's key for the peer (none: no RST). `md5`: the RST is signed.
 */
function resetWithoutFullSock(st: Step, seg: Seg, what: string): { send: boolean; md5: boolean } {
  if (!resetAuthOk(st, seg)) return { send: false, md5: false };
  if (!authOf(st.env.profile, seg).md5) return { send: true, md5: false };
  const other = st.listeners.get(seg.sport);
  if (!other || !listenerHasKey(other, seg.src)) {
    st.why('closed.md5-no-rst', () => `${what}; MD5 option without a matching key: no RST`);
    return { send: false, md5: false };
  }
  return { send: true, md5: true };
}
