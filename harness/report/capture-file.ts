// Reading a capture file of either format: pcapng (harness/report/pcapng.ts reads it) or the classic
// libpcap format (read here: a 24-byte file header — magic, version, zone, sigfigs, snaplen, link
// type — then per packet: seconds, micro- or nanoseconds, captured length, original length, bytes;
// either byte order). Never throws: what could be read, and the problems met, with byte offsets.
import { BT_SHB, readPcapng } from './pcapng';

export interface CaptureFrame {
  /** Nanoseconds since the epoch. */
  tsNs: bigint;
  bytes: Uint8Array;
  linkType: number;
  /** pcapng's direction flag when the writer set it (synh's pcaps: 'sent' = the tester's). */
  dir?: 'sent' | 'received';
}

export interface CaptureFile {
  format: 'pcapng' | 'pcap';
  frames: CaptureFrame[];
  errors: string[];
}

const PCAP_US = 0xa1b2c3d4;
const PCAP_NS = 0xa1b23c4d;
const PCAP_HEADER = 24;
const RECORD_HEADER = 16;

/** The classic libpcap format. */
export function readPcap(input: Uint8Array): CaptureFile {
  const out: CaptureFile = { format: 'pcap', frames: [], errors: [] };
  const dv = new DataView(input.buffer, input.byteOffset, input.byteLength);
  if (input.length < PCAP_HEADER) {
    out.errors.push(`not a pcap file: ${input.length} byte(s), the file header alone is 24`);
    return out;
  }
  let le = true;
  let magic = dv.getUint32(0, true);
  if (magic !== PCAP_US && magic !== PCAP_NS) {
    le = false;
    magic = dv.getUint32(0, false);
  }
  if (magic !== PCAP_US && magic !== PCAP_NS) {
    out.errors.push(`not a pcap or pcapng file: magic 0x${dv.getUint32(0, false).toString(16).padStart(8, '0')}`);
    return out;
  }
  const fraction = magic === PCAP_NS ? 1n : 1000n;
  const linkType = dv.getUint32(20, le) & 0xffff;
  let off = PCAP_HEADER;
  while (off < input.length) {
    if (input.length - off < RECORD_HEADER) {
      out.errors.push(`truncated packet header at offset ${off}: ${input.length - off} byte(s) left, 16 needed`);
      break;
    }
    const sec = BigInt(dv.getUint32(off, le));
    const sub = BigInt(dv.getUint32(off + 4, le));
    const incl = dv.getUint32(off + 8, le);
    if (off + RECORD_HEADER + incl > input.length) {
      out.errors.push(`truncated packet at offset ${off}: it claims ${incl} byte(s), ${input.length - off - RECORD_HEADER} left`);
      break;
    }
    out.frames.push({ tsNs: sec * 1_000_000_000n + sub * fraction, bytes: input.slice(off + RECORD_HEADER, off + RECORD_HEADER + incl), linkType });
    off += RECORD_HEADER + incl;
  }
  return out;
}

/** pcapng or pcap, by the first four bytes. */
export function readCaptureFile(input: Uint8Array): CaptureFile {
  if (input.length >= 4 && new DataView(input.buffer, input.byteOffset, 4).getUint32(0, true) === BT_SHB) {
    const r = readPcapng(input);
    return {
      format: 'pcapng',
      frames: r.packets.map((p) => ({ tsNs: p.tsNs, bytes: p.bytes, linkType: p.linkType, ...(p.dir ? { dir: p.dir } : {}) })),
      errors: r.errors,
    };
  }
  return readPcap(input);
}
