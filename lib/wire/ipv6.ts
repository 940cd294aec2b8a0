// IPv6 fixed header: a non-validating View and a parsed Repr that re-emits byte for byte.
// Extension headers are not parsed: the decoder keeps a non-TCP payload raw, with a note.
import { ipv6FromBytes } from './addr';
import { addrBytes6 } from './addr-cache';
import { DecodeNote, Ipv6Repr } from './types';

export const IPV6_HEADER = 40;

/** Reads IPv6 header fields straight from the bytes at `off`. Never validates. */
export class Ipv6View {
  constructor(
    public buf: Uint8Array,
    public off = 0,
  ) {}
  reset(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  get version(): number {
    return this.buf[this.off] >> 4;
  }
  get tclass(): number {
    return ((this.buf[this.off] & 0x0f) << 4) | (this.buf[this.off + 1] >> 4);
  }
  get flow(): number {
    return ((this.buf[this.off + 1] & 0x0f) << 16) | (this.buf[this.off + 2] << 8) | this.buf[this.off + 3];
  }
  get payloadLength(): number {
    return (this.buf[this.off + 4] << 8) | this.buf[this.off + 5];
  }
  get nextHeader(): number {
    return this.buf[this.off + 6] | 0;
  }
  get hlim(): number {
    return this.buf[this.off + 7] | 0;
  }
  /** The 16 source address bytes (a subarray, no copy). */
  srcBytes(): Uint8Array {
    return this.buf.subarray(this.off + 8, this.off + 24);
  }
  dstBytes(): Uint8Array {
    return this.buf.subarray(this.off + 24, this.off + 40);
  }
  get src(): string {
    return ipv6FromBytes(this.buf, this.off + 8);
  }
  get dst(): string {
    return ipv6FromBytes(this.buf, this.off + 24);
  }
}

/** Parses the IPv6 header at buf[off]. Undefined (with a note) if fewer than 40 bytes or version ≠ 6. */
export function parseIpv6(buf: Uint8Array, off: number, notes: DecodeNote[]): Ipv6Repr | undefined {
  if (buf.length - off < IPV6_HEADER) {
    notes.push({ layer: 'ip', offset: off, message: `IPv6 header truncated: ${Math.max(0, buf.length - off)} of 40 bytes` });
    return undefined;
  }
  const v = new Ipv6View(buf, off);
  if (v.version !== 6) {
    notes.push({ layer: 'ip', offset: off, message: `IP version ${v.version}, expected 6` });
    return undefined;
  }
  return {
    version: 6,
    tclass: v.tclass,
    flow: v.flow,
    payloadLength: v.payloadLength,
    nextHeader: v.nextHeader,
    hlim: v.hlim,
    src: v.src,
    dst: v.dst,
  };
}

/** Writes the 40-byte header literally at out[off], or into a new array. Returns the array. */
export function emitIpv6(repr: Ipv6Repr, out?: Uint8Array, off = 0): Uint8Array {
  const o = out ?? new Uint8Array(IPV6_HEADER);
  o[off] = 0x60 | ((repr.tclass >> 4) & 0x0f);
  o[off + 1] = ((repr.tclass & 0x0f) << 4) | ((repr.flow >>> 16) & 0x0f);
  o[off + 2] = repr.flow >>> 8;
  o[off + 3] = repr.flow;
  o[off + 4] = repr.payloadLength >>> 8;
  o[off + 5] = repr.payloadLength;
  o[off + 6] = repr.nextHeader;
  o[off + 7] = repr.hlim;
  o.set(addrBytes6(repr.src), off + 8);
  o.set(addrBytes6(repr.dst), off + 24);
  return o;
}
