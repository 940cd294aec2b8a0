// A played batch of stateful probes and its outcomes as flat typed arrays, for the pipeline worker:
// a structured clone of PlayedFlow objects (a few small objects and byte views per round, per flow)
// cost the main thread ~11 µs a probe, a third of what playing it costs; these buffers are
// transferred instead, and the worker's views of them are made on its own thread. Each distinct
// round plan (a handful per campaign) and each distinct list of rules travels once. Pure.
import type { FlowOutcome, PlayedFlow, PlayedRound } from './sequence-judge';

/** PlayedFlow[] in buffers (the ArrayBuffers are transferable). */
export interface PackedFlows {
  /** Distinct plans; flow k's is plans[flowInt[k * FLOW_INTS + 1]]. */
  plans: PlayedFlow['plan'][];
  /** Per flow: ip, plan, first round, rounds. */
  flowInt: Int32Array;
  /** Per round: packet offset, packet length, first frame, frames. */
  roundInt: Int32Array;
  /** Per round: t, tEnd, quietMs (0: none). */
  roundTime: Float64Array;
  /** Per frame: offset, length. */
  frameInt: Int32Array;
  /** Packets and frames, back to back. */
  bytes: Uint8Array;
  /** Flows that stopped early: their index and why. */
  stopped: Array<[number, NonNullable<PlayedFlow['stopped']>]>;
}

const FLOW_INTS = 4;
const ROUND_INTS = 4;

/** The ArrayBuffers of a PackedFlows, to transfer. */
export function packedFlowBuffers(p: PackedFlows): ArrayBuffer[] {
  return [p.flowInt.buffer, p.roundInt.buffer, p.roundTime.buffer, p.frameInt.buffer, p.bytes.buffer] as ArrayBuffer[];
}

function planKey(plan: PlayedFlow['plan']): string {
  let k = '';
  for (const r of plan) k += `${r.what}${r.capture ? `:${r.capture.what}/${r.capture.bind.join(',')}` : ''}${r.last ? '!' : ''}|`;
  return k;
}

export function packFlows(flows: readonly PlayedFlow[]): PackedFlows {
  let nRounds = 0;
  let nFrames = 0;
  let nBytes = 0;
  for (const f of flows)
    for (const r of f.rounds) {
      nRounds++;
      nFrames += r.frames.length;
      nBytes += r.bytes.length;
      for (const x of r.frames) nBytes += x.length;
    }
  const plans: PlayedFlow['plan'][] = [];
  const planIds = new Map<string, number>();
  const flowInt = new Int32Array(flows.length * FLOW_INTS);
  const roundInt = new Int32Array(nRounds * ROUND_INTS);
  const roundTime = new Float64Array(nRounds * 3);
  const frameInt = new Int32Array(nFrames * 2);
  const bytes = new Uint8Array(nBytes);
  const stopped: PackedFlows['stopped'] = [];
  let ri = 0;
  let fi = 0;
  let at = 0;
  const put = (b: Uint8Array): number => {
    bytes.set(b, at);
    at += b.length;
    return at - b.length;
  };
  for (let k = 0; k < flows.length; k++) {
    const f = flows[k];
    const key = planKey(f.plan);
    let plan = planIds.get(key);
    if (plan === undefined) {
      planIds.set(key, (plan = plans.length));
      plans.push(f.plan);
    }
    flowInt.set([f.ip, plan, ri, f.rounds.length], k * FLOW_INTS);
    if (f.stopped) stopped.push([k, f.stopped]);
    for (const r of f.rounds) {
      roundInt.set([put(r.bytes), r.bytes.length, fi, r.frames.length], ri * ROUND_INTS);
      roundTime[ri * 3] = r.t;
      roundTime[ri * 3 + 1] = r.tEnd;
      roundTime[ri * 3 + 2] = r.quietMs ?? 0;
      ri++;
      for (const x of r.frames) {
        frameInt[fi * 2] = put(x);
        frameInt[fi * 2 + 1] = x.length;
        fi++;
      }
    }
  }
  return { plans, flowInt, roundInt, roundTime, frameInt, bytes, stopped };
}

/** The flows back, their bytes views of p.bytes. */
export function unpackFlows(p: PackedFlows): PlayedFlow[] {
  const n = p.flowInt.length / FLOW_INTS;
  const out: PlayedFlow[] = new Array(n);
  const view = (off: number, len: number): Uint8Array => p.bytes.subarray(off, off + len);
  for (let k = 0; k < n; k++) {
    const [ip, plan, first, count] = p.flowInt.subarray(k * FLOW_INTS, k * FLOW_INTS + FLOW_INTS);
    const rounds: PlayedRound[] = new Array(count);
    for (let j = 0; j < count; j++) {
      const r = first + j;
      const o = r * ROUND_INTS;
      const frames: Uint8Array[] = new Array(p.roundInt[o + 3]);
      for (let x = 0; x < frames.length; x++) {
        const fo = (p.roundInt[o + 2] + x) * 2;
        frames[x] = view(p.frameInt[fo], p.frameInt[fo + 1]);
      }
      const quietMs = p.roundTime[r * 3 + 2];
      rounds[j] = {
        bytes: view(p.roundInt[o], p.roundInt[o + 1]),
        t: p.roundTime[r * 3],
        tEnd: p.roundTime[r * 3 + 1],
        frames,
        ...(quietMs ? { quietMs } : {}),
      };
    }
    out[k] = { ip: ip as 4 | 6, plan: p.plans[plan], rounds };
  }
  for (const [k, s] of p.stopped) out[k].stopped = s;
  return out;
}

/**
 * Outcomes in short: an agreeing flow (the usual one) is its rule list's number among the distinct
 * lists (`paths`); any other outcome travels whole in `other`.
 */
export interface PackedOutcomes {
  /** Per flow: its rule list in `paths`, or −1 (the outcome is in `other`). */
  pathOf: Int32Array;
  paths: string[][];
  other: Array<[number, FlowOutcome]>;
}

export function packOutcomes(outcomes: readonly FlowOutcome[]): PackedOutcomes {
  const pathOf = new Int32Array(outcomes.length);
  const paths: string[][] = [];
  // (the distinct lists of a batch are few: compared item by item among those of the same length,
  // which is cheaper than a joined key for each flow)
  const byLength = new Map<number, number[]>();
  const keyed = new Map<string, number>();
  const other: PackedOutcomes['other'] = [];
  for (let k = 0; k < outcomes.length; k++) {
    const o = outcomes[k];
    if (!('judgement' in o) || !o.judgement.verdict.ok || o.judgement.phase !== 'mutated') {
      pathOf[k] = -1;
      other.push([k, o]);
      continue;
    }
    const rules = o.judgement.rules;
    let same = byLength.get(rules.length);
    if (!same) byLength.set(rules.length, (same = []));
    // (many lists of one length: a joined key instead)
    const key = same.length > 16 ? rules.join('>') : undefined;
    let id = key !== undefined ? keyed.get(key) : same.find((x) => sameList(paths[x], rules));
    if (id === undefined) {
      id = paths.length;
      if (key !== undefined) keyed.set(key, id);
      else same.push(id);
      paths.push(rules);
    }
    pathOf[k] = id;
  }
  return { pathOf, paths, other };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function unpackOutcomes(p: PackedOutcomes): FlowOutcome[] {
  const out: FlowOutcome[] = new Array(p.pathOf.length);
  for (let k = 0; k < out.length; k++) if (p.pathOf[k] >= 0) out[k] = { judgement: { verdict: { ok: true }, phase: 'mutated', rules: p.paths[p.pathOf[k]] } };
  for (const [k, o] of p.other) out[k] = o;
  return out;
}
