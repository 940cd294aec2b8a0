// One-line descriptions of captured Ethernet frames for reports: "SA seq=… ack=… win=… mss=1460".
// A deliberately small, never-throwing decoder (Ethernet, 802.1Q, IPv4, IPv6 + extension headers,
// TCP, ICMP, ICMPv6, ARP). It is a reader for humans; the codec in lib/wire is the authority.
import { FLAG_LETTERS } from '../../lib/wire/types';

export interface SummaryOptions {
  /** Prefix "src:port > dst:port " (default false: the ladder already shows direction). */
  addrs?: boolean;
}

export function tcpFlagLetters(flags: number): string {
  let s = '';
  for (const [letter, bit] of FLAG_LETTERS) if (flags & bit) s += letter;
  return s;
}

/** Lower-case hex, no separators. */
export function toHex(u8: Uint8Array): string {
  let s = '';
  for (let i = 0; i < u8.length; i++) s += (u8[i] < 16 ? '0' : '') + u8[i].toString(16);
  return s;
}

const u16 = (b: Uint8Array, o: number): number => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

function ipv4Str(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text of the 16 bytes at b[o] (longest run of ≥2 zero groups compressed). */
function ipv6Str(b: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(u16(b, o + 2 * i));
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

function tcpOptions(b: Uint8Array, start: number, end: number): string[] {
  const out: string[] = [];
  let i = start;
  while (i < end) {
    const kind = b[i];
    if (kind === 0) { out.push('eol'); break; }
    if (kind === 1) { i++; continue; } // NOPs are padding; not worth a word each
    if (i + 1 >= end) { out.push(`opt${kind}?`); break; }
    const len = b[i + 1];
    if (len < 2 || i + len > end) { out.push(`opt${kind}/len${len}?`); break; }
    switch (kind) {
      case 2: out.push(len === 4 ? `mss=${u16(b, i + 2)}` : `mss/len${len}?`); break;
      case 3: out.push(len === 3 ? `ws=${b[i + 2]}` : `ws/len${len}?`); break;
      case 4: out.push('sackOK'); break;
      case 5: {
        const blocks: string[] = [];
        for (let j = i + 2; j + 8 <= i + len; j += 8) blocks.push(`${u32(b, j)}-${u32(b, j + 4)}`);
        out.push(`sack=${blocks.join(',')}`);
        break;
      }
      case 8: out.push(len === 10 ? `ts=${u32(b, i + 2)}/${u32(b, i + 6)}` : `ts/len${len}?`); break;
      case 19: out.push('md5'); break;
      case 29: out.push('ao'); break;
      case 34: out.push(len === 2 ? 'tfo=req' : `tfo=${toHex(b.subarray(i + 2, i + len))}`); break;
      case 254:
        if (len >= 4 && u16(b, i + 2) === 0xf989) {
          out.push(len === 4 ? 'tfo-exp=req' : `tfo-exp=${toHex(b.subarray(i + 4, i + len))}`);
        } else out.push(`opt254/len${len}`);
        break;
      default: out.push(`opt${kind}/len${len}`);
    }
    i += len;
  }
  return out;
}

function l4(b: Uint8Array, proto: number, o: number, end: number, src: string, dst: string, v6: boolean, opts: SummaryOptions): string {
  if (proto === 6) {
    if (o + 20 > end) return `TCP (truncated, ${end - o} bytes)`;
    const doff = (b[o + 12] >> 4) * 4;
    const flags = ((b[o + 12] & 0x0f) << 8) | b[o + 13];
    const letters = tcpFlagLetters(flags) || '.';
    const parts = [letters, `seq=${u32(b, o + 4)}`];
    if (flags & 0x010 || u32(b, o + 8) !== 0) parts.push(`ack=${u32(b, o + 8)}`);
    parts.push(`win=${u16(b, o + 14)}`);
    if (flags & 0xe00) parts.push(`rsv=${(flags >> 9) & 7}`);
    if (flags & 0x020 || u16(b, o + 18) !== 0) parts.push(`urp=${u16(b, o + 18)}`);
    if (doff < 20) parts.push(`doff=${doff}?`);
    else {
      const optEnd = Math.min(o + doff, end);
      parts.push(...tcpOptions(b, o + 20, optEnd));
      const payload = end - (o + doff);
      if (payload > 0) parts.push(`len=${payload}`);
    }
    const prefix = opts.addrs ? `${hostPort(src, u16(b, o), v6)} > ${hostPort(dst, u16(b, o + 2), v6)} ` : '';
    return prefix + parts.join(' ');
  }
  const addrPrefix = opts.addrs ? `${src} > ${dst} ` : '';
  if (proto === 1 || proto === 58) {
    if (o + 2 > end) return `${addrPrefix}ICMP${v6 ? 'v6' : ''} (truncated)`;
    return `${addrPrefix}ICMP${v6 ? 'v6' : ''} type=${b[o]} code=${b[o + 1]}`;
  }
  if (proto === 17) return `${addrPrefix}UDP ${o + 4 <= end ? `${u16(b, o)} > ${u16(b, o + 2)}` : '(truncated)'}`;
  return `${addrPrefix}IP proto=${proto}`;
}

function hostPort(ip: string, port: number, v6: boolean): string {
  return v6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A short description of an Ethernet frame. Never throws; odd frames are described as such. */
export function summarizePacket(frame: Uint8Array, opts: SummaryOptions = {}): string {
  try {
    const b = frame;
    if (b.length < 14) return `short frame (${b.length} bytes)`;
    let o = 12;
    let type = u16(b, o);
    while ((type === 0x8100 || type === 0x88a8) && o + 6 <= b.length) {
      o += 4;
      type = u16(b, o);
    }
    o += 2;
    if (type === 0x0800) {
      if (o + 20 > b.length) return 'IPv4 (truncated)';
      const ihl = (b[o] & 0x0f) * 4;
      const total = u16(b, o + 2);
      const end = Math.min(b.length, total >= ihl ? o + total : b.length);
      const frag = u16(b, o + 6) & 0x1fff;
      const src = ipv4Str(b, o + 12);
      const dst = ipv4Str(b, o + 16);
      if (frag !== 0) return `${opts.addrs ? `${src} > ${dst} ` : ''}IPv4 fragment offset=${frag * 8}`;
      return l4(b, b[o + 9], o + ihl, end, src, dst, false, opts);
    }
    if (type === 0x86dd) {
      if (o + 40 > b.length) return 'IPv6 (truncated)';
      const end = Math.min(b.length, o + 40 + u16(b, o + 4));
      const src = ipv6Str(b, o + 8);
      const dst = ipv6Str(b, o + 24);
      let nh = b[o + 6];
      let p = o + 40;
      for (let guard = 0; guard < 8; guard++) {
        if (nh === 0 || nh === 43 || nh === 60) {
          if (p + 2 > end) return 'IPv6 (truncated extension header)';
          const next = b[p];
          p += (b[p + 1] + 1) * 8;
          nh = next;
        } else if (nh === 44) {
          if (p + 8 > end) return 'IPv6 (truncated fragment header)';
          const offset = u16(b, p + 2) >> 3;
          const next = b[p];
          p += 8;
          if (offset !== 0) return `${opts.addrs ? `${src} > ${dst} ` : ''}IPv6 fragment offset=${offset * 8}`;
          nh = next;
        } else break;
      }
      return l4(b, nh, p, end, src, dst, true, opts);
    }
    if (type === 0x0806) return 'ARP';
    return `ethertype 0x${type.toString(16).padStart(4, '0')}`;
  } catch {
    return `undecodable frame (${frame.length} bytes)`;
  }
}
