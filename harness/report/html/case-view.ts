// What the HTML report shows of each case, computed once from summary.json's data (pure, no I/O):
// the ladder's arrows (captured packets in capture order, with the step that sent or took each, the
// model's prediction for it, and placeholders for expected packets that never came), the steps with
// their field diffs and the model's reasons. The page embeds these views as JSON and draws a case
// only when it is opened.
//
// The reader is tolerant of the summary's version: it reads the fields named in ReportSummary (all
// but a few optional) and takes step labels from the data — a packet's comment ("step 2: …") and
// each step's index, whether 0-based (synharness-summary/1) or 1-based.

/** The parts of summary.json (harness/report/summary.ts) the report reads. */
export interface ReportSummary {
  schema?: string;
  runId: string;
  startedAt?: string;
  kernel: string;
  kernelIdentity?: { version?: string; arch?: string };
  host?: string;
  jobs?: number;
  lanes?: number;
  laneRange?: { min: number; max: number };
  reruns?: number;
  seed?: number;
  durationMs?: number;
  shard?: { index: number; total: number; planned: number };
  mergedFrom?: string[];
  totals?: { total: number; pass: number; fail: number; error: number; skip: number };
  cases: ReportCase[];
}

export interface ReportCase {
  id: string;
  file: string;
  name: string;
  ip: 4 | 6;
  spec?: string[];
  status: string;
  message?: string;
  durationMs?: number;
  sysctls?: Record<string, string>;
  modelProfile?: string;
  captureDrops?: number;
  pcap?: string;
  /** `step` (1-based, synharness-summary/2) or `index` (0-based, /1). */
  steps?: Array<{
    step?: number;
    index?: number;
    kind: string;
    ok: boolean;
    message?: string;
    script?: string;
    reasons?: string[];
    diffs?: Array<{ field: string; expected: string; observed: string; reason?: string }>;
    lateMs?: number;
  }>;
  reruns?: Array<{ status: string; message?: string; step: number; lateMs: number }>;
  packets?: Array<{ tRelMs?: number; dir: 'sent' | 'received'; summary?: string; comment?: string; unexpected?: boolean }>;
  comparable?: { steps?: Array<{ step: number; packets?: Array<{ dir: string; model?: { rule: string; fn: string; packet: string } }> }> };
}

/** One arrow of a ladder. */
export interface ArrowView {
  /** 's': tester → DUT; 'r': DUT → tester. */
  d: 's' | 'r';
  /** ms since the case's first packet; absent for a missing packet. */
  t?: number;
  /** Flags, seq, ack, window, options. */
  l: string;
  /** "40000→8080": the ports, shown when the case has several flows. */
  p?: string;
  /** The packet's addresses and ports ("198.18.0.2:40000 > 198.18.0.1:8080") as an index into CaseView.eps. */
  e?: number;
  /** "step 2", when the packet names its step. */
  s?: string;
  /** 'u' unexpected, 'x' taken by a step whose fields differ, 'm' expected but missing. */
  k?: 'u' | 'x' | 'm';
  /** The hover text after the packet itself: what the runner said of it, the model's prediction. */
  h: string;
}

export interface StepView {
  /** "step 3". */
  l: string;
  k: string;
  ok: boolean;
  m?: string;
  script?: string;
  r?: string[];
  /** [field, expected, observed, reason?] */
  d?: string[][];
}

export interface CaseView {
  id: string;
  name: string;
  file: string;
  area: string;
  ip: 4 | 6;
  spec: string[];
  st: string;
  msg?: string;
  ms: number;
  pcap?: string;
  profile?: string;
  /** The case's sysctls that differ from the run's common ones. */
  sys?: Record<string, string>;
  drops?: number;
  /** The distinct "source > destination" of the case's packets, each written once (a full suite's page: 947 → 870 KB). */
  eps?: string[];
  arrows: ArrowView[];
  steps: StepView[];
  reruns?: string[];
}

/** The case's area: the folder under cases/ ("listener"), else the file's folder. */
export function caseArea(file: string): string {
  const parts = file.split('/').filter((p) => p !== '' && p !== '.');
  const i = parts.lastIndexOf('cases');
  if (i >= 0 && i + 2 < parts.length) return parts[i + 1];
  if (i >= 0) return '(top)';
  return parts.length >= 2 ? parts[parts.length - 2] : '(top)';
}

/** A step's 1-based number: summary/2's `step`, or summary/1's 0-based `index` + 1. */
export function stepNumberer(steps: ReadonlyArray<{ step?: number; index?: number }>): (s: { step?: number; index?: number }) => number {
  const base = steps.some((s) => s.index === 0) ? 1 : 0;
  return (s) => s.step ?? (s.index ?? 0) + base;
}

/** "198.18.1.1:8080 > 198.18.1.2:40000 SA seq=…" → addresses, ports and the rest. */
function splitSummary(s: string): { src?: string; dst?: string; sport?: string; dport?: string; rest: string } {
  const m = /^(\S+) > (\S+) (.*)$/.exec(s);
  if (!m) return { rest: s };
  const port = (hp: string): string | undefined => /:(\d+)$/.exec(hp)?.[1];
  return { src: m[1], dst: m[2], sport: port(m[1]), dport: port(m[2]), rest: m[3] };
}

const STEP_RE = /^\s*step (\d+)\b/i;

/** The run-wide sysctls: those every case set to the same value. */
export function commonSysctls(cases: readonly ReportCase[]): Record<string, string> {
  const withSys = cases.filter((c) => c.sysctls && Object.keys(c.sysctls).length);
  if (!withSys.length) return {};
  const out: Record<string, string> = { ...withSys[0].sysctls };
  for (const c of withSys.slice(1)) {
    for (const k of Object.keys(out)) if (c.sysctls![k] !== out[k]) delete out[k];
  }
  return out;
}

function ladderArrows(c: ReportCase, stepNo: (s: { step?: number; index?: number }) => number, eps: string[]): ArrowView[] {
  const packets = c.packets ?? [];
  const parts = packets.map((p) => splitSummary(p.summary ?? ''));
  const flows = new Set(parts.map((p, i) => (packets[i].dir === 'sent' ? `${p.sport}>${p.dport}` : `${p.dport}>${p.sport}`)));
  const showPorts = flows.size > 1;
  // The model's prediction per DUT packet: the comparable form lists them per step, in order.
  const predicted = new Map<number, Array<{ rule: string; fn: string; packet: string } | undefined>>();
  for (const s of c.comparable?.steps ?? []) {
    predicted.set(
      s.step,
      (s.packets ?? []).filter((p) => p.dir === 'dut').map((p) => p.model),
    );
  }
  const out: ArrowView[] = [];
  const stepOfArrow: Array<number | undefined> = [];
  packets.forEach((p, i) => {
    const comment = p.comment ?? '';
    const sm = STEP_RE.exec(comment);
    const step = sm ? Number(sm[1]) : undefined;
    const unexpected = p.unexpected ?? /^\s*unexpected\b/i.test(comment);
    const mismatch = !unexpected && /\bmismatch\b/i.test(comment);
    const pp = parts[i];
    let e: number | undefined;
    if (pp.src !== undefined) {
      const ep = `${pp.src} > ${pp.dst}`;
      e = eps.indexOf(ep);
      if (e < 0) e = eps.push(ep) - 1;
    }
    const hover = [comment];
    if (p.dir === 'received') {
      const q = predicted.get(unexpected ? 0 : (step ?? -1));
      const model = q?.shift();
      if (model) hover.push(`model (${model.rule}, ${model.fn}): ${model.packet}`);
    }
    out.push({
      d: p.dir === 'sent' ? 's' : 'r',
      ...(typeof p.tRelMs === 'number' && Number.isFinite(p.tRelMs) ? { t: p.tRelMs } : {}),
      l: pp.rest,
      ...(showPorts && pp.sport ? { p: `${pp.sport}→${pp.dport}` } : {}),
      ...(e !== undefined ? { e } : {}),
      ...(step !== undefined ? { s: `step ${step}` } : {}),
      ...(unexpected ? { k: 'u' as const } : mismatch ? { k: 'x' as const } : {}),
      h: hover.filter((x) => x !== '').join('\n'),
    });
    stepOfArrow.push(step);
  });
  // An expectation that failed with nothing to compare: the packet that never came, dashed, before
  // the first packet of a later step.
  for (const s of c.steps ?? []) {
    if (s.ok || !/expect/i.test(s.kind) || /none/i.test(s.kind) || (s.diffs && s.diffs.length)) continue;
    const n = stepNo(s);
    let at = stepOfArrow.findIndex((st) => st !== undefined && st > n);
    if (at < 0) at = out.length;
    const reasons = (s.reasons ?? []).slice(0, 1);
    out.splice(at, 0, {
      d: 'r',
      l: `missing: ${s.message ?? s.kind}`,
      s: `step ${n}`,
      k: 'm',
      h: [`step ${n} ${s.kind}: ${s.message ?? 'nothing arrived'}`, ...reasons.map((r) => `model: ${r}`)].join('\n'),
    });
    stepOfArrow.splice(at, 0, n);
  }
  return out;
}

export function caseView(c: ReportCase, common: Readonly<Record<string, string>>): CaseView {
  const steps = c.steps ?? [];
  const stepNo = stepNumberer(steps);
  const sys = Object.fromEntries(Object.entries(c.sysctls ?? {}).filter(([k, v]) => common[k] !== v));
  const eps: string[] = [];
  const arrows = ladderArrows(c, stepNo, eps);
  return {
    id: c.id,
    name: c.name,
    file: c.file,
    area: caseArea(c.file),
    ip: c.ip,
    spec: [...(c.spec ?? [])],
    st: c.status,
    ...(c.message !== undefined ? { msg: c.message } : {}),
    ms: Math.round((c.durationMs ?? 0) * 10) / 10,
    ...(c.pcap ? { pcap: c.pcap } : {}),
    ...(c.modelProfile ? { profile: c.modelProfile } : {}),
    ...(Object.keys(sys).length ? { sys } : {}),
    ...(c.captureDrops ? { drops: c.captureDrops } : {}),
    ...(eps.length ? { eps } : {}),
    arrows,
    steps: steps.map((s) => ({
      l: `step ${stepNo(s)}`,
      k: s.kind,
      ok: s.ok,
      ...(s.message !== undefined ? { m: s.message } : {}),
      ...(s.script !== undefined ? { script: s.script } : {}),
      ...(s.reasons?.length ? { r: [...s.reasons] } : {}),
      ...(s.diffs?.length ? { d: s.diffs.map((d) => [d.field, d.expected, d.observed, ...(d.reason ? [d.reason] : [])]) } : {}),
    })),
    ...(c.reruns?.length
      ? { reruns: c.reruns.map((r) => `${r.status} (harness late by ${r.lateMs} ms at step ${r.step})${r.message ? `: ${r.message}` : ''}`) }
      : {}),
  };
}
