// Messages between a campaign (main thread: injection and capture) and its pipeline worker (the other
// core: probe generation, packet building and judging). Packets travel as one transferable buffer
// plus offsets, never as per-packet objects.

export interface Ends { src: string; dst: string; dport: number }

export interface EnvParams {
  release: string;
  ip: 4 | 6;
  dut: string;
  peer: string;
  mtu: number;
  sysctls: Record<string, string>;
}

/** Packed packets: packet i is buf[offs[i] .. offs[i+1]). */
export interface Packed {
  buf: ArrayBuffer;
  offs: Uint32Array;
}

export type Request =
  | { id: number; type: 'gen'; a: number; b: number; ends: Record<4 | 6, Ends> }
  | {
      id: number;
      type: 'judge';
      a: number;
      env: Record<4 | 6, EnvParams>;
      listen: { port: number; backlog: number };
      probes: Packed;
      sentMs: Float64Array;
      /** replies of probe i: frames replyStart[i] .. replyStart[i+1]-1 of `replies` */
      replies: Packed;
      replyStart: Uint32Array;
    };

export interface GenReply { id: number; type: 'gen'; probes: Packed; ips: Uint8Array }

export interface JudgedDivergence { index: number; signature: string; rule: string; fields: string[]; text: string }

export interface JudgeReply { id: number; type: 'judge'; divergences: JudgedDivergence[]; rules: string[] }

export interface ErrorReply { id: number; type: 'error'; message: string }

export type Reply = GenReply | JudgeReply | ErrorReply;

export function pack(chunks: readonly Uint8Array[]): Packed {
  let total = 0;
  for (const c of chunks) total += c.length;
  const buf = new ArrayBuffer(total);
  const u8 = new Uint8Array(buf);
  const offs = new Uint32Array(chunks.length + 1);
  let o = 0;
  for (let i = 0; i < chunks.length; i++) {
    offs[i] = o;
    u8.set(chunks[i], o);
    o += chunks[i].length;
  }
  offs[chunks.length] = o;
  return { buf, offs };
}

export function unpackAt(p: Packed, i: number): Uint8Array {
  return new Uint8Array(p.buf, p.offs[i], p.offs[i + 1] - p.offs[i]);
}
