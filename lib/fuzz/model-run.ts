// A listener campaign with a model standing in for the kernel: every probe goes to a reference model
// (the "kernel") and to the oracle under test (e.g. a copy with a planted bug); a divergence is the
// two predicting different packets. Same probes, same corpus feedback (the oracle's rules) as
// `synh fuzz` on a real kernel, but pure and deterministic, so the guided-vs-unguided comparison and
// the planted-bug test do not depend on timing. Listener targets only (one packet per probe). Pure.
import type { ModelEnv, ModelState, StepResult } from '../model';
import type * as model from '../model';
import { decodeIp } from '../wire/decode';
import { buildIp } from '../wire/build';
import type { Campaign } from './campaign';
import { probeAt } from './generate';
import { Corpus, corpusProbe, GUIDED_EPOCH, type ProbeResult } from './guided';
import { bindingsFor, type Probe, probePacketSpec } from './probe';

export interface ModelApiLike {
  makeEnv: typeof model.makeEnv;
  initialState: typeof model.initialState;
  apply: typeof model.apply;
}

export interface ModelRunOptions {
  /** probes [0, probes) */
  probes: number;
  guided: boolean;
  /** stands in for the kernel */
  reference: ModelApiLike;
  /** judged against the reference; its rules feed the corpus */
  oracle: ModelApiLike;
  release?: string;
  /** stop at the first divergence */
  stopAtDivergence?: boolean;
}

export interface ModelRunResult {
  probes: number;
  /** the first probe whose predictions differ, and the oracle's rules for it */
  firstDivergence?: { index: number; probe: Probe; rules: string[] };
  divergences: number;
  /** index of each rule's first probe */
  firstHit: Record<string, number>;
  corpus: number;
}

const ADDR = { 4: { dut: '198.18.0.1', peer: '198.18.0.2' }, 6: { dut: '2001:2::1', peer: '2001:2::2' } } as const;

/** The packets of a prediction, as comparable text. */
function packetsOf(r: StepResult): string {
  return JSON.stringify(r.responses.map((p) => [p.packet, p.atMs]));
}

/**
 * Judge listener probes on two models: (probe, time) → whether their predictions differ, and the
 * oracle's rules. Each (model, profile, family) gets its env and listener state once.
 */
export function modelJudge(
  c: Campaign,
  reference: ModelApiLike,
  oracle: ModelApiLike,
  release = '6.18',
): (p: Probe, t: number) => { diverges: boolean; rules: string[] } {
  if (c.target !== 'listener') throw new Error(`the model-only judge runs listener campaigns only, not ${c.target}`);
  const port = c.listen?.port ?? 8080;
  const backlog = c.listen?.backlog ?? 128;
  const bases = new Map<string, { env: ModelEnv; base: ModelState }>();
  const at = (api: ModelApiLike, which: number, profile: number, ip: 4 | 6): { env: ModelEnv; base: ModelState } => {
    const key = `${which}:${profile}:${ip}`;
    let v = bases.get(key);
    if (!v) {
      const env = api.makeEnv({ release, ip, dut: ADDR[ip].dut, peer: ADDR[ip].peer, sysctls: c.profiles[profile].sysctls });
      v = { env, base: api.apply(env, api.initialState(env), { type: 'listen', port, backlog }, 0).state };
      bases.set(key, v);
    }
    return v;
  };
  return (p, t) => {
    const prof = c.profiles.findIndex((x) => x.name === p.profile);
    const bytes = buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), { src: ADDR[p.ip].peer, dst: ADDR[p.ip].dut, dport: port }));
    const seg = decodeIp(bytes);
    const ref = at(reference, 0, prof, p.ip);
    const orc = at(oracle, 1, prof, p.ip);
    const want = reference.apply(ref.env, ref.base, { type: 'segment', seg }, t);
    const got = oracle.apply(orc.env, orc.base, { type: 'segment', seg }, t);
    return { diverges: packetsOf(want) !== packetsOf(got), rules: [...new Set(got.reasons.map((r) => r.rule))] };
  };
}

export function runListenerOnModels(c: Campaign, o: ModelRunOptions): ModelRunResult {
  const judgeOne = modelJudge(c, o.reference, o.oracle, o.release);
  const corpus = o.guided ? new Corpus() : undefined;
  const firstHit: Record<string, number> = {};
  let divergences = 0;
  let first: ModelRunResult['firstDivergence'];
  let results: ProbeResult[] = [];
  let i = 0;
  for (; i < o.probes; i++) {
    if (corpus && i % GUIDED_EPOCH === 0) {
      corpus.absorb(results, i);
      results = [];
    }
    const p: Probe & { origin?: { parent?: number } } = corpus ? corpus.probeAt(c, i) : probeAt(c, i);
    const { diverges, rules } = judgeOne(p, 1000 + i);
    for (const r of rules) if (!(r in firstHit)) firstHit[r] = i;
    if (corpus)
      results.push({
        index: i,
        rules,
        ...(p.origin?.parent !== undefined ? { parent: p.origin.parent } : {}),
        ...(corpus.mayMatter(rules) ? { probe: corpusProbe(p) } : {}),
      });
    if (diverges) {
      divergences++;
      first ??= { index: i, probe: p, rules };
      if (o.stopAtDivergence) {
        i++;
        break;
      }
    }
  }
  if (corpus) corpus.absorb(results, i);
  return { probes: i, ...(first ? { firstDivergence: first } : {}), divergences, firstHit, corpus: corpus?.size ?? 0 };
}
