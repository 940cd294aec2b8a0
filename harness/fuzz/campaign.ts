// Running a fuzz campaign against the real kernel: probes from the campaign's deterministic sequence,
// judged online against the model; divergences deduplicated by signature; the first instance of each
// minimized and written as a ready-to-run case (with its pcapng) under <run>/repro/; a checkpoint after
// every chunk so a campaign killed with kill -9 resumes without losing or repeating findings.
//
// Chunks: probes [a, b) of one sysctl profile go through the listener engine; the chunk's divergences
// are committed only once the chunk is known clean of our own losses (capture drops, ingress backlog
// drops). A tainted chunk is re-run with half the window. Then each new finding is minimized and its
// repro written, and only then does the checkpoint move past b.
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '../../lib/model';
import { campaignHash, Campaign } from '../../lib/fuzz/campaign';
import { assertResumable, Checkpoint, loadCheckpoint, newCheckpoint, saveCheckpointAsync, writeFileAtomic } from '../../lib/fuzz/checkpoint';
import { coverageReport, formatCoverage, formatProgress } from '../../lib/fuzz/coverage';
import { probeAt, profileIndexAt } from '../../lib/fuzz/generate';
import { Corpus, corpusProbe, GUIDED_EPOCH, type Origin, type ProbeResult } from '../../lib/fuzz/guided';
import { blockEnd, nextOwnedProbe, type ProbeShard } from '../../lib/fuzz/shard';
import { minimizeDetailed } from '../../lib/fuzz/minimize';
import { bindingsFor, Probe, ProbeBindings, probeFromJson, probePacketSpec, probeToJson } from '../../lib/fuzz/probe';
import { reproCaseYaml } from '../../lib/fuzz/repro';
import { FindingStore, signatureOf, signatureSlug } from '../../lib/fuzz/signature';
import { buildIp } from '../../lib/wire/build';
import { frameIp } from '../../lib/wire/ethernet';
import type { CapturedFrame } from '../capture/capture';
import { BatchEngine } from '../engine/batch-engine';
import { openListener } from '../engine/differential';
import { ListenerEngine } from '../engine/listener-engine';
import { writePcapng } from '../report/pcapng';
import type { Lab } from '../topology/lab';
import { softnetDropped } from './kernel-drops';
import { ListenerOracle } from './listener-oracle';
import { loadModel, ModelApi, TRUE_MODEL } from './model-api';
import { drainAcceptQueue, openReusableListener, runSequenceProbe, SequenceContext, type SequenceJudgement } from './sequence-engine';
import { batchLimitsFor, judgeBatch, playSequenceBatch } from './batch-sequence';
import type { AloneWhy, FlowOutcome } from '../../lib/fuzz/sequence-judge';

type FlowJudgement = Extract<FlowOutcome, { judgement: unknown }>['judgement'];
import { fitsBatch, notBatchable, probeFlowKey, QUIET_MS } from '../../lib/fuzz/batch-plan';
import { readModelSysctls } from '../engine/dut-sysctls';
import { PipelineWorker } from './pipeline';
import type { EnvParams, JudgedDivergence, Link, Packed } from './pipeline-protocol';
import { probeFrames } from './probe-frames';
import { WorkBalance } from './work-balance';
import { campaignModelSockopts, socketOptionsOf, type CampaignSockopts } from './sockopts';

export interface CampaignRunOptions {
  lab: Lab;
  /** Where this campaign's checkpoint, findings and repros live. */
  runDir: string;
  resume?: boolean;
  /** Stop after this many probes in total (overrides the campaign budget if smaller). */
  maxProbes?: number;
  /** The campaign file `c` was loaded from. */
  campaignFile: string;
  /** Module exporting the oracle's makeEnv/initialState/apply (default: the true model, lib/model). */
  modelModule?: string;
  /** Probes per chunk (checkpoint granularity). */
  chunk?: number;
  /** Run only this part of the probe index space (lib/fuzz/shard.ts); the budget stays the campaign's. */
  shard?: ProbeShard;
  onProgress?: (line: string) => void;
  progressEveryMs?: number;
  /** Where each chunk's time went on the main thread (benchmarks). */
  onChunk?: (t: ChunkTiming) => void;
}

/**
 * One chunk on the main thread, in ms: switching the DUT's profile, waiting for its probe frames, the
 * engine, making the next chunk's frames (when this thread makes them), committing the oldest chunk
 * in flight (waiting for its judgement, minimizing new findings, the checkpoint).
 */
export interface ChunkTiming {
  a: number;
  b: number;
  profileMs: number;
  genWaitMs: number;
  engineMs: number;
  genMs: number;
  finishMs: number;
  /** The share of generation the judging worker took (work-balance.ts). */
  judgerGenShare: number;
}

export interface FindingFile {
  signature: string;
  campaign: string;
  kernel: string;
  profile: string;
  sysctls: Record<string, string | number>;
  listen: { port: number; backlog: number };
  firstIndex: number;
  probe: unknown; // probeToJson of the original probe
  minimized: unknown; // probeToJson of the minimized probe
  minimizeAttempts: number;
  divergence: { rule: string; fn: string; fields: string[]; text: string };
  predicted: unknown;
  observed: unknown;
  reasons: string[];
  /** The repro case ('' when it could not be written: see reproError). */
  repro: string;
  pcapng: string;
  reproError?: string;
  target?: string;
  /** The campaign's socket options (a replay sets them again). */
  sockopts?: { listenSockopts?: CampaignSockopts; connectSockopts?: CampaignSockopts };
}

export interface CampaignSummary {
  campaign: string;
  /** The DUT's kernel release (uname -r). */
  kernel?: string;
  /** net.ipv4.tcp_available_congestion_control in the DUT's namespace (what lib/fuzz/reachability gates on). */
  congestionControls?: string[];
  seed: number;
  /** The part of the probe index space this run covered; absent for a whole campaign. */
  shard?: ProbeShard;
  /** Probe indices below this were the campaign's to run (the probe budget; null: time-bounded). */
  budget: number | null;
  probes: number;
  elapsedMs: number;
  probesPerSec: number;
  /** Divergences judged over the whole campaign (every run of it, like probes). */
  divergences: number;
  findings: Array<{ signature: string; count: number; firstIndex: number; repro?: string }>;
  rulesHit: number;
  rulesTotal: number;
  rulesNeverHit: string[];
  /** Rule ids the probes' predictions went through, sorted. */
  rules: string[];
  reruns: number;
  /** Divergences that did not reproduce on an immediate re-run (not findings; reported). */
  flaky: number;
  /**
   * Stateful targets, this run: probes judged in batches (batch-sequence.ts), probes the batch handed
   * back to run alone, and batched divergences that did not come back when played alone (not counted).
   */
  batched?: { probes: number; alone: number; batchOnly: number; aloneWhy: Partial<Record<AloneWhy, number>> };
  coverageText: string;
  /** Rule-coverage-guided (campaign key guided: true): the corpus size and each rule's first probe index. */
  guided?: { corpus: number; firstHit: Record<string, number> };
}

interface OneRun {
  verdict: import('../../lib/match/judge').Verdict;
  reasons: string[];
  predicted: unknown;
  observed: unknown;
  sent?: Uint8Array;
  frames: CapturedFrame[];
  sentNs: bigint;
  bindings?: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>>;
  waitsMs?: number[];
}

interface Pending {
  index: number;
  probe: Probe;
  signature: string;
  text: string;
  /** The reproduction run's verdict and bindings. */
  verdict: OneRun['verdict'];
  bindings?: OneRun['bindings'];
}

/** Batches of stateful probes being judged while more are played (the pipeline's depth). */
const JUDGE_DEPTH = 2;

export async function runCampaign(c: Campaign, o: CampaignRunOptions): Promise<CampaignSummary> {
  const sequential = c.target !== 'listener';
  const active = !!c.connect && !c.listen;
  const api = o.modelModule ? loadModel(o.modelModule) : TRUE_MODEL;
  const lab = o.lab;
  const listen = { port: c.listen?.port ?? 8080, backlog: c.listen?.backlog ?? 4096 };
  /** The campaign's socket options for its listeners / connecting sockets (none: undefined). */
  const sockopts = socketOptionsOf(c);
  fs.mkdirSync(path.join(o.runDir, 'repro'), { recursive: true });
  fs.mkdirSync(path.join(o.runDir, 'findings'), { recursive: true });
  const cpPath = path.join(o.runDir, 'checkpoint.json');
  let cp: Checkpoint | undefined = loadCheckpoint(cpPath);
  if (cp && !o.resume) throw new Error(`${cpPath} exists: pass --resume to continue that campaign, or remove ${o.runDir} to start over`);
  if (cp) assertResumable(cp, c, o.shard);
  cp ??= newCheckpoint(c, undefined, o.shard);
  // Guided: the corpus (lib/fuzz/guided.ts) decides probes from the results of earlier epochs; the
  // probes of the chunk under way are kept by index (the frames, the judgement and the findings
  // all need the same ones).
  const corpus = c.guided ? new Corpus(cp.guided) : undefined;
  const made = new Map<number, Probe & { origin?: Origin }>();
  const probeFor = (i: number): Probe & { origin?: Origin } => {
    if (!corpus) return probeAt(c, i);
    let p = made.get(i);
    if (!p) made.set(i, (p = corpus.probeAt(c, i)));
    return p;
  };
  /** A guided chunk starting at `a`: every owned result below it is in (the corpus moves to a's epoch). */
  const startChunk = (a: number): void => {
    if (corpus) corpus.absorb([], a);
  };
  /** A judged probe's result for the corpus (its JSON kept only when it may enter it). */
  const resultOf = (i: number, rules: readonly string[]): ProbeResult => {
    const p = made.get(i)!;
    const uniq = [...new Set(rules)];
    return {
      index: i,
      rules: uniq,
      ...(p.origin?.parent !== undefined ? { parent: p.origin.parent } : {}),
      ...(corpus!.mayMatter(uniq) ? { probe: corpusProbe(p) } : {}),
    };
  };
  /** The first probe at or after `i` that this run owns (every one without a shard). */
  const owned = (i: number): number => (o.shard ? nextOwnedProbe(i, o.shard.index, o.shard.total) : i);
  const store = new FindingStore(cp.findings, cp.nextIndex);
  const rulesHit = new Set<string>(cp.rulesHit);
  const budget = Math.min(c.budget.probes ?? Infinity, o.maxProbes ?? Infinity);
  const deadline = c.budget.seconds !== undefined ? Date.now() + c.budget.seconds * 1000 - cp.elapsedMs : Infinity;
  const chunkSize = o.chunk ?? 10000;
  let window = c.window ?? 128;
  /** Divergences at indices below the checkpoint's, across runs: a resumed campaign counts on. */
  let divergences = cp.divergences ?? 0;
  let reruns = 0;
  let flaky = 0;
  /** Stateful probes judged in batches, handed back to run alone, batch-only divergences (this run). */
  const batchStats = { probes: 0, alone: 0, batchOnly: 0, aloneWhy: {} as Partial<Record<AloneWhy, number>> };
  let probesThisRun = 0;
  const t0 = Date.now();
  const elapsedBefore = cp.elapsedMs;
  let lastProgress = 0;
  const progress = (force = false): void => {
    if (!o.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < (o.progressEveryMs ?? 1000)) return;
    lastProgress = now;
    o.onProgress(
      formatProgress({
        probes: cp!.probesDone,
        elapsedMs: elapsedBefore + now - t0,
        divergences,
        findings: store.all().length,
        rulesHit: rulesHit.size,
        rulesTotal: RULES.length,
      }),
    );
  };

  let profileIdx = -1;
  let oracles: Record<4 | 6, ListenerOracle> | undefined;
  let envParams: Record<4 | 6, EnvParams> | undefined;
  let seqCtx: SequenceContext | undefined;
  let listenFds: number[] = [];
  // (a close-listener call replaces a family's listener: the sequence context has the live fds)
  const liveListenFds = (): number[] => (seqCtx?.listenFds ? [seqCtx.listenFds[4], seqCtx.listenFds[6]] : listenFds);
  let kernel = '';
  let congestionControls: string[] | undefined;

  const dutFacts: DutFacts = new Map();
  const useProfile = async (idx: number): Promise<void> => {
    if (idx === profileIdx && (oracles || seqCtx)) return;
    const p = await prepareLab(lab, api, c.profiles[idx].sysctls, { sequential, active, listen, facts: dutFacts, ...sockopts });
    ({ kernel, envParams, oracles, seqCtx, listenFds } = p);
    if (!congestionControls) {
      const cc = await lab.agent.call('sysctlGet', { name: 'net.ipv4.tcp_available_congestion_control' });
      if (cc.ok) congestionControls = cc.result!.value.trim().split(/\s+/).filter(Boolean);
    }
    profileIdx = idx;
    // No request sockets exist in always-cookie mode: the clean-up RSTs would only cost time.
    cleanup = String(p.sysctls['net.ipv4.tcp_syncookies']) !== '2';
  };

  const ends = {
    4: { src: lab.addr.v4.peer, dst: lab.addr.v4.dut, dport: listen.port },
    6: { src: lab.addr.v6.peer, dst: lab.addr.v6.dut, dport: listen.port },
  };
  const bytesOf = (p: Probe): Uint8Array => buildIp(probePacketSpec(p, p.mutated, bindingsFor(p), ends[p.ip]));

  let cleanup = true;
  /** Run probes through the engine; returns the outcomes in order. */
  const runProbes = async (probes: Probe[], w: number) => {
    const out: Array<{ probe: Probe; bytes: Uint8Array; replies: CapturedFrame[]; sentNs: bigint }> = [];
    let k = 0;
    const engine = new ListenerEngine(lab, { window: w, cleanup });
    const stats = await engine.run(
      () => {
        if (k >= probes.length) return undefined;
        const p = probes[k++];
        return { ip: p.ip, bytes: bytesOf(p), meta: p };
      },
      (r) => out.push({ probe: r.probe.meta as Probe, bytes: r.probe.bytes, replies: r.replies, sentNs: r.sentNs }),
    );
    return { out, stats };
  };

  // Re-runs of a passive multi-packet probe (reproduction check, minimization) each take a fresh peer
  // port: the original run may have left a child on the probe's 4-tuple. Deterministic per finding.
  let rerunPort = 0;
  const freshPort = (p: Probe): Probe => {
    if (!sequential || active) return p;
    rerunPort = rerunPort >= 64999 || rerunPort < 60000 ? 60000 : rerunPort + 1;
    return { ...p, sport: rerunPort };
  };
  /** One probe on the kernel, judged: the unit minimization and repro writing work with. */
  const runOne = async (p: Probe): Promise<OneRun> => {
    if (sequential) {
      // A re-run starts, as the model's listener does, with an empty accept queue: the original run's
      // child (and an other-handshake call's) would fill a small backlog and drop the re-run's SYN.
      if (!active) await drainAcceptQueue(lab, liveListenFds());
      const j = await runSequenceProbe(seqCtx!, p);
      return {
        verdict: j.verdict,
        reasons: j.reasons,
        predicted: j.predicted,
        observed: j.observed,
        sent: j.sent,
        frames: j.frames,
        sentNs: j.sentNs,
        bindings: j.bindings,
        waitsMs: j.waitsMs,
      };
    }
    const { out } = await runProbes([p], 1);
    const j = oracles![p.ip].judge(out[0].bytes, out[0].replies, out[0].sentNs);
    return {
      verdict: j.verdict,
      reasons: j.reasons,
      predicted: j.predicted,
      observed: j.observed,
      sent: out[0].bytes,
      frames: out[0].replies,
      sentNs: out[0].sentNs,
    };
  };
  const sigOf = (v: Pick<OneRun['verdict'], 'ok' | 'divergence'>): string | undefined =>
    v.ok ? undefined : signatureOf({ target: c.target, rule: v.divergence!.rule, fields: v.divergence!.fields });
  /** Does this (candidate) probe still diverge with the same signature, on the kernel, now? */
  const signatureNow = async (p: Probe): Promise<string | undefined> => sigOf((await runOne(freshPort(p))).verdict);

  const writeFinding = async (f: Pending): Promise<string | undefined> => {
    const slug = signatureSlug(f.signature);
    rerunPort = 60000 + ((f.index * 37) % 2000);
    const min = await minimizeDetailed(f.probe, async (p) => (await signatureNow(p)) === f.signature);
    // Re-run the minimized probe once more for its pcapng and the recorded diff (the original if the
    // minimized one did not diverge this time).
    const minimized = freshPort(min.probe);
    let j = await runOne(minimized);
    let shown = minimized;
    if (j.verdict.ok) {
      shown = freshPort(f.probe);
      j = await runOne(shown);
    }
    const v = j.verdict.ok ? f.verdict : j.verdict;
    const profile = c.profiles[profileIdx];
    let reproRel: string | undefined = path.join('repro', `${slug}.yaml`);
    const pcapRel = path.join('repro', `${slug}.pcapng`);
    let reproError: string | undefined;
    try {
      const yaml = reproCaseYaml({
        probe: shown,
        signature: f.signature,
        diffs: v.divergence!.diffs.map((d) => ({ ...d })),
        reasons: j.reasons,
        kernel,
        sysctls: profile.sysctls,
        ...(active ? { connect: { sockopts: c.connect?.sockopts } } : { listen: { port: listen.port, backlog: listen.backlog, sockopts: c.listen?.sockopts } }),
        campaign: { name: c.name, seed: c.seed },
        original: { index: f.index, kind: f.probe.kind },
        bindings: j.bindings ?? f.bindings,
        waitsMs: j.waitsMs,
      });
      writeFileAtomic(path.join(o.runDir, reproRel), yaml);
    } catch (e) {
      // The finding stands (it reproduced); only its case file could not be written. Say why.
      reproError = (e as Error).message;
      reproRel = undefined;
      o.onProgress?.(`finding ${f.signature}: no repro case (${reproError}); the finding JSON has the probe`);
    }
    const eth = (ip: Uint8Array): Uint8Array => frameIp(ip, lab.testerMac, lab.dutMac);
    const epoch = BigInt(Date.now()) * 1000000n - process.hrtime.bigint();
    const pcap = writePcapng(
      [
        ...(j.sent
          ? [
              {
                tsNs: j.sentNs + epoch,
                bytes: eth(j.sent),
                comment: `${sequential ? 'mutated packet' : 'probe'} (minimized from #${f.index}): ${f.signature}`,
                dir: 'sent' as const,
              },
            ]
          : []),
        ...j.frames.map((r, i) => ({ tsNs: r.tNs + epoch, bytes: r.bytes, comment: `kernel reply ${i + 1}: ${v.divergence!.text}`, dir: 'received' as const })),
      ],
      { shbComment: `synharness fuzz finding ${f.signature} — campaign ${c.name}, kernel ${kernel}, profile ${profile.name}` },
    );
    writeFileAtomic(path.join(o.runDir, pcapRel), pcap);
    const file: FindingFile = {
      signature: f.signature,
      campaign: c.name,
      target: c.target,
      kernel,
      profile: profile.name,
      sysctls: profile.sysctls,
      listen,
      ...(Object.keys(sockopts).length ? { sockopts } : {}),
      firstIndex: f.index,
      probe: probeToJson(f.probe),
      minimized: probeToJson(min.probe),
      minimizeAttempts: min.attempts,
      divergence: { rule: v.divergence!.rule, fn: v.divergence!.fn, fields: v.divergence!.fields, text: v.divergence!.text },
      predicted: j.predicted,
      observed: j.observed,
      reasons: j.reasons,
      repro: reproRel ?? '',
      pcapng: pcapRel,
      ...(reproError ? { reproError } : {}),
    };
    writeFileAtomic(path.join(o.runDir, 'findings', `${slug}.json`), JSON.stringify(file, null, 2) + '\n');
    return reproRel;
  };

  // The first chunks of a run are small, so the pipeline fills quickly while the workers' code is
  // still being compiled (a cold worker takes ~10× longer per probe); later chunks are chunkSize.
  let rampDone = 0;
  const chunkEnd = (a: number): number => {
    const ramp = Math.max(1000, 2 * rampDone);
    // A guided chunk is one epoch: its probes come from the corpus as the epoch began.
    const step = corpus ? GUIDED_EPOCH - (a % GUIDED_EPOCH) : Math.min(chunkSize, ramp);
    const b = Math.min(a + step, budget, (Math.floor(a / c.rotateEvery) + 1) * c.rotateEvery, o.shard ? blockEnd(a) : Infinity);
    rampDone += b - a;
    return b;
  };

  // Checkpoints go to disk on the I/O thread pool, one at a time and in order, so the next chunk does
  // not wait for the file system's flushes; a failed write surfaces at the next checkpoint (or the end).
  let cpWrite: Promise<void> = Promise.resolve();
  /** A guided campaign's checkpoint (with its corpus, ~1 MB) not written yet, and when one last was. */
  let cpPending: (() => Checkpoint) | undefined;
  let cpLastMs = 0;
  /** `next` makes the checkpoint when it is written (a guided one copies the corpus, as it is then). */
  const checkpoint = async (next: () => Checkpoint, force = true): Promise<void> => {
    // Guided chunks are one epoch (250 probes) and the corpus makes the file large: at most one write a
    // second unless the chunk found something. A kill -9 then resumes from a slightly older watermark
    // and re-runs those probes — the same probes, the corpus being in the checkpoint — as the resume
    // semantics allow (checkpoint.ts).
    if (!force && Date.now() - cpLastMs < 1000) {
      cpPending = next;
      return;
    }
    cpPending = undefined;
    cpLastMs = Date.now();
    await cpWrite;
    cpWrite = saveCheckpointAsync(cpPath, next());
    cpWrite.catch(() => undefined); // awaited later; not an unhandled rejection meanwhile
  };
  const flushCheckpoint = async (): Promise<void> => {
    if (cpPending) await checkpoint(cpPending);
  };

  interface InFlight {
    a: number;
    b: number;
    profile: number;
    judged: Promise<{ divergences: JudgedDivergence[]; rules: string[]; results?: ProbeResult[] }>;
  }

  /** Commit a judged chunk: record its divergences, minimize and write new findings, checkpoint. */
  const finish = async (ch: InFlight): Promise<void> => {
    const { divergences: ds, rules, results } = await ch.judged;
    const findingsBefore = store.all().length;
    for (const r of rules) rulesHit.add(r);
    divergences += ds.length;
    for (const d of ds) {
      const probe = probeFor(d.index);
      if (!store.has(d.signature)) {
        // Reproduced and minimized under the chunk's own profile: the lab may have moved on to the
        // next chunk's (a fresh DUT either way).
        await useProfile(ch.profile);
        // A new signature must reproduce before it is a finding: one re-run of the same probe.
        rerunPort = 60000 + ((d.index * 37) % 2000);
        const again = await runOne(freshPort(probe));
        if (sigOf(again.verdict) !== d.signature) {
          flaky++;
          o.onProgress?.(`probe ${d.index}: divergence did not reproduce on a re-run, not a finding (flaky ${flaky}): ${d.signature} — ${d.text}`);
          continue;
        }
        store.record(d.signature, d.index, { probe });
        const f: Pending = { index: d.index, probe, signature: d.signature, text: d.text, verdict: again.verdict, bindings: again.bindings };
        const repro = await writeFinding(f);
        if (repro) store.setRepro(f.signature, repro);
        o.onProgress?.(`new finding at probe ${f.index}: ${f.signature} — ${f.text}`);
      } else {
        store.record(d.signature, d.index, { probe });
      }
    }
    probesThisRun += ch.b - ch.a;
    if (corpus) {
      corpus.absorb(results ?? [], ch.b);
      for (const i of made.keys()) if (i < ch.b) made.delete(i);
    }
    const now: Checkpoint = {
      ...cp!,
      nextIndex: ch.b,
      probesDone: cp!.probesDone + (ch.b - ch.a),
      divergences,
      findings: store.snapshot(ch.b),
      rulesHit: [...rulesHit].sort(),
      elapsedMs: elapsedBefore + Date.now() - t0,
    };
    cp = now;
    // The corpus is copied only when the checkpoint is written; nothing is absorbed between this chunk's
    // end and that write (a skipped write is made at the next forced one, or at the end of the run).
    await checkpoint(() => (corpus ? { ...now, guided: corpus.snapshot() } : now), !corpus || findingsBefore !== store.all().length);
    progress();
  };

  /**
   * Stateful targets. Passive probes made of packets only (again calls included) go through the batched sequence engine
   * (batch-sequence.ts: `window` probes per batch, capped by what keeps their flows independent —
   * lib/fuzz/batch-plan.ts); the others (connect() or close() in the setup, socket calls, waits) run one at a
   * time through the sequence engine. A batched probe that diverges, or that the batch cannot judge
   * (an answer predicted after its packet), is played again alone on a fresh port and that run's
   * verdict is the probe's: batching cannot invent a divergence (one that does not come back alone is
   * counted as batch-only and reported).
   */
  const runSequential = async (): Promise<void> => {
    // The batched probes' model work goes to a worker thread, judged while the next batch is played.
    const judger = active ? undefined : new PipelineWorker(c, o.modelModule);
    try {
      await runSequentialChunks(judger);
    } finally {
      await judger?.close();
    }
  };
  const runSequentialChunks = async (judger: PipelineWorker | undefined): Promise<void> => {
    while (owned(cp!.nextIndex) < budget && Date.now() < deadline) {
      const a: number = owned(cp!.nextIndex);
      const b = chunkEnd(a);
      await useProfile(profileIndexAt(c, a));
      startChunk(a);
      const ds: JudgedDivergence[] = [];
      const rules = new Set<string>();
      const results: ProbeResult[] = [];
      const record = (i: number, r: FlowJudgement | Pick<SequenceJudgement, 'verdict' | 'phase' | 'rules'>): void => {
        for (const x of r.rules) rules.add(x);
        if (corpus) results.push(resultOf(i, r.rules));
        const sig = sigOf(r.verdict);
        if (sig)
          ds.push({
            index: i,
            signature: sig,
            rule: r.verdict.divergence!.rule,
            fields: r.verdict.divergence!.fields,
            text: `${r.phase}: ${r.verdict.divergence!.text}`,
          });
        progress();
      };
      // Children completed by setups wait in the accept queue (reset, but queued): drain it before it
      // reaches the backlog, or later setups' SYNs are dropped — and before a batch would take it past
      // the backlog (lib/fuzz/batch-plan.ts).
      const { size, backlog } = active ? { size: 1, backlog: 0 } : batchLimitsFor(seqCtx!, window);
      /** Children possibly waiting in the accept queue since it was last drained. */
      let undrained = 0;
      const drain = async (): Promise<void> => {
        if (undrained > 0) await drainAcceptQueue(lab, liveListenFds());
        undrained = 0;
      };
      const alone = async (p: Probe): Promise<SequenceJudgement> => {
        // (other-handshake calls leave children of their own in the accept queue: the queue must be empty
        // for every probe that makes any, as the model's listener is)
        const others = (p.before ?? []).filter((x) => x === 'other-handshake').length;
        if (!active && (undrained >= 32 || undrained >= backlog || (others > 0 && undrained > 0))) await drain();
        const r = await runSequenceProbe(seqCtx!, p);
        undrained += 1 + others;
        return r;
      };
      type Queued = { i: number; p: Probe; retried?: boolean };
      // Probes gathered into batches. One whose judged answer the model puts after its packet (a bare
      // FIN's ACK on the next tick, C14) is played again in a quiet batch, whose mutated round's sentinel
      // waits QUIET_MS for such answers — not alone.
      const queues = { plain: { batch: [] as Queued[], keys: new Set<number>() }, quiet: { batch: [] as Queued[], keys: new Set<number>() } };
      const join = (x: Queued, q = queues.plain): void => {
        q.batch.push(x);
        q.keys.add(probeFlowKey(x.p));
      };
      /** Take a judged batch's outcomes: retries into the next batch, the rest alone or recorded. */
      const settle = async (done: { taken: Queued[]; outcomes: Promise<FlowOutcome[]> }): Promise<void> => {
        const outcomes = await done.outcomes;
        for (let k = 0; k < done.taken.length; k++) {
          const { i, p, retried } = done.taken[k];
          const out = outcomes[k];
          if ('alone' in out) {
            // A round too slow to time its answers: once more in the next batch, on a fresh port.
            if (out.retry && !retried && fitsBatch(p, queues.plain.keys, size)) {
              join({ i, p: freshPort(p), retried: true });
              continue;
            }
            if (out.why === 'deferred' && !retried && fitsBatch(p, queues.quiet.keys, size)) {
              join({ i, p: freshPort(p), retried: true }, queues.quiet);
              continue;
            }
            batchStats.alone++;
            batchStats.aloneWhy[out.why] = (batchStats.aloneWhy[out.why] ?? 0) + 1;
            record(i, await alone(freshPort(p)));
            continue;
          }
          batchStats.probes++;
          if (out.judgement.verdict.ok) {
            record(i, out.judgement);
            continue;
          }
          const again = await alone(freshPort(p));
          if (again.verdict.ok) {
            batchStats.batchOnly++;
            o.onProgress?.(
              `probe ${i}: diverged in a batch, not when played alone (the alone verdict counts; batch-only ${batchStats.batchOnly}): ${out.judgement.phase}: ${out.judgement.verdict.divergence!.text}`,
            );
          }
          record(i, again);
        }
      };
      /**
       * Batches played and being judged (on the worker) while the next ones are played, oldest first:
       * up to JUDGE_DEPTH of them, so that neither thread waits for the other over one uneven batch.
       */
      const judging: Array<{ taken: Queued[]; outcomes: Promise<FlowOutcome[]> }> = [];
      /** Play the batch gathered in `q` so far (if any); then take the outcomes of the oldest batches past the depth (of one, if none was played). */
      const flush = async (q = queues.plain): Promise<void> => {
        const played = q.batch.length > 0;
        if (played) {
          const taken = q.batch;
          q.batch = [];
          q.keys.clear();
          if (undrained + taken.length > backlog) await drain();
          const { flows } = playSequenceBatch(
            seqCtx!,
            taken.map((x) => x.p),
            q === queues.quiet ? { quietMs: QUIET_MS } : {},
          );
          undrained += taken.length;
          const outcomes = judger?.ready ? judger.judgeSeq(envParams!, listen, flows) : Promise.resolve(judgeBatch(seqCtx!, flows));
          outcomes.catch(() => undefined); // awaited by settle(); not unhandled if a failure stops the run first
          judging.push({ taken, outcomes });
        }
        const keep = played ? JUDGE_DEPTH : judging.length - 1;
        while (judging.length > keep) await settle(judging.shift()!);
      };
      for (let i = a; i < b; i++) {
        const p = probeFor(i);
        if (size > 1 && notBatchable(p) === undefined) {
          const q = queues.plain;
          // (a probe on a flow the batch already has starts the next batch)
          if (!fitsBatch(p, q.keys, size)) await flush(q);
          // (a flush may carry probes over; a full batch goes out first)
          if (!fitsBatch(p, q.keys, size)) await flush(q);
          join({ i, p });
          continue;
        }
        record(i, await alone(p));
      }
      while (queues.plain.batch.length || queues.quiet.batch.length || judging.length)
        await flush(queues.plain.batch.length || !queues.quiet.batch.length ? queues.plain : queues.quiet);
      if (!active) await drain();
      ds.sort((x, y) => x.index - y.index);
      results.sort((x, y) => x.index - y.index);
      await finish({ a, b, profile: profileIndexAt(c, a), judged: Promise.resolve({ divergences: ds, rules: [...rules], results }) });
    }
  };

  const finishSummary = async (): Promise<CampaignSummary> => {
    await flushCheckpoint();
    await cpWrite;
    progress(true);
    const rep = coverageReport(RULES, rulesHit);
    const coverageText = formatCoverage(rep);
    const elapsedMs = Date.now() - t0;
    const summary: CampaignSummary = {
      campaign: c.name,
      ...(kernel ? { kernel } : {}),
      ...(congestionControls ? { congestionControls } : {}),
      seed: c.seed,
      ...(o.shard ? { shard: { index: o.shard.index, total: o.shard.total } } : {}),
      budget: Number.isFinite(budget) ? budget : null,
      probes: cp!.probesDone,
      elapsedMs: cp!.elapsedMs,
      probesPerSec: elapsedMs > 0 ? Math.round((probesThisRun * 1000) / elapsedMs) : 0,
      divergences,
      findings: store.all().map((f) => ({ signature: f.signature, count: f.count, firstIndex: f.firstIndex, repro: f.reproPath })),
      rulesHit: rulesHit.size,
      rulesTotal: RULES.length,
      rulesNeverHit: RULES.map((r) => r.rule).filter((r) => !rulesHit.has(r)),
      rules: [...rulesHit].sort(),
      reruns,
      flaky,
      ...(sequential ? { batched: { ...batchStats, aloneWhy: { ...batchStats.aloneWhy } } } : {}),
      coverageText,
      ...(corpus ? { guided: { corpus: corpus.size, firstHit: { ...corpus.firstHit() } } } : {}),
    };
    writeFileAtomic(path.join(o.runDir, 'coverage.txt'), coverageText + '\n');
    writeFileAtomic(path.join(o.runDir, 'summary.json'), JSON.stringify({ ...summary, campaignHash: campaignHash(c) }, null, 2) + '\n');
    return summary;
  };

  if (sequential) {
    await runSequential();
    return finishSummary();
  }

  // The main thread injects and captures, pinned to its CPU; that work is mostly the kernel's (the
  // DUT answers inside our send()). A worker judges, on the other CPU. Probe frames are made by the
  // main thread or by the worker, in the proportion that keeps both CPUs equally busy (work-balance.ts).
  const judger = new PipelineWorker(c, o.modelModule);
  const balance = new WorkBalance();
  const link: Link = { ends, src: lab.testerMac, dst: lab.dutMac };
  /** Chunk [a, b)'s frames: asked of the worker now (ready later), or made here when needed. */
  interface Plan {
    a: number;
    b: number;
    frames?: Promise<Packed>;
  }
  const planChunk = (a: number, b: number): Plan => {
    // A guided chunk's probes depend on the chunks before it: made at its turn, on this thread.
    if (corpus || !judger.ready || !balance.judgerGenerates()) return { a, b };
    const frames = judger.gen(a, b, link).then((g) => {
      balance.generated(g.busyMs, b - a, true);
      return g.probes;
    });
    frames.catch(() => undefined); // awaited when the chunk's turn comes; not unhandled if it never does
    return { a, b, frames };
  };
  // The next two chunks are planned ahead: a chunk the worker generates is asked for two chunks
  // early, since the request queues behind the judgements already sent to it.
  const plans: Plan[] = [];
  const planAhead = (from: number): void => {
    while (plans.length < (corpus ? 1 : 2)) {
      const start = owned(plans.length ? plans[plans.length - 1].b : from);
      if (start >= budget) break;
      plans.push(planChunk(start, chunkEnd(start)));
    }
  };
  // Chunks sent to be judged and not committed yet: up to two, so that the main thread goes on with
  // the next chunk through a slow judgement (the worker's start, its compiler, its collector).
  const inflight: InFlight[] = [];
  try {
    planAhead(cp.nextIndex);
    while (plans.length && Date.now() < deadline) {
      const next = plans.shift()!;
      const { a, b } = next;
      const idx = profileIndexAt(c, a);
      const t0 = performance.now();
      // The chunk before is still being judged: its findings, if any, are minimized under its own
      // profile when it is committed (finish switches the lab back), so the switch need not wait.
      await useProfile(idx);
      const t1 = performance.now();
      startChunk(a);
      const frames = await (next.frames ?? probeFrames(c, a, b, link, probeFor));
      const t2 = performance.now();
      if (!corpus) planAhead(b);
      const probes = { buf: new Uint8Array(frames.buf), offs: frames.offs, n: b - a };
      let out: ReturnType<BatchEngine['run']> | undefined;
      while (!out) {
        const before = softnetDropped();
        let res: ReturnType<BatchEngine['run']> | undefined;
        try {
          res = new BatchEngine(lab, { window, cleanup }).run(probes);
        } catch (e) {
          if (!/dropped|stalled/.test((e as Error).message)) throw e;
        }
        const kernelDrops = softnetDropped() - before;
        if (res && kernelDrops === 0) {
          out = res;
          break;
        }
        // Our own loss: the chunk proves nothing. Re-run it on a fresh DUT with a smaller window.
        reruns++;
        window = Math.max(8, window >> 1);
        o.onProgress?.(`chunk ${a}..${b} re-run with window ${window}: ${res ? `${kernelDrops} ingress-backlog drop(s)` : 'capture drop or stall'}`);
        profileIdx = -1;
        await useProfile(idx);
      }
      const t3 = performance.now();
      balance.engine(out.stats.elapsedMs, b - a);
      const r = out.replies;
      const n = b - a;
      const judged = judger.judge(a, envParams!, listen, frames, r.sentMs, { buf: r.buf.buffer as ArrayBuffer, offs: r.offs }, r.probe, !!corpus).then((j) => {
        balance.judged(j.busyMs, n);
        if (!corpus) return j;
        const results: ProbeResult[] = [];
        for (let k = 0; k < n; k++) results.push(resultOf(a + k, j.paths![j.pathOf![k]]));
        return { ...j, results };
      });
      judged.catch(() => undefined); // awaited by finish(); not unhandled if a failure stops the run first
      // Frames this thread makes for the next chunk: now, while the worker judges.
      const mine = plans[0];
      if (mine && !mine.frames && !corpus) {
        const g0 = performance.now();
        const made = probeFrames(c, mine.a, mine.b, link);
        balance.generated(performance.now() - g0, mine.b - mine.a, false);
        mine.frames = Promise.resolve(made);
      }
      const t4 = performance.now();
      inflight.push({ a, b, profile: idx, judged });
      // Guided: the next chunk's probes need this one's results.
      while (inflight.length > (corpus ? 0 : 2)) await finish(inflight.shift()!);
      if (corpus) planAhead(b);
      o.onChunk?.({
        a,
        b,
        profileMs: t1 - t0,
        genWaitMs: t2 - t1,
        engineMs: t3 - t2,
        genMs: t4 - t3,
        finishMs: performance.now() - t4,
        judgerGenShare: balance.share,
      });
    }
    while (inflight.length) await finish(inflight.shift()!);
  } finally {
    await judger.close();
  }
  return finishSummary();
}

interface Prepared {
  kernel: string;
  sysctls: Record<string, string>;
  envParams: Record<4 | 6, EnvParams>;
  oracles?: Record<4 | 6, ListenerOracle>;
  seqCtx?: SequenceContext;
  listenFds: number[];
}

/**
 * What a fresh DUT under given sysctls runs with (the model sysctls as read back, the kernel
 * release), per sysctl profile: read from the first DUT of each profile; every later DUT of that
 * profile (a fresh namespace, the same sysctls set) runs with the same, so a campaign that rotates
 * profiles does not spawn a sysctl reader at every rotation.
 */
export type DutFacts = Map<string, { sysctls: Record<string, string>; kernel: string }>;

/** A fresh DUT under `sysctls`, the listeners (passive targets) and the model's matching state. */
async function prepareLab(
  lab: Lab,
  api: ModelApi,
  sysctlsIn: Record<string, string | number>,
  o: {
    sequential: boolean;
    active: boolean;
    listen: { port: number; backlog: number };
    facts?: DutFacts;
    listenSockopts?: CampaignSockopts;
    connectSockopts?: CampaignSockopts;
  },
): Promise<Prepared> {
  await lab.reset({ sysctls: sysctlsIn });
  let listenFds: number[] = [];
  // (sequential campaigns' listeners take SO_REUSEADDR, so a close-listener call can open a new one;
  // so do listeners with socket options, which openListener does not set)
  const lso = o.listenSockopts;
  const open = (ip: 4 | 6) =>
    o.sequential || lso ? openReusableListener(lab, ip, o.listen.port, o.listen.backlog, lso) : openListener(lab, ip, o.listen.port, o.listen.backlog);
  if (!o.active) listenFds = [await open(4), await open(6)];
  const key = JSON.stringify([lab.addr.index, lab.mtu, sysctlsIn]);
  let facts = o.facts?.get(key);
  if (!facts) {
    facts = { sysctls: await readModelSysctls(lab), kernel: (await lab.agent.must('uname', {})).release };
    o.facts?.set(key, facts);
  }
  const { sysctls, kernel } = facts;
  const params = (ip: 4 | 6): EnvParams => ({
    release: kernel,
    version: lab.agent.version,
    ip,
    dut: ip === 4 ? lab.addr.v4.dut : lab.addr.v6.dut,
    peer: ip === 4 ? lab.addr.v4.peer : lab.addr.v6.peer,
    mtu: lab.mtu,
    sysctls,
  });
  const envParams = { 4: params(4), 6: params(6) };
  const env = { 4: api.makeEnv(envParams[4]), 6: api.makeEnv(envParams[6]) };
  const listenOpts = (ip: 4 | 6) => (lso ? campaignModelSockopts(lso, envParams[ip].peer) : undefined);
  if (o.sequential) {
    const base = (ip: 4 | 6) =>
      o.active
        ? api.initialState(env[ip])
        : api.apply(env[ip], api.initialState(env[ip]), { type: 'listen', port: o.listen.port, backlog: o.listen.backlog, opts: listenOpts(ip) }, 0).state;
    return {
      kernel,
      sysctls,
      envParams,
      listenFds,
      seqCtx: {
        lab,
        api,
        env,
        base: { 4: base(4), 6: base(6) },
        listen: o.active ? undefined : { ...o.listen, ...(lso ? { sockopts: lso } : {}) },
        ...(o.active ? {} : { listenFds: { 4: listenFds[0], 6: listenFds[1] } }),
        ...(o.connectSockopts ? { connectSockopts: o.connectSockopts } : {}),
      },
    };
  }
  return {
    kernel,
    sysctls,
    envParams,
    listenFds,
    oracles: {
      4: ListenerOracle.forListener(api, env[4], o.listen.port, o.listen.backlog, listenOpts(4)),
      6: ListenerOracle.forListener(api, env[6], o.listen.port, o.listen.backlog, listenOpts(6)),
    },
  };
}

/** Re-run a finding's minimized probe (or the original with `original`) and judge it again. */
export async function replayFinding(findingPath: string, lab: Lab, o: { original?: boolean; modelModule?: string } = {}) {
  const f = JSON.parse(fs.readFileSync(findingPath, 'utf8')) as FindingFile;
  const probe = probeFromJson(o.original ? f.probe : f.minimized);
  const api: ModelApi = o.modelModule ? loadModel(o.modelModule) : TRUE_MODEL;
  const sequential = probe.target !== 'listener';
  const active = probe.setup.some((s) => s.kind === 'connect');
  const p = await prepareLab(lab, api, f.sysctls, { sequential, active, listen: f.listen, ...(f.sockopts ?? {}) });
  if (sequential) {
    const j = await runSequenceProbe(p.seqCtx!, { ...probe, sport: active ? probe.sport : 60000 });
    return { finding: f, judgement: { verdict: j.verdict, predicted: j.predicted, observed: j.observed, reasons: j.reasons } };
  }
  const a = probe.ip === 4 ? lab.addr.v4 : lab.addr.v6;
  const bytes = buildIp(probePacketSpec(probe, probe.mutated, bindingsFor(probe), { src: a.peer, dst: a.dut, dport: f.listen.port }));
  let got: { replies: CapturedFrame[]; sentNs: bigint } | undefined;
  let sent = false;
  await new ListenerEngine(lab, { window: 1 }).run(
    () => (sent ? undefined : ((sent = true), { ip: probe.ip, bytes })),
    (r) => (got = r),
  );
  const j = p.oracles![probe.ip].judge(bytes, got!.replies, got!.sentNs);
  return { finding: f, judgement: { verdict: j.verdict, predicted: j.predicted, observed: j.observed, reasons: j.reasons } };
}
