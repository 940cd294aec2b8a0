// Classic BPF programs for packet sockets, written by hand (no libpcap compiler on this path): the
// bulk engine's "TCP sent by the DUT" filter and a program that accepts nothing (to pause a socket).
// Each instruction is struct sock_filter { u16 code; u8 jt; u8 jf; u32 k } in host byte order.
import { ipv4ToBytes, ipv6ToBytes } from '../../lib/wire/addr';

const LD_W_ABS = 0x20;
const LD_H_ABS = 0x28;
const LD_B_ABS = 0x30;
const JEQ_K = 0x15;
const RET_K = 0x06;

type Insn = [code: number, jt: number, jf: number, k: number];

function encode(prog: readonly Insn[]): Buffer {
  const b = Buffer.alloc(prog.length * 8);
  prog.forEach(([code, jt, jf, k], i) => {
    b.writeUInt16LE(code, i * 8);
    b[i * 8 + 2] = jt;
    b[i * 8 + 3] = jf;
    b.writeUInt32LE(k >>> 0, i * 8 + 4);
  });
  return b;
}

/** Accepts nothing: attached to a socket, no frame reaches it (nor its counters). */
export function rejectAll(): Buffer {
  return encode([[RET_K, 0, 0, 0]]);
}

/**
 * Ethernet frames carrying TCP from `v4` (IPv4) or `v6` (IPv6, no extension headers): what libpcap's
 * `tcp and (src host V4 or src host V6)` accepts from a DUT that sends neither IP fragments nor
 * IPv6 extension headers. Whole frames are kept (snap length 256 KiB).
 */
export function tcpFrom(v4: string, v6: string): Buffer {
  const a4 = ipv4ToBytes(v4);
  const a6 = ipv6ToBytes(v6);
  const word = (b: Uint8Array, i: number): number => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
  // Jumps name their targets; offsets (relative to the next instruction) are filled in below.
  type J = number | 'accept' | 'reject';
  const src: Array<[code: number, jt: J, jf: J, k: number]> = [
    /* 0 */ [LD_H_ABS, 0, 0, 12], // ethertype
    /* 1 */ [JEQ_K, 0, 4, 0x0800], // IPv4 → 2, else → 6
    /* 2 */ [LD_B_ABS, 0, 0, 14 + 9], // IPv4 protocol
    /* 3 */ [JEQ_K, 0, 'reject', 6],
    /* 4 */ [LD_W_ABS, 0, 0, 14 + 12], // IPv4 source
    /* 5 */ [JEQ_K, 'accept', 'reject', word(a4, 0)],
    /* 6 */ [JEQ_K, 0, 'reject', 0x86dd], // IPv6
    /* 7 */ [LD_B_ABS, 0, 0, 14 + 6], // next header
    /* 8 */ [JEQ_K, 0, 'reject', 6],
    /* 9 */ [LD_W_ABS, 0, 0, 14 + 8], // IPv6 source, word by word
    /* 10 */ [JEQ_K, 0, 'reject', word(a6, 0)],
    /* 11 */ [LD_W_ABS, 0, 0, 14 + 12],
    /* 12 */ [JEQ_K, 0, 'reject', word(a6, 4)],
    /* 13 */ [LD_W_ABS, 0, 0, 14 + 16],
    /* 14 */ [JEQ_K, 0, 'reject', word(a6, 8)],
    /* 15 */ [LD_W_ABS, 0, 0, 14 + 20],
    /* 16 */ [JEQ_K, 'accept', 'reject', word(a6, 12)],
  ];
  const accept = src.length;
  const reject = accept + 1;
  const off = (pc: number, j: J): number => (j === 'accept' ? accept - pc - 1 : j === 'reject' ? reject - pc - 1 : j);
  const prog: Insn[] = src.map(([code, jt, jf, k], pc) => [code, off(pc, jt), off(pc, jf), k]);
  prog.push([RET_K, 0, 0, 0x40000], [RET_K, 0, 0, 0]);
  return encode(prog);
}
