// Runs one case file, in one address family, against the real kernel in a freshly reset lab, next to the
// reference model, and accounts for every packet the DUT sent.
//
// The pieces (times are CLOCK_MONOTONIC, the clock of the capture, the model and the kernel's TCP
// timestamps: clock.ts):
//   case-context.ts  what the steps share: lab, flows and bindings, DUT sockets, the model alongside
//                    (lib/match/model-track.ts), the `at` reference
//   dut-ledger.ts    every frame of the case; waiting for a DUT packet or for time to pass
//   case-setup.ts    the DUT socket before the first step
//   steps/           one runner per step kind (steps/index.ts maps kind → runner); the verdicts
//                    themselves are lib/match's (pure, unit-tested without a kernel)
//   case-result.ts   unexpected packets, the result and its pcapng packets
// The first failing step ends the ladder. At the end every DUT packet that no expectation took is
// unexpected (the case fails), and a capture drop makes the result an error.
import { isGlobalSysctl } from '../../lib/kernel/global-sysctls';
import type { CaseFile } from '../../lib/case';
import { ModelTrack } from '../../lib/match/model-track';
import { Drift, pendingTimerOfLateStep } from '../../lib/match/lateness';
import { SETTLE_MS } from '../../lib/match/timing';
import type { StepOutcome } from '../../lib/match/verdict';
import { initialState, makeEnv } from '../../lib/model';
import { realMinusMonotonicNs } from '../sys/clock-offset';
import { readModelSysctls } from '../engine/dut-sysctls';
import { scriptFailureLine } from '../packetdrill/report';
import type { CaseResult } from '../report/types';
import { LabNotReady, type Lab } from '../topology/lab';
import { CaseContext } from './case-context';
import { caseResult, type CaseEnd } from './case-result';
import { setupDut } from './case-setup';
import { msToNs, now, nsToMs } from './clock';
import { DutLedger } from './dut-ledger';
import { runStep } from './steps';

/** Model sysctls a fresh namespace copies from the host's (or that are global): they differ by machine. */
const HOST_INHERITED = ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.core.rmem_max'];

/** A lab reset for the case: its sysctls, and its link MTU when the case sets one for the family (else the default). */
export type LabProvider = (sysctls: Record<string, string | number>, mtu?: number) => Promise<Lab>;

export interface RunCaseOptions {
  seed: number;
  /** Called as each step starts (1-based step number). */
  onStep?: (step: number) => void;
  /** Set by the caller to stop the case (e.g. its timeout); see CaseExecution.abort. */
  onExecution?: (x: CaseExecution) => void;
  /** Test-only: how long to hold the harness back before a step (a late harness on demand; see test-knobs.ts). */
  delayStepMs?: (step: number) => number;
  /** Test-only: how late a `wait` step wakes (see test-knobs.ts). */
  lateWakeMs?: (step: number) => number;
}

class Aborted extends Error {}

export async function runCase(c: CaseFile, ip: 4 | 6, labFor: LabProvider, o: RunCaseOptions): Promise<CaseResult> {
  const x = new CaseExecution(c, ip, o);
  o.onExecution?.(x);
  return x.run(labFor);
}

export class CaseExecution {
  private aborted: string | undefined;
  private ledger: DutLedger | undefined;
  private stepNo = 0;

  constructor(
    readonly c: CaseFile,
    readonly ip: 4 | 6,
    private readonly o: RunCaseOptions,
  ) {}

  /** Stops the case as soon as possible: every wait (for a packet, for time) ends now, and the run reports an error with `why`. */
  abort(why: string): void {
    if (this.aborted) return;
    this.aborted = why;
    this.ledger?.stop();
  }

  /** The step running now (1-based; 0 before the first). */
  get step(): number {
    return this.stepNo;
  }

  private readonly check = (): void => {
    if (this.aborted) throw new Aborted(this.aborted);
  };

  async run(labFor: LabProvider): Promise<CaseResult> {
    const c = this.c;
    const sysctlMap: Record<string, string | number> = {};
    // kernel-wide ones are never written: the plan ran the case only where the kernel already has them
    for (const s of c.sysctls) if (!isGlobalSysctl(s.name)) sysctlMap[s.name] = s.value;
    const steps: StepOutcome[] = [];
    const t0 = now();
    const epochOffsetNs = realMinusMonotonicNs();
    const end: CaseEnd = { status: 'pass', steps, kernel: 'unknown', sysctls: {}, profile: 'unknown', drops: 0, durationMs: 0, epochOffsetNs };
    let lab: Lab | undefined;
    let cx: CaseContext | undefined;
    let slow: CaseResult['harnessSlow'];
    try {
      lab = await labFor(sysctlMap, c.mtu?.[this.ip]);
      this.check();
      end.kernel = lab.agent.release;
      const a = this.ip === 4 ? lab.addr.v4 : lab.addr.v6;
      const flowByPort = new Map(c.flows.map((f) => [f.sport, f.name]));
      const flowOf = (port: number): string | undefined => flowByPort.get(port);
      const ledger = new DutLedger(a.dut, a.peer, flowOf);
      this.ledger = ledger;
      if (this.aborted) ledger.stop();
      lab.capture.take();
      lab.capture.onFrame = (f) => ledger.onFrame(f);
      const modelSysctls = await readModelSysctls(lab);
      // Recorded with the result: what the case set, as the kernel reports it, and the values a new
      // namespace inherits from the host (so a result from another machine explains itself).
      for (const k of [...Object.keys(sysctlMap), ...HOST_INHERITED]) {
        if (modelSysctls[k] !== undefined) end.sysctls[k] = modelSysctls[k];
      }
      const env = makeEnv({ release: end.kernel, version: lab.agent.version, ip: this.ip, dut: a.dut, peer: a.peer, mtu: lab.mtu, sysctls: modelSysctls });
      end.profile = env.profile.name;
      cx = new CaseContext(c, this.ip, lab, ledger, new ModelTrack(env, initialState(env), nsToMs(now()), flowOf), a.dut, a.peer, this.o.seed, this.check);
      cx.modelSysctls = modelSysctls;
      cx.lateWakeMs = this.o.lateWakeMs;
      cx.envFor = (sysctls) => makeEnv({ release: end.kernel, ip: this.ip, dut: a.dut, peer: a.peer, mtu: lab!.mtu, sysctls });
      if (c.steps.some((s) => s.kind === 'assert' && s.counters.length)) cx.counterBase = await lab.agent.counters();
      await setupDut(cx);
      if (!cx.dueNs) cx.dueNs = now();
      /** The step that set the `at` reference, and the model's next timer when it was due. */
      let ref: { out: StepOutcome; nextTimerMs: number } | undefined;
      const drift = new Drift();
      for (const s of c.steps) {
        this.stepNo = s.index + 1;
        this.o.onStep?.(this.stepNo);
        const delay = this.o.delayStepMs?.(this.stepNo) ?? 0;
        if (delay > 0) await ledger.sleepUntil(now() + msToNs(delay));
        // The model's timers as of the step's due time: one falling due before the step took effect
        // means the kernel acted on its own while the harness was late (lib/match/lateness.ts).
        const dueMs = nsToMs(cx.dueNs);
        cx.model.advance(dueMs);
        const nextTimerMs = cx.model.nextTimerMs();
        const begun = now();
        const refBefore = cx.refNs;
        cx.effect = {};
        let out: StepOutcome;
        try {
          out = await runStep(cx, s);
        } catch (e) {
          if (this.aborted) throw new Aborted(this.aborted);
          end.status = 'error';
          out = { index: s.index, kind: s.kind, ok: false, message: `error: ${(e as Error).message}` };
        }
        this.check();
        const script = scriptFailureLine(c, s, out, cx.stepPackets.get(s.index), cx.bindings.lookup);
        if (script) out.script = script;
        const startNs = cx.effect.startNs ?? begun;
        const next = cx.effect.nextDueNs ?? now();
        const timer = drift.step(
          { dueMs, startMs: nsToMs(startNs), nextDueMs: nsToMs(next > cx.dueNs ? next : cx.dueNs), idealMs: cx.effect.idealMs ?? 0 },
          nextTimerMs,
        );
        out.dueNs = cx.dueNs;
        out.startNs = startNs;
        if (timer !== undefined) {
          out.timerAfterMs = timer.timerMs - dueMs;
          out.driftMs = timer.lateMs;
        }
        if (next > cx.dueNs) cx.dueNs = next;
        if (cx.refNs !== refBefore) ref = { out, nextTimerMs };
        // An `at` window counts from its reference step; a timer already running then (armed by an
        // earlier stimulus) does not move with it, so a late reference step shifts what the window sees.
        if (!out.ok && s.kind === 'expect' && s.packets.some((p) => p.at) && ref) {
          const t = pendingTimerOfLateStep(ref.out, ref.nextTimerMs);
          if (t !== undefined) ref.out.timerAfterMs ??= t;
        }
        steps.push(out);
        if (!out.ok) {
          if (end.status === 'pass') end.status = 'fail';
          end.message = `step ${s.index + 1} ${s.kind}${out.message ? `: ${out.message}` : ' failed'}`;
          if (s.index + 1 < c.steps.length) end.message += ` (${c.steps.length - s.index - 1} later step(s) not run)`;
          break;
        }
      }
      // Answers to the last stimulus are in by now; then everything the DUT sent must have been taken.
      await ledger.sleepUntil(cx.lastStimulusNs + msToNs(SETTLE_MS));
      this.check();
      end.drops = lab.capture.counters().drops;
      try {
        lab.capture.assertNoDrops();
      } catch (e) {
        end.status = 'error';
        end.message = (e as Error).message;
      }
    } catch (e) {
      end.status = 'error';
      end.message = e instanceof Aborted ? e.message : `${this.stepNo ? `step ${this.stepNo}: ` : 'set-up: '}${(e as Error).message}`;
      if (e instanceof LabNotReady) slow = { step: 0, what: 'its lab did not come up in time' };
    } finally {
      if (lab) lab.capture.onFrame = undefined;
    }
    end.durationMs = nsToMs(now() - t0);
    const r = caseResult(cx, this.ledger, lab?.dutMac, end, c, this.ip, this.o.seed);
    return slow ? { ...r, harnessSlow: slow } : r;
  }
}
