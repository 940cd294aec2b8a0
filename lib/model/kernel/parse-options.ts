// tcp_parse_options as the kernel reads a SYN's (or third ACK's) option area (spec §4.2).
// The codec's parser is byte-exact; this file applies the kernel's interpretation: stop at EOL,
// lone kind bytes, silly or overlong lengths; skip wrong-length known kinds and unknown kinds; honour
// the sysctls; last duplicate wins; MSS/WS/SACK_PERM only on SYN; TFO length rules.
import { emitOptions } from '../../wire/tcp-options';
import { TCP_MAX_WSCALE, type TcpOption } from '../../wire/types';
import type { Seg } from '../core/seg';
import type { Sysctls } from '../core/sysctls';

export interface KernelOpts {
  /** Peer MSS after the user_mss clamp; 0 = no (usable) MSS option. */
  mss: number;
  wsOk: boolean;
  /** min(peer shift, 14). */
  ws: number;
  sackOk: boolean;
  ts: boolean;
  tsVal: number;
  tsEcr: number;
  /** Fast Open: -1 none/invalid, 0 cookie request, 4..16 cookie length. */
  tfoLen: number;
  tfoCookie?: Uint8Array;
  tfoExp: boolean;
  /**
   * Well-formed MD5 options tcp_parse_options stepped over (informational: the MD5/AO gate uses the
   * auth pre-parse in auth-options.ts, which walks the bytes with its own bounds).
   */
  md5: number;
  /** TCP-AO (kind 29) options stepped over (informational, as `md5`). */
  ao: boolean;
  /** An AccECN option (kind 172 or 174, any length) was reached (6.18 records its offset). */
  accecnOpt?: boolean;
  /** Unusual decisions, for reasons: [rule, text]. null when nothing unusual happened. */
  notes: Array<
    [
      (
        | 'parse_options.stop'
        | 'parse_options.skipped'
        | 'parse_options.disabled'
        | 'parse_options.mss-zero'
        | 'parse_options.wscale-clamped'
        | 'parse_options.tfo-invalid'
      ),
      string,
    ]
  > | null;
}

function note(o: KernelOpts, rule: NonNullable<KernelOpts['notes']>[number][0], text: string): void {
  (o.notes ??= []).push([rule, text]);
}

function fresh(): KernelOpts {
  return { mss: 0, wsOk: false, ws: 0, sackOk: false, ts: false, tsVal: 0, tsEcr: 0, tfoLen: -1, tfoExp: false, md5: 0, ao: false, notes: null };
}

export interface ParseCtx {
  syn: boolean;
  /** estab=1 parsing (an established socket): TS follows the socket's tstamp_ok, not the sysctl. */
  estabTsOk?: boolean;
  /** Parse TFO cookies (tcp_conn_request passes no foc in cookie mode). */
  tfo: boolean;
  /** TCP_MAXSEG of the listener (user_mss), 0 = unset. */
  userMss: number;
}

function tsAllowed(s: Sysctls, c: ParseCtx): boolean {
  return c.estabTsOk !== undefined ? c.estabTsOk : s.tcp_timestamps !== 0;
}

function onMss(o: KernelOpts, s: Sysctls, c: ParseCtx, v: number): void {
  if (!c.syn || c.estabTsOk !== undefined) return note(o, 'parse_options.disabled', 'MSS ignored (not a SYN)');
  if (v === 0) return note(o, 'parse_options.mss-zero', 'MSS 0 ignored');
  o.mss = c.userMss && c.userMss < v ? c.userMss : v;
}
function onWs(o: KernelOpts, s: Sysctls, c: ParseCtx, v: number): void {
  if (!c.syn || c.estabTsOk !== undefined) return note(o, 'parse_options.disabled', 'WS ignored (not a SYN)');
  if (!s.tcp_window_scaling) return note(o, 'parse_options.disabled', 'WS ignored (tcp_window_scaling=0)');
  o.wsOk = true;
  if (v > TCP_MAX_WSCALE) {
    note(o, 'parse_options.wscale-clamped', `WS ${v} > ${TCP_MAX_WSCALE} → ${TCP_MAX_WSCALE}`);
    v = TCP_MAX_WSCALE;
  }
  o.ws = v;
}
function onSackPerm(o: KernelOpts, s: Sysctls, c: ParseCtx): void {
  if (!c.syn || c.estabTsOk !== undefined) return note(o, 'parse_options.disabled', 'SACK_PERM ignored (not a SYN)');
  if (!s.tcp_sack) return note(o, 'parse_options.disabled', 'SACK_PERM ignored (tcp_sack=0)');
  o.sackOk = true;
}
function onTs(o: KernelOpts, s: Sysctls, c: ParseCtx, val: number, ecr: number): void {
  if (!tsAllowed(s, c)) return note(o, 'parse_options.disabled', 'TS ignored (timestamps off)');
  o.ts = true;
  o.tsVal = val;
  o.tsEcr = ecr;
}
/** tcp_parse_fastopen_option: len = cookie bytes. */
function onTfo(o: KernelOpts, c: ParseCtx, len: number, cookie: Uint8Array | undefined, exp: boolean): void {
  if (!c.tfo || !c.syn) return;
  if (len < 0 || len & 1) return note(o, 'parse_options.tfo-invalid', `TFO cookie length ${len} odd/negative: option ignored`);
  if (len >= 4 && len <= 16) {
    o.tfoLen = len;
    o.tfoCookie = cookie;
  } else if (len !== 0) {
    note(o, 'parse_options.tfo-invalid', `TFO cookie length ${len} outside 4..16: no cookie`);
    o.tfoLen = -1;
    o.tfoCookie = undefined;
  } else {
    o.tfoLen = 0;
    o.tfoCookie = undefined;
  }
  o.tfoExp = exp;
}

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function u32(b: Uint8Array, i: number): number {
  return ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
}

/** The options walkBytes does not take inline (and well-known kinds of the wrong length: skipped). */
function onTlv(o: KernelOpts, c: ParseCtx, kind: number, b: Uint8Array, at: number, len: number): void {
  const d = at + 2;
  switch (kind) {
    case 5:
      return; // SACK blocks: not used by the handshake paths
    case 19:
      if (len === 18) o.md5++;
      return; // checked by the auth pre-parse (tcp_inbound_hash), skipped here
    case 29:
      o.ao = true;
      return;
    case 172:
    case 174:
      o.accecnOpt = true;
      return;
    case 34:
      return onTfo(o, c, len - 2, b.subarray(d, at + len), false);
    case 254:
      if (len >= 4 && u16(b, d) === 0xf989) return onTfo(o, c, len - 4, b.subarray(d + 2, at + len), true);
      return;
  }
  note(o, 'parse_options.skipped', `kind ${kind} len ${len} skipped`);
}

/** Walks raw option bytes the kernel's way. */
export function parseOptionBytes(bytes: Uint8Array, s: Sysctls, c: ParseCtx): KernelOpts {
  const o = fresh();
  walkBytes(o, bytes, 0, bytes.length, s, c);
  return o;
}

/** tcp_parse_options over b[start, n); offsets in notes are relative to `start`. */
function walkBytes(o: KernelOpts, b: Uint8Array, start: number, n: number, s: Sysctls, c: ParseCtx): void {
  let i = start;
  while (i < n) {
    const kind = b[i];
    if (kind === 0) {
      // Zero padding after EOL is normal; anything else there is worth a note.
      for (let k = i + 1; k < n; k++) {
        if (b[k] !== 0) return note(o, 'parse_options.stop', `EOL at offset ${i - start}: ${n - i - 1} later byte(s) ignored`);
      }
      return;
    }
    if (kind === 1) {
      i++;
      continue;
    }
    if (n - i < 2) return note(o, 'parse_options.stop', `kind ${kind} with only 1 byte left: stop`);
    const len = b[i + 1];
    if (len < 2) return note(o, 'parse_options.stop', `kind ${kind} silly length ${len}: stop parsing`);
    if (len > n - i) return note(o, 'parse_options.stop', `kind ${kind} length ${len} > ${n - i} bytes left: stop`);
    // The four options of nearly every SYN, well-formed, inline; everything else through onTlv.
    if (kind === 2 && len === 4) onMss(o, s, c, u16(b, i + 2));
    else if (kind === 8 && len === 10) onTs(o, s, c, u32(b, i + 2), u32(b, i + 6));
    else if (kind === 4 && len === 2) onSackPerm(o, s, c);
    else if (kind === 3 && len === 3) onWs(o, s, c, b[i + 2]);
    else onTlv(o, c, kind, b, i, len);
    i += len;
  }
}

/**
 * tcp_parse_options over a segment's option area as received (seg.areaBytes). Bytes, not the codec's
 * option list: the kernel walks bytes, and so does one monomorphic loop.
 */
export function parseSegOptions(seg: Seg, s: Sysctls, c: ParseCtx): KernelOpts {
  const o = fresh();
  walkBytes(o, seg.areaBytes, seg.areaStart, seg.areaEnd, s, c);
  return o;
}

/** A codec option list walked as the bytes it encodes (the codec round-trips byte-exact). */
export function parseKernelOptions(list: readonly TcpOption[], s: Sysctls, c: ParseCtx): KernelOpts {
  return parseOptionBytes(emitOptions(list), s, c);
}

export function optsSummary(o: KernelOpts): string {
  const p: string[] = [];
  if (o.mss) p.push(`mss ${o.mss}`);
  if (o.sackOk) p.push('sackOK');
  if (o.ts) p.push(`ts ${o.tsVal}/${o.tsEcr}`);
  if (o.wsOk) p.push(`ws ${o.ws}`);
  if (o.tfoLen === 0) p.push(`tfo request${o.tfoExp ? ' (exp)' : ''}`);
  else if (o.tfoLen > 0) p.push(`tfo cookie ${o.tfoLen} B${o.tfoExp ? ' (exp)' : ''}`);
  if (o.md5) p.push('md5');
  return p.length ? p.join(', ') : 'none usable';
}
