// `synh run`: the suite (or the given case files and folders) against this machine's kernel.
// Quiet on success: a progress bar on a terminal, then one closing line ("N passed, N failed, N errors,
// N skipped in T s (…); results/<run-id>"). On failure, each failed case with its field diffs, the model's reasons,
// the unexpected packets and a ladder. --json prints summary.json's content on stdout instead (the
// human lines go to stderr). Exit status 0 only when every case passed (skips aside).
import { Command, InvalidArgumentError } from 'commander';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../compiled-mirror';
import { AUTO_LANES } from '../runner/lanes';
import { acrossKernels, KERNEL_FLAG, KERNEL_HELP, kernelListArg } from './kernels';
import { intArg } from './kv';
import { checkKcidbOrigin, DEFAULT_KCIDB_ORIGIN } from '../report/kcidb';
import { bazelShard, parseShard, recordedDurations, type Shard } from '../runner/shard';

/** Worker processes: one per core (at most 16). */
export const DEFAULT_JOBS = Math.min(16, Math.max(1, os.cpus().length));
/**
 * Cases at a time per worker, each in its own lab: cases spend most of their time waiting
 * (expect_none, retransmission timers) and a lab reset costs ~3 ms of CPU, so a worker interleaves many
 * — as many as its event loop keeps time with ('auto': lanes.ts; 16 at most on an idle host, fewer on
 * a loaded machine or in a guest under TCG).
 */
export const DEFAULT_LANES = 'auto';

export interface RunCliOptions {
  filter: string[];
  jobs: number;
  lanes: number | 'auto';
  ip: 4 | 6 | 'both';
  seed?: number;
  json?: boolean;
  results: string;
  write: boolean;
  timeout?: number;
  ignoreGates?: boolean;
  /** KCIDB origin for kcidb.json's ids. */
  kcidbOrigin?: string;
  /** `i/N` or `N` (index from the environment). */
  shard?: string;
  shardDurations?: string;
  /** Compare with this run after the run: a results directory, `latest` or a baseline name. */
  baseline?: string;
  /** packetdrill scripts: packets after the script's last line fail the case */
  strict?: boolean;
  /** packetdrill scripts: outbound time tolerance, ms */
  tolerance?: number;
  /** packetdrill scripts: -D NAME=VALUE */
  define: string[];
}

/**
 * The most worker processes and lanes a run may ask for: far above what a machine uses (the auto
 * lanes stop at 16), below what exhausts namespaces and file descriptors (--lanes 100000 gave 251
 * errors).
 */
export const MAX_JOBS = 64;

/** Exit status when every verdict was printed but the results could not be written (whatever the verdicts). */
export const EXIT_NOT_WRITTEN = 3;
export const MAX_LANES = 64;

function parseInt0(name: string, min: number, max?: number): (v: string) => number {
  return (v) => {
    try {
      return intArg(name, min, max)(v);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

function originArg(v: string): string {
  try {
    return checkKcidbOrigin(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}

function toleranceArg(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || !(n >= 0 && n <= 10000)) throw new InvalidArgumentError(`--tolerance takes milliseconds (0 to 10000), got '${v}'`);
  return n;
}

function defineArg(v: string, prev: string[]): string[] {
  if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) throw new InvalidArgumentError(`-D takes NAME=VALUE, got '${v}'`);
  return [...prev, v];
}

/** The options that reach the packetdrill compiler (in this process and, through the environment, the workers). */
export function scriptOptions(o: Pick<RunCliOptions, 'strict' | 'tolerance' | 'define'>): {
  strict?: boolean;
  toleranceMs?: number;
  defines?: Record<string, string>;
} {
  const defines = Object.fromEntries((o.define ?? []).map((d) => [d.slice(0, d.indexOf('=')), d.slice(d.indexOf('=') + 1)]));
  return {
    ...(o.strict ? { strict: true } : {}),
    ...(o.tolerance !== undefined ? { toleranceMs: o.tolerance } : {}),
    ...(o.define?.length ? { defines } : {}),
  };
}

function lanesArg(v: string): number | 'auto' {
  return v === 'auto' ? 'auto' : parseInt0('--lanes', 1, MAX_LANES)(v);
}

/** `--ip 4|6|both` (run, differential). */
export function ipOrBothArg(v: string): 4 | 6 | 'both' {
  if (v === '4' || v === '6') return Number(v) as 4 | 6;
  if (v === 'both') return 'both';
  throw new InvalidArgumentError(`--ip takes 4, 6 or both, got '${v}'`);
}

/**
 * The suite's default location: cases/ of this checkout (REPO_ROOT: also right when the CLI runs from
 * the transpiled mirror), relative to the working directory when inside it.
 */
export function defaultSuitePath(): string {
  const abs = path.join(REPO_ROOT, 'cases');
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/** `--filter GLOB` (run, list): case files whose path matches; repeatable. */
export const FILTER_OPTION = [
  '--filter <glob>',
  'only case files whose path matches (substring, or glob with * ? [ ] **); repeatable',
  (v: string, prev: string[]) => [...prev, v],
  [] as string[],
] as const;

export function registerRun(program: Command, argv: readonly string[]): void {
  program
    .command('run [paths...]')
    .description('run case files (default: the whole suite, cases/) against this kernel; results in results/<run-id>/')
    .option(...FILTER_OPTION)
    .option('--jobs <n>', `worker processes (default ${DEFAULT_JOBS}: one per core)`, parseInt0('--jobs', 1, MAX_JOBS), DEFAULT_JOBS)
    .option(
      '--lanes <n|auto>',
      `cases at a time per worker, each in its own DUT namespace (default ${DEFAULT_LANES}: up to ${AUTO_LANES.max}, fewer while the worker's event loop is late)`,
      lanesArg,
      DEFAULT_LANES as number | 'auto',
    )
    .option('--ip <4|6|both>', 'address family: cases written for the other one are left out', ipOrBothArg, 'both' as 4 | 6 | 'both')
    .option('--seed <n>', 'seed for the hand-out order (default: fresh, printed)', parseInt0('--seed', 0))
    .option('--timeout <ms>', "per-case timeout (default: from each case's own steps)", parseInt0('--timeout', 1))
    .option('--ignore-gates', 'also run cases whose kernel: range leaves this kernel out (to check that a gate is a fact)')
    .option('--results <dir>', 'results root', 'results')
    .option('--no-write', 'write no results directory')
    .option(KERNEL_FLAG, `${KERNEL_HELP}; one results directory per kernel`, kernelListArg)
    .option('--json', 'print the run summary as JSON (summary.json) on stdout')
    .option('--kcidb-origin <name>', `origin of kcidb.json's ids (KCIDB v5.3; default $SYNH_KCIDB_ORIGIN or ${DEFAULT_KCIDB_ORIGIN})`, originArg)
    .option(
      '--shard <i/N>',
      "run only the i-th of N disjoint, balanced parts of the case runs (N alone: i from $JOB_COMPLETION_INDEX or $TEST_SHARD_INDEX, counting from 0); Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX are honoured without it. Merge the parts with synh merge",
    )
    .option('--shard-durations <summary.json>', 'balance the shards by the durations this run recorded (give every shard the same file)')
    .option(
      '--baseline <run>',
      'compare with this run afterwards (a results directory, `latest`, or a baseline name); exit 1 on a regression or unexplained change',
    )
    .option('--strict', "packetdrill scripts (.pkt): packets after the script's last expected packet fail the case (default: reported, as packetdrill)")
    .option('--tolerance <ms>', "packetdrill scripts: outbound timing tolerance in ms (default: the script's --tolerance_usecs, else 4)", toleranceArg)
    .option('-D, --define <NAME=VALUE>', 'packetdrill scripts: a define, as packetdrill -D; repeatable', defineArg, [] as string[])
    .action(async (paths: string[], o: RunCliOptions & { kernel?: string }) => {
      if (o.baseline !== undefined && o.kernel !== undefined && o.kernel !== 'host') {
        process.stderr.write(
          "synh run: --baseline compares one run; with --kernel, compare each kernel's run afterwards (synh compare BASELINE results/<run-id>)\n",
        );
        process.exitCode = 2;
        return;
      }
      process.exitCode = await acrossKernels({
        kernels: o.kernel,
        argv: argv.slice(2),
        inputs: paths,
        results: o.write ? o.results : undefined,
        local: () => runCommand(paths.length ? paths : [defaultSuitePath()], o),
        prepare: () => prepareGuestCases(paths.length ? paths : [defaultSuitePath()], o),
      });
    });
}

/** A case-loading failure, as `synh run` reports it (every problem, positioned; nothing was run). */
function printLoadFailure(e: unknown, CaseError: typeof import('../../lib/case/errors').CaseError): void {
  if (e instanceof CaseError) {
    process.stderr.write(`${e.toString()}\n`);
    process.stderr.write(`synh run: ${e.issues.length} problem(s) in the case files; nothing was run\n`);
  } else {
    process.stderr.write(`synh run: ${(e as Error).message}\n`);
  }
}

/**
 * Before a guest boots: the cases load here (a bad file fails now, not after a boot), and their
 * parsed form goes into the guest with them, so its run parses nothing (parsing is ~17× slower under
 * TCG, and the parser's modules take seconds to load there). The files to pack, or the exit status.
 */
async function prepareGuestCases(paths: string[], o: RunCliOptions): Promise<readonly string[] | number> {
  const { setScriptOptions } = await import('../packetdrill/load');
  setScriptOptions(scriptOptions(o));
  const { suiteFiles } = await import('../runner/suite');
  const { loadCasesCached, cachedEntries } = await import('../runner/case-cache');
  const { CaseError } = await import('../../lib/case/errors');
  try {
    const files = suiteFiles(paths, o.filter);
    loadCasesCached(files);
    return cachedEntries(files);
  } catch (e) {
    printLoadFailure(e, CaseError);
    return 2;
  }
}

export async function runCommand(paths: string[], o: RunCliOptions): Promise<number> {
  const { setScriptOptions } = await import('../packetdrill/load');
  setScriptOptions(scriptOptions(o));
  const { runSuite, freshSeed } = await import('../runner/suite');
  const { CaseError } = await import('../../lib/case/errors');
  const { formatCaseFailure } = await import('../report/diff-text');
  const { toSummaryJson } = await import('../report/summary');
  const { tallyText } = await import('../report/types');
  const t0 = process.hrtime.bigint();
  const human = o.json ? process.stderr : process.stdout;
  const seed = o.seed ?? freshSeed();
  let kcidbOrigin: string;
  try {
    kcidbOrigin = checkKcidbOrigin(o.kcidbOrigin ?? process.env.SYNH_KCIDB_ORIGIN ?? DEFAULT_KCIDB_ORIGIN);
  } catch (e) {
    process.stderr.write(`synh run: ${o.kcidbOrigin === undefined ? 'SYNH_KCIDB_ORIGIN' : '--kcidb-origin'}: ${(e as Error).message}\n`);
    return 2;
  }
  let shard: Shard | undefined;
  let shardDurations: Map<string, number> | undefined;
  try {
    shard = o.shard !== undefined ? parseShard(o.shard) : bazelShard();
    if (o.shardDurations !== undefined) shardDurations = recordedDurations(o.shardDurations);
  } catch (e) {
    process.stderr.write(`synh run: ${(e as Error).message}\n`);
    return 2;
  }
  let baselineDir: string | undefined;
  if (o.baseline !== undefined) {
    if (!o.write) {
      process.stderr.write('synh run: --baseline needs the results written (drop --no-write)\n');
      return 2;
    }
    // Resolved now: the run is about to move `latest`.
    try {
      baselineDir = (await import('../report/load-run')).resolveRunDir(o.baseline, o.results);
    } catch (e) {
      process.stderr.write(`synh run: --baseline: ${(e as Error).message}\n`);
      return 2;
    }
  }
  if (o.write) {
    // Up front: a results root that cannot be made fails now, not after every case has run.
    try {
      (await import('../sys/dirs')).mkdirs(o.results);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      process.stderr.write(
        `synh run: --results ${o.results}: cannot create ${err.path ?? o.results} (${err.code === 'EEXIST' ? 'EEXIST: a file is in the way' : (err.code ?? err.message)}) — give a writable directory, or --no-write\n`,
      );
      return 2;
    }
  }
  const bar = process.stderr.isTTY && !process.env.SYNH_NO_PROGRESS ? new ProgressBar(process.stderr) : undefined;
  let outcome;
  try {
    outcome = await runSuite({
      paths,
      filter: o.filter,
      jobs: o.jobs,
      lanes: o.lanes,
      ip: o.ip,
      seed,
      timeoutMs: o.timeout,
      ignoreGates: o.ignoreGates,
      resultsDir: o.write ? o.results : false,
      kcidbOrigin,
      shard,
      shardDurations,
      onProgress: (p) => bar?.update(p.done, p.total, p.running, p.failed),
    });
  } catch (e) {
    bar?.clear();
    printLoadFailure(e, CaseError);
    return 2;
  } finally {
    bar?.clear();
  }
  const { run, counts, written, writeError } = outcome;
  const width = Math.max(80, Math.min(160, (human as NodeJS.WriteStream).columns ?? 100));
  for (const n of outcome.notices) human.write(`SKIP ${n}\n`);
  const failures = run.cases.filter((c) => c.status === 'fail' || c.status === 'error');
  for (const c of failures) human.write(`${formatCaseFailure(c, { width })}\n`);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const rel = written && path.relative(process.cwd(), written.dir);
  const where = !written ? (writeError ? 'results NOT written' : 'no results written') : rel && !rel.startsWith('..') ? rel : written.dir;
  const rerun = run.cases.filter((c) => c.reruns?.length);
  for (const c of rerun) if (c.status === 'pass') human.write(`RE-RUN ${c.id}: ${c.message}\n`);
  const reruns = rerun.length ? `, ${rerun.length} re-run (harness late)` : '';
  const lanes = run.laneRange ? `lanes auto ${run.laneRange.min}–${run.laneRange.max}` : `lanes ${o.lanes}`;
  const part = run.shard ? `, shard ${run.shard.index}/${run.shard.total}: ${counts.total} of ${run.shard.planned} case runs` : '';
  if (o.json) process.stdout.write(toSummaryJson(run, { pcapPaths: written?.pcaps }));
  // The one closing line: every status of the totals (summary.json's), then how the run went.
  human.write(`${tallyText(counts)}${reruns} in ${wall.toFixed(1)} s (jobs ${o.jobs} × ${lanes}, seed ${seed}, kernel ${run.kernel}${part}); ${where}\n`);
  // A shard may be empty (more shards than case runs); a whole run with nothing in it is a mistake.
  let code = counts.fail === 0 && counts.error === 0 && (counts.total > 0 || shard) ? 0 : 1;
  if (writeError) {
    // After every verdict: the run's result stands, only its files are missing (write-results.ts).
    process.stderr.write(`${(await import('../report/write-results')).writeFailureLine('synh run', writeError, written?.dir)}\n`);
    code = EXIT_NOT_WRITTEN;
  }
  if (baselineDir && written) {
    const { compareAfterRun } = await import('./compare-actions');
    try {
      code = Math.max(code, compareAfterRun(baselineDir, written.dir, o.baseline!, human));
    } catch (e) {
      process.stderr.write(`synh run: --baseline: ${(e as Error).message}\n`);
      code = Math.max(code, 2);
    }
  }
  return code;
}

/** One redrawn line on a terminal: [#####.....] 37/152  4 running  1 failed  3.2 s */
class ProgressBar {
  private readonly t0 = Date.now();
  private last = '';
  private timer: NodeJS.Timeout;
  private state = { done: 0, total: 0, running: 0, failed: 0 };

  constructor(private readonly out: NodeJS.WriteStream) {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  update(done: number, total: number, running: number, failed: number): void {
    this.state = { done, total, running, failed };
    this.draw();
  }

  private draw(): void {
    const { done, total, running, failed } = this.state;
    const w = 30;
    const fill = total ? Math.round((done / total) * w) : 0;
    const line = `[${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${done}/${total}  ${running} running${failed ? `  ${failed} failed` : ''}  ${((Date.now() - this.t0) / 1000).toFixed(1)} s`;
    if (line === this.last) return;
    this.last = line;
    this.out.write(`\r${line}\x1b[K`);
  }

  clear(): void {
    clearInterval(this.timer);
    if (this.last) this.out.write('\r\x1b[K');
    this.last = '';
  }
}
