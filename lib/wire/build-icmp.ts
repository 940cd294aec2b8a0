// The ICMP builder: an ICMPv4 / ICMPv6 error message from a partial spec with defaults, quoting the
// offending packet (an IP+TCP packet as the DUT sent it, cut to its headers), plus `mistakes` switches
// for a wrong checksum. Everything not in `mistakes` comes out correct (lengths, checksums).
import { addrBytes4, addrBytes6 } from './addr-cache';
import { internetChecksum } from './bytes';
import { badChecksum, check } from './build';
import { ICMP_HEADER, icmpChecksumBytes } from './icmp';
import { carriesMtu, IPPROTO_ICMP, IPPROTO_ICMPV6 } from './icmp-names';
import { IPV4_MIN_HEADER } from './ipv4';
import { IPV6_HEADER } from './ipv6';

export interface IcmpMistakes {
  /** Explicit ICMP checksum value, or 'bad' = a value that never verifies. */
  icmpChecksum?: number | 'bad';
  /** IPv4 header checksum: explicit value or 'bad'. Ignored for IPv6. */
  ipChecksum?: number | 'bad';
}

export interface IcmpSpec {
  ip: 4 | 6;
  /** The sender of the error (a router on the path, or the peer itself) and its destination (the DUT). */
  src: string;
  dst: string;
  /** Defaults: ttl/hlim 64, tos/tclass 0, id 0, DF clear (an error is never fragmented anyway). */
  ttl?: number;
  tos?: number;
  id?: number;
  df?: boolean;
  type: number;
  /** Default 0. */
  code?: number;
  /** The next-hop MTU of v4 frag_needed / v6 packet_too_big (bytes 4..7); only there. */
  mtu?: number;
  /** Bytes 4..7 as a number for other types (pointer, gateway); default 0. */
  rest?: number;
  /** What the message quotes, IP header first (see quotePacket). */
  quote: Uint8Array;
  mistakes?: IcmpMistakes;
}

/**
 * The part of `packet` (an IP packet, header first) an error quotes: its IP header and `after` bytes
 * past it (default: the TCP header, options included, per its data offset; RFC 792 asks for at least 8).
 */
export function quotePacket(packet: Uint8Array, after?: number): Uint8Array {
  const v = packet[0] >> 4;
  const hlen = v === 4 ? (packet[0] & 0x0f) * 4 : IPV6_HEADER;
  const tcpHlen = packet.length >= hlen + 13 ? (packet[hlen + 12] >> 4) * 4 : 8;
  return packet.subarray(0, Math.min(packet.length, hlen + (after ?? Math.max(8, tcpHlen))));
}

/** The message from the IP header on, in a new array. Throws an Error on a bad spec. */
export function buildIcmp(spec: IcmpSpec): Uint8Array {
  const code = spec.code ?? 0;
  const ttl = spec.ttl ?? 64;
  const tos = spec.tos ?? 0;
  check('type', spec.type, 0xff);
  check('code', code, 0xff);
  check('ttl', ttl, 0xff);
  check('tos', tos, 0xff);
  if (spec.mtu !== undefined) {
    if (!carriesMtu(spec.ip, spec.type, code))
      throw new Error(`ICMP spec: an MTU belongs only to ${spec.ip === 4 ? 'unreachable frag_needed (type 3 code 4)' : 'packet_too_big (type 2)'}`);
    check('mtu', spec.mtu, spec.ip === 4 ? 0xffff : 0xffffffff);
  }
  const rest = spec.mtu ?? spec.rest ?? 0;
  check('rest', rest, 0xffffffff);
  const ipHdr = spec.ip === 4 ? IPV4_MIN_HEADER : IPV6_HEADER;
  const icmpLen = ICMP_HEADER + spec.quote.length;
  const out = new Uint8Array(ipHdr + icmpLen);
  const src = spec.ip === 4 ? addrBytes4(spec.src) : addrBytes6(spec.src);
  const dst = spec.ip === 4 ? addrBytes4(spec.dst) : addrBytes6(spec.dst);
  const m = spec.mistakes;
  if (spec.ip === 4) {
    const id = spec.id ?? 0;
    check('id', id, 0xffff);
    out[0] = 0x45;
    out[1] = tos;
    out[2] = out.length >>> 8;
    out[3] = out.length;
    out[4] = id >>> 8;
    out[5] = id;
    out[6] = spec.df ? 0x40 : 0;
    out[8] = ttl;
    out[9] = IPPROTO_ICMP;
    out.set(src, 12);
    out.set(dst, 16);
    const correct = internetChecksum(out, 0, IPV4_MIN_HEADER);
    const ck = m?.ipChecksum === undefined ? correct : m.ipChecksum === 'bad' ? badChecksum(correct) : m.ipChecksum;
    out[10] = ck >>> 8;
    out[11] = ck;
  } else {
    out[0] = 0x60 | (tos >> 4);
    out[1] = (tos & 0x0f) << 4;
    out[4] = icmpLen >>> 8;
    out[5] = icmpLen;
    out[6] = IPPROTO_ICMPV6;
    out[7] = ttl;
    out.set(src, 8);
    out.set(dst, 24);
  }
  const t = ipHdr;
  out[t] = spec.type;
  out[t + 1] = code;
  out[t + 4] = rest >>> 24;
  out[t + 5] = rest >>> 16;
  out[t + 6] = rest >>> 8;
  out[t + 7] = rest;
  out.set(spec.quote, t + ICMP_HEADER);
  const correct = icmpChecksumBytes(spec.ip, src, dst, out, t, out.length);
  if (typeof m?.icmpChecksum === 'number') check('mistakes.icmpChecksum', m.icmpChecksum, 0xffff);
  const ck = m?.icmpChecksum === undefined ? correct : m.icmpChecksum === 'bad' ? badChecksum(correct) : m.icmpChecksum;
  out[t + 2] = ck >>> 8;
  out[t + 3] = ck;
  return out;
}
