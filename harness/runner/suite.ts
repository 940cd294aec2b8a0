// Running a suite: discover and load the case files, plan one job per case and address family
// (kernel ranges decide skips), schedule the slowest first, run them on the worker pool, and write
// results/<run-id>/ (summary.json, junit.xml, ktap.txt, one pcapng per case) and results/latest.
//
// Scheduling: a case's minimum duration follows from its steps (estimate.ts). Jobs are handed out
// longest-first, so the few cases that wait for real retransmission timers start at once and the many
// short ones fill the other workers around them. Ties are broken by a shuffle seeded with the run's
// seed: the same seed hands out the same jobs in the same order.
import { hostname, release, version as osVersion } from 'os';
import * as path from 'path';
import type { CaseFile } from '../../lib/case';
import { discoverCaseFiles } from '../../lib/case/discover';
import { kernelMatches } from '../../lib/case/expr';
import { globalSysctlMismatch, isGlobalSysctl } from '../../lib/kernel/global-sysctls';
import { kernelVersionOf, SYSCTL_SINCE, sysctlExists, sysctlKey } from '../../lib/model';
import { Prng } from '../../lib/util/prng';
import { makeRunId, type WrittenRun } from '../report/results-dir';
import { writeRunFreshId, type WriteFailure } from '../report/write-results';
import { blankResult, caseId, countStatuses, type CaseResult, type RunResult, type StatusCounts } from '../report/types';
import { kernelWideSysctls } from '../topology/tester-ns';
import { hostKernelIdentity } from '../sys/kernel-identity';
import { loadCasesCached } from './case-cache';
import { missingName, readKernelNames, type KernelNames } from './kernel-names';
import { partition, type Shard } from './shard';
import { defaultTimeoutMs, estimateCase, type CaseEstimate } from './estimate';
import { AUTO_LANES } from './lanes';
import { WorkerPool, type PoolEvent, type PoolOptions } from './pool';
import { submitWithReruns } from './rerun';
import type { JobSpec } from './protocol';

export interface PlanOptions {
  /** Only this family (a case written for the other one is left out); default: every family of each case. */
  ip?: 4 | 6 | 'both';
  seed: number;
  /** Kernel release the cases are checked against (default: this machine's). */
  kernel?: string;
  /** Per-case timeout, ms; default from each case's own steps (defaultTimeoutMs). */
  timeoutMs?: number;
  /** Run cases whose `kernel:` range leaves this kernel out (to check that a gate states a fact). */
  ignoreGates?: boolean;
  /**
   * Reads a kernel-wide sysctl (lib/kernel/global-sysctls.ts) of the kernel under test; a case that
   * needs another value is skipped. Default: this machine's (tester-ns.ts) when `kernel` is not given.
   */
  readGlobalSysctl?: (name: string) => string | undefined;
  /** The kernel's own sysctl and counter names (kernel-names.ts). Default: this machine's when `kernel` is not given. */
  kernelNames?: KernelNames;
}

export interface PlannedJob {
  case: CaseFile;
  ip: 4 | 6;
  /** Position in the results (discovery order, then family). */
  order: number;
  estimate: CaseEstimate;
  /** Set when the case does not apply to the kernel: reported as skipped, not run. */
  skip?: string;
  /** The skip is about this machine, not a version fact (a name the kernel lacks, a kernel-wide value): printed. */
  notice?: true;
  job: JobSpec;
}

function modelSysctlKey(name: string): ReturnType<typeof sysctlKey> | undefined {
  try {
    return sysctlKey(name);
  } catch {
    return undefined;
  }
}

/** A reason to skip a case that sets a sysctl this kernel does not have (the write would fail). */
function missingSysctl(c: CaseFile, kernel: string, version: string | undefined): string | undefined {
  const v = kernelVersionOf(kernel, version);
  if (!v) return undefined;
  for (const s of c.sysctls) {
    // a sysctl outside the model's list (packetdrill's defaults.sh sets tcp_frto, …): the loader
    // already dropped those this kernel lacks, and the write says if it refuses one
    const key = modelSysctlKey(s.name);
    if (key && !sysctlExists(key, v)) return `kernel ${kernel} has no ${s.name} (added in ${SYSCTL_SINCE[key]})`;
  }
  return undefined;
}

/** A reason to skip a case that needs a kernel-wide sysctl value this kernel does not have (the harness never writes one). */
function globalSysctlSkip(c: CaseFile, read: ((name: string) => string | undefined) | undefined): string | undefined {
  if (!read) return undefined;
  for (const s of c.sysctls) {
    if (!isGlobalSysctl(s.name)) continue;
    const why = globalSysctlMismatch(s.name, s.value, read(s.name));
    if (why) return why;
  }
  return undefined;
}

/** One job per case and family, in hand-out order (longest first; the seed breaks ties). */
export function planJobs(cases: readonly CaseFile[], o: PlanOptions): PlannedJob[] {
  const kernel = o.kernel ?? release();
  const version = o.kernel === undefined ? osVersion() : undefined;
  const names = o.kernelNames ?? (o.kernel === undefined ? readKernelNames() : undefined);
  const readGlobal = o.readGlobalSysctl ?? (o.kernel === undefined ? (name: string) => kernelWideSysctls()[name] : undefined);
  const out: PlannedJob[] = [];
  for (const c of cases) {
    const estimate = estimateCase(c);
    for (const ip of c.families) {
      if (o.ip !== undefined && o.ip !== 'both' && o.ip !== ip) continue;
      const order = out.length;
      const job: JobSpec = { key: order, case: c, ip, seed: o.seed, timeoutMs: o.timeoutMs ?? defaultTimeoutMs(estimate) };
      const fact =
        (o.ignoreGates || kernelMatches(c.kernel, kernel)
          ? undefined
          : `kernel ${kernel} is not in ${c.kernel.text}${c.kernel.why ? ` (${c.kernel.why})` : ''}`) ?? missingSysctl(c, kernel, version);
      const local = fact ? undefined : (missingName(c, kernel, names) ?? globalSysctlSkip(c, readGlobal));
      const skip = fact ?? local;
      out.push({ case: c, ip, order, estimate, job, ...(skip ? { skip } : {}), ...(local ? { notice: true as const } : {}) });
    }
  }
  const rng = new Prng(o.seed);
  const tie = new Map(out.map((p) => [p, rng.u32()]));
  return out.sort((a, b) => b.estimate.minMs - a.estimate.minMs || tie.get(a)! - tie.get(b)!);
}

export interface SuiteOptions extends Omit<PlanOptions, 'seed'> {
  /** Case files and folders (campaigns/ folders are skipped). */
  paths: readonly string[];
  /** Keep files whose path matches any of these (substring, or glob). */
  filter?: readonly string[];
  /** Worker processes. */
  jobs: number;
  /** Cases at a time per worker, each in its own lab (default 1), or 'auto' (adapted to the event-loop delay: lanes.ts). */
  lanes?: number | 'auto';
  seed?: number;
  /** Where results/<run-id>/ goes; false = write nothing. Default 'results'. */
  resultsDir?: string | false;
  /** KCIDB origin of kcidb.json's ids (default 'synharness'). */
  kcidbOrigin?: string;
  /** Run only this shard of the planned case runs (shard.ts). */
  shard?: Shard;
  /** Recorded durations (case id → ms) to balance the shards by; default each case's estimate. */
  shardDurations?: ReadonlyMap<string, number>;
  onProgress?: (p: SuiteProgress) => void;
  pool?: Pick<PoolOptions, 'mode' | 'graceMs' | 'onEvent' | 'stepEvents'>;
}

export interface SuiteProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  /** The result that just came in. */
  last?: CaseResult;
}

export interface SuiteOutcome {
  run: RunResult;
  counts: StatusCounts;
  /** Skips about this machine rather than the kernel's version (PlannedJob.notice): `<case id>: <reason>`. */
  notices: string[];
  written?: WrittenRun;
  /** Results could not be written (or `latest` not repointed): the run's verdicts stand. */
  writeError?: WriteFailure;
}

/** A seed for a run that was given none: printed with the results, so the run can be replayed. */
export function freshSeed(): number {
  return ((Date.now() ^ (process.pid << 16)) % 2 ** 31) >>> 0;
}

export function skipResult(p: PlannedJob): CaseResult {
  return { ...blankResult(p.case, p.ip, p.job.seed, release(), 'skip', p.skip), modelProfile: 'n/a' };
}

/** The case files a run of these paths (and filters) takes; an error when there is none. */
export function suiteFiles(paths: readonly string[], filter?: readonly string[]): string[] {
  const files = discoverCaseFiles([...paths], filter?.length ? { filter: [...filter] } : {});
  if (!files.length) throw new Error(`no case files in ${paths.join(', ')}${filter?.length ? ` matching ${filter.join(', ')}` : ''}`);
  return files;
}

export async function runSuite(o: SuiteOptions): Promise<SuiteOutcome> {
  const startedAt = new Date();
  const t0 = process.hrtime.bigint();
  const seed = o.seed ?? freshSeed();
  const files = suiteFiles(o.paths, o.filter);
  // The workers start now, while the case files load (both take most of a second): a worker is
  // ready for its first case about when the plan is.
  let running = 0;
  let report: (last?: CaseResult) => void = () => undefined;
  const lanes = o.lanes === 'auto' ? 'auto' : Math.max(1, o.lanes ?? 1);
  const pool = new WorkerPool({
    jobs: Math.min(o.jobs, Math.max(1, Math.ceil((files.length * 2) / (lanes === 'auto' ? AUTO_LANES.start : lanes)))),
    lanes,
    ...o.pool,
    onEvent: (e: PoolEvent) => {
      if (e.type === 'start') {
        running++;
        report();
      } else if (e.type === 'done') running--;
      o.pool?.onEvent?.(e);
    },
  });
  pool.prestart();
  let cases: CaseFile[];
  let plan: PlannedJob[];
  let planned = 0;
  try {
    cases = loadCasesCached(files);
    plan = planJobs(cases, { ...o, seed });
    if (!plan.length) throw new Error(`none of the ${cases.length} case(s) runs over IPv${o.ip}`);
    planned = plan.length;
    if (o.shard) plan = selectShard(plan, o.shard, o.shardDurations);
  } catch (e) {
    await pool.close();
    throw e;
  }
  const results: CaseResult[] = new Array(plan.length);
  let done = 0;
  let failed = 0;
  report = (last?: CaseResult): void => o.onProgress?.({ total: plan.length, done, running, failed, last });
  const finish = (p: PlannedJob, r: CaseResult): void => {
    results[p.order] = r;
    done++;
    if (r.status === 'fail' || r.status === 'error') failed++;
    report(r);
  };
  const todo = plan.filter((p) => {
    if (!p.skip) return true;
    finish(p, skipResult(p));
    return false;
  });
  // A failure with a provably late step is run again, alone in the pool (rerun.ts).
  let reruns = 0;
  try {
    await Promise.all(todo.map((p) => submitWithReruns(pool, p.job, () => reruns++).then((r) => finish(p, r))));
  } finally {
    await pool.close();
  }
  const kernel = release();
  const run: RunResult = {
    runId: '',
    startedAt: startedAt.toISOString(),
    kernel,
    kernelIdentity: hostKernelIdentity(),
    host: hostname(),
    jobs: o.jobs,
    lanes: lanes === 'auto' ? pool.laneRange.max : lanes,
    ...(lanes === 'auto' && pool.laneRange.max > 0 ? { laneRange: { ...pool.laneRange } } : {}),
    reruns,
    seed,
    durationMs: Number(process.hrtime.bigint() - t0) / 1e6,
    cases: results,
    ...(o.shard ? { shard: { ...o.shard, planned } } : {}),
  };
  const notices = plan
    .filter((p) => p.notice)
    .sort((a, b) => a.order - b.order)
    .map((p) => `${jobId(p)}: ${p.skip}`);
  const outcome: SuiteOutcome = { run, counts: countStatuses(results), notices };
  if (o.resultsDir !== false) {
    // Never throws for a write failure: the verdicts are the run's result and the caller prints them.
    // Inside a guest (TCG) the HTML page is left to the host, which makes it from summary.json when the
    // results come back (run-in-guest.ts): seconds of the guest's CPU, a fraction of one here.
    const w = writeRunFreshId(path.resolve(o.resultsDir ?? 'results'), run, makeRunId(startedAt, kernel), {
      kcidb: { origin: o.kcidbOrigin },
      html: !process.env.SYNH_IN_GUEST,
    });
    outcome.written = w.written;
    if (w.error) outcome.writeError = w.error;
  } else {
    run.runId = makeRunId(startedAt, kernel);
  }
  return outcome;
}

/** A case run's id, as its result has it. */
function jobId(p: PlannedJob): string {
  return caseId(p.case.file, p.case.name, p.ip);
}

/**
 * The shard's part of the plan, hand-out order kept, renumbered (order, job key) from 0 in discovery
 * order. Weighted by recorded durations when given, else by the case's own estimate.
 */
export function selectShard(plan: readonly PlannedJob[], shard: Shard, durations?: ReadonlyMap<string, number>): PlannedJob[] {
  const of = partition(
    plan.map((p) => ({ id: jobId(p), ms: p.skip ? 0 : (durations?.get(jobId(p)) ?? p.estimate.minMs) })),
    shard.total,
  );
  const mine = plan.filter((p) => of.get(jobId(p)) === shard.index);
  const renumber = new Map([...mine].sort((a, b) => a.order - b.order).map((p, i) => [p, i]));
  return mine.map((p) => {
    const order = renumber.get(p)!;
    return { ...p, order, job: { ...p.job, key: order } };
  });
}
