// TCP Fast Open, client side (spec §8.7): tcp_sendmsg_fastopen, tcp_fastopen_defer_connect,
// tcp_fastopen_cookie_check, tcp_send_syn_data, tcp_rcv_fastopen_synack, tcp_fastopen_cache_get/_set.
import { advmssFor } from '../core/route';
import { toHex } from '../../wire/bytes';
import type { KernelOpts } from './parse-options';
import type { SockOpts } from '../core/sockopts';
import type { Sock, Step, TfoCacheEntry } from '../core/state';
import type { TfoCookieOpt } from './fastopen';

/** net.ipv4.tcp_fastopen bits the client reads (include/net/tcp.h). */
export const TFO_CLIENT_ENABLE = 0x1;
export const TFO_CLIENT_NO_COOKIE = 0x4;
/** MAX_TCP_OPTION_SPACE: SYN data leaves room for a full option block (tcp_send_syn_data). */
const MAX_TCP_OPTION_SPACE = 40;
/** TCP_MSS_DEFAULT: mss_clamp before a SYN-ACK's MSS option is read. */
const TCP_MSS_DEFAULT = 536;

/** How the application starts a Fast Open connect. */
export interface ActiveFastOpen {
  /** bytes the application hands over with it (sendto MSG_FASTOPEN, or the first write after a deferred connect) */
  len: number;
  /** a blocking call: it waits in the kernel for the handshake to complete (sk_write_pending), then sends the rest */
  blocking?: boolean;
}

/** What the first SYN carries, or that connect() sends nothing yet. */
export interface SynFastOpen {
  deferred: boolean;
  option?: TfoCookieOpt;
  data: number;
}

const NONE: SynFastOpen = { deferred: false, data: 0 };

/**
 * The Fast Open part of an active open. `fo` undefined: plain connect() — with TCP_FASTOPEN_CONNECT
 * and a cookie at hand (or the no-cookie mode) it returns 0 and defers the SYN to the first write
 * (tcp_fastopen_defer_connect); without a cookie the SYN goes now with a cookie request. `fo` given:
 * the SYN carries the cached cookie and up to min(MSS, cached MSS) − 40 bytes (tcp_send_syn_data), or,
 * with no cookie, a cookie request and no data (its fallback).
 */
export function synFastOpen(st: Step, opts: SockOpts, fo: ActiveFastOpen | undefined, mssClamp: number): SynFastOpen {
  const s = st.env.sysctls;
  const connectOpt = (opts.fastopenConnect ?? 0) !== 0;
  if (!fo && !connectOpt) return NONE;
  if (!(s.tcp_fastopen & TFO_CLIENT_ENABLE)) {
    st.why(
      'fastopen.client-off',
      () =>
        `tcp_fastopen=0x${s.tcp_fastopen.toString(16)} lacks the client bit 0x1: ${fo ? 'sendto(MSG_FASTOPEN) fails EOPNOTSUPP' : 'TCP_FASTOPEN_CONNECT was refused'}, plain SYN`,
    );
    return NONE;
  }
  const peer = st.env.peer;
  const c = st.tfoCache.get(peer);
  const noCookie = (s.tcp_fastopen & TFO_CLIENT_NO_COOKIE) !== 0 || (opts.fastopenNoCookie ?? 0) !== 0;
  const have = noCookie || c?.cookie !== undefined;
  if (!fo) {
    if (have) {
      st.why(
        'fastopen.client-defer',
        () =>
          `TCP_FASTOPEN_CONNECT with ${noCookie ? 'the no-cookie mode' : `cookie ${c!.cookie} cached for ${peer}`}: connect() returns 0, the SYN waits for the first write`,
      );
      return { deferred: true, data: 0 };
    }
  }
  if (!have) {
    const exp = c?.tryExp === 1;
    st.why(
      'fastopen.client-request',
      () =>
        `no cookie cached for ${peer}: SYN with a ${exp ? 'experimental-format ' : ''}cookie request${fo?.len ? `, the ${fo.len} byte(s) wait for the handshake` : ''}`,
    );
    return { deferred: false, option: { hex: '', exp }, data: 0 };
  }
  // tcp_send_syn_data: mss_clamp from the cache (else advmss), bounded by TCP_MAXSEG; the data room
  // is the path MSS under that clamp less a full option block.
  const mss = Math.min(c?.mss || mssClamp, mssClamp);
  const room = Math.max(0, mss - MAX_TCP_OPTION_SPACE);
  const data = Math.min(fo?.len ?? 0, room);
  if (noCookie) {
    st.why(
      'fastopen.client-no-cookie',
      () =>
        `no-cookie mode (${s.tcp_fastopen & TFO_CLIENT_NO_COOKIE ? 'tcp_fastopen 0x4' : 'TCP_FASTOPEN_NO_COOKIE'}): ${data} byte(s) in the SYN (room ${room} = MSS ${mss} − ${MAX_TCP_OPTION_SPACE}), no TFO option`,
    );
    return { deferred: false, data };
  }
  st.why(
    'fastopen.client-cookie',
    () => `cookie ${c!.cookie} cached for ${peer}: SYN carries it and ${data} byte(s) (room ${room} = MSS ${mss} − ${MAX_TCP_OPTION_SPACE})`,
  );
  return { deferred: false, option: { hex: c!.cookie, exp: c!.exp }, data };
}

/** What the client does with the SYN-ACK's Fast Open part: the cache updated; `resend` bytes of SYN data go again. */
export interface SynAckFastOpen {
  /** SYN data the SYN-ACK did not acknowledge (sent again at once, carrying the ACK). */
  resend: number;
  /** offset from the ISN of the first byte not acknowledged */
  unaOff: number;
  /** the peer's MSS as segments are cut (mss_cache: the SYN-ACK's MSS within the path's, less the timestamp option) */
  sndMss: number;
}

/**
 * tcp_rcv_fastopen_synack on an acceptable SYN-ACK of a Fast Open socket: the peer's MSS and cookie go
 * to the cache (a cookie only when our SYN carried the option; a request answered without one makes the
 * next request use the experimental format); SYN data not acknowledged is sent again at once.
 */
export function fastOpenSynAck(st: Step, sock: Sock, ackOff: number, ko: KernelOpts, synackMss: number | undefined): SynAckFastOpen {
  const t = sock.tfoClient!;
  const peer = sock.peer;
  const old: TfoCacheEntry = st.tfoCache.get(peer) ?? { mss: 0, exp: false, tryExp: 0 };
  // mss_clamp after the SYN-ACK; when TCP_MAXSEG clamped it, the SYN-ACK's own MSS is what is cached
  const mss = ko.mss ? (synackMss ?? ko.mss) : sock.opts.maxseg || TCP_MSS_DEFAULT;
  let cookie = old.cookie;
  let exp = old.exp;
  let tryExp = old.tryExp;
  const got = ko.tfoLen > 0 && ko.tfoCookie ? toHex(ko.tfoCookie) : undefined;
  if (!t.option) {
    if (got) st.why('fastopen.client-unsolicited', () => `SYN-ACK cookie ${got} ignored: our SYN carried no TFO option`);
  } else if (got) {
    cookie = got;
    exp = ko.tfoExp;
    st.why('fastopen.client-cache', () => `SYN-ACK cookie ${got}${ko.tfoExp ? ' (experimental option)' : ''} and MSS ${mss} cached for ${peer}`);
  } else if (sock.retransmits === 0 && t.data === 0 && !cookie && !old.exp) {
    const want = t.exp ? 2 : 1;
    if (want > tryExp) tryExp = want;
    st.why(
      'fastopen.client-no-cookie-reply',
      () => `cookie request answered without a cookie: MSS ${mss} cached${want === 1 ? '; the next request uses the experimental option' : ''}`,
    );
  }
  st.setTfoCache(peer, { mss, cookie, exp, tryExp });
  const acked = Math.max(0, ackOff - 1);
  const resend = t.data - Math.min(acked, t.data);
  if (t.data > 0) {
    if (resend > 0) {
      st.count('TcpExtTCPFastOpenActiveFail');
      st.why(
        'fastopen.client-data-resend',
        () => `SYN-ACK acknowledges ${acked} of the SYN's ${t.data} byte(s): the other ${resend} are sent again at once, with the ACK`,
      );
    } else {
      st.count('TcpExtTCPFastOpenActive');
      st.why('fastopen.client-data-acked', () => `SYN-ACK acknowledges the SYN's ${t.data} byte(s)`);
    }
  }
  // the path's MSS: the route's, or what an ICMP frag_needed / packet_too_big lowered it to (tcp_sync_mss)
  const pathMss = sock.pmtu !== undefined ? advmssFor(st.env.ip, sock.pmtu) : st.env.route.advmss;
  // (__tcp_mtu_to_mss: never below tcp_min_snd_mss, before the TS option's 12 bytes come off) [correction C42]
  const sndMss = Math.max(Math.min(ko.mss || TCP_MSS_DEFAULT, pathMss), st.env.sysctls.tcp_min_snd_mss) - (sock.tsOk && ko.ts ? 12 : 0);
  return { resend, unaOff: 1 + Math.min(acked, t.data), sndMss };
}
