// pcapng (draft-ietf-opsawg-pcapng) writer and reader.
//
// Writer: little-endian; one Section Header Block (with shb_comment, shb_os, shb_userappl), one
// Interface Description Block (LINKTYPE_ETHERNET, if_tsresol = 9, i.e. nanoseconds), and one
// Enhanced Packet Block per frame with opt_comment and epb_flags (direction as seen on the peer-side
// interface the harness captures on: 'sent' = outbound, 'received' = inbound).
//
// Reader: either byte order (per section), any number of sections and interfaces, if_tsresol
// (powers of 10 and of 2) and if_tsoffset, EPB, SPB and the obsolete Packet Block; every other block
// type is skipped by its length. It never throws: it returns what it could read and an `errors` list.
//
// Layouts: every block is  type u32 | total length u32 | body | total length u32, the body padded to
// 32 bits. Options are  code u16 | length u16 | value | padding to 32 bits, ended by opt_endofopt
// (code 0, length 0).
import type { CaseResult } from './types';
import { LINKTYPE_ETHERNET } from '../../lib/wire/link';

export { LINKTYPE_ETHERNET };

export const BT_SHB = 0x0a0d0d0a;
export const BT_IDB = 0x00000001;
export const BT_PB = 0x00000002; // obsolete Packet Block
export const BT_SPB = 0x00000003;
export const BT_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
export const SHB_HARDWARE = 2;
export const SHB_OS = 3;
export const SHB_USERAPPL = 4;
export const IF_NAME = 2;
export const IF_DESCRIPTION = 3;
export const IF_TSRESOL = 9;
export const IF_TSOFFSET = 14;
export const EPB_FLAGS = 2;

const MAX_OPT_LEN = 0xffff;
const U64_MAX = (1n << 64n) - 1n;

// ---------------------------------------------------------------- writer

export interface PcapngPacketIn {
  tsNs: bigint;
  bytes: Uint8Array;
  comment?: string;
  dir?: 'sent' | 'received';
}

export interface PcapngWriteOptions {
  /** shb_comment: what the file is (kernel, case). */
  shbComment?: string;
  shbHardware?: string;
  shbOs?: string;
  shbUserAppl?: string;
  ifName?: string;
  ifDescription?: string;
  /** IDB SnapLen; 0 (default) = no limit. Frames longer than a non-zero snaplen are cut. */
  snapLen?: number;
  /** IDB LinkType (default LINKTYPE_ETHERNET). */
  linkType?: number;
}

const pad4 = (n: number): number => (n + 3) & ~3;

class Builder {
  private buf = new Uint8Array(4096);
  private dv = new DataView(this.buf.buffer);
  len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
    this.dv = new DataView(nb.buffer);
  }
  u16(v: number): void {
    this.ensure(2);
    this.dv.setUint16(this.len, v, true);
    this.len += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.dv.setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  u64(v: bigint): void {
    this.ensure(8);
    this.dv.setBigUint64(this.len, v, true);
    this.len += 8;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  pad(): void {
    const n = pad4(this.len) - this.len;
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
  }
  setU32(at: number, v: number): void {
    this.dv.setUint32(at, v >>> 0, true);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** UTF-8 of s, cut on a character boundary so it fits an option (≤ 65535 bytes). */
function optString(s: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  if (b.length <= MAX_OPT_LEN) return b;
  let end = MAX_OPT_LEN;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--; // do not split a multi-byte sequence
  return b.subarray(0, end);
}

type Opt = [code: number, value: Uint8Array];

function block(w: Builder, type: number, body: (w: Builder) => void, opts: Opt[]): void {
  const start = w.len;
  w.u32(type);
  w.u32(0); // patched below
  body(w);
  w.pad();
  if (opts.length) {
    for (const [code, value] of opts) {
      w.u16(code);
      w.u16(value.length);
      w.bytes(value);
      w.pad();
    }
    w.u16(OPT_ENDOFOPT);
    w.u16(0);
  }
  const total = w.len - start + 4;
  w.u32(total);
  w.setU32(start + 4, total);
}

function u32le(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

export function writePcapng(packets: readonly PcapngPacketIn[], opts: PcapngWriteOptions = {}): Uint8Array {
  const w = new Builder();
  const shbOpts: Opt[] = [];
  if (opts.shbComment) shbOpts.push([OPT_COMMENT, optString(opts.shbComment)]);
  if (opts.shbHardware) shbOpts.push([SHB_HARDWARE, optString(opts.shbHardware)]);
  if (opts.shbOs) shbOpts.push([SHB_OS, optString(opts.shbOs)]);
  if (opts.shbUserAppl) shbOpts.push([SHB_USERAPPL, optString(opts.shbUserAppl)]);
  block(
    w,
    BT_SHB,
    (b) => {
      b.u32(BYTE_ORDER_MAGIC);
      b.u16(1); // major
      b.u16(0); // minor
      b.u64(U64_MAX); // section length: unspecified (-1)
    },
    shbOpts,
  );

  const snap = opts.snapLen ?? 0;
  const idbOpts: Opt[] = [];
  if (opts.ifName) idbOpts.push([IF_NAME, optString(opts.ifName)]);
  if (opts.ifDescription) idbOpts.push([IF_DESCRIPTION, optString(opts.ifDescription)]);
  idbOpts.push([IF_TSRESOL, Uint8Array.of(9)]);
  block(
    w,
    BT_IDB,
    (b) => {
      b.u16(opts.linkType ?? LINKTYPE_ETHERNET);
      b.u16(0);
      b.u32(snap);
    },
    idbOpts,
  );

  for (const p of packets) {
    const ts = p.tsNs < 0n ? 0n : p.tsNs > U64_MAX ? U64_MAX : p.tsNs;
    const data = snap > 0 && p.bytes.length > snap ? p.bytes.subarray(0, snap) : p.bytes;
    const epbOpts: Opt[] = [];
    if (p.comment) epbOpts.push([OPT_COMMENT, optString(p.comment)]);
    if (p.dir) epbOpts.push([EPB_FLAGS, u32le(p.dir === 'received' ? 1 : 2)]);
    block(
      w,
      BT_EPB,
      (b) => {
        b.u32(0); // interface id
        b.u32(Number(ts >> 32n));
        b.u32(Number(ts & 0xffffffffn));
        b.u32(data.length);
        b.u32(p.bytes.length);
        b.bytes(data);
      },
      epbOpts,
    );
  }
  return w.result();
}

/** The pcapng of one case: its packets with their comments, the SHB comment naming case and kernel. */
export function casePcapng(c: CaseResult): Uint8Array {
  return writePcapng(c.packets, {
    shbComment:
      `synharness case ${c.id} (${c.status}) on kernel ${c.kernel}; model ${c.modelProfile}, seed ${c.seed}` +
      (c.captureDrops ? `; capture dropped ${c.captureDrops} packet(s)` : ''),
    shbOs: `Linux ${c.kernel}`,
    shbUserAppl: 'synharness',
    ifName: 'peer',
    ifDescription: 'synharness peer-side capture',
  });
}

// ---------------------------------------------------------------- reader

export interface PcapngPacket {
  /** Nanoseconds since the epoch (0n for Simple Packet Blocks, which carry no timestamp). */
  tsNs: bigint;
  bytes: Uint8Array;
  /** All opt_comment values joined with "\n" ('' when none). */
  comment: string;
  comments: string[];
  /** Interface index within its section. */
  interfaceId: number;
  /** Section number, 0-based. */
  section: number;
  linkType: number;
  /** Original length on the wire (≥ bytes.length when the capture was cut). */
  origLen: number;
  /** epb_flags / pack_flags when present. */
  flags?: number;
  /** From the flags' direction bits: inbound → 'received', outbound → 'sent'. */
  dir?: 'sent' | 'received';
}

export interface PcapngInterface {
  section: number;
  linkType: number;
  snapLen: number;
  /** if_tsresol byte (default 6: microseconds). */
  tsresol: number;
  /** if_tsoffset seconds (default 0). */
  tsoffset: bigint;
  name?: string;
  description?: string;
}

export interface PcapngReadResult {
  packets: PcapngPacket[];
  /** The first section's shb_comment(s), joined with "\n"; undefined when it has none. */
  shbComment?: string;
  sections: Array<{ littleEndian: boolean; major: number; minor: number; comments: string[]; os?: string; hardware?: string; userAppl?: string }>;
  interfaces: PcapngInterface[];
  /** Problems met, with byte offsets. Reading stops at the first structural one. */
  errors: string[];
}

const utf8 = new TextDecoder('utf-8');

/** Converts a timestamp in if_tsresol units to nanoseconds. */
export function tsToNs(ts: bigint, tsresol: number): bigint {
  if (tsresol & 0x80) return (ts * 1_000_000_000n) >> BigInt(tsresol & 0x7f);
  const d = tsresol;
  return d <= 9 ? ts * 10n ** BigInt(9 - d) : ts / 10n ** BigInt(d - 9);
}

interface Cursor {
  dv: DataView;
  le: boolean;
}

function readOptions(c: Cursor, start: number, end: number, errors: string[], where: string): Opt[] {
  const out: Opt[] = [];
  let p = start;
  while (p < end) {
    if (p + 4 > end) {
      errors.push(`${where}: ${end - p} stray byte(s) where an option header should be at offset ${p}`);
      break;
    }
    const code = c.dv.getUint16(p, c.le);
    const len = c.dv.getUint16(p + 2, c.le);
    if (code === OPT_ENDOFOPT) break;
    if (p + 4 + len > end) {
      errors.push(`${where}: option ${code} at offset ${p} claims ${len} byte(s), only ${end - p - 4} left in the block`);
      break;
    }
    out.push([code, new Uint8Array(c.dv.buffer, c.dv.byteOffset + p + 4, len).slice()]);
    p += 4 + pad4(len);
  }
  return out;
}

const optStr = (opts: Opt[], code: number): string[] => opts.filter(([k]) => k === code).map(([, v]) => utf8.decode(v));

function optU32(opts: Opt[], code: number, le: boolean): number | undefined {
  const o = opts.find(([k, v]) => k === code && v.length >= 4);
  return o ? new DataView(o[1].buffer, o[1].byteOffset, 4).getUint32(0, le) : undefined;
}

function dirOf(flags: number | undefined): 'sent' | 'received' | undefined {
  if (flags === undefined) return undefined;
  const d = flags & 3;
  return d === 1 ? 'received' : d === 2 ? 'sent' : undefined;
}

export function readPcapng(input: Uint8Array): PcapngReadResult {
  const res: PcapngReadResult = { packets: [], sections: [], interfaces: [], errors: [] };
  try {
    readInto(input, res);
  } catch (e) {
    res.errors.push(`internal error: ${(e as Error)?.message ?? String(e)}`);
  }
  const first = res.sections[0];
  if (first && first.comments.length) res.shbComment = first.comments.join('\n');
  return res;
}

function readInto(input: Uint8Array, res: PcapngReadResult): void {
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const c: Cursor = { dv, le: true };
  const n = input.byteLength;
  const errors = res.errors;
  let section = -1;
  let ifaces: PcapngInterface[] = [];
  let off = 0;
  if (n === 0) {
    errors.push('empty input');
    return;
  }
  while (off < n) {
    if (n - off < 12) {
      errors.push(`truncated block header at offset ${off}: ${n - off} byte(s) left, 12 needed`);
      return;
    }
    let type = dv.getUint32(off, c.le);
    if (type === BT_SHB) {
      const magicLe = dv.getUint32(off + 8, true);
      if (magicLe === BYTE_ORDER_MAGIC) c.le = true;
      else if (magicLe === 0x4d3c2b1a) c.le = false;
      else {
        errors.push(`bad byte-order magic 0x${magicLe.toString(16)} in Section Header Block at offset ${off}`);
        return;
      }
      type = BT_SHB;
    } else if (section < 0) {
      errors.push(`not a pcapng file: first block at offset 0 is 0x${dv.getUint32(0, true).toString(16)}, not a Section Header Block`);
      return;
    }
    const total = dv.getUint32(off + 4, c.le);
    const tname = `block 0x${type.toString(16)} at offset ${off}`;
    if (total < 12 || total % 4 !== 0) {
      errors.push(`${tname}: bad total length ${total}`);
      return;
    }
    if (total > n - off) {
      errors.push(`${tname}: truncated, needs ${total} byte(s), ${n - off} left`);
      return;
    }
    const trailer = dv.getUint32(off + total - 4, c.le);
    if (trailer !== total) {
      errors.push(`${tname}: total length ${total} at the start, ${trailer} at the end`);
      return;
    }
    const body = off + 8;
    const end = off + total - 4;
    const blen = end - body;

    switch (type) {
      case BT_SHB: {
        if (blen < 16) {
          errors.push(`${tname}: Section Header Block body of ${blen} byte(s), 16 needed`);
          return;
        }
        const major = dv.getUint16(body + 4, c.le);
        const minor = dv.getUint16(body + 6, c.le);
        if (major !== 1) {
          errors.push(`${tname}: unsupported pcapng version ${major}.${minor}`);
          return;
        }
        section++;
        ifaces = [];
        const opts = readOptions(c, body + 16, end, errors, tname);
        res.sections.push({
          littleEndian: c.le,
          major,
          minor,
          comments: optStr(opts, OPT_COMMENT),
          hardware: optStr(opts, SHB_HARDWARE)[0],
          os: optStr(opts, SHB_OS)[0],
          userAppl: optStr(opts, SHB_USERAPPL)[0],
        });
        break;
      }
      case BT_IDB: {
        if (blen < 8) {
          errors.push(`${tname}: Interface Description Block body of ${blen} byte(s), 8 needed`);
          break;
        }
        const opts = readOptions(c, body + 8, end, errors, tname);
        const tsr = opts.find(([k, v]) => k === IF_TSRESOL && v.length >= 1);
        const tso = opts.find(([k, v]) => k === IF_TSOFFSET && v.length >= 8);
        const iface: PcapngInterface = {
          section,
          linkType: dv.getUint16(body, c.le),
          snapLen: dv.getUint32(body + 4, c.le),
          tsresol: tsr ? tsr[1][0] : 6,
          tsoffset: tso ? new DataView(tso[1].buffer, tso[1].byteOffset, 8).getBigInt64(0, c.le) : 0n,
          name: optStr(opts, IF_NAME)[0],
          description: optStr(opts, IF_DESCRIPTION)[0],
        };
        ifaces.push(iface);
        res.interfaces.push(iface);
        break;
      }
      case BT_EPB:
      case BT_PB: {
        if (blen < 20) {
          errors.push(`${tname}: packet block body of ${blen} byte(s), 20 needed`);
          break;
        }
        const epb = type === BT_EPB;
        const ifId = epb ? dv.getUint32(body, c.le) : dv.getUint16(body, c.le);
        const tsHigh = BigInt(dv.getUint32(body + 4, c.le));
        const tsLow = BigInt(dv.getUint32(body + 8, c.le));
        let capLen = dv.getUint32(body + 12, c.le);
        const origLen = dv.getUint32(body + 16, c.le);
        const room = blen - 20;
        let optStart = body + 20 + pad4(capLen);
        if (capLen > room) {
          errors.push(`${tname}: captured length ${capLen} exceeds the ${room} byte(s) in the block; data cut`);
          capLen = room;
          optStart = end;
        }
        const iface = ifaces[ifId];
        if (!iface) errors.push(`${tname}: interface ${ifId} not described in section ${section}; assuming microseconds`);
        const opts = optStart < end ? readOptions(c, optStart, end, errors, tname) : [];
        const comments = optStr(opts, OPT_COMMENT);
        const flags = optU32(opts, EPB_FLAGS, c.le);
        const tsresol = iface ? iface.tsresol : 6;
        const tsoffset = iface ? iface.tsoffset : 0n;
        res.packets.push({
          tsNs: tsToNs((tsHigh << 32n) | tsLow, tsresol) + tsoffset * 1_000_000_000n,
          bytes: input.slice(body + 20, body + 20 + capLen),
          comment: comments.join('\n'),
          comments,
          interfaceId: ifId,
          section,
          linkType: iface ? iface.linkType : -1,
          origLen,
          flags,
          dir: dirOf(flags),
        });
        break;
      }
      case BT_SPB: {
        if (blen < 4) {
          errors.push(`${tname}: Simple Packet Block body of ${blen} byte(s), 4 needed`);
          break;
        }
        const iface = ifaces[0];
        if (!iface) errors.push(`${tname}: Simple Packet Block without interface 0 in section ${section}`);
        const origLen = dv.getUint32(body, c.le);
        let capLen = Math.min(origLen, blen - 4);
        if (iface && iface.snapLen > 0) capLen = Math.min(capLen, iface.snapLen);
        res.packets.push({
          tsNs: 0n,
          bytes: input.slice(body + 4, body + 4 + capLen),
          comment: '',
          comments: [],
          interfaceId: 0,
          section,
          linkType: iface ? iface.linkType : -1,
          origLen,
        });
        break;
      }
      default:
        break; // unknown or uninteresting block (ISB, NRB, DSB, custom, …): skipped by its length
    }
    off += total;
  }
}
