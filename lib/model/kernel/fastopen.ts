// TCP Fast Open, server side (spec §4.10): tcp_try_fastopen, tcp_fastopen_cookie_gen(_check),
// tcp_fastopen_queue_check, tcp_fastopen_no_cookie.
import { ipv4ToBytes, ipv6ToBytes } from '../../wire/addr';
import { fromHex, toHex } from '../../wire/bytes';
import { le64Bytes, siphash24 } from '../core/siphash';
import type { KernelOpts } from './parse-options';
import type { Listener, Step } from '../core/state';
import type { Seg } from '../core/seg';

export interface TfoCookieOpt {
  hex?: string;
  sym?: string;
  exp: boolean;
}

export interface TfoResult {
  child: boolean;
  opt?: TfoCookieOpt;
}

/**
 * The cookie under a known key (tcp_fastopen_cookie_gen → __tcp_fastopen_cookie_gen_cipher): SipHash-2-4
 * of the SYN's source then destination address (4 + 4 or 16 + 16 bytes) under the 16-byte key, the
 * 64-bit result little-endian.
 */
export function tfoCookieUnder(key: Uint8Array, src: string, dst: string): string {
  const v6 = src.includes(':');
  const a = v6 ? ipv6ToBytes(src) : ipv4ToBytes(src);
  const b = v6 ? ipv6ToBytes(dst) : ipv4ToBytes(dst);
  const msg = new Uint8Array(a.length + b.length);
  msg.set(a, 0);
  msg.set(b, a.length);
  return toHex(le64Bytes(siphash24(key, msg)));
}

/** The listener's own keys (TCP_FASTOPEN_KEY; tcp_fastopen_reset_cipher on the socket): primary, backup. */
function listenerKeys(l: Listener): { primary: Uint8Array; backup?: Uint8Array } | undefined {
  const k = l.opts.fastopenKey;
  if (!k) return undefined;
  return { primary: fromHex(k.slice(0, 32)), ...(k.length === 64 ? { backup: fromHex(k.slice(32)) } : {}) };
}

/**
 * The namespace's keys from the net.ipv4.tcp_fastopen_key text, "w0-w1-w2-w3[,w0-w1-w2-w3]" (primary,
 * backup): each 32-bit word stored little-endian (so "00010203-…" is the bytes 03 02 01 00 …; verified
 * on 6.18 by the cookie it produces). All zeros — what a namespace whose key was never set reads —
 * is no key: the kernel draws a random one on first use.
 */
export function netnsKeys(text: string | undefined): { primary: Uint8Array; backup?: Uint8Array } | undefined {
  if (!text) return undefined;
  const keys: Uint8Array[] = [];
  for (const part of text.trim().split(',')) {
    const words = part.trim().split('-');
    if (words.length !== 4 || !words.every((w) => /^[0-9a-fA-F]{1,8}$/.test(w))) return undefined;
    const k = new Uint8Array(16);
    words.forEach((w, i) => {
      const v = parseInt(w, 16) >>> 0;
      for (let b = 0; b < 4; b++) k[i * 4 + b] = (v >>> (8 * b)) & 0xff;
    });
    keys.push(k);
  }
  if (!keys.length || keys[0].every((x) => x === 0)) return undefined;
  return { primary: keys[0], ...(keys[1] && keys[1].some((x) => x !== 0) ? { backup: keys[1] } : {}) };
}

/** The keys cookies are made with (tcp_fastopen_get_ctx): the listener's own, else the namespace's. */
function keysFor(st: Step, l: Listener): { primary: Uint8Array; backup?: Uint8Array } | undefined {
  return listenerKeys(l) ?? netnsKeys(st.env.sysctls.tcp_fastopen_key);
}

/**
 * The 8-byte cookie for (peer, dut): computed when the key is known (the listener's TCP_FASTOPEN_KEY,
 * or a net.ipv4.tcp_fastopen_key that was set) or env.fixed.tfoKeyCookie is given; else a symbol per
 * address pair (the namespace's random key).
 */
export function tfoCookieFor(st: Step, src: string, dst: string, l?: Listener): { hex?: string; sym?: string } {
  const keys = l && keysFor(st, l);
  if (keys) return { hex: tfoCookieUnder(keys.primary, src, dst) };
  const f = st.env.fixed?.tfoKeyCookie;
  if (f) return { hex: toHex(f(src, dst)) };
  return { sym: 'tfocookie@' + src + '>' + dst };
}

/** Bound value of a cookie symbol (bound as two 32-bit halves, name:hi and name:lo). */
export function tfoCookieBound(st: Step, sym: string): string | undefined {
  const hi = st.bindings[sym + ':hi'];
  const lo = st.bindings[sym + ':lo'];
  if (hi === undefined || lo === undefined) return undefined;
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The cookie under the listener's backup key, when it has one. */
function backupCookie(st: Step, l: Listener, seg: Seg): string | undefined {
  const b = keysFor(st, l)?.backup;
  return b ? tfoCookieUnder(b, seg.src, seg.dst) : undefined;
}

export function tfoMaxQlen(st: Step, l: Listener): number {
  if (l.opts.fastopen && l.opts.fastopen > 0) return l.opts.fastopen;
  if (st.env.sysctls.tcp_fastopen & 0x400) return l.maxBacklog;
  return 0;
}

export function tryFastOpen(st: Step, l: Listener, seg: Seg, ko: KernelOpts): TfoResult {
  const tfo = st.env.sysctls.tcp_fastopen;
  const synData = seg.len > 0;
  if (ko.tfoLen === 0) st.count('TcpExtTCPFastOpenCookieReqd');
  const maxQ = tfoMaxQlen(st, l);
  if (!(tfo & 2) || !(synData || ko.tfoLen >= 0) || maxQ === 0 || l.tfoQlen >= maxQ) {
    if (ko.tfoLen >= 0 || synData) {
      if (maxQ && l.tfoQlen >= maxQ) st.count('TcpExtTCPFastOpenListenOverflow');
      st.why('fastopen.off', () =>
        !(tfo & 2)
          ? `tcp_fastopen=0x${tfo.toString(16)} lacks the server bit 0x2`
          : maxQ === 0
            ? 'listener has no TFO queue (no TCP_FASTOPEN sockopt, no 0x400)'
            : `TFO queue full (${l.tfoQlen} ≥ ${maxQ})`,
      );
    }
    return { child: false };
  }
  if (tfo & 0x200) {
    st.why('fastopen.no-cookie-required', () => `tcp_fastopen 0x200: child without cookie check, ${seg.len} B data accepted`);
    st.count('TcpExtTCPFastOpenPassive');
    return { child: true };
  }
  const good = tfoCookieFor(st, seg.src, seg.dst, l);
  if (ko.tfoLen === 0) {
    st.why('fastopen.cookie-request', () => `cookie request${ko.tfoExp ? ' (experimental 254/F989 form)' : ''}: cookie ${good.hex ?? good.sym} in the SYN-ACK`);
    return { child: false, opt: { ...good, exp: ko.tfoExp } };
  }
  if (ko.tfoLen > 0) {
    const have = ko.tfoCookie ? toHex(ko.tfoCookie) : '';
    const want = good.hex ?? tfoCookieBound(st, good.sym!);
    if (want === undefined) {
      st.why('fastopen.cookie-unknown', () => `cookie ${have}: ${good.sym} unbound → treated as invalid`);
    } else if (want === have) {
      st.why('fastopen.cookie-valid', () => `cookie ${have} valid: child now, ${seg.len} B data acked, no cookie echoed`);
      st.count('TcpExtTCPFastOpenPassive');
      return { child: true };
    } else if (backupCookie(st, l, seg) === have) {
      // tcp_fastopen_cookie_gen_check: a match under the backup key is valid, and the client is given
      // the cookie under the primary key (spec §4.10, "Other TFO rules").
      st.why(
        'fastopen.cookie-valid-backup',
        () => `cookie ${have} valid under the backup key: child now, ${seg.len} B data acked, fresh cookie ${want} (primary key) echoed`,
      );
      st.count('TcpExtTCPFastOpenPassive');
      return { child: true, opt: { ...good, exp: ko.tfoExp } };
    } else {
      st.why('fastopen.cookie-invalid', () => `cookie ${have} ≠ ${want}: data not acked, correct cookie sent`);
    }
    st.count('TcpExtTCPFastOpenPassiveFail');
    return { child: false, opt: { ...good, exp: ko.tfoExp } };
  }
  st.why('fastopen.data-no-option', () => `${seg.len} B data without a TFO option: dropped, normal SYN-ACK`);
  return { child: false };
}
