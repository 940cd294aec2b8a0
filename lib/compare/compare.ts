// `synh compare`: what changed between two runs (two kernels, or yesterday and today), and is each
// change expected? Status changes (regressions pass→fail/error, fixes), cases only in one run, and
// behaviour changes in cases that pass on both — a normalised field that differs, a packet that
// appeared or vanished, a timer that moved — each classified as explained by the model profiles of
// the two kernels (naming the profile flag and the rule) or unexplained. Pure.
import { profileFor, type Profile } from '../model';
import { differingFlags, flagSummary, flagTouches, PROFILE_FLAGS, type ProfileFlag } from './profile-flags';
import type { ComparableCase, ComparableModel, ComparablePacket } from './types';

export type Status = 'pass' | 'fail' | 'error' | 'skip';

/** The parts of a case result compare reads (summary.json's cases[]). */
export interface CaseView {
  id: string;
  status: Status;
  message?: string;
  kernel: string;
  /** `uname -v` of the kernel, when the run recorded it (Debian's release hides the upstream sublevel). */
  kernelVersion?: string;
  modelProfile: string;
  sysctls: Record<string, string>;
  comparable?: ComparableCase;
}

/** A run as compare sees it. */
export interface RunView {
  /** How the user named it: a path, `latest`, a baseline name. */
  label: string;
  runId: string;
  kernel: string;
  kernelVersion?: string;
  /** False for a run made before the comparable form existed: statuses compare, behaviour does not. */
  comparable: boolean;
  cases: CaseView[];
}

export interface StatusChange {
  id: string;
  from: Status;
  to: Status;
  /** B's message (A's for a fix). */
  message?: string;
}

export interface Explanation {
  /** The profile flags that account for it (empty when a sysctl does). */
  flags: Array<{ flag: ProfileFlag; a: unknown; b: unknown; summary: string }>;
  /** The rules of the predictions involved, with their kernel functions. */
  rules: string[];
  /** Other recorded differences that account for it (sysctls). */
  sysctls: Array<{ name: string; a?: string; b?: string }>;
  /**
   * Same profile and sysctls, and the model predicted the packet in the run that has it: a timer
   * packet the harness's pacing let in or kept out (a retransmission when a step came later).
   */
  pacing?: boolean;
}

export interface BehaviourChange {
  id: string;
  step: number;
  dir: 'peer' | 'dut';
  flow: string;
  /** Index of the packet among the step's packets of that direction and flow (0-based). */
  packet: number;
  kind: 'field' | 'timer' | 'appeared' | 'vanished';
  field?: string;
  a?: string;
  b?: string;
  /** The packet, briefly (flags and the changed field's neighbours), from whichever run has it. */
  what: string;
  explained: boolean;
  explanation?: Explanation;
  /** Why it is unexplained. */
  why?: string;
}

export interface CompareReport {
  a: RunSide;
  b: RunSide;
  regressions: StatusChange[];
  fixes: StatusChange[];
  /** Other status changes (skip ↔ run, fail ↔ error). */
  otherStatus: StatusChange[];
  onlyA: string[];
  onlyB: string[];
  changes: BehaviourChange[];
  /** Packets the model predicted in the run that has them under the same profile: pacing, not behaviour. */
  paced: BehaviourChange[];
  /** Cases passing on both whose packets could not be compared (a run without the comparable form). */
  notCompared: string[];
  /** Cases passing on both runs and compared packet by packet. */
  compared: number;
}

export interface RunSide {
  label: string;
  runId: string;
  kernel: string;
  profile: string;
  counts: Record<Status, number> & { total: number };
  comparable: boolean;
}

export interface CompareOptions {
  /** A timer moved when both differences exceed these (default 50 ms and 10 %). */
  timerAbsMs?: number;
  timerRel?: number;
}

/** A send time moved when it moved by more than this (and 10 %), ms. */
export const DEFAULT_TIMER_TOLERANCE_MS = 50;

const FAILED = new Set<Status>(['fail', 'error']);

function side(r: RunView): RunSide {
  const counts = { total: r.cases.length, pass: 0, fail: 0, error: 0, skip: 0 };
  for (const c of r.cases) counts[c.status]++;
  const p = profileOf(r);
  return { label: r.label, runId: r.runId, kernel: r.kernel, profile: `${p.name} (version ${p.version.join('.')})`, counts, comparable: r.comparable };
}

export function compareRuns(a: RunView, b: RunView, o: CompareOptions = {}): CompareReport {
  const rep: CompareReport = {
    a: side(a),
    b: side(b),
    regressions: [],
    fixes: [],
    otherStatus: [],
    onlyA: [],
    onlyB: [],
    changes: [],
    paced: [],
    notCompared: [],
    compared: 0,
  };
  const byB = new Map(b.cases.map((c) => [c.id, c]));
  const inA = new Set<string>();
  for (const ca of a.cases) {
    inA.add(ca.id);
    const cb = byB.get(ca.id);
    if (!cb) {
      rep.onlyA.push(ca.id);
      continue;
    }
    if (ca.status !== cb.status) {
      if (ca.status === 'pass' && FAILED.has(cb.status)) rep.regressions.push({ id: ca.id, from: ca.status, to: cb.status, message: cb.message });
      else if (FAILED.has(ca.status) && cb.status === 'pass') rep.fixes.push({ id: ca.id, from: ca.status, to: cb.status, message: ca.message });
      else rep.otherStatus.push({ id: ca.id, from: ca.status, to: cb.status, message: cb.message ?? ca.message });
      continue;
    }
    if (ca.status !== 'pass') continue;
    if (!ca.comparable || !cb.comparable) {
      rep.notCompared.push(ca.id);
      continue;
    }
    rep.compared++;
    for (const c of compareCase(ca, cb, o)) (c.explanation?.pacing ? rep.paced : rep.changes).push(c);
  }
  for (const cb of b.cases) if (!inA.has(cb.id)) rep.onlyB.push(cb.id);
  return rep;
}

/** The model's profile of the kernel a case (or run) ran on: its version facts at that kernel's version. */
function profileOf(c: { kernel: string; kernelVersion?: string }): Profile {
  return profileFor(c.kernel, c.kernelVersion).profile;
}

function groups(steps: ComparableCase['steps']): Map<string, ComparablePacket[]> {
  const m = new Map<string, ComparablePacket[]>();
  for (const s of steps) {
    for (const p of s.packets) {
      const k = `${s.step}\t${p.dir}\t${p.flow}`;
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(p);
    }
  }
  return m;
}

function brief(p: ComparablePacket): string {
  const f = p.f;
  return [f.flags, f.seq !== undefined ? `seq=${f.seq}` : '', f.ack !== undefined ? `ack=${f.ack}` : '', f.win !== undefined ? `win=${f.win}` : '']
    .filter(Boolean)
    .join(' ');
}

function moved(x: number, y: number, o: CompareOptions): boolean {
  const d = Math.abs(x - y);
  return d > (o.timerAbsMs ?? DEFAULT_TIMER_TOLERANCE_MS) && d > (o.timerRel ?? 0.1) * Math.max(Math.abs(x), Math.abs(y));
}

export function compareCase(ca: CaseView, cb: CaseView, o: CompareOptions = {}): BehaviourChange[] {
  const out: BehaviourChange[] = [];
  const ga = groups(ca.comparable!.steps);
  const gb = groups(cb.comparable!.steps);
  const keys = [...new Set([...ga.keys(), ...gb.keys()])];
  const ctx = { pa: profileOf(ca), pb: profileOf(cb), sa: ca.sysctls, sb: cb.sysctls };
  for (const k of keys) {
    const [stepText, dir, flow] = k.split('\t');
    const step = Number(stepText);
    const la = ga.get(k) ?? [];
    const lb = gb.get(k) ?? [];
    for (let i = 0; i < Math.max(la.length, lb.length); i++) {
      const pa = la[i];
      const pb = lb[i];
      const base = { id: ca.id, step, dir: dir as 'peer' | 'dut', flow, packet: i };
      if (!pa || !pb) {
        const p = (pa ?? pb)!;
        const kind = pa ? ('vanished' as const) : ('appeared' as const);
        const predicted = p.dir === 'dut' && p.model !== undefined;
        out.push({ ...base, kind, what: brief(p), ...classify(ctx, predicted, [p.model], undefined, 'the model did not predict it', true) });
        continue;
      }
      for (const field of [...new Set([...Object.keys(pa.f), ...Object.keys(pb.f)])]) {
        const x = pa.f[field];
        const y = pb.f[field];
        if (x === y) continue;
        const predicted = modelChanged(pa.model, pb.model, o);
        out.push({
          ...base,
          kind: 'field',
          field,
          a: x ?? '(absent)',
          b: y ?? '(absent)',
          what: brief(pb),
          ...classify(
            ctx,
            predicted,
            [pa.model, pb.model],
            field,
            pa.model || pb.model ? 'the model predicts the same packet for both kernels' : 'the model made no prediction for it',
          ),
        });
      }
      if (timerMoved(pa.n, pb.n, o)) {
        const predicted = timerMoved(pa.model, pb.model, o);
        const at = (n: ComparablePacket['n']): string =>
          `+${n!.t} ms${n!.gap !== undefined ? ` (${n!.gap} ms after the DUT's previous packet, ${n!.first} after its first)` : ''}`;
        out.push({
          ...base,
          kind: 'timer',
          field: 't',
          a: at(pa.n),
          b: at(pb.n),
          what: brief(pb),
          ...classify(
            ctx,
            predicted,
            [pa.model, pb.model],
            't',
            pa.model || pb.model ? 'the model predicts the same send time for both kernels' : 'the model made no prediction for it',
          ),
        });
      }
    }
  }
  return out;
}

/**
 * A send time moved: `t` (after the step's reference), `gap` and `first` (after the DUT's previous and
 * first packet on the flow) and `peer` (after the harness's last packet on the flow) all moved. The
 * harness's pacing of the steps moves some of them (a reply's `gap`, a retransmission's `t`, a reply's
 * `t` when its SYN was sent steps before the reference), never the one the kernel's timer counts from.
 */
type Times = { t?: number; gap?: number; first?: number; peer?: number };
function timerMoved(a: Times | undefined, b: Times | undefined, o: CompareOptions): boolean {
  if (a?.t === undefined || b?.t === undefined || !moved(a.t, b.t, o)) return false;
  for (const k of ['gap', 'first', 'peer'] as const) {
    const x = a[k];
    const y = b[k];
    if (x !== undefined && y !== undefined && !moved(x, y, o)) return false;
  }
  return true;
}

/** Did the model predict a different packet (or the same one at another time) in the two runs? */
function modelChanged(a: ComparableModel | undefined, b: ComparableModel | undefined, o: CompareOptions): boolean {
  if (!a || !b) return !!a !== !!b;
  return a.rule !== b.rule || a.packet !== b.packet || timerMoved(a, b, o);
}

interface Ctx {
  pa: Profile;
  pb: Profile;
  sa: Record<string, string>;
  sb: Record<string, string>;
}

function classify(
  ctx: Ctx,
  predicted: boolean,
  models: ReadonlyArray<ComparableModel | undefined>,
  field: string | undefined,
  notPredicted: string,
  presence = false,
): Pick<BehaviourChange, 'explained' | 'explanation' | 'why'> {
  if (!predicted) return { explained: false, why: notPredicted };
  const rules = [...new Set(models.filter((m): m is ComparableModel => !!m).map((m) => m.rule))];
  const diff = differingFlags(ctx.pa, ctx.pb);
  // A flag explains a change when it shapes the packet's rule and moves the changed field (for a packet
  // that appeared or vanished: its rule). A flag that touches only one of them explains nothing: a
  // differing sysctl may (tcp_rmem and the window scale), or nobody does.
  const pick = diff.filter((d) => flagTouches(d.flag, rules, undefined) && (field === undefined || PROFILE_FLAGS[d.flag].fields.includes(field)));
  const sysctls = [...new Set([...Object.keys(ctx.sa), ...Object.keys(ctx.sb)])]
    .filter((k) => ctx.sa[k] !== ctx.sb[k])
    .map((name) => ({ name, a: ctx.sa[name], b: ctx.sb[name] }));
  if (!pick.length && !sysctls.length) {
    if (presence) return { explained: true, explanation: { flags: [], rules, sysctls: [], pacing: true } };
    return {
      explained: false,
      why: diff.length
        ? `the model's prediction changed (rule ${rules.join(', ')}), but no differing profile flag (${diff.map((d) => d.flag).join(', ')}) is known to shape that rule${field ? ` and its ${field}` : ''}`
        : `the model's prediction changed (rule ${rules.join(', ')}) under the same profile ${ctx.pa.name} and sysctls: a different model version?`,
    };
  }
  return {
    explained: true,
    explanation: { flags: pick.map((d) => ({ ...d, summary: flagSummary(d.flag) })), rules, sysctls: pick.length ? [] : sysctls },
  };
}

/** Nothing to report beyond the summary line: no status change, no behaviour change, the same cases. */
export function isClean(r: CompareReport): boolean {
  return !r.regressions.length && !r.fixes.length && !r.otherStatus.length && !r.changes.length && !r.onlyA.length && !r.onlyB.length;
}

/** Exit status: 1 on a regression or an unexplained change (unless relaxed), else 0. */
export function compareExitCode(r: CompareReport, relax: { allowRegressions?: boolean; allowUnexplained?: boolean } = {}): number {
  if (!relax.allowRegressions && r.regressions.length) return 1;
  if (!relax.allowUnexplained && r.changes.some((c) => !c.explained)) return 1;
  return 0;
}
