// Messages between a campaign (main thread: injection and capture) and its pipeline workers (probe
// generation, packet building and judging). Packets travel as one transferable buffer plus offsets,
// never as per-packet objects, and go back and forth without copies: a chunk's probe frames are made
// by a worker, sent by the main thread, and handed back to the worker with the replies to be judged.

import type { PackedFlows, PackedOutcomes } from '../../lib/fuzz/played-pack';

export interface Ends {
  src: string;
  dst: string;
  dport: number;
}

/** How probe frames are addressed: per family the IP ends, and the Ethernet header's MACs. */
export interface Link {
  ends: Record<4 | 6, Ends>;
  /** MAC addresses: the frames go from `src` (tester) to `dst` (DUT). */
  src: string;
  dst: string;
}

export interface EnvParams {
  release: string;
  /** uname -v (the upstream sublevel behind a distribution release). */
  version?: string;
  ip: 4 | 6;
  dut: string;
  peer: string;
  mtu: number;
  sysctls: Record<string, string>;
}

/** Packed frames: frame i is buf[offs[i] .. offs[i+1]). */
export interface Packed {
  buf: ArrayBuffer;
  offs: Uint32Array;
}

export type Request =
  | { id: number; type: 'gen'; a: number; b: number; link: Link }
  | {
      id: number;
      type: 'judge';
      a: number;
      env: Record<4 | 6, EnvParams>;
      listen: { port: number; backlog: number };
      /** The chunk's probe frames (Ethernet on), as the worker made them. */
      probes: Packed;
      /** CLOCK_MONOTONIC ms at which probe i went out. */
      sentMs: Float64Array;
      /** Every reply frame (Ethernet on) in arrival order; reply j answers probe replyProbe[j]. */
      replies: Packed;
      replyProbe: Int32Array;
      /** Return each probe's rules too (guided campaigns' corpus feedback). */
      perProbe?: boolean;
    }
  | {
      id: number;
      type: 'judgeSeq';
      env: Record<4 | 6, EnvParams>;
      listen: { port: number; backlog: number };
      /** A batch of stateful probes as the batched sequence engine played them (lib/fuzz/sequence-judge.ts), packed (played-pack.ts). */
      flows: PackedFlows;
    };

/** `busyMs`: how long the worker worked on the request (for balancing the work between CPUs). */
export interface GenReply {
  id: number;
  type: 'gen';
  probes: Packed;
  busyMs: number;
}

export interface JudgedDivergence {
  index: number;
  signature: string;
  rule: string;
  fields: string[];
  text: string;
}

export interface JudgeReply {
  id: number;
  type: 'judge';
  divergences: JudgedDivergence[];
  rules: string[];
  busyMs: number;
  /** With perProbe: probe k's rules, in order, are paths[pathOf[k]] (distinct lists sent once). */
  paths?: string[][];
  pathOf?: Uint32Array;
}

/** Each flow's outcome, in order (a verdict without its model state: the main thread needs ok and the divergence). */
export interface JudgeSeqReply {
  id: number;
  type: 'judgeSeq';
  outcomes: PackedOutcomes;
  busyMs: number;
}

export interface ErrorReply {
  id: number;
  type: 'error';
  message: string;
}

/** Sent once, unasked (id 0), when the worker has loaded its code. */
export interface ReadyReply {
  id: 0;
  type: 'ready';
}

export type Reply = GenReply | JudgeReply | JudgeSeqReply | ErrorReply | ReadyReply;

/**
 * The replies grouped by probe: probe i's replies are frames first[i] .. first[i]+count[i]-1 of the
 * returned `offs`/`buf`. Replies normally arrive probe by probe (a batch is answered in send order),
 * and then this is one pass; otherwise they are copied into probe order, keeping arrival order
 * within a probe.
 */
export function groupReplies(
  n: number,
  buf: Uint8Array,
  offs: Uint32Array,
  probe: Int32Array,
): { buf: Uint8Array; offs: Uint32Array; first: Uint32Array; count: Uint32Array } {
  const first = new Uint32Array(n);
  const count = new Uint32Array(n);
  let sorted = true;
  for (let j = 0; j < probe.length; j++) {
    const p = probe[j];
    if (j > 0 && p < probe[j - 1]) sorted = false;
    if (count[p]++ === 0) first[p] = j;
  }
  if (sorted) return { buf, offs, first, count };
  // Stable counting sort by probe.
  let at = 0;
  for (let i = 0; i < n; i++) {
    first[i] = at;
    at += count[i];
  }
  const next = first.slice();
  const order = new Uint32Array(probe.length);
  for (let j = 0; j < probe.length; j++) order[next[probe[j]]++] = j;
  const out = new Uint8Array(offs[probe.length] - offs[0]);
  const outOffs = new Uint32Array(probe.length + 1);
  let o = 0;
  for (let k = 0; k < order.length; k++) {
    const j = order[k];
    outOffs[k] = o;
    out.set(buf.subarray(offs[j], offs[j + 1]), o);
    o += offs[j + 1] - offs[j];
  }
  outOffs[order.length] = o;
  return { buf: out, offs: outOffs, first, count };
}
