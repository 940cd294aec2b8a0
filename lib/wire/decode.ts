// Whole-packet decoding (IP or Ethernet first) into a Decoded, and its exact inverse.
//
// Never throws, on any input. Every layer that parses is filled in; whatever cannot be parsed
// further is left in `rest`, which is always a suffix of `bytes`, so that
// emitDecoded(decode(b)) is byte-for-byte b. Arrays in the result (options, payload, rest) are
// subarrays of the input: copy the input first if its buffer will be reused (capture callbacks do).
import { concatBytes } from './bytes';
import { emitEthernet, ETH_HEADER, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN, parseEthernet } from './ethernet';
import { emitIpv4, ipv4EmitLength, ipv4HeaderChecksumOk, parseIpv4, IPV4_MIN_HEADER } from './ipv4';
import { emitIpv6, IPV6_HEADER, parseIpv6 } from './ipv6';
import { emitTcp, IPPROTO_TCP, parseTcp, TCP_MIN_HEADER, tcpChecksumOkInPlace } from './tcp';
import { emitIcmp, icmpChecksumOkBytes, parseIcmp, parseIcmpQuote } from './icmp';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, isIcmpError } from './icmp-names';
import { Decoded, DecodeNote } from './types';

/** Shortest Ethernet frame without FCS: trailing bytes up to this length are padding, not news. */
const ETH_MIN_FRAME = 60;

/** Decodes a buffer that starts at the IP header (the version nibble picks IPv4 or IPv6). */
export function decodeIp(bytes: Uint8Array): Decoded {
  const d: Decoded = { bytes, notes: [] };
  if (bytes.length === 0) {
    d.notes.push({ layer: 'ip', offset: 0, message: 'empty packet' });
    return d;
  }
  const version = bytes[0] >> 4;
  if (version === 4) decodeIpv4At(d, 0, false);
  else if (version === 6) decodeIpv6At(d, 0, false);
  else keepRest(d, 0, 'ip', `IP version ${version} is neither 4 nor 6`);
  return d;
}

/** Decodes an Ethernet II frame (no FCS). 802.1Q and non-IP frames stay raw with a note. */
export function decodeEthernet(bytes: Uint8Array): Decoded {
  const d: Decoded = { bytes, notes: [] };
  const eth = parseEthernet(bytes, 0, d.notes);
  if (!eth) {
    setRest(d, 0);
    return d;
  }
  d.eth = eth;
  const padOk = bytes.length <= ETH_MIN_FRAME;
  if (eth.type === ETHERTYPE_IPV4) decodeIpv4At(d, ETH_HEADER, padOk);
  else if (eth.type === ETHERTYPE_IPV6) decodeIpv6At(d, ETH_HEADER, padOk);
  else if (eth.type === ETHERTYPE_VLAN) keepRest(d, ETH_HEADER, 'eth', 'VLAN-tagged (802.1Q) frame: not parsed');
  else keepRest(d, ETH_HEADER, 'eth', `ethertype 0x${eth.type.toString(16).padStart(4, '0')} is not IP`);
  return d;
}

function setRest(d: Decoded, from: number): void {
  if (from < d.bytes.length) d.rest = d.bytes.subarray(from);
}

function keepRest(d: Decoded, from: number, layer: DecodeNote['layer'], message: string): void {
  d.notes.push({ layer, offset: from, message });
  setRest(d, from);
}

/**
 * The end of the IP payload: the header's length claim, or the end of the buffer if that is smaller
 * (noted either way, except for Ethernet minimum-frame padding when padOk).
 */
function payloadEnd(d: Decoded, off: number, start: number, claimed: number, what: string, padOk: boolean): number {
  const buf = d.bytes;
  const avail = buf.length - start;
  if (claimed > avail) {
    d.notes.push({ layer: 'ip', offset: off, message: `${what} claims ${claimed} bytes of payload, only ${avail} present: using ${avail}` });
    return buf.length;
  }
  if (claimed < avail && !padOk) {
    d.notes.push({
      layer: 'ip',
      offset: off,
      message: `${what} claims ${claimed} bytes of payload, ${avail} present: ${avail - claimed} trailing bytes kept raw`,
    });
  }
  return start + claimed;
}

function decodeIpv4At(d: Decoded, off: number, padOk: boolean): void {
  const buf = d.bytes;
  const ip = parseIpv4(buf, off, d.notes);
  if (!ip) {
    setRest(d, off);
    return;
  }
  d.ip = ip;
  d.ipChecksumOk = ipv4HeaderChecksumOk(buf, off);
  const hlen = ip.ihl * 4;
  if (ip.ihl < 5 || off + hlen > buf.length) {
    setRest(d, off + IPV4_MIN_HEADER);
    return;
  }
  const start = off + hlen;
  if (ip.totalLength < hlen) {
    keepRest(d, start, 'ip', `IPv4 total length ${ip.totalLength} < header length ${hlen}`);
    return;
  }
  const end = payloadEnd(d, off, start, ip.totalLength - hlen, 'IPv4 total length', padOk);
  if (ip.fragOffset !== 0) {
    keepRest(d, start, 'ip', `IPv4 fragment at offset ${ip.fragOffset * 8}: not parsed`);
    return;
  }
  if (ip.protocol === IPPROTO_ICMP) {
    decodeIcmpAt(d, 4, start, end, off + 12, off + 20);
    return;
  }
  if (ip.protocol !== IPPROTO_TCP) {
    keepRest(d, start, 'ip', `IP protocol ${ip.protocol} is not TCP`);
    return;
  }
  if (ip.flags & 1) d.notes.push({ layer: 'ip', offset: off + 6, message: 'IPv4 first fragment (MF): TCP segment incomplete' });
  decodeTcpAt(d, start, end, off + 12, off + 20);
}

function decodeIpv6At(d: Decoded, off: number, padOk: boolean): void {
  const buf = d.bytes;
  const ip = parseIpv6(buf, off, d.notes);
  if (!ip) {
    setRest(d, off);
    return;
  }
  d.ip = ip;
  const start = off + IPV6_HEADER;
  const end = payloadEnd(d, off, start, ip.payloadLength, 'IPv6 payload length', padOk);
  if (ip.nextHeader === IPPROTO_ICMPV6) {
    decodeIcmpAt(d, 6, start, end, off + 8, off + 40);
    return;
  }
  if (ip.nextHeader !== IPPROTO_TCP) {
    keepRest(d, start, 'ip', `IPv6 next header ${ip.nextHeader} is not TCP (extension headers are not parsed)`);
    return;
  }
  decodeTcpAt(d, start, end, off + 8, off + 40);
}

function decodeTcpAt(d: Decoded, start: number, end: number, addrStart: number, addrEnd: number): void {
  const buf = d.bytes;
  const tcp = parseTcp(buf, start, end - start, d.notes);
  if (!tcp) {
    setRest(d, start);
    return;
  }
  d.tcp = tcp;
  d.tcpOffset = start;
  d.tcpChecksumOk = tcpChecksumOkInPlace(buf, addrStart, addrEnd, start, end);
  const doff = tcp.dataOffset;
  if (doff < 5 || start + doff * 4 > end) setRest(d, start + TCP_MIN_HEADER);
  else setRest(d, end);
}

function decodeIcmpAt(d: Decoded, version: 4 | 6, start: number, end: number, addrStart: number, addrEnd: number): void {
  const buf = d.bytes;
  const icmp = parseIcmp(version, buf, start, end - start, d.notes);
  if (!icmp) {
    setRest(d, start);
    return;
  }
  d.icmp = icmp;
  const src = buf.subarray(addrStart, addrStart + (addrEnd - addrStart) / 2);
  const dst = buf.subarray(addrStart + (addrEnd - addrStart) / 2, addrEnd);
  d.icmpChecksumOk = icmpChecksumOkBytes(version, src, dst, buf, start, end);
  if (isIcmpError(version, icmp.type)) d.icmpQuote = parseIcmpQuote(icmp.body, start + 8, d.notes);
  setRest(d, end);
}

/**
 * Re-encodes a Decoded from its parts (eth, ip, tcp, rest), literally. For any Decoded returned by
 * decodeIp/decodeEthernet the result equals `bytes`. Throws only on address text it cannot parse.
 */
export function emitDecoded(d: Decoded): Uint8Array {
  const parts: Uint8Array[] = [];
  if (d.eth) parts.push(emitEthernet(d.eth));
  if (d.ip) parts.push(d.ip.version === 4 ? emitIpv4(d.ip, new Uint8Array(ipv4EmitLength(d.ip))) : emitIpv6(d.ip));
  if (d.tcp) parts.push(emitTcp(d.tcp));
  if (d.icmp) parts.push(emitIcmp(d.icmp));
  if (d.rest) parts.push(d.rest);
  return concatBytes(parts);
}
