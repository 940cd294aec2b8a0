// The packet builder: IPv4/IPv6 + TCP bytes from a partial spec with sensible defaults, plus explicit
// `mistakes` switches for getting single fields wrong on purpose. Everything not mentioned in
// `mistakes` comes out correct (lengths, data offset, checksums).
import { addrBytes4, addrBytes6 } from './addr-cache';
import { checksumPartial, internetChecksum } from './bytes';
import { emitEthernet, ETH_HEADER, ipEthertype } from './ethernet';
import { parseFlags } from './flags';
import { emitOptionsInto, optionsByteLength } from './tcp-options';
import { IPPROTO_TCP, TCP_MIN_HEADER } from './tcp';
import { RESERVED_MASK, TcpOption } from './types';

export interface PacketMistakes {
  /** Explicit checksum value, or 'bad' = a value that never verifies. */
  tcpChecksum?: number | 'bad';
  /** IPv4 header checksum: explicit value or 'bad'. Ignored for IPv6. */
  ipChecksum?: number | 'bad';
  /** Emit this data offset (0..15) instead of the computed one; the bytes stay the same. */
  dataOffset?: number;
  /** IPv4 total length field / IPv6 payload length field; the bytes stay the same. */
  ipTotalLength?: number;
  /** The 3 reserved TCP bits (0..7), byte 12 bits 1..3. */
  reservedBits?: number;
  /** Don't pad options to a 4-byte boundary (the data offset then rounds down). */
  noOptionPadding?: boolean;
  /** IPv4 fragment offset in 8-byte units (1..8191): a later fragment of a datagram never completed. Ignored for IPv6. */
  fragOffset?: number;
}

export interface PacketSpec {
  ip: 4 | 6;
  src: string;
  dst: string;
  /** IPv4 only. Defaults: tos 0, ttl 64, id 0, df true, no options (padded with EOL to 4 bytes). */
  tos?: number;
  ttl?: number;
  id?: number;
  df?: boolean;
  ipOptions?: Uint8Array;
  /** IPv6 only. Defaults: tclass 0, flow 0, hlim 64. */
  tclass?: number;
  flow?: number;
  hlim?: number;
  sport: number;
  dport: number;
  /** Defaults: seq 0, ack 0, flags 'S', window 64240, urg 0, no options, no payload. */
  seq?: number;
  ack?: number;
  /** A number (12 bits) or scapy letters, e.g. 'SA', 'SEC', 'SAN' (N = AE). */
  flags?: number | string;
  window?: number;
  urg?: number;
  /** Emitted as given, then padded with zero bytes (EOL) to a 4-byte boundary. */
  options?: TcpOption[];
  payload?: Uint8Array;
  mistakes?: PacketMistakes;
}

const MAX_OPTION_BYTES = 40;

export function check(name: string, v: number | undefined, max: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= max)) {
    throw new Error(`packet spec: ${name} = ${v} is not an integer 0..${max}`);
  }
}

/** A checksum value that never verifies where `correct` would. */
export function badChecksum(correct: number): number {
  // c ^ 0xffff would be 0xffff for c = 0, which one's complement treats as the same value.
  return correct === 0 ? 0x0001 : correct ^ 0xffff;
}

interface Layout {
  ipHdr: number;
  ipOptLen: number;
  optLen: number;
  tcpHdr: number;
  total: number;
}

function layout(spec: PacketSpec): Layout {
  const m = spec.mistakes;
  const optLen = spec.options ? optionsByteLength(spec.options) : 0;
  const padded = m?.noOptionPadding ? optLen : (optLen + 3) & ~3;
  if (padded > MAX_OPTION_BYTES && m?.dataOffset === undefined) {
    throw new Error(`packet spec: options take ${padded} bytes, at most 40 fit (set mistakes.dataOffset to emit them anyway)`);
  }
  let ipHdr = 40;
  let ipOptLen = 0;
  if (spec.ip === 4) {
    ipOptLen = spec.ipOptions ? spec.ipOptions.length : 0;
    const ipOptPadded = (ipOptLen + 3) & ~3;
    if (ipOptPadded > MAX_OPTION_BYTES) throw new Error(`packet spec: IPv4 options take ${ipOptPadded} bytes, at most 40 fit`);
    ipHdr = 20 + ipOptPadded;
  } else if (spec.ip !== 6) {
    throw new Error(`packet spec: ip must be 4 or 6, got ${String(spec.ip)}`);
  }
  const tcpHdr = TCP_MIN_HEADER + padded;
  return { ipHdr, ipOptLen, optLen, tcpHdr, total: ipHdr + tcpHdr + (spec.payload ? spec.payload.length : 0) };
}

/** Length in bytes of buildIp(spec). */
export function buildLength(spec: PacketSpec): number {
  return layout(spec).total;
}

/**
 * Writes the packet (from the IP header on) at out[off] and returns its length. Reuse-friendly:
 * allocates nothing when addresses repeat and flags are a number. Throws an Error on a bad spec
 * (unparsable address, out-of-range field, too many option bytes) or when `out` is too small.
 */
export function buildIpInto(spec: PacketSpec, out: Uint8Array, off: number): number {
  const L = layout(spec);
  if (off + L.total > out.length) throw new Error(`buildIpInto: ${L.total} bytes do not fit at offset ${off} of ${out.length}`);
  return write(spec, L, out, off);
}

function write(spec: PacketSpec, L: Layout, out: Uint8Array, off: number): number {
  const m = spec.mistakes;
  const seq = spec.seq ?? 0;
  const ack = spec.ack ?? 0;
  const window = spec.window ?? 64240;
  const urg = spec.urg ?? 0;
  let flags = spec.flags === undefined ? 0x002 : typeof spec.flags === 'string' ? parseFlags(spec.flags) : spec.flags;
  check('sport', spec.sport, 0xffff);
  check('dport', spec.dport, 0xffff);
  check('seq', seq, 0xffffffff);
  check('ack', ack, 0xffffffff);
  check('flags', flags, 0xfff);
  check('window', window, 0xffff);
  check('urg', urg, 0xffff);
  if (m) {
    check('mistakes.dataOffset', m.dataOffset, 15);
    check('mistakes.reservedBits', m.reservedBits, 7);
    check('mistakes.ipTotalLength', m.ipTotalLength, 0xffff);
    if (typeof m.tcpChecksum === 'number') check('mistakes.tcpChecksum', m.tcpChecksum, 0xffff);
    if (typeof m.ipChecksum === 'number') check('mistakes.ipChecksum', m.ipChecksum, 0xffff);
    if (m.reservedBits !== undefined) flags = (flags & ~RESERVED_MASK) | (m.reservedBits << 9);
  }
  const tcpLen = L.total - L.ipHdr;
  let addrStart: number;
  let addrEnd: number;
  if (spec.ip === 4) {
    const tos = spec.tos ?? 0;
    const ttl = spec.ttl ?? 64;
    const id = spec.id ?? 0;
    check('tos', tos, 0xff);
    check('ttl', ttl, 0xff);
    check('id', id, 0xffff);
    const totalLength = m?.ipTotalLength ?? L.total;
    out[off] = 0x40 | (L.ipHdr >> 2);
    out[off + 1] = tos;
    out[off + 2] = totalLength >>> 8;
    out[off + 3] = totalLength;
    out[off + 4] = id >>> 8;
    out[off + 5] = id;
    const frag = m?.fragOffset ?? 0;
    check('mistakes.fragOffset', frag, 0x1fff);
    out[off + 6] = (spec.df === false || frag ? 0 : 0x40) | (frag >>> 8);
    out[off + 7] = frag;
    out[off + 8] = ttl;
    out[off + 9] = IPPROTO_TCP;
    out[off + 10] = 0;
    out[off + 11] = 0;
    out.set(addrBytes4(spec.src), off + 12);
    out.set(addrBytes4(spec.dst), off + 16);
    if (spec.ipOptions) out.set(spec.ipOptions, off + 20);
    out.fill(0, off + 20 + L.ipOptLen, off + L.ipHdr);
    const correct = internetChecksum(out, off, off + L.ipHdr);
    const ck = m?.ipChecksum === undefined ? correct : m.ipChecksum === 'bad' ? badChecksum(correct) : m.ipChecksum;
    out[off + 10] = ck >>> 8;
    out[off + 11] = ck;
    addrStart = off + 12;
    addrEnd = off + 20;
  } else {
    const tclass = spec.tclass ?? 0;
    const flow = spec.flow ?? 0;
    const hlim = spec.hlim ?? 64;
    check('tclass', tclass, 0xff);
    check('flow', flow, 0xfffff);
    check('hlim', hlim, 0xff);
    const payloadLength = m?.ipTotalLength ?? tcpLen;
    out[off] = 0x60 | (tclass >> 4);
    out[off + 1] = ((tclass & 0x0f) << 4) | (flow >>> 16);
    out[off + 2] = flow >>> 8;
    out[off + 3] = flow;
    out[off + 4] = payloadLength >>> 8;
    out[off + 5] = payloadLength;
    out[off + 6] = IPPROTO_TCP;
    out[off + 7] = hlim;
    out.set(addrBytes6(spec.src), off + 8);
    out.set(addrBytes6(spec.dst), off + 24);
    addrStart = off + 8;
    addrEnd = off + 40;
  }
  const t = off + L.ipHdr;
  const doff = m?.dataOffset ?? L.tcpHdr >> 2;
  out[t] = spec.sport >>> 8;
  out[t + 1] = spec.sport;
  out[t + 2] = spec.dport >>> 8;
  out[t + 3] = spec.dport;
  out[t + 4] = seq >>> 24;
  out[t + 5] = seq >>> 16;
  out[t + 6] = seq >>> 8;
  out[t + 7] = seq;
  out[t + 8] = ack >>> 24;
  out[t + 9] = ack >>> 16;
  out[t + 10] = ack >>> 8;
  out[t + 11] = ack;
  out[t + 12] = (doff << 4) | (flags >>> 8);
  out[t + 13] = flags;
  out[t + 14] = window >>> 8;
  out[t + 15] = window;
  out[t + 16] = 0;
  out[t + 17] = 0;
  out[t + 18] = urg >>> 8;
  out[t + 19] = urg;
  if (spec.options) emitOptionsInto(spec.options, out, t + TCP_MIN_HEADER);
  out.fill(0, t + TCP_MIN_HEADER + L.optLen, t + L.tcpHdr);
  if (spec.payload) out.set(spec.payload, t + L.tcpHdr);
  const end = t + tcpLen;
  const pseudo = checksumPartial(out, addrStart, addrEnd) + IPPROTO_TCP + (tcpLen >>> 16) + (tcpLen & 0xffff);
  const correct = internetChecksum(out, t, end, pseudo);
  const ck = m?.tcpChecksum === undefined ? correct : m.tcpChecksum === 'bad' ? badChecksum(correct) : m.tcpChecksum;
  out[t + 16] = ck >>> 8;
  out[t + 17] = ck;
  return L.total;
}

/** The packet from the IP header on, in a new array. */
export function buildIp(spec: PacketSpec): Uint8Array {
  const L = layout(spec);
  const out = new Uint8Array(L.total);
  write(spec, L, out, 0);
  return out;
}

/** An Ethernet II frame (no FCS, no minimum-size padding) carrying buildIp(spec). */
export function buildFrame(spec: PacketSpec, srcMac: string, dstMac: string): Uint8Array {
  const L = layout(spec);
  const out = new Uint8Array(ETH_HEADER + L.total);
  emitEthernet({ dst: dstMac, src: srcMac, type: ipEthertype(spec.ip) }, out);
  write(spec, L, out, ETH_HEADER);
  return out;
}
