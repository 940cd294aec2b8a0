// ICMPv4 / ICMPv6 header: a non-validating View, a parsed Repr that re-emits byte for byte, the
// quoted packet of an error message (its IP header and the first 8 bytes of TCP: ports and seq), and
// the checksums (ICMPv4 over the message; ICMPv6 over the pseudo-header too, RFC 4443 §2.3).
import { addrBytes4, addrBytes6 } from './addr-cache';
import { checksumPartial, internetChecksum } from './bytes';
import { carriesMtu, IPPROTO_ICMPV6 } from './icmp-names';
import { parseIpv4 } from './ipv4';
import { IPV6_HEADER, parseIpv6 } from './ipv6';
import { IPPROTO_TCP } from './tcp';
import type { DecodeNote, IcmpQuote, IcmpRepr } from './types';

export const ICMP_HEADER = 8;

/** Reads ICMP header fields at buf[off]. Never validates; bytes past the end read as 0. */
export class IcmpView {
  constructor(
    public buf: Uint8Array,
    public off = 0,
  ) {}
  reset(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  get type(): number {
    return this.buf[this.off] | 0;
  }
  get code(): number {
    return this.buf[this.off + 1] | 0;
  }
  get checksum(): number {
    return ((this.buf[this.off + 2] | 0) << 8) | (this.buf[this.off + 3] | 0);
  }
  /** Bytes 4..7 as one number: unused, the v4 next-hop MTU (low 16 bits), the v6 MTU, a pointer. */
  get rest(): number {
    const b = this.buf,
      o = this.off;
    return (((b[o + 4] | 0) << 24) | ((b[o + 5] | 0) << 16) | ((b[o + 6] | 0) << 8) | (b[o + 7] | 0)) >>> 0;
  }
}

/** The path MTU an error carries (v4 frag_needed: 16 bits; v6 packet_too_big: 32), else undefined. */
export function icmpMtu(r: IcmpRepr): number | undefined {
  if (!carriesMtu(r.version, r.type, r.code)) return undefined;
  return r.version === 4 ? r.rest & 0xffff : r.rest;
}

/**
 * The quoted packet of an error message: its IP header (v4 or v6, no extension headers) and, when
 * that says TCP and 8 more bytes are there, the TCP ports and seq. Undefined (with a note) otherwise.
 */
export function parseIcmpQuote(body: Uint8Array, offset: number, notes: DecodeNote[]): IcmpQuote | undefined {
  const qn: DecodeNote[] = [];
  const v = body.length ? body[0] >> 4 : 0;
  const ip = v === 4 ? parseIpv4(body, 0, qn) : v === 6 ? parseIpv6(body, 0, qn) : undefined;
  if (!ip) {
    notes.push({ layer: 'icmp', offset, message: `quoted packet: ${qn[0]?.message ?? `IP version ${v} is neither 4 nor 6`}` });
    return undefined;
  }
  const hlen = ip.version === 4 ? ip.ihl * 4 : IPV6_HEADER;
  const proto = ip.version === 4 ? ip.protocol : ip.nextHeader;
  const q: IcmpQuote = { ip };
  if (proto !== IPPROTO_TCP) return q;
  if (body.length < hlen + 8) {
    notes.push({ layer: 'icmp', offset, message: `quoted TCP header truncated: ${Math.max(0, body.length - hlen)} of 8 bytes` });
    return q;
  }
  const t = hlen;
  q.tcp = {
    sport: (body[t] << 8) | body[t + 1],
    dport: (body[t + 2] << 8) | body[t + 3],
    seq: ((body[t + 4] << 24) | (body[t + 5] << 16) | (body[t + 6] << 8) | body[t + 7]) >>> 0,
  };
  return q;
}

/** Parses the message buf[off, off+len). Undefined (with a note) when shorter than 8 bytes. Never throws. */
export function parseIcmp(version: 4 | 6, buf: Uint8Array, off: number, len: number, notes: DecodeNote[]): IcmpRepr | undefined {
  len = Math.max(0, Math.min(len, buf.length - off));
  if (len < ICMP_HEADER) {
    notes.push({ layer: 'icmp', offset: off, message: `ICMP${version === 6 ? 'v6' : ''} header truncated: ${len} of 8 bytes` });
    return undefined;
  }
  const v = new IcmpView(buf, off);
  return { version, type: v.type, code: v.code, checksum: v.checksum, rest: v.rest, body: buf.subarray(off + ICMP_HEADER, off + len) };
}

/** Writes the message literally (checksum as given). */
export function emitIcmp(r: IcmpRepr): Uint8Array {
  const o = new Uint8Array(ICMP_HEADER + r.body.length);
  o[0] = r.type;
  o[1] = r.code;
  o[2] = r.checksum >>> 8;
  o[3] = r.checksum;
  o[4] = r.rest >>> 24;
  o[5] = r.rest >>> 16;
  o[6] = r.rest >>> 8;
  o[7] = r.rest;
  o.set(r.body, ICMP_HEADER);
  return o;
}

/** Partial sum of the ICMPv6 pseudo-header (RFC 8200 §8.1) for 16-byte addresses. */
function icmp6PseudoSum(src: Uint8Array, dst: Uint8Array, length: number): number {
  return checksumPartial(dst, 0, 16, checksumPartial(src, 0, 16)) + IPPROTO_ICMPV6 + (length >>> 16) + (length & 0xffff);
}

/**
 * The correct checksum of msg[start, end) (checksum field taken as 0): ICMPv4 over the message,
 * ICMPv6 with the pseudo-header of src/dst (address bytes; ignored for v4).
 */
export function icmpChecksumBytes(version: 4 | 6, src: Uint8Array, dst: Uint8Array, msg: Uint8Array, start = 0, end = msg.length): number {
  const init = version === 6 ? icmp6PseudoSum(src, dst, end - start) : 0;
  if (end - start < 4) return internetChecksum(msg, start, end, init);
  return internetChecksum(msg, start + 4, end, checksumPartial(msg, start, start + 2, init));
}

/** True if msg[start, end), checksum field included, verifies. */
export function icmpChecksumOkBytes(version: 4 | 6, src: Uint8Array, dst: Uint8Array, msg: Uint8Array, start = 0, end = msg.length): boolean {
  return internetChecksum(msg, start, end, version === 6 ? icmp6PseudoSum(src, dst, end - start) : 0) === 0;
}

/** The correct checksum of a message between two address texts. */
export function icmpChecksum(version: 4 | 6, src: string, dst: string, msg: Uint8Array): number {
  const s = version === 4 ? addrBytes4(src) : addrBytes6(src);
  const d = version === 4 ? addrBytes4(dst) : addrBytes6(dst);
  return icmpChecksumBytes(version, s, d, msg);
}
