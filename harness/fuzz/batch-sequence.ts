// The batched sequence engine: many stateful probes (request, established via passive) in flight at
// once, each on its own 4-tuple (its own peer port), played in lockstep rounds. Round k sends every
// live probe's k-th packet back to back in one send() from the packet ring, then ONE sentinel
// (BatchEngine: a SYN to a closed port; its RST comes after the DUT processed everything before it,
// same CPU, FIFO), so each probe's answer is every frame on its flow before the sentinel's — silence
// proven by order, as for single probes. The round's replies are split per flow and each probe is
// judged against its own model state, fed the same packets at the times they went out, exactly as
// runSequenceProbe feeds them (same judged window, same captures and bindings: the DUT's ISN, TSval
// and window come from the probe's own SYN-ACK).
//
// Why per-probe model states are exact here: see lib/fuzz/batch-plan.ts (batchLimit keeps a batch
// under every threshold that couples a listener's flows; the caller drains the accept queue so that
// its children and the batch's stay within the backlog). A probe is handed back to the sequential engine (not judged here) when the model predicts
// a judged answer after the packet (the next tick's ACK): the sequential engine waits for it before
// its sentinel, a batch cannot without making the verdict depend on timing.
import { judge } from '../../lib/match/judge';
import { bind } from '../../lib/model/core/match';
import type { ModelState, Prediction } from '../../lib/model';
import { batchLimit, roundsOf, splitReplies, type Round } from '../../lib/fuzz/batch-plan';
import { bindingsFor, Probe, ProbeBindings, probePacketSpec } from '../../lib/fuzz/probe';
import { buildIp } from '../../lib/wire/build';
import { decodeEthernet, decodeIp } from '../../lib/wire/decode';
import { toPacketJson } from '../../lib/wire/summary';
import type { PacketJson } from '../../lib/wire/types';
import type { CapturedFrame } from '../capture/capture';
import type { Lab } from '../topology/lab';
import { BatchEngine } from '../engine/batch-engine';
import { ethHeaderOf, packFrames } from '../engine/listener-engine';
import { softnetDropped } from './kernel-drops';
import { bindCapture, JUDGED_WITHIN_MS, SequenceContext, SequenceJudgement } from './sequence-engine';

/**
 * The longest a round may take from a packet to the sentinel's answer: the model's time for the packet
 * is within that of the DUT's, twice over for a TSval (the offset bound from the SYN-ACK, then the
 * answer), well inside the model's 50 ms TSval tolerance.
 */
const ROUND_SPAN_MS = 10;
/** How close to the round's end a later answer (a timer's) must be predicted for the capture to have it. */
const LATE_MARGIN_MS = 5;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One engine per lab capture and sentinel port (it holds a 512 KB flow table: not one per batch). */
const engines = new WeakMap<object, { closedPort: number; engine: BatchEngine }>();
function engineFor(lab: Lab, closedPort: number): BatchEngine {
  let e = engines.get(lab.capture);
  if (!e || e.closedPort !== closedPort)
    engines.set(lab.capture, (e = { closedPort, engine: new BatchEngine(lab, { window: 1024, cleanup: false, closedPort }) }));
  return e.engine;
}

/** A batched probe's outcome: its judgement, or why it must run alone (runSequenceProbe). */
export type BatchOutcome = { judgement: SequenceJudgement } | { alone: string; why: AloneWhy; retry?: boolean };

/**
 * Why a batch handed a probe back: its judged answer comes after its packet (deferred), a later answer
 * may have come before the sentinel's (late), its round was too slow to time the answers (slow), the
 * kernel dropped our frames (drops).
 */
export type AloneWhy = 'deferred' | 'late' | 'slow' | 'drops';

export interface BatchStats {
  rounds: number;
  /** BatchEngine sends (rounds split by the ring's window, plus the clean-up round) */
  sends: number;
  /** probes handed back to the sequential engine, by reason */
  alone: number;
  elapsedMs: number;
}

interface Flow {
  probe: Probe;
  rounds: Round[];
  k: number;
  st: ModelState;
  rules: string[];
  reasons: Array<{ fn: string; text: string }>;
  captured: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>>;
  out?: BatchOutcome;
}

/**
 * Run `probes` (all batchable: notBatchable() undefined, distinct flows, passive: ctx.listen set)
 * as one batch; outcomes in the same order. The probes' flows are reset at the end (a RST at the
 * peer's ISN + 1 each); children they completed stay in the accept queue for the caller to drain.
 */
export async function runSequenceBatch(ctx: SequenceContext, probes: readonly Probe[]): Promise<{ outcomes: BatchOutcome[]; stats: BatchStats }> {
  const { lab, api } = ctx;
  if (!ctx.listen) throw new Error('batched sequence engine: passive targets only (a listener)');
  const port = ctx.listen.port;
  const t0 = performance.now();
  const stats: BatchStats = { rounds: 0, sends: 0, alone: 0, elapsedMs: 0 };
  const flows: Flow[] = probes.map((p) => ({
    probe: p,
    rounds: roundsOf(p),
    k: 0,
    st: ctx.base[p.ip],
    rules: [],
    reasons: [],
    captured: {},
  }));
  const engine = engineFor(lab, ctx.closedPort ?? 9);
  const eth = ethHeaderOf(lab);
  const ends = { 4: { src: lab.addr.v4.peer, dst: lab.addr.v4.dut, dport: port }, 6: { src: lab.addr.v6.peer, dst: lab.addr.v6.dut, dport: port } };
  const drops0 = softnetDropped();
  try {
    for (;;) {
      const live = flows.filter((f) => !f.out);
      if (live.length === 0) break;
      const sent = live.map((f) => buildIp(probePacketSpec(f.probe, f.rounds[f.k].packet, bindingsFor(f.probe, f.captured), ends[f.probe.ip])));
      const { replies } = engine.run(
        packFrames(
          sent.map((bytes) => ({ bytes })),
          eth,
        ),
      );
      // (when the sentinel's answer was in: every answer of the round came before it)
      const tEnd = nowMs();
      stats.rounds++;
      stats.sends++;
      const frames: CapturedFrame[] = [];
      for (let j = 0; j < replies.n; j++) {
        // (views: the engine's reply buffer is this run's own)
        frames.push({ bytes: replies.buf.subarray(replies.offs[j], replies.offs[j + 1]), tNs: BigInt(Math.round(replies.sentMs[replies.probe[j]] * 1e6)) });
      }
      const per = splitReplies(live.length, frames, replies.probe);
      // The model takes the round's packets in the order they went out (each flow its own state).
      for (let i = 0; i < live.length; i++) step(live[i], sent[i], per[i], replies.sentMs[i], tEnd);
    }
  } finally {
    // Clean-up: a RST at the peer's ISN + 1 on every flow (kills a request socket; an established
    // child that took data answers with a challenge ACK and waits in the accept queue to be drained).
    // Sent as a round with its own sentinel, so the next batch meets a listener that processed them.
    const rsts = flows.map((f) => ({
      bytes: buildIp({
        ip: f.probe.ip,
        src: ends[f.probe.ip].src,
        dst: ends[f.probe.ip].dst,
        sport: f.probe.sport,
        dport: port,
        flags: 'R',
        seq: (f.probe.peerIsn + 1) >>> 0,
        window: 0,
      }),
    }));
    engine.run(packFrames(rsts, eth));
    stats.sends++;
  }
  // Our own overload (the ingress backlog dropped frames) proves nothing: every probe runs alone.
  const dropped = softnetDropped() - drops0;
  const outcomes = flows.map((f): BatchOutcome => {
    if (dropped > 0) return { alone: `the kernel's ingress backlog dropped ${dropped} frame(s) during the batch`, why: 'drops', retry: true };
    return f.out!;
  });
  stats.alone = outcomes.filter((o) => 'alone' in o).length;
  stats.elapsedMs = performance.now() - t0;
  return { outcomes, stats };

  /** One flow's round: feed the packet to its model state at the time it went out, judge, bind. */
  function step(f: Flow, bytes: Uint8Array, got: CapturedFrame[], t: number, tEnd: number): void {
    const round = f.rounds[f.k];
    const env = ctx.env[f.probe.ip];
    // The packet went out between the round's start and tEnd (its time t is interpolated, as the
    // listener engine does): a slow round (the softirq deferred, the machine loaded) leaves the time
    // the DUT stamped on its answers known only to within that span.
    if (tEnd - t > ROUND_SPAN_MS) {
      f.out = {
        alone: `${round.what}: ${(tEnd - t).toFixed(1)} ms from the packet to the sentinel's answer (over ${ROUND_SPAN_MS} ms: the answers' times are not known closely enough)`,
        why: 'slow',
        retry: true,
      };
      return;
    }
    const r = api.apply(env, f.st, { type: 'segment', seg: decodeIp(bytes) }, t);
    const judged = r.responses.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS);
    if (judged.some((p) => p.atMs > t)) {
      const p = judged.find((x) => x.atMs > t)!;
      f.out = { alone: `${round.what}: the model predicts a judged answer ${(p.atMs - t).toFixed(1)} ms after the packet (${p.reason.rule})`, why: 'deferred' };
      return;
    }
    // An answer the model puts later (a delayed ACK, 40 ms) that may have come before the sentinel's.
    const late = r.responses.find((p) => p.atMs > t + JUDGED_WITHIN_MS && p.atMs <= tEnd + LATE_MARGIN_MS);
    if (late) {
      f.out = {
        alone: `${round.what}: the model's answer ${(late.atMs - t).toFixed(1)} ms after the packet (${late.reason.rule}) may have come before the sentinel's`,
        why: 'late',
      };
      return;
    }
    f.st = r.state;
    for (const x of r.reasons) {
      f.rules.push(x.rule);
      f.reasons.push(x);
    }
    const observed = got.map((g) => toPacketJson(decodeEthernet(g.bytes))!);
    const sentNs = BigInt(Math.round(t * 1e6));
    if (round.last) {
      f.out = { judgement: judgementOf(f, 'mutated', judge(judged, observed, r.state, r.reasons), observed, judged, got, sentNs, bytes) };
      return;
    }
    f.k++;
    const cap = round.capture;
    // (a send with no capture after it: its answer is not judged, as in runSequenceProbe)
    if (!cap) return;
    const v = judge(judged, observed, f.st);
    if (!v.ok) {
      f.out = { judgement: judgementOf(f, 'setup', v, observed, judged, [], 0n) };
      return;
    }
    f.st = v.state;
    const obs = bindCapture(cap, observed, f.captured);
    // As runSequenceProbe: each prediction bound to that frame once more — except the usual case, one
    // prediction and that frame, which judge() above has just bound.
    if (judged.length === 1 && observed[0] === obs) return;
    for (const p of judged) f.st = bind(f.st, p, obs ?? observed[0]).state;
  }
}

function judgementOf(
  f: Flow,
  phase: SequenceJudgement['phase'],
  verdict: SequenceJudgement['verdict'],
  observed: PacketJson[],
  predicted: Prediction[],
  frames: CapturedFrame[],
  sentNs: bigint,
  sent?: Uint8Array,
): SequenceJudgement {
  const reasons = f.reasons;
  return {
    verdict,
    phase,
    observed,
    predicted: predicted.map((p) => p.packet),
    rules: f.rules,
    frames,
    sentNs,
    sent,
    bindings: f.captured,
    get reasons() {
      return reasons.map((r) => `${r.fn}: ${r.text}`);
    },
  };
}

/**
 * Probes per batch on this context's listener — `wanted`, capped by what keeps flows independent
 * (batchLimit) — and its backlog: a batch starts only when the children already in the accept queue
 * plus its own stay within it.
 */
export function batchLimitsFor(ctx: SequenceContext, wanted: number): { size: number; backlog: number } {
  if (!ctx.listen) return { size: 1, backlog: 0 };
  let size = wanted;
  let backlog = Infinity;
  for (const ip of [4, 6] as const) {
    const l = ctx.base[ip].listeners.get(ctx.listen.port);
    if (!l) return { size: 1, backlog: 0 };
    const s = ctx.env[ip].sysctls;
    const limits = {
      maxBacklog: l.maxBacklog,
      tcp_syncookies: s.tcp_syncookies,
      tcp_max_syn_backlog: s.tcp_max_syn_backlog,
      tcp_challenge_ack_limit: s.tcp_challenge_ack_limit,
    };
    size = Math.min(size, batchLimit(limits, wanted).size);
    backlog = Math.min(backlog, l.maxBacklog);
  }
  return { size, backlog };
}
