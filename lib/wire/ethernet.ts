// Ethernet II header (no VLAN parsing: 802.1Q frames stay raw in the decoder, with a note).
import { macFromBytes, macToBytes } from './addr';
import { DecodeNote } from './types';

export const ETH_HEADER = 14;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;

export interface EthernetRepr {
  dst: string; // aa:bb:cc:dd:ee:ff
  src: string;
  type: number;
}

/** Reads Ethernet II fields at buf[off]. Never validates. */
export class EthernetView {
  constructor(
    public buf: Uint8Array,
    public off = 0,
  ) {}
  reset(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  get dst(): string {
    return macFromBytes(this.buf, this.off);
  }
  get src(): string {
    return macFromBytes(this.buf, this.off + 6);
  }
  get ethertype(): number {
    return (this.buf[this.off + 12] << 8) | this.buf[this.off + 13];
  }
  payload(): Uint8Array {
    return this.buf.subarray(Math.min(this.buf.length, this.off + ETH_HEADER));
  }
}

/** Parses the 14-byte header; undefined with a note if the frame is shorter. Never throws. */
export function parseEthernet(buf: Uint8Array, off: number, notes: DecodeNote[]): EthernetRepr | undefined {
  if (buf.length - off < ETH_HEADER) {
    notes.push({ layer: 'eth', offset: off, message: `Ethernet header truncated: ${Math.max(0, buf.length - off)} of 14 bytes` });
    return undefined;
  }
  const v = new EthernetView(buf, off);
  return { dst: v.dst, src: v.src, type: v.ethertype };
}

/** The ethertype of an IP packet by its version (4 → IPv4, else IPv6: the link path sends nothing else). */
export function ipEthertype(version: 4 | 6): number {
  return version === 4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;
}

/** An IP packet (starting at its header) in an Ethernet frame; the ethertype from its version nibble. */
export function frameIp(ip: Uint8Array, src: string, dst: string): Uint8Array {
  const out = new Uint8Array(ETH_HEADER + ip.length);
  emitEthernet({ dst, src, type: ipEthertype(ip[0] >> 4 === 6 ? 6 : 4) }, out);
  out.set(ip, ETH_HEADER);
  return out;
}

/** Writes the 14-byte header at out[off], or into a new array. Returns the array. */
export function emitEthernet(repr: EthernetRepr, out?: Uint8Array, off = 0): Uint8Array {
  const o = out ?? new Uint8Array(ETH_HEADER);
  o.set(macToBytes(repr.dst), off);
  o.set(macToBytes(repr.src), off + 6);
  o[off + 12] = repr.type >>> 8;
  o[off + 13] = repr.type;
  return o;
}
