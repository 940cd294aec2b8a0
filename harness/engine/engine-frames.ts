// The frames the bulk engine writes and reads besides the probes themselves, byte by byte and in place
// (TX ring slots, the RX ring): which flow a frame belongs to, the sentinel, and the clean-up RST.
// Frames start at the Ethernet header, at offset `s` of the array given.
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from '../../lib/wire/icmp-names';

/**
 * Flow key of a probe frame: family bit (IPv6) + the peer's source port — for an ICMP error, the
 * flow it quotes (the DUT's segment: the peer's port is its destination port).
 */
export function probeKey(f: Uint8Array, s: number): number {
  const v = f[s + 14] >> 4;
  const off = s + 14 + (v === 4 ? (f[s + 14] & 0x0f) * 4 : 40);
  const fam = (v === 6 ? 1 : 0) << 16;
  if (f[s + 14 + (v === 4 ? 9 : 6)] === (v === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6)) {
    const q = off + 8;
    const qt = q + (v === 4 ? (f[q] & 0x0f) * 4 : 40);
    return fam | (f[qt + 2] << 8) | f[qt + 3];
  }
  return fam | (f[off] << 8) | f[off + 1];
}

/** Flow key of a frame the DUT sent: family bit (IPv6) + the destination port (the peer's). */
export function replyKey(f: Uint8Array, s: number): number {
  const v = f[s + 14] >> 4;
  const off = s + 14 + (v === 4 ? (f[s + 14] & 0x0f) * 4 : 40);
  return ((v === 6 ? 1 : 0) << 16) | (f[off + 2] << 8) | f[off + 3];
}

/**
 * The sentinel: `tpl` (a SYN to a closed port built with sequence number 0) with sequence number
 * `seq`, written at out[off]; returns its length. The TCP checksum is adjusted for the two new 16-bit
 * words (RFC 1624) rather than recomputed.
 */
export function writeSentinel(tpl: Uint8Array, seq: number, out: Uint8Array, off: number): number {
  out.set(tpl, off);
  const tt = 14 + (tpl[14] >> 4 === 4 ? (tpl[14] & 0x0f) * 4 : 40);
  const t = off + tt;
  out[t + 4] = seq >>> 24;
  out[t + 5] = (seq >>> 16) & 0xff;
  out[t + 6] = (seq >>> 8) & 0xff;
  out[t + 7] = seq & 0xff;
  let ck = (~((tpl[tt + 16] << 8) | tpl[tt + 17]) & 0xffff) + (seq >>> 16) + (seq & 0xffff);
  while (ck > 0xffff) ck = (ck & 0xffff) + (ck >>> 16);
  ck = ~ck & 0xffff;
  out[t + 16] = ck >> 8;
  out[t + 17] = ck & 0xff;
  return tpl.length;
}

// The clean-up RST the engine sends after a SYN-ACK: a RST at rcv_nxt (the SYN's seq + 1) on the
// probe's flow, which removes the request socket silently (§6 step 6), so the SYN queue never fills and
// every probe meets a fresh listener.

/** Writes the RST for the probe frame `syn` (Ethernet on) at out[off]; returns its length. */
export function writeCleanupRst(syn: Uint8Array, s: number, out: Uint8Array, off: number): number {
  const v = syn[s + 14] >> 4;
  const ip = s + 14;
  const ihl = v === 4 ? (syn[ip] & 0x0f) * 4 : 40;
  const hl = v === 4 ? 20 : 40;
  // Ethernet header as the probe's (same direction), IP header's fixed part, no IP options.
  for (let i = 0; i < 14 + hl; i++) out[off + i] = syn[s + i];
  const o = off + 14;
  if (v === 4) {
    out[o] = 0x45;
    out[o + 1] = 0;
    out[o + 2] = 0;
    out[o + 3] = 40;
    out[o + 10] = 0;
    out[o + 11] = 0;
    let h = 0;
    for (let i = 0; i < 20; i += 2) h += (out[o + i] << 8) | out[o + i + 1];
    while (h > 0xffff) h = (h & 0xffff) + (h >>> 16);
    out[o + 10] = (~h >> 8) & 0xff;
    out[o + 11] = ~h & 0xff;
  } else {
    out[o + 4] = 0;
    out[o + 5] = 20;
    out[o + 6] = 6;
  }
  const t = o + hl;
  const st = ip + ihl;
  for (let i = 0; i < 4; i++) out[t + i] = syn[st + i]; // ports
  const seq = (((syn[st + 4] << 24) | (syn[st + 5] << 16) | (syn[st + 6] << 8) | syn[st + 7]) + 1) >>> 0;
  out[t + 4] = seq >>> 24;
  out[t + 5] = (seq >>> 16) & 0xff;
  out[t + 6] = (seq >>> 8) & 0xff;
  out[t + 7] = seq & 0xff;
  for (let i = 8; i < 20; i++) out[t + i] = 0;
  out[t + 12] = 0x50;
  out[t + 13] = 0x04; // RST
  let sum = 0;
  const addrOff = v === 4 ? 12 : 8;
  const addrLen = v === 4 ? 8 : 32;
  for (let i = addrOff; i < addrOff + addrLen; i += 2) sum += (out[o + i] << 8) | out[o + i + 1];
  sum += 6 + 20;
  for (let i = t; i < t + 20; i += 2) sum += (out[i] << 8) | out[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  out[t + 16] = ck >> 8;
  out[t + 17] = ck & 0xff;
  return 14 + hl + 20;
}

/** Is this frame (Ethernet on) a SYN-ACK? */
export function isSynAck(f: Uint8Array, s: number): boolean {
  const v = f[s + 14] >> 4;
  const off = s + 14 + (v === 4 ? (f[s + 14] & 0x0f) * 4 : 40);
  return (f[off + 13] & 0x12) === 0x12;
}
