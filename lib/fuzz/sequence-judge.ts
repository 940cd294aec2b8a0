// Judging a stateful probe's flow once it has been played: the model fed each packet at the time it
// went out, its immediate answers judged against what the kernel sent on the flow before the round's
// sentinel answer, the setup's captures bound — the same steps, windows and bindings as the
// sequential engine (harness/fuzz/sequence-engine.ts), run after the fact. The batched sequence engine
// plays every flow of a batch first (the packets only need what the captures bind, read straight off
// the frames), then judges each flow with this, on another thread when there is one. Pure.
import { framesAgreeBinding } from '../match/fast-judge';
import { judge, type Verdict } from '../match/judge';
import { cloneDict } from '../model/core/state';
import { bind } from '../model/core/match';
import type { ModelEnv, ModelState, Prediction } from '../model';
import { decodeEthernet, decodeIp } from '../wire/decode';
import { toPacketJson } from '../wire/summary';
import type { PacketJson } from '../wire/types';
import { roundsOf, type Round } from './batch-plan';
import type { ModelApiLike } from './model-run';
import type { Probe, ProbeBindings, SetupStep } from './probe';

/**
 * Answers the model predicts this soon after a packet are judged with it: the immediate ones and the
 * next tick's (a bare FIN's pingpong ACK, ato 0). Later ones (a delayed ACK after data, 40 ms;
 * retransmissions) are not.
 */
export const JUDGED_WITHIN_MS = 5;
/** How close to a round's end a later answer (a timer's) must be predicted for the capture to have it. */
export const LATE_MARGIN_MS = 5;

/**
 * A capture step: the DUT frame it binds from (the first observed with the step's flag) and the
 * values it binds, written into `captured`.
 */
export function bindCapture(
  step: Extract<SetupStep, { kind: 'capture' }>,
  observed: readonly PacketJson[],
  captured: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>>,
): PacketJson | undefined {
  const obs = observed.find((o) => o.tcp.flags.includes(step.what === 'ack' ? 'A' : step.what === 'fin' ? 'F' : 'S'));
  if (obs) {
    if (typeof obs.tcp.seq === 'number' && step.bind.includes('dutIsn') && step.what !== 'ack') captured.dutIsn = obs.tcp.seq;
    if (typeof obs.tcp.window === 'number' && step.bind.includes('dutWindow')) captured.dutWindow = obs.tcp.window;
    const ts = obs.tcp.options.find((o) => o[0] === 'ts');
    if (ts && typeof ts[1] === 'number' && step.bind.includes('dutTsval')) captured.dutTsval = ts[1];
  }
  return obs;
}

/**
 * bindCapture on raw frames (Ethernet on, as captured), without decoding them: the batched engine
 * binds its rounds' captures with it on the main thread. Same frame, same values as bindCapture.
 */
export function bindCaptureFrames(
  step: Extract<SetupStep, { kind: 'capture' }>,
  frames: readonly Uint8Array[],
  captured: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>>,
): void {
  const want = step.what === 'ack' ? 0x10 : step.what === 'fin' ? 0x01 : 0x02;
  for (const f of frames) {
    const v = f[14] >> 4;
    const t = 14 + (v === 4 ? (f[14] & 0x0f) * 4 : 40);
    if (f.length < t + 20 || (v === 4 ? f[23] : f[20]) !== 6 || !(f[t + 13] & want)) continue;
    if (step.bind.includes('dutIsn') && step.what !== 'ack') captured.dutIsn = ((f[t + 4] << 24) | (f[t + 5] << 16) | (f[t + 6] << 8) | f[t + 7]) >>> 0;
    if (step.bind.includes('dutWindow')) captured.dutWindow = (f[t + 14] << 8) | f[t + 15];
    if (step.bind.includes('dutTsval')) {
      const end = Math.min(f.length, t + (f[t + 12] >> 4) * 4);
      for (let o = t + 20; o < end;) {
        const kind = f[o];
        if (kind === 0) break;
        if (kind === 1) {
          o++;
          continue;
        }
        const len = f[o + 1];
        if (len < 2 || o + len > end) break;
        if (kind === 8 && len === 10) {
          captured.dutTsval = ((f[o + 2] << 24) | (f[o + 3] << 16) | (f[o + 4] << 8) | f[o + 5]) >>> 0;
          break;
        }
        o += len;
      }
    }
    return;
  }
}

/**
 * Why a probe is handed back to be played alone: its judged answer comes after its packet (deferred:
 * the sequential engine waits for it before its sentinel), a later answer may have come before the
 * sentinel's (late), its round was too slow to time the answers (slow), the kernel dropped our frames
 * (drops), a packet needed a value no capture bound (unbound).
 */
export type AloneWhy = 'deferred' | 'late' | 'slow' | 'drops' | 'unbound';

/**
 * One played round of a flow: the packet (IP on), when it went out, when the round's sentinel answer
 * was in, the flow's frames (Ethernet on); `quietMs`: how long after the packets the sentinel was sent
 * (answers predicted that soon, less DEFER_MARGIN_MS, came before it).
 */
export interface PlayedRound {
  bytes: Uint8Array;
  t: number;
  tEnd: number;
  frames: Uint8Array[];
  quietMs?: number;
}

/** How long before a round's late sentinel a judged answer must be predicted (the kernel's tick may come later than the model's). */
export const DEFER_MARGIN_MS = 6;

/**
 * A flow as played — its family, its plan (roundsOf without the packets: what the judge needs, small
 * enough to send to another thread), its rounds in order — and why playing stopped early (the rest of
 * its rounds not sent).
 */
export interface PlayedFlow {
  ip: 4 | 6;
  plan: Array<Pick<Round, 'what' | 'capture' | 'last'>>;
  rounds: PlayedRound[];
  stopped?: { why: AloneWhy; text: string; retry?: boolean };
}

/** A probe's flow before it is played. */
export function playedFlow(probe: Probe): PlayedFlow {
  return { ip: probe.ip, plan: roundsOf(probe).map((r) => ({ what: r.what, capture: r.capture, last: r.last })), rounds: [] };
}

/**
 * A judged flow: its verdict (the first disagreement, as runSequenceProbe reports it; what a campaign
 * records — a batched divergence is played again alone for the rest) or why it must be played alone.
 */
export type FlowOutcome =
  | { judgement: { verdict: Pick<Verdict, 'ok' | 'divergence'>; phase: 'setup' | 'mutated' | 'call'; rules: string[] } }
  | { alone: string; why: AloneWhy; retry?: boolean };

/** The state with what the frames bind, when they agree with the predictions (fast-judge.ts); undefined: not proven there. */
function fastAgree(predictions: readonly Prediction[], frames: readonly Uint8Array[], st: ModelState): ModelState | undefined {
  const b = framesAgreeBinding(predictions, frames, st.bindings, cloneDict);
  if (!b) return undefined;
  return b === st.bindings ? st : { ...st, bindings: b };
}

/** Judge a played flow from `base` (the listener's state as every probe of the batch found it). */
export function judgeFlow(api: ModelApiLike, env: ModelEnv, base: ModelState, flow: PlayedFlow): FlowOutcome {
  const rounds = flow.plan;
  let st = base;
  const rules: string[] = [];
  const captured: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>> = {};
  // (the verdict without its model state: large, and not needed once judged)
  const out = (v: Verdict, phase: 'setup' | 'mutated' | 'call'): FlowOutcome => ({
    judgement: { verdict: v.ok ? { ok: true } : { ok: false, divergence: v.divergence }, phase, rules },
  });
  /** The mutated packet's verdict (agreed) when again rounds follow it; answers the model put past its judged window. */
  let mutated: Verdict | undefined;
  let later: Prediction[] = [];
  for (let k = 0; k < flow.rounds.length; k++) {
    const { bytes, t, tEnd, frames, quietMs } = flow.rounds[k];
    const round = rounds[k];
    const r = api.apply(env, st, { type: 'segment', seg: decodeIp(bytes) }, t);
    // An again round judges, as the sequential engine's call does, the answers the model put past the
    // mutated packet's judged window that are due by now; only those rounds carry them.
    let carried = round.what === 'again' ? later : [];
    // A delayed ACK predicted earlier that this step's ACK (or the socket's end) replaced is not coming (C37).
    const gone = r.cancels;
    if (gone) carried = carried.filter((p) => p.delack === undefined || !gone.includes(p.delack));
    const due = carried.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS);
    later = [...carried.filter((p) => p.atMs > t + JUDGED_WITHIN_MS), ...r.responses.filter((p) => p.atMs > t + JUDGED_WITHIN_MS)];
    const judged = [...due, ...r.responses.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS)];
    // (an answer after the packet came before the sentinel only if the sentinel waited long enough)
    const deferred = judged.find((p) => p.atMs > t + Math.max(0, (quietMs ?? 0) - DEFER_MARGIN_MS));
    if (deferred)
      return {
        alone: `${round.what}: the model predicts a judged answer ${(deferred.atMs - t).toFixed(1)} ms after the packet (${deferred.reason.rule})`,
        why: 'deferred',
      };
    // An answer the model puts later (a delayed ACK, 40 ms) that may have come before the sentinel's.
    const late = later.find((p) => p.atMs <= tEnd + LATE_MARGIN_MS);
    if (late)
      return {
        alone: `${round.what}: the model's answer ${(late.atMs - t).toFixed(1)} ms after the packet (${late.reason.rule}) may have come before the sentinel's`,
        why: 'late',
      };
    st = r.state;
    for (const x of r.reasons) rules.push(x.rule);
    if (round.what === 'mutated' || round.what === 'again') {
      // (the fast path first: agreement read off the frames, with what it binds)
      const fast = fastAgree(judged, frames, r.state);
      if (fast) {
        mutated ??= { ok: true, state: fast };
        st = fast;
        continue;
      }
      const observed = frames.map((f) => toPacketJson(decodeEthernet(f))!);
      const v = judge(judged, observed, r.state, r.reasons);
      if (!v.ok) return out(v, round.what === 'again' ? 'call' : 'mutated');
      mutated ??= v;
      st = v.state;
      continue;
    }
    const cap = round.capture;
    // (a send with no capture after it: its answer is not judged, as in runSequenceProbe)
    if (!cap) continue;
    // (one prediction at most: what the capture binds is what judge binds — the fast path's)
    const fast = judged.length <= 1 ? fastAgree(judged, frames, st) : undefined;
    if (fast) {
      st = fast;
      continue;
    }
    const observed = frames.map((f) => toPacketJson(decodeEthernet(f))!);
    const v = judge(judged, observed, st);
    if (!v.ok) return out(v, 'setup');
    st = v.state;
    const obs = bindCapture(cap, observed, captured);
    // As runSequenceProbe: each prediction bound to that frame once more — except the usual case, one
    // prediction and that frame, which judge() has just bound.
    if (judged.length === 1 && observed[0] === obs) continue;
    for (const p of judged) st = bind(st, p, obs ?? observed[0]).state;
  }
  // Played to the end: the mutated packet's verdict, its again calls agreeing.
  if (mutated && flow.rounds.length === rounds.length) return out(mutated, 'mutated');
  const s = flow.stopped ?? { why: 'unbound' as const, text: 'the flow was not played to its last packet' };
  return { alone: s.text, why: s.why, ...(s.retry ? { retry: true } : {}) };
}
