// TCP header: a non-validating View, a parsed Repr that re-emits byte for byte, and the checksum
// over the IPv4/IPv6 pseudo-header.
import { addrBytes4, addrBytes6 } from './addr-cache';
import { checksumPartial, internetChecksum } from './bytes';
import { emitOptionsInto, optionsByteLength, parseOptions } from './tcp-options';
import { DecodeNote, TcpRepr } from './types';

export const TCP_MIN_HEADER = 20;
export const IPPROTO_TCP = 6;

/**
 * Reads TCP header fields straight from the bytes of a segment at buf[off, off+len). Never
 * validates and never allocates in getters; bytes past the end read as 0.
 */
export class TcpView {
  public len: number;
  constructor(
    public buf: Uint8Array,
    public off = 0,
    len?: number,
  ) {
    this.len = len ?? buf.length - off;
  }
  reset(buf: Uint8Array, off = 0, len?: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len ?? buf.length - off;
    return this;
  }
  get sport(): number {
    return (this.buf[this.off] << 8) | this.buf[this.off + 1];
  }
  get dport(): number {
    return (this.buf[this.off + 2] << 8) | this.buf[this.off + 3];
  }
  get seq(): number {
    const b = this.buf,
      o = this.off;
    return ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
  }
  get ack(): number {
    const b = this.buf,
      o = this.off;
    return ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0;
  }
  /** Data offset in 32-bit words (the raw 4-bit field). */
  get dataOffset(): number {
    return this.buf[this.off + 12] >> 4;
  }
  /** dataOffset × 4. */
  get headerLength(): number {
    return (this.buf[this.off + 12] >> 4) * 4;
  }
  /** The 12 bits after the data offset: 3 reserved, AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN. */
  get flags(): number {
    return ((this.buf[this.off + 12] & 0x0f) << 8) | this.buf[this.off + 13];
  }
  get window(): number {
    return (this.buf[this.off + 14] << 8) | this.buf[this.off + 15];
  }
  get checksum(): number {
    return (this.buf[this.off + 16] << 8) | this.buf[this.off + 17];
  }
  get urg(): number {
    return (this.buf[this.off + 18] << 8) | this.buf[this.off + 19];
  }
  /** Option bytes per the data offset, clipped to the segment (a subarray, empty if doff ≤ 5). */
  optionsBytes(): Uint8Array {
    const end = Math.min(this.headerLength, this.len);
    return this.buf.subarray(this.off + TCP_MIN_HEADER, this.off + Math.max(TCP_MIN_HEADER, end));
  }
  /** Bytes after the header per the data offset, clipped to the segment (a subarray). */
  payload(): Uint8Array {
    const start = Math.min(Math.max(TCP_MIN_HEADER, this.headerLength), this.len);
    return this.buf.subarray(this.off + start, this.off + Math.max(start, this.len));
  }
}

/**
 * Parses the segment buf[off, off+len). Undefined (with a note) if fewer than 20 bytes. If the data
 * offset is < 5 or runs past the segment, the fixed fields are still parsed, options and payload are
 * left empty and a note says so: the caller keeps buf[off+20, off+len) raw. Option and payload arrays
 * are subarrays of `buf`. Never throws.
 */
export function parseTcp(buf: Uint8Array, off: number, len: number, notes: DecodeNote[]): TcpRepr | undefined {
  len = Math.max(0, Math.min(len, buf.length - off));
  if (len < TCP_MIN_HEADER) {
    notes.push({ layer: 'tcp', offset: off, message: `TCP header truncated: ${len} of 20 bytes` });
    return undefined;
  }
  const v = new TcpView(buf, off, len);
  const doff = v.dataOffset;
  const hlen = doff * 4;
  const repr: TcpRepr = {
    sport: v.sport,
    dport: v.dport,
    seq: v.seq,
    ack: v.ack,
    dataOffset: doff,
    flags: v.flags,
    window: v.window,
    checksum: v.checksum,
    urg: v.urg,
    options: [],
    payload: buf.subarray(off + TCP_MIN_HEADER, off + TCP_MIN_HEADER),
  };
  if (doff < 5) {
    notes.push({ layer: 'tcp', offset: off + 12, message: `TCP data offset ${doff} < 5` });
  } else if (hlen > len) {
    notes.push({ layer: 'tcp', offset: off + 12, message: `TCP data offset ${doff} (${hlen} bytes) runs past the segment (${len} bytes)` });
  } else {
    repr.options = parseOptions(buf.subarray(off + TCP_MIN_HEADER, off + hlen), notes, off + TCP_MIN_HEADER);
    repr.payload = buf.subarray(off + hlen, off + len);
  }
  return repr;
}

/** Bytes emitTcp writes for a Repr: 20 + options (unpadded, as given) + payload. */
export function tcpEmitLength(repr: TcpRepr): number {
  return TCP_MIN_HEADER + optionsByteLength(repr.options) + repr.payload.length;
}

/**
 * Writes the segment literally at out[off]: dataOffset and checksum as given, options exactly as
 * listed (no padding), then the payload. Returns the number of bytes written.
 */
export function emitTcpInto(repr: TcpRepr, out: Uint8Array, off: number): number {
  out[off] = repr.sport >>> 8;
  out[off + 1] = repr.sport;
  out[off + 2] = repr.dport >>> 8;
  out[off + 3] = repr.dport;
  out[off + 4] = repr.seq >>> 24;
  out[off + 5] = repr.seq >>> 16;
  out[off + 6] = repr.seq >>> 8;
  out[off + 7] = repr.seq;
  out[off + 8] = repr.ack >>> 24;
  out[off + 9] = repr.ack >>> 16;
  out[off + 10] = repr.ack >>> 8;
  out[off + 11] = repr.ack;
  out[off + 12] = ((repr.dataOffset & 0x0f) << 4) | ((repr.flags >>> 8) & 0x0f);
  out[off + 13] = repr.flags;
  out[off + 14] = repr.window >>> 8;
  out[off + 15] = repr.window;
  out[off + 16] = repr.checksum >>> 8;
  out[off + 17] = repr.checksum;
  out[off + 18] = repr.urg >>> 8;
  out[off + 19] = repr.urg;
  let i = off + TCP_MIN_HEADER;
  i += emitOptionsInto(repr.options, out, i);
  out.set(repr.payload, i);
  return i + repr.payload.length - off;
}

/** Encodes a TcpRepr literally (see emitTcpInto). */
export function emitTcp(repr: TcpRepr): Uint8Array {
  const out = new Uint8Array(tcpEmitLength(repr));
  emitTcpInto(repr, out, 0);
  return out;
}

/**
 * Partial sum of the pseudo-header for addresses src/dst (4 bytes each: IPv4; 16: IPv6), protocol
 * TCP and the given segment length. IPv4 (RFC 793) and IPv6 (RFC 8200 §8.1) sum the same words.
 */
export function tcpPseudoHeaderSum(src: Uint8Array, dst: Uint8Array, length: number): number {
  return checksumPartial(dst, 0, dst.length, checksumPartial(src, 0, src.length)) + IPPROTO_TCP + (length >>> 16) + (length & 0xffff);
}

/**
 * The correct checksum for the segment seg[start, end) between the address bytes src and dst,
 * with the checksum field (bytes 16–17) taken as zero. Fast form: no text parsing, no allocation.
 */
export function tcpChecksumBytes(src: Uint8Array, dst: Uint8Array, seg: Uint8Array, start = 0, end = seg.length): number {
  let sum = tcpPseudoHeaderSum(src, dst, end - start);
  if (end - start < 18) return internetChecksum(seg, start, end, sum);
  sum = checksumPartial(seg, start, start + 16, sum);
  return internetChecksum(seg, start + 18, end, sum);
}

/** True if seg[start, end), checksum field included, verifies against the pseudo-header. */
export function tcpChecksumOkBytes(src: Uint8Array, dst: Uint8Array, seg: Uint8Array, start = 0, end = seg.length): boolean {
  return internetChecksum(seg, start, end, tcpPseudoHeaderSum(src, dst, end - start)) === 0;
}

/** The correct checksum for `segment` (checksum field taken as zero) between two address texts. */
export function tcpChecksum(ipVersion: 4 | 6, src: string, dst: string, segment: Uint8Array): number {
  const s = ipVersion === 4 ? addrBytes4(src) : addrBytes6(src);
  const d = ipVersion === 4 ? addrBytes4(dst) : addrBytes6(dst);
  return tcpChecksumBytes(s, d, segment, 0, segment.length);
}

/**
 * Verifies the segment buf[segStart, segEnd) in place, the source and destination addresses being
 * the contiguous bytes buf[addrStart, addrEnd) (IPv4 header bytes 12–20, IPv6 bytes 8–40).
 * No allocation: the decoder's form.
 */
export function tcpChecksumOkInPlace(buf: Uint8Array, addrStart: number, addrEnd: number, segStart: number, segEnd: number): boolean {
  const length = segEnd - segStart;
  const pseudo = checksumPartial(buf, addrStart, addrEnd) + IPPROTO_TCP + (length >>> 16) + (length & 0xffff);
  return internetChecksum(buf, segStart, segEnd, pseudo) === 0;
}
