// tcp_v4_err / tcp_v6_err (net/ipv4/tcp_ipv4.c, net/ipv6/tcp_ipv6.c) and their neighbours: what an
// ICMP error about one of the DUT's segments does (spec §3.6). The quoted IP+TCP header names the
// connection (established-table lookup only: a listener is never found) and the quoted seq must be
// in flight; then, by socket:
//   - a request socket (tcp_req_err): seq must be the SYN-ACK's ISN exactly (else OutOfWindowIcmps);
//     net/host unreachable, time exceeded, parameter problem drop it silently (ListenDrops);
//   - frag_needed / packet_too_big (tcp_v4_mtu_reduced / tcp_v6_mtu_reduced): the path MTU falls, the
//     MSS advertised from then on with it; a SYN_SENT socket that sent SYN data retransmits its SYN at
//     once without the data (tcp_simple_retransmit marks the whole SYN-data lost);
//   - any other error on SYN_SENT, or on a Fast Open child not yet accepted: the connection ends with
//     the error (tcp_done_with_error; the child stays in the accept queue, closed);
//   - a connected socket: a soft error only (nothing on the wire).
import type { Decoded } from '../../wire/types';
import { advmssFor } from '../core/route';
import { between } from '../core/seq-math';
import type { Sock, Step } from '../core/state';
import { listenerWithQlen, tupleKey } from '../core/state';
import { numText, numValue } from '../core/symbols';
import { emitSyn } from './connect';
import { isTimeWaitSock } from './timewait';
import {
  carriesMtu,
  ICMP_DEST_UNREACH,
  ICMP_HOST_UNREACH,
  ICMP_NET_UNREACH,
  ICMP_PARAMETERPROB,
  ICMP_REDIRECT,
  ICMP_SOURCE_QUENCH,
  ICMP_TIME_EXCEEDED,
  icmpCodeName,
  icmpTypeName,
  ICMPV6_DEST_UNREACH,
  ICMPV6_PARAMPROB,
  ICMPV6_TIME_EXCEED,
  isIcmpError,
} from '../../wire/icmp-names';
import { icmpMtu } from '../../wire/icmp';

/** ip_rt_min_pmtu (net.ipv4.route.min_pmtu default): a smaller v4 MTU is raised to it. */
const IPV4_MIN_PMTU = 552;
/** IPV6_MIN_MTU: a v6 packet_too_big below it is ignored. */
const IPV6_MIN_MTU = 1280;
/** NR_ICMP_UNREACH: v4 unreachable codes above it are ignored. */
const NR_ICMP_UNREACH = 15;

/** The errno the kernel gives the socket (icmp_err_convert / icmpv6_err_convert), for the reasons. */
function errnoOf(v: 4 | 6, type: number, code: number): string {
  if (v === 4) {
    if (type === ICMP_PARAMETERPROB) return 'EPROTO';
    if (type === ICMP_TIME_EXCEEDED) return 'EHOSTUNREACH';
    return (
      [
        'ENETUNREACH',
        'EHOSTUNREACH',
        'ENOPROTOOPT',
        'ECONNREFUSED',
        'EMSGSIZE',
        'EOPNOTSUPP',
        'ENETUNREACH',
        'EHOSTDOWN',
        'ENONET',
        'ENETUNREACH',
        'EHOSTUNREACH',
        'ENETUNREACH',
        'EHOSTUNREACH',
        'EHOSTUNREACH',
        'EHOSTUNREACH',
        'EHOSTUNREACH',
      ][code] ?? 'EHOSTUNREACH'
    );
  }
  if (type === ICMPV6_DEST_UNREACH)
    return ['ENETUNREACH', 'EACCES', 'EHOSTUNREACH', 'EHOSTUNREACH', 'ECONNREFUSED', 'EACCES', 'ECONNREFUSED'][code] ?? 'EPROTO';
  if (type === ICMPV6_PARAMPROB) return 'EPROTO';
  if (type === ICMPV6_TIME_EXCEED) return 'EHOSTUNREACH';
  return 'EPROTO';
}

/** tcp_v4_err's / icmpv6_err_convert's "fatal" for a request socket (tcp_req_err's abort). */
function abortsRequest(v: 4 | 6, type: number, code: number): boolean {
  if (v === 4)
    return (
      type === ICMP_PARAMETERPROB || type === ICMP_TIME_EXCEEDED || (type === ICMP_DEST_UNREACH && (code === ICMP_NET_UNREACH || code === ICMP_HOST_UNREACH))
    );
  // icmpv6_err_convert's fatal: admin prohibited, port unreachable, policy fail, reject route — not
  // no route (code 0), whose request survives (correction C30)
  if (type === ICMPV6_DEST_UNREACH) return [1, 4, 5, 6].includes(code);
  return type === ICMPV6_PARAMPROB;
}

/** One ICMP message for the DUT (after the IP pre-checks). */
export function tcpErr(st: Step, d: Decoded): void {
  const m = d.icmp!;
  const v = m.version;
  const what = `${icmpTypeName(v, m.type)}${icmpCodeName(v, m.type, m.code) ? ` ${icmpCodeName(v, m.type, m.code)}` : ''}`;
  if (d.icmpChecksumOk === false) {
    st.count(v === 4 ? 'IcmpInCsumErrors' : 'Icmp6InCsumErrors');
    st.count(v === 4 ? 'IcmpInErrors' : 'Icmp6InErrors');
    st.why('icmp.bad-csum', () => `ICMP ${what}: checksum bad: dropped`);
    return;
  }
  const q = d.icmpQuote;
  if (!isIcmpError(v, m.type) || !q?.tcp) {
    st.why('icmp.not-tcp', () => `ICMP ${what}: ${isIcmpError(v, m.type) ? 'quotes no TCP header' : 'not an error message'}: not for TCP`);
    return;
  }
  if (v === 4 && m.type === ICMP_DEST_UNREACH && m.code > NR_ICMP_UNREACH) {
    st.why('icmp.ignored', () => `ICMP unreachable code ${m.code} > NR_ICMP_UNREACH: ignored`);
    return;
  }
  const key = tupleKey(q.ip.dst, q.tcp.dport, q.tcp.sport);
  const seq = q.tcp.seq;
  const req = st.reqs.get(key);
  const sock = req ? undefined : st.socks.get(key);
  if (!req && !sock) {
    st.count(v === 4 ? 'IcmpInErrors' : 'Icmp6InErrors');
    st.why('icmp.no-socket', () => `ICMP ${what} about ${key}: no connection (listeners are not looked up): ignored`);
    return;
  }
  if (req) {
    const isn = numValue(req.isn, st.bindings);
    if (isn !== undefined && seq !== isn) {
      st.count('TcpExtOutOfWindowIcmps');
      st.why('icmp.req-seq', () => `ICMP ${what} about request ${key}: quoted seq ${seq} is not the SYN-ACK's ISN ${isn}: OutOfWindowIcmps`);
      return;
    }
    if (!abortsRequest(v, m.type, m.code)) {
      st.why('icmp.req-keep', () => `ICMP ${what} about request ${key}: not net/host unreachable, time exceeded or parameter problem: the request stays`);
      return;
    }
    st.setReq(key, undefined);
    const l = st.listeners.get(req.lport);
    if (l) st.setListener(l.port, listenerWithQlen(l, Math.max(0, l.qlen - 1)));
    st.count('TcpExtListenDrops');
    st.why('icmp.req-drop', () => `ICMP ${what} about request ${key} (seq ${numText(req.isn)}): request dropped silently (ListenDrops)`);
    return;
  }
  const s = sock!;
  if (isTimeWaitSock(s)) {
    st.why('icmp.timewait', () => `ICMP ${what} about ${key}: TIME_WAIT socket: ignored`);
    return;
  }
  // tcp_v4_err: between(seq, snd_una, snd_nxt); a Fast Open child's snd_una is its SYN-ACK's ISN
  const isn = numValue(s.isn, st.bindings);
  if (isn !== undefined) {
    const tfoChild = s.state === 'SYN_RECV' && !s.active;
    const una = (isn + (tfoChild ? 0 : (s.sndUnaOff ?? s.sndNxtOff))) >>> 0;
    const nxt = (isn + s.sndNxtOff) >>> 0;
    // snd_una of SYN_SENT is the ISN
    const lo = s.state === 'SYN_SENT' ? isn : una;
    if (!between(seq, lo, nxt)) {
      st.count('TcpExtOutOfWindowIcmps');
      st.why('icmp.seq-window', () => `ICMP ${what} about ${key}: quoted seq ${seq} outside [snd_una ${lo}, snd_nxt ${nxt}]: OutOfWindowIcmps`);
      return;
    }
  }
  if (carriesMtu(v, m.type, m.code)) {
    pmtuReduced(st, s, icmpMtu(m)!, what);
    return;
  }
  if (v === 4 && (m.type === ICMP_SOURCE_QUENCH || m.type === ICMP_REDIRECT)) {
    st.why('icmp.ignored', () => `ICMP ${what} about ${key}: ${m.type === ICMP_REDIRECT ? 'a redirect changes the route only' : 'source quench is ignored'}`);
    return;
  }
  const err = errnoOf(v, m.type, m.code);
  const acceptedChild = s.state === 'SYN_RECV' && !s.active && s.accepted;
  if ((s.state === 'SYN_SENT' || s.state === 'SYN_RECV') && !acceptedChild) {
    st.setSock(key, undefined);
    if (s.state === 'SYN_RECV' && !s.active && s.listenPort !== undefined) {
      const l = st.listeners.get(s.listenPort);
      if (l) st.setListener(l.port, { ...l, tfoQlen: Math.max(0, l.tfoQlen - 1) });
    }
    st.count('TcpAttemptFails');
    st.why(
      'icmp.abort',
      () =>
        `ICMP ${what} about ${key} in ${s.state}${s.active ? '' : ' (Fast Open child, not accepted)'}: the connection ends with ${err} (tcp_done_with_error)${s.active ? '' : '; the closed child stays in the accept queue'}`,
    );
    return;
  }
  st.why('icmp.soft', () => `ICMP ${what} about ${key} in ${s.state}: soft error ${err} only, nothing sent`);
}

/** tcp_v4_mtu_reduced / tcp_v6_mtu_reduced with the MTU of the message. */
function pmtuReduced(st: Step, s: Sock, mtuIn: number, what: string): void {
  const v = st.env.ip;
  if (v === 6 && mtuIn < IPV6_MIN_MTU) {
    st.why('icmp.pmtu-ignored', () => `ICMP ${what}: MTU ${mtuIn} < ${IPV6_MIN_MTU}: ignored`);
    return;
  }
  const mtu = v === 4 ? Math.max(mtuIn, IPV4_MIN_PMTU) : mtuIn;
  const cur = s.pmtu ?? st.env.route.mtu;
  if (mtu >= cur) {
    st.why('icmp.pmtu-ignored', () => `ICMP ${what}: MTU ${mtuIn} not below the path MTU ${cur}: nothing changes`);
    return;
  }
  const advmss = advmssFor(v, mtu);
  let next: Sock = { ...s, pmtu: mtu, ...(s.tpl ? { tpl: { ...s.tpl, mss: Math.min(s.tpl.mss, advmss) } } : {}) };
  st.why(
    'icmp.pmtu',
    () => `ICMP ${what}: path MTU ${cur} → ${mtu}${mtu !== mtuIn ? ` (raised to min_pmtu ${IPV4_MIN_PMTU})` : ''}: MSS ${advmss} from now on`,
  );
  if (s.state === 'SYN_SENT' && (s.tfoClient?.data ?? 0) > 0) {
    // tcp_simple_retransmit: SYN-data in SYN_SENT marks everything lost (mss -1); the SYN alone goes again now
    const at = st.now;
    const rr = st.why(
      'icmp.syn-data-retransmit',
      () => `SYN with ${s.tfoClient!.data} byte(s) of data too big for the path: the SYN is sent again at once, without data or cookie, MSS ${advmss}`,
    );
    next = emitSyn(st, next, next.tpl!.flags, rr, at);
    next = { ...next, timerAt: at + next.rtoMs };
    st.count('TcpRetransSegs');
    st.count('TcpExtTCPSynRetrans');
    st.arm('syn-rtx', next.timerAt, next.key);
  }
  st.setSock(s.key, next);
}
