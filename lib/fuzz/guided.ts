// Rule-coverage-guided generation (campaign key `guided: true`). A campaign keeps a corpus of probes
// whose judged predictions went through a model rule, or a path of rules, not seen before; later
// probes are, half of them, mutants of corpus entries, picked by how rare their rarest rule is and by
// how often their mutants found something new ("spend the budget where coverage grows").
//
// Deterministic, resumable and shardable like unguided campaigns: the index space is cut into epochs
// of GUIDED_EPOCH probes; probe i is generated from the corpus as it stood at the start of i's epoch
// (every result of a lower index absorbed, in index order, none of i's epoch), so it depends on the
// seed, i and the results of earlier probes only — not on chunking, timing or which thread made it.
// The corpus goes into the checkpoint; a run stopped inside an epoch saves that epoch's results as
// `pending`, absorbed when the epoch is complete. Results are model rules (the prediction the probe
// was judged against), so they do not depend on how fast the harness ran. Pure.
import type { Campaign } from './campaign';
import { isActive } from './campaign';
import { ALL_FLAGS, compile, listBytes, pickMistakes, pickTos, pickU32, pickWindow, U32_EDGES, wellFormedOption } from './gen-common';
import { probeAt, probeSeed, profileIndexAt, setupFor, setupVariant } from './generate';
import { Prng } from '../util/prng';
import { clonePacket, probeFromJson, probeToJson, type Probe, type ProbeOption, type ProbePacket, type SeqRef } from './probe';
import { withKnownCookieBits, withoutBareFin } from './gen-request';
import { synsentDecidable } from './gen-synsent';
import { SHARD_BLOCK } from './shard';

/** Probes per epoch (divides SHARD_BLOCK, so a shard's blocks hold whole epochs). */
export const GUIDED_EPOCH = 250;
/** Corpus entries kept at most (new rules are always kept; new paths while there is room). */
export const CORPUS_MAX = 512;
/** Share of probes drawn fresh (probeAt) once the corpus is not empty. */
export const EXPLORE = 0.5;
const MAX_OPTION_BYTES = 40;

if (SHARD_BLOCK % GUIDED_EPOCH !== 0) throw new Error('GUIDED_EPOCH must divide SHARD_BLOCK');

export interface CorpusEntry {
  /** the probe, as probeToJson */
  probe: unknown;
  /** the model rules its prediction went through, in order, deduplicated */
  rules: string[];
  /** index of the probe that found it */
  index: number;
  /** mutants drawn from it, and how many of those found a new rule or path */
  tries: number;
  finds: number;
}

/** The corpus as saved in a checkpoint (plain JSON). */
export interface GuidedSnapshot {
  /** results of every index below this are absorbed (an epoch start) */
  absorbedBelow: number;
  /** how many judged probes went through each rule */
  ruleHits: Record<string, number>;
  /** index of the first probe that went through each rule */
  firstHit: Record<string, number>;
  /** the rule paths seen (joined rule lists) */
  paths: string[];
  entries: CorpusEntry[];
  /** results of a partly run epoch, absorbed when it is complete */
  pending: ProbeResult[];
}

/** One judged probe: its index, rules, and (guided probes) the corpus entry it is a mutant of. */
export interface ProbeResult {
  index: number;
  rules: string[];
  /** the probe as probeToJson: kept only while the result may enter the corpus */
  probe?: unknown;
  parent?: number;
}

/** Where a guided probe came from: fresh, or a mutant of corpus entry `parent` by `ops`. */
export interface Origin {
  parent?: number;
  ops?: string[];
}

export function emptyCorpus(): GuidedSnapshot {
  return { absorbedBelow: 0, ruleHits: {}, firstHit: {}, paths: [], entries: [], pending: [] };
}

/** The epoch start of index i. */
export function epochStart(i: number): number {
  return Math.floor(i / GUIDED_EPOCH) * GUIDED_EPOCH;
}

/** A rule path: the rules in order, each once. */
export function pathKey(rules: readonly string[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of rules) if (!seen.has(r)) (seen.add(r), out.push(r));
  return out.join('>');
}

/**
 * The corpus, live: absorbs results epoch by epoch and draws guided probes. `fromSnapshot` /
 * `snapshot` round-trip it through a checkpoint.
 */
export class Corpus {
  private readonly s: GuidedSnapshot;
  private readonly pathSet: Set<string>;
  /** entry weights, recomputed when the corpus changes */
  private weights: number[] | undefined;
  private readonly parsed = new Map<number, Probe>();

  constructor(snap: GuidedSnapshot = emptyCorpus()) {
    this.s = structuredClone(snap);
    this.pathSet = new Set(this.s.paths);
  }

  get size(): number {
    return this.s.entries.length;
  }

  get absorbedBelow(): number {
    return this.s.absorbedBelow;
  }

  /** Rules hit so far (absorbed), with their counts. */
  ruleHits(): Readonly<Record<string, number>> {
    return this.s.ruleHits;
  }

  firstHit(): Readonly<Record<string, number>> {
    return this.s.firstHit;
  }

  /**
   * Record results. Those of complete epochs below `doneBelow` (every index of them that this run
   * owns has a result) are absorbed in index order; the rest wait in `pending`. Returns how many
   * entries were added.
   */
  absorb(results: readonly ProbeResult[], doneBelow: number): number {
    const all = [...this.s.pending, ...results].sort((x, y) => x.index - y.index);
    const cut = epochStart(doneBelow);
    const now = all.filter((r) => r.index < cut);
    this.s.pending = all.filter((r) => r.index >= cut);
    let added = 0;
    for (const r of now) {
      let fresh = false;
      for (const rule of r.rules) {
        if (!(rule in this.s.ruleHits)) {
          this.s.ruleHits[rule] = 0;
          this.s.firstHit[rule] = r.index;
          fresh = true;
        }
        this.s.ruleHits[rule]++;
      }
      const key = pathKey(r.rules);
      const newPath = key !== '' && !this.pathSet.has(key);
      if (newPath) {
        this.pathSet.add(key);
        this.s.paths.push(key);
      }
      if (r.parent !== undefined && this.s.entries[r.parent]) {
        const e = this.s.entries[r.parent];
        e.tries++;
        if (fresh || newPath) e.finds++;
      }
      if (r.probe !== undefined && (fresh || (newPath && this.s.entries.length < CORPUS_MAX))) {
        this.s.entries.push({ probe: r.probe, rules: pathKey(r.rules).split('>'), index: r.index, tries: 0, finds: 0 });
        added++;
      }
    }
    if (cut > this.s.absorbedBelow) this.s.absorbedBelow = cut;
    this.weights = undefined;
    return added;
  }

  /** Would this result change the corpus if absorbed now (so its probe must be kept)? */
  mayMatter(rules: readonly string[]): boolean {
    for (const r of rules) if (!(r in this.s.ruleHits)) return true;
    return !this.pathSet.has(pathKey(rules));
  }

  snapshot(): GuidedSnapshot {
    return structuredClone(this.s);
  }

  /**
   * An entry's weight: the rarity of its rarest rule (1 / probes through it), times how productive
   * its mutants were ((1 + finds) / (1 + tries/16)): rare behaviour first, and budget moves to where
   * mutants keep finding new rules or paths.
   */
  private weightOf(e: CorpusEntry): number {
    let rare = 0;
    for (const r of e.rules) rare = Math.max(rare, 1 / Math.max(1, this.s.ruleHits[r] ?? 1));
    return rare * ((1 + e.finds) / (1 + e.tries / 16));
  }

  private entryProbe(k: number): Probe {
    let p = this.parsed.get(k);
    if (!p) this.parsed.set(k, (p = probeFromJson(this.s.entries[k].probe)));
    return p;
  }

  /**
   * Probe `index` of a guided campaign, given the corpus as it stood at the start of index's epoch
   * (the caller absorbs results up to there first). Fresh (probeAt) or a mutant of an entry.
   */
  probeAt(c: Campaign, index: number): Probe & { origin?: Origin } {
    if (this.s.absorbedBelow !== epochStart(index)) {
      throw new Error(`guided probe ${index}: the corpus has absorbed results below ${this.s.absorbedBelow}, not below its epoch start ${epochStart(index)}`);
    }
    const rng = new Prng(probeSeed((c.seed ^ 0x6d2b79f5) >>> 0, index));
    if (!this.s.entries.length || rng.chance(EXPLORE)) return probeAt(c, index);
    this.weights ??= this.s.entries.map((e) => this.weightOf(e));
    const k = rng.weightedIndex(this.weights);
    return mutantOf(c, index, this.entryProbe(k), k, rng);
  }
}

// ---------------------------------------------------------------------------------------------
// Mutation

const MUTATIONS = ['flag', 'seq', 'ack', 'window', 'opt-drop', 'opt-add', 'opt-swap', 'ts', 'payload', 'tos', 'mistakes', 'splice', 'isn', 'setup-ts'] as const;
type Mutation = (typeof MUTATIONS)[number];

const SEQ_STEPS = [-1, 1, -2, 2, -1, 1, 0x80000000, -65536, 65535];

function tweakSeq(rng: Prng, r: SeqRef, bases: readonly SeqRef['base'][], canWin: boolean): SeqRef {
  const out: SeqRef = { ...r };
  const how = rng.int(0, 3);
  if (how <= 1) out.offset = r.offset + rng.pick(SEQ_STEPS);
  else if (how === 2) {
    out.base = rng.pick(bases);
    out.offset = rng.pick([-1, 0, 1, 2]);
    delete out.win;
  } else if (canWin) {
    if (out.win) delete out.win;
    else out.win = true;
  } else out.offset = r.offset + rng.pick(SEQ_STEPS);
  return out;
}

/** Apply one mutation to packet `m` of `probe` (in place on the copies made by mutantOf). */
function mutateOnce(c: Campaign, rng: Prng, p: Probe, m: ProbePacket, op: Mutation, fresh: () => Probe): void {
  const cfg = c.generator;
  const listener = c.target === 'listener';
  // A listener probe has no DUT ISN or window to refer to (nothing was captured).
  const bases: SeqRef['base'][] = listener ? ['peer.isn', 'abs'] : ['peer.isn', 'dut.isn', 'abs'];
  switch (op) {
    case 'flag':
      m.flags ^= rng.pick(ALL_FLAGS);
      return;
    case 'seq':
      m.seq = tweakSeq(rng, m.seq, bases, !listener);
      return;
    case 'ack':
      m.ack = tweakSeq(rng, m.ack, bases, !listener);
      return;
    case 'window':
      m.window = rng.chance(0.5) ? rng.pick([0, 1, 65535, 512, 1024]) : pickWindow(rng, cfg);
      return;
    case 'opt-drop':
      if (m.options.length) m.options = m.options.filter((_, i) => i !== rng.int(0, m.options.length - 1));
      return;
    case 'opt-add': {
      const kinds = compile(cfg).optionKinds;
      if (!kinds.length) return;
      const ts = (): ProbeOption => ({ kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr: { base: listener ? 'abs' : 'dut.tsval', offset: 0 } });
      const o = wellFormedOption(rng, cfg, rng.weighted(kinds), ts, MAX_OPTION_BYTES - listBytes(m.options));
      const next = [...m.options];
      next.splice(rng.int(0, next.length), 0, o);
      if (listBytes(next) <= MAX_OPTION_BYTES) m.options = next;
      return;
    }
    case 'opt-swap':
      if (m.options.length > 1) {
        const next = [...m.options];
        const i = rng.int(0, next.length - 1);
        const j = rng.int(0, next.length - 1);
        [next[i], next[j]] = [next[j], next[i]];
        m.options = next;
      }
      return;
    case 'ts': {
      const i = m.options.findIndex((o) => o.kind === 'ts');
      if (i < 0) return;
      const o = m.options[i] as Extract<ProbeOption, { kind: 'ts' }>;
      const next = [...m.options];
      const step = rng.pick([-1, 1, -2, 2, 1000, -1000, 0x80000000]);
      next[i] = rng.chance(0.5)
        ? { kind: 'ts', val: { ...o.val, offset: o.val.offset + step }, ecr: o.ecr }
        : { kind: 'ts', val: o.val, ecr: { ...o.ecr, offset: o.ecr.offset + step } };
      m.options = next;
      return;
    }
    case 'payload':
      m.payload = m.payload.length
        ? rng.chance(0.5)
          ? new Uint8Array(0)
          : m.payload.subarray(0, rng.int(1, m.payload.length))
        : rng.bytes(rng.int(1, Math.max(1, cfg.payload.max)));
      return;
    case 'tos':
      m.tos = m.tos ? 0 : pickTos(rng, { ...cfg, tos: { p: 1 } });
      return;
    case 'mistakes':
      m.mistakes = Object.keys(m.mistakes).length ? {} : pickMistakes(rng, cfg);
      return;
    case 'splice': {
      // Crossover with the fresh probe of this index: one field of its mutated packet.
      const f = fresh().mutated;
      const field = rng.pick(['flags', 'seq', 'ack', 'options', 'window'] as const);
      if (field === 'flags') m.flags = f.flags;
      else if (field === 'seq') m.seq = { ...f.seq };
      else if (field === 'ack') m.ack = { ...f.ack };
      else if (field === 'options') m.options = f.options;
      else m.window = f.window;
      return;
    }
    case 'isn':
      if (rng.chance(0.5)) p.peerIsn = rng.chance(0.5) ? rng.pick(U32_EDGES) : pickU32(rng, cfg);
      else p.peerTsval = rng.chance(0.5) ? rng.pick(U32_EDGES) : pickU32(rng, cfg);
      return;
    case 'setup-ts':
      if (p.setup.length) {
        const v = setupVariant(p.setup);
        // timewait: the peer's FIN or not, half the time; else TS or not.
        if (c.target === 'timewait' && rng.chance(0.5)) p.setup = setupFor(c, v.ts, !v.fin);
        else p.setup = setupFor(c, !v.ts, v.fin, v.fo);
      }
      return;
  }
}

/**
 * Probe `index` as a mutant of corpus entry `k` (`parent`): the parent's setup and packet with one to
 * four mutations, under index's own port, profile and seed (its flow does not collide with others').
 */
export function mutantOf(c: Campaign, index: number, parent: Probe, k: number, rng: Prng): Probe & { origin: Origin } {
  const g = c.generator;
  const sport = isActive(c) ? c.connect!.port : g.ports[0] + (index % (g.ports[1] - g.ports[0] + 1));
  const p: Probe = {
    ...parent,
    index,
    seed: probeSeed(c.seed, index),
    profile: c.profiles[profileIndexAt(c, index)].name,
    sport,
    setup: parent.setup,
    mutated: clonePacket(parent.mutated),
  };
  // A parent read back from JSON has its own setup copy: use the campaign's shared one.
  if (p.setup.length) {
    const v = setupVariant(p.setup);
    p.setup = setupFor(c, v.ts, v.fin, v.fo);
  }
  let freshP: Probe | undefined;
  const fresh = (): Probe => (freshP ??= probeAt(c, index));
  const n = 1 + Math.min(3, Math.floor(-Math.log2(1 - rng.float() * 0.9375)));
  const ops: string[] = [];
  for (let i = 0; i < n; i++) {
    const op = rng.pick(MUTATIONS);
    mutateOnce(c, rng, p, p.mutated, op, fresh);
    ops.push(op);
  }
  // Mutants keep out of what the generators keep out of: the timing-undecidable edges (the SYN_SENT
  // TSecr just above the SYN's TSval, C11; a bare FIN at rcv_nxt, C14).
  if (c.target === 'synsent') p.mutated = synsentDecidable(p.mutated);
  else if (c.target === 'request' || c.target === 'established') p.mutated = withoutBareFin(p.mutated);
  // and the syncookie option bits no model can read (C26).
  if (c.target === 'request') p.mutated = withKnownCookieBits(p.mutated, setupVariant(p.setup).ts);
  return { ...p, origin: { parent: k, ops } };
}

/** A probe's JSON for the corpus (origin dropped: a corpus entry stands alone). */
export function corpusProbe(p: Probe & { origin?: Origin }): unknown {
  const { origin: _o, ...rest } = p;
  return probeToJson(rest as Probe);
}
