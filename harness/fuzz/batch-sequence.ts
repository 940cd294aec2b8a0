// The batched sequence engine: many stateful probes (request, established via passive) in flight at
// once, each on its own 4-tuple (its own peer port), played in lockstep rounds. Round k sends every
// live probe's k-th packet back to back in one send() from the packet ring, then ONE sentinel
// (BatchEngine: a SYN to a closed port; its RST comes after the DUT processed everything before it,
// same CPU, FIFO), so each probe's answer is every frame on its flow before the sentinel's — silence
// proven by order, as for single probes. The round's replies are split per flow; a probe's next packet
// needs only what its captures bind (the DUT's ISN, TSval and window, read off its own SYN-ACK), so
// the whole batch is played first and each flow judged afterwards (lib/fuzz/sequence-judge.ts: its own
// model state fed the same packets at the times they went out, exactly as runSequenceProbe feeds them)
// — here, or on the pipeline worker's thread while the next batch is played.
//
// Why per-probe model states are exact here: see lib/fuzz/batch-plan.ts (batchLimit keeps a batch
// under every threshold that couples a listener's flows; the caller drains the accept queue so that
// its children and the batch's stay within the backlog). A probe is handed back to the sequential
// engine when the batch cannot judge it without its verdict depending on timing (AloneWhy).
import { batchLimit, roundsOf, splitReplies } from '../../lib/fuzz/batch-plan';
import { bindingsFor, Probe, ProbeBindings, probePacketBytes } from '../../lib/fuzz/probe';
import { bindCaptureFrames, FlowOutcome, judgeFlow, PlayedFlow, playedFlow } from '../../lib/fuzz/sequence-judge';
import { buildIp } from '../../lib/wire/build';
import type { Lab } from '../topology/lab';
import { BatchEngine } from '../engine/batch-engine';
import { ethHeaderOf, packFrames } from '../engine/listener-engine';
import { softnetDropped } from './kernel-drops';
import type { SequenceContext } from './sequence-engine';

/**
 * The longest a round may take from a packet to the sentinel's answer: the model's time for the packet
 * is within that of the DUT's, twice over for a TSval (the offset bound from the SYN-ACK, then the
 * answer), well inside the model's 50 ms TSval tolerance.
 */
const ROUND_SPAN_MS = 10;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** One engine per lab capture and sentinel port (it holds a 512 KB flow table: not one per batch). */
const engines = new WeakMap<object, { closedPort: number; engine: BatchEngine }>();
function engineFor(lab: Lab, closedPort: number): BatchEngine {
  let e = engines.get(lab.capture);
  if (!e || e.closedPort !== closedPort)
    engines.set(lab.capture, (e = { closedPort, engine: new BatchEngine(lab, { window: 1024, cleanup: false, closedPort }) }));
  return e.engine;
}

export interface BatchStats {
  rounds: number;
  elapsedMs: number;
}

interface Live {
  probe: Probe;
  flow: PlayedFlow;
  steps: ReturnType<typeof roundsOf>;
  captured: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>>;
  done: boolean;
}

/**
 * Play `probes` (all batchable: notBatchable() undefined, distinct flows, passive: ctx.listen set)
 * as one batch; the played flows in the same order, for judgeFlow. The probes' flows are reset at the
 * end (a RST at the peer's ISN + 1 each); children they completed stay in the accept queue for the
 * caller to drain.
 */
export function playSequenceBatch(
  ctx: SequenceContext,
  probes: readonly Probe[],
  o: {
    /** Send the sentinel of a round that carries mutated packets this long after them (QUIET_MS: fin probes). */
    quietMs?: number;
  } = {},
): { flows: PlayedFlow[]; stats: BatchStats } {
  const { lab } = ctx;
  if (!ctx.listen) throw new Error('batched sequence engine: passive targets only (a listener)');
  const port = ctx.listen.port;
  const t0 = performance.now();
  const stats: BatchStats = { rounds: 0, elapsedMs: 0 };
  const flows: Live[] = probes.map((p) => ({ probe: p, flow: playedFlow(p), steps: roundsOf(p), captured: {}, done: false }));
  const engine = engineFor(lab, ctx.closedPort ?? 9);
  const eth = ethHeaderOf(lab);
  const ends = { 4: { src: lab.addr.v4.peer, dst: lab.addr.v4.dut, dport: port }, 6: { src: lab.addr.v6.peer, dst: lab.addr.v6.dut, dport: port } };
  const drops0 = softnetDropped();
  // (one capture set-up for every round and the clean-up: BatchEngine.session)
  engine.session(() => {
    try {
      for (;;) {
        const live: Live[] = [];
        const sent: Uint8Array[] = [];
        for (const f of flows) {
          if (f.done) continue;
          const k = f.flow.rounds.length;
          try {
            sent.push(probePacketBytes(f.probe, f.steps[k].packet, bindingsFor(f.probe, f.captured), ends[f.probe.ip]));
          } catch (e) {
            // (a value no capture bound: judged up to here; alone, the sequential engine says what it says)
            f.flow.stopped = { why: 'unbound', text: `${f.steps[k].what}: ${(e as Error).message}` };
            f.done = true;
            continue;
          }
          live.push(f);
        }
        if (live.length === 0) break;
        const quietMs =
          o.quietMs && live.some((f) => f.steps[f.flow.rounds.length].what === 'mutated' || f.steps[f.flow.rounds.length].what === 'again') ? o.quietMs : 0;
        const { replies } = engine.run(
          packFrames(
            sent.map((bytes) => ({ bytes })),
            eth,
          ),
          { sentinelAfterMs: quietMs },
        );
        // (when the sentinel's answer was in: every answer of the round came before it)
        const tEnd = nowMs();
        stats.rounds++;
        const frames: Uint8Array[] = [];
        // (views: the engine's reply buffer is this run's own)
        for (let j = 0; j < replies.n; j++) frames.push(replies.buf.subarray(replies.offs[j], replies.offs[j + 1]));
        const per = splitReplies(live.length, frames, replies.probe);
        for (let i = 0; i < live.length; i++) {
          const f = live[i];
          const t = replies.sentMs[i];
          const step = f.steps[f.flow.rounds.length];
          // The packet went out between the round's start and the end of its send (the sentinel's answer
          // unless the sentinel waited; its time t is interpolated, as the listener engine does): a slow
          // round (the softirq deferred, the machine loaded) leaves the time the DUT stamped on its
          // answers known only to within that span.
          const span = (quietMs ? replies.probesEndMs : tEnd) - t;
          if (span > ROUND_SPAN_MS) {
            f.flow.stopped = {
              why: 'slow',
              text: `${step.what}: ${span.toFixed(1)} ms from the packet to the end of its round's send (over ${ROUND_SPAN_MS} ms: the answers' times are not known closely enough)`,
              retry: true,
            };
            f.done = true;
            continue;
          }
          f.flow.rounds.push({ bytes: sent[i], t, tEnd, frames: per[i], ...(quietMs ? { quietMs } : {}) });
          if (step.last) f.done = true;
          else if (step.capture) bindCaptureFrames(step.capture, per[i], f.captured);
        }
      }
    } finally {
      // Clean-up: a RST at the peer's ISN + 1 on every flow (kills a request socket; an established
      // child that took data answers with a challenge ACK and waits in the accept queue to be drained).
      // Sent as a round with its own sentinel, so the next batch meets a listener that processed them.
      const rsts = flows.map(({ probe: p }) => ({
        bytes: buildIp({ ip: p.ip, src: ends[p.ip].src, dst: ends[p.ip].dst, sport: p.sport, dport: port, flags: 'R', seq: (p.peerIsn + 1) >>> 0, window: 0 }),
      }));
      engine.run(packFrames(rsts, eth));
    }
  });
  // Our own overload (the ingress backlog dropped frames) proves nothing: every probe again.
  const dropped = softnetDropped() - drops0;
  if (dropped > 0)
    for (const f of flows) {
      f.flow.stopped = { why: 'drops', text: `the kernel's ingress backlog dropped ${dropped} frame(s) during the batch`, retry: true };
      f.flow.rounds.length = 0;
    }
  stats.elapsedMs = performance.now() - t0;
  return { flows: flows.map((f) => f.flow), stats };
}

/** Judge played flows on this thread (the campaign's pipeline worker does the same off it). */
export function judgeBatch(ctx: SequenceContext, flows: readonly PlayedFlow[]): FlowOutcome[] {
  return flows.map((f) => judgeFlow(ctx.api, ctx.env[f.ip], ctx.base[f.ip], f));
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
