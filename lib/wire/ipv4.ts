// IPv4 header: a non-validating View, a parsed Repr that re-emits byte for byte, the header checksum.
import { ipv4FromBytes, ipv4U32, parseIpv4Into } from './addr';
import { checksumPartial, internetChecksum } from './bytes';
import { DecodeNote, Ipv4Repr } from './types';

export const IPV4_MIN_HEADER = 20;

/**
 * Reads IPv4 header fields straight from the bytes at `off`. Never validates, never allocates
 * (except the `src`/`dst` strings; use srcU32/dstU32 on hot paths). Bytes past the end read as 0.
 */
export class Ipv4View {
  constructor(
    public buf: Uint8Array,
    public off = 0,
  ) {}
  /** Re-points the view (reuse one view in a loop instead of allocating). */
  reset(buf: Uint8Array, off = 0): this {
    this.buf = buf;
    this.off = off;
    return this;
  }
  get version(): number {
    return this.buf[this.off] >> 4;
  }
  get ihl(): number {
    return this.buf[this.off] & 0x0f;
  }
  get headerLength(): number {
    return (this.buf[this.off] & 0x0f) * 4;
  }
  get tos(): number {
    return this.buf[this.off + 1] | 0;
  }
  get totalLength(): number {
    return (this.buf[this.off + 2] << 8) | this.buf[this.off + 3];
  }
  get id(): number {
    return (this.buf[this.off + 4] << 8) | this.buf[this.off + 5];
  }
  /** 3 bits: 0x4 reserved, 0x2 DF, 0x1 MF. */
  get flags(): number {
    return this.buf[this.off + 6] >> 5;
  }
  get df(): boolean {
    return (this.buf[this.off + 6] & 0x40) !== 0;
  }
  get mf(): boolean {
    return (this.buf[this.off + 6] & 0x20) !== 0;
  }
  get fragOffset(): number {
    return ((this.buf[this.off + 6] & 0x1f) << 8) | this.buf[this.off + 7];
  }
  get ttl(): number {
    return this.buf[this.off + 8] | 0;
  }
  get protocol(): number {
    return this.buf[this.off + 9] | 0;
  }
  get checksum(): number {
    return (this.buf[this.off + 10] << 8) | this.buf[this.off + 11];
  }
  get srcU32(): number {
    return ipv4U32(this.buf, this.off + 12);
  }
  get dstU32(): number {
    return ipv4U32(this.buf, this.off + 16);
  }
  get src(): string {
    return ipv4FromBytes(this.buf, this.off + 12);
  }
  get dst(): string {
    return ipv4FromBytes(this.buf, this.off + 16);
  }
}

/** True if the header checksum over ihl*4 bytes at `off` verifies (false if ihl < 5 or truncated). */
export function ipv4HeaderChecksumOk(buf: Uint8Array, off: number): boolean {
  const hlen = (buf[off] & 0x0f) * 4;
  if (hlen < IPV4_MIN_HEADER || off + hlen > buf.length) return false;
  return internetChecksum(buf, off, off + hlen) === 0;
}

/** The correct header checksum for the header at `off` (ihl*4 bytes, checksum field taken as 0). */
export function ipv4HeaderChecksum(buf: Uint8Array, off: number): number {
  const hlen = Math.max(IPV4_MIN_HEADER, (buf[off] & 0x0f) * 4);
  const end = Math.min(buf.length, off + hlen);
  return internetChecksum(buf, off + 12, end, checksumPartial(buf, off, off + 10));
}

/**
 * Parses the IPv4 header at buf[off]. Undefined (with a note) if fewer than 20 bytes or version ≠ 4.
 * An ihl < 5, or one running past the buffer, still gives a Repr (20-byte header, no options) plus a
 * note. `options` is a subarray of `buf`. Never throws.
 */
export function parseIpv4(buf: Uint8Array, off: number, notes: DecodeNote[]): Ipv4Repr | undefined {
  if (buf.length - off < IPV4_MIN_HEADER) {
    notes.push({ layer: 'ip', offset: off, message: `IPv4 header truncated: ${Math.max(0, buf.length - off)} of 20 bytes` });
    return undefined;
  }
  const v = new Ipv4View(buf, off);
  if (v.version !== 4) {
    notes.push({ layer: 'ip', offset: off, message: `IP version ${v.version}, expected 4` });
    return undefined;
  }
  const ihl = v.ihl;
  let options: Uint8Array = buf.subarray(off + IPV4_MIN_HEADER, off + IPV4_MIN_HEADER);
  if (ihl < 5) {
    notes.push({ layer: 'ip', offset: off, message: `IPv4 ihl ${ihl} < 5` });
  } else if (off + ihl * 4 > buf.length) {
    notes.push({ layer: 'ip', offset: off, message: `IPv4 ihl ${ihl} (${ihl * 4} bytes) runs past the end (${buf.length - off} bytes)` });
  } else {
    options = buf.subarray(off + IPV4_MIN_HEADER, off + ihl * 4);
  }
  return {
    version: 4,
    ihl,
    tos: v.tos,
    totalLength: v.totalLength,
    id: v.id,
    flags: v.flags,
    fragOffset: v.fragOffset,
    ttl: v.ttl,
    protocol: v.protocol,
    checksum: v.checksum,
    src: v.src,
    dst: v.dst,
    options,
  };
}

/** Byte length emitIpv4 writes for a Repr: 20 + options. */
export function ipv4EmitLength(repr: Ipv4Repr): number {
  return IPV4_MIN_HEADER + repr.options.length;
}

/**
 * Writes the header literally (ihl, totalLength, checksum as given) at out[off], or into a new array.
 * Returns the array written to. Throws only on unparsable address text.
 */
export function emitIpv4(repr: Ipv4Repr, out?: Uint8Array, off = 0): Uint8Array {
  const o = out ?? new Uint8Array(ipv4EmitLength(repr));
  o[off] = 0x40 | (repr.ihl & 0x0f);
  o[off + 1] = repr.tos;
  o[off + 2] = repr.totalLength >>> 8;
  o[off + 3] = repr.totalLength;
  o[off + 4] = repr.id >>> 8;
  o[off + 5] = repr.id;
  o[off + 6] = ((repr.flags & 7) << 5) | ((repr.fragOffset >>> 8) & 0x1f);
  o[off + 7] = repr.fragOffset;
  o[off + 8] = repr.ttl;
  o[off + 9] = repr.protocol;
  o[off + 10] = repr.checksum >>> 8;
  o[off + 11] = repr.checksum;
  if (!parseIpv4Into(repr.src, o, off + 12)) throw new Error(`invalid IPv4 source ${JSON.stringify(repr.src)}`);
  if (!parseIpv4Into(repr.dst, o, off + 16)) throw new Error(`invalid IPv4 destination ${JSON.stringify(repr.dst)}`);
  o.set(repr.options, off + IPV4_MIN_HEADER);
  return o;
}
