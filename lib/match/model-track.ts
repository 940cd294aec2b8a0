// The reference model running alongside a case: every stimulus the runner applies to the kernel is
// applied to the model at the same CLOCK_MONOTONIC time, the model's predicted packets wait in a queue
// (per flow, in send order) until an observed packet claims them, and time is advanced with `tick` so
// timer-driven packets (SYN-ACK retransmissions) join the queue when they fall due. Pure: no clock
// is read here; the runner passes every time in.
//
// A sent segment is only recorded (`sent`) and applied when the model is next consulted (`settle`,
// which every other method calls first): applying it at once would keep the runner's event loop from
// taking the DUT's answer off the capture for as long as the model works.
import { apply, bind, matchPrediction } from '../model';
import type { FieldDiff, ModelEnv, ModelEvent, ModelState, Prediction, Reason, StepResult } from '../model';
import type { Decoded, PacketJson } from '../wire/types';

/** A prediction not yet claimed by an observed packet. */
export interface PendingPrediction {
  pred: Prediction;
  /** The case flow the packet goes to (by its destination port), undefined for a port no flow uses. */
  flow: string | undefined;
  /** Every reason of the model step that produced it (the decision chain). */
  reasons: readonly Reason[];
  /** Model time of the step that produced it (its atMs minus this: the delay the model put on it). */
  madeMs: number;
  /** When the event behind that step really happened (a send's stamp; the model's clock may be later, up to MODEL_SLACK_MS). */
  causeMs: number;
}

export class ModelTrack {
  /** The model's state as of the last `settle` (segments `sent` since are not in it yet). */
  state: ModelState;
  /** Model time, ms (CLOCK_MONOTONIC); never goes back. */
  now: number;
  private pending: PendingPrediction[] = [];
  /** Flows the model no longer follows, and why (an operation it does not model). */
  private readonly detached = new Map<string, string>();
  /** Reasons of the latest model step that concerned each flow (why it predicted what it did). */
  private readonly lastReasons = new Map<string, readonly Reason[]>();
  /** Segments sent but not yet applied (see `sent`). */
  private readonly backlog: Array<{ seg: Decoded; atMs: number; flow: string }> = [];

  constructor(
    private envNow: ModelEnv,
    state: ModelState,
    nowMs: number,
    private readonly flowOf: (peerPort: number) => string | undefined,
  ) {
    this.state = state;
    this.now = nowMs;
  }

  get env(): ModelEnv {
    return this.envNow;
  }

  /** The DUT's sysctls changed at `nowMs` (a sysctl step): what is due before runs under the old ones. */
  setEnv(env: ModelEnv, nowMs: number): void {
    this.advance(nowMs);
    this.envNow = env;
  }

  /** Records a segment the harness sent at `atMs` on `flow`; it is applied by the next `settle`. */
  sent(seg: Decoded, atMs: number, flow: string): void {
    this.backlog.push({ seg, atMs, flow });
  }

  /** Applies the segments `sent` so far, in order, each at its own time. Every other method calls it first. */
  settle(): void {
    for (const b of this.backlog.splice(0)) this.apply({ type: 'segment', seg: b.seg }, b.atMs, b.flow);
  }

  /** Applies one event at `nowMs` (timers due by then fire first, inside the same model step). */
  event(ev: ModelEvent, nowMs: number, flow?: string): StepResult {
    this.settle();
    return this.apply(ev, nowMs, flow);
  }

  private apply(ev: ModelEvent, nowMs: number, flow?: string): StepResult {
    const at = Math.max(nowMs, this.now);
    const r = apply(this.env, this.state, ev, at);
    this.state = r.state;
    this.now = at;
    this.collect(r, at, nowMs);
    if (flow !== undefined) this.lastReasons.set(flow, r.reasons);
    return r;
  }

  /** Lets model time pass up to `toMs`: due timers fire and their packets join the queue. */
  advance(toMs: number): void {
    this.settle();
    if (toMs <= this.now) return;
    if (this.state.nextDue <= toMs) {
      const r = apply(this.env, this.state, { type: 'tick' }, toMs);
      this.state = r.state;
      this.collect(r, toMs, toMs);
    }
    this.now = toMs;
  }

  private collect(r: StepResult, madeMs: number, causeMs: number): void {
    // A delayed ACK the model predicted earlier that an ACK (or the socket's end) has since replaced.
    const gone = r.cancels;
    if (gone) this.pending = this.pending.filter((p) => p.pred.delack === undefined || !gone.includes(p.pred.delack));
    for (const pred of r.responses) {
      const flow = this.flowOf(pred.packet.tcp.dport);
      if (flow !== undefined && this.detached.has(flow)) continue;
      this.pending.push({ pred, flow, reasons: r.reasons, madeMs, causeMs });
      if (flow !== undefined) this.lastReasons.set(flow, r.reasons);
    }
  }

  /**
   * When the model's next timer falls due (model ms; Infinity when none is armed): its timers, and a
   * delayed ACK it predicted for later (the kernel's delayed-ACK timer, which a packet sent before it
   * replaces, C37) — a step the harness ran after that time was late against it.
   */
  nextTimerMs(): number {
    this.settle();
    let t = this.state.nextDue;
    for (const p of this.pending) if (p.pred.delack !== undefined && p.pred.atMs > this.now && p.pred.atMs < t) t = p.pred.atMs;
    return t;
  }

  /** Unclaimed predictions (on `flow`, or all when undefined), in send order. */
  due(flow?: string): PendingPrediction[] {
    this.settle();
    return flow === undefined ? [...this.pending] : this.pending.filter((p) => p.flow === flow);
  }

  /** Removes and returns the oldest unclaimed prediction on `flow`. */
  take(flow: string): PendingPrediction | undefined {
    this.settle();
    const i = this.pending.findIndex((p) => p.flow === flow);
    return i === -1 ? undefined : this.pending.splice(i, 1)[0];
  }

  /**
   * The prediction answered by a packet that the case checks without the model: the oldest one on its
   * flow that agrees with the packet (its symbols are bound), or else simply the oldest. So a packet
   * the model predicted but the kernel never sent stays queued, where a later expect_none reports it,
   * instead of shifting every later pairing by one.
   */
  claim(flow: string, observed: PacketJson): PendingPrediction | undefined {
    this.settle();
    const mine = this.pending.filter((p) => p.flow === flow);
    if (!mine.length) return undefined;
    const hit = mine.find((p) => matchPrediction(p.pred, observed, this.state).length === 0);
    const p = hit ?? mine[0];
    this.pending.splice(this.pending.indexOf(p), 1);
    if (hit) this.state = bind(this.state, hit.pred, observed).state;
    return p;
  }

  /** Removes these predictions from the queue. */
  drop(list: readonly PendingPrediction[]): void {
    this.settle();
    const set = new Set(list);
    this.pending = this.pending.filter((p) => !set.has(p));
  }

  /**
   * Compares a claimed prediction with the packet that claimed it. When they agree, the symbols the
   * packet reveals (ISN, TS offset, flow label, cookie) are bound for later predictions.
   */
  agree(p: PendingPrediction, observed: PacketJson): FieldDiff[] {
    this.settle();
    const diffs = matchPrediction(p.pred, observed, this.state);
    if (!diffs.length) this.state = bind(this.state, p.pred, observed).state;
    return diffs;
  }

  /** Binds what `verdictState` (from judge) learnt. */
  adopt(verdictState: ModelState): void {
    this.settle();
    this.state = { ...this.state, bindings: verdictState.bindings };
  }

  /** Stop following `flow`: its predictions are dropped from now on. */
  detach(flow: string, why: string): void {
    this.settle();
    if (!this.detached.has(flow)) this.detached.set(flow, why);
    this.pending = this.pending.filter((p) => p.flow !== flow);
  }

  detachedWhy(flow: string): string | undefined {
    return this.detached.get(flow);
  }

  /** Why the model predicted what it did on `flow` most recently (its step's reasons). */
  reasonsFor(flow: string): readonly Reason[] {
    this.settle();
    return this.lastReasons.get(flow) ?? [];
  }

  /**
   * listen() again on a listening socket: inet_listen only updates sk_max_ack_backlog (§4.1). The
   * model has no event for it, so the listener record is updated here, as the kernel does.
   */
  relisten(port: number, backlog: number): boolean {
    this.settle();
    const l = this.state.listeners.get(port);
    if (!l) return false;
    const maxBacklog = Math.max(0, Math.min(backlog, this.env.sysctls.somaxconn));
    const listeners = this.state.listeners.copy();
    listeners.set(port, { ...l, backlog, maxBacklog });
    this.state = { ...this.state, listeners };
    return true;
  }
}

export type { FieldDiff as ModelFieldDiff };
