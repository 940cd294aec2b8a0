// The coordinator's worker pool: `jobs` worker processes, each running up to `lanes` cases at a time
// (each case in its own lab; worker.ts) — a fixed number, or 'auto': each worker's lanes follow the
// event-loop delay it reports (lanes.ts). Jobs are handed out in submission order (the scheduler submits
// longest first) to the worker with the most free lanes; a job marked `alone` (a re-run) waits until no
// other case runs and runs by itself. The coordinator itself never enters a namespace: it only forks.
//
// Failure handling: a case over its timeout is aborted by its worker (error result); a worker that
// does not answer `graceMs` after that, or that dies, is killed and the cases it was running are
// reported as errors; a new worker takes its place and the run goes on.
import { ChildProcess, fork } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { CaseResult } from '../report/types';
import { compiledMirror, REPO_ROOT } from '../compiled-mirror';
import { adaptLanes, AUTO_LANES } from './lanes';
import { openStepSlots, readStepSlot, STEP_FD, STEP_FD_ENV } from './step-slots';
import { errorResult, setupLimitMs, type FromWorker, type JobSpec, type ToWorker } from './protocol';

export interface PoolOptions {
  /** Worker processes. */
  jobs: number;
  /** Cases at a time per worker (default 1), or 'auto' (AUTO_LANES, adapted to each worker's event-loop delay). */
  lanes?: number | 'auto';
  /** How long after a case's own timeout the coordinator waits before killing its worker (default 15 s). */
  graceMs?: number;
  /** 'compiled' (default: the precompiled mirror) or 'ts-node' (slower start, for debugging the runner). */
  mode?: 'compiled' | 'ts-node';
  onEvent?: (e: PoolEvent) => void;
  /**
   * Also report each step as it starts (a `step` event; one IPC message per step, default off). The
   * step a dead worker's case was at is known without them (step-slots.ts).
   */
  stepEvents?: boolean;
}

export type PoolEvent =
  | { type: 'worker-ready'; pid: number; startMs: number }
  | { type: 'start'; job: JobSpec; pid: number }
  | { type: 'step'; job: JobSpec; step: number; pid: number }
  | { type: 'done'; job: JobSpec; result: CaseResult; pid: number }
  | { type: 'worker-exit'; pid: number; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'lanes'; pid: number; lanes: number; p99Ms: number };

interface Running {
  job: JobSpec;
  resolve: (r: CaseResult) => void;
  startedAt: number;
  step: number;
  hard: NodeJS.Timeout;
}

interface Worker {
  child: ChildProcess;
  pid: number;
  /** Its step slots (step-slots.ts), closed when it exits. */
  stepsFd: number;
  ready: boolean;
  /** The cases it runs, by job key. */
  running: Map<number, Running>;
  output: string;
  /** Cases it may run at once now. */
  lanes: number;
  /** Why we killed it, if we did. */
  killedFor?: string;
}

const OUTPUT_KEEP = 8 * 1024;
/** Workers that die before saying ready, in a row, before the pool gives up. */
const MAX_EARLY_DEATHS = 3;

export class WorkerPool {
  private readonly queue: Array<{ job: JobSpec; resolve: (r: CaseResult) => void }> = [];
  private readonly workers = new Set<Worker>();
  private earlyDeaths = 0;
  private fatal: string | undefined;
  private closing = false;
  private entry: { file: string; execArgv: string[] } | undefined;
  /** The fewest and most lanes any worker had during the run. */
  readonly laneRange = { min: Infinity, max: 0 };

  constructor(private readonly o: PoolOptions) {
    if (!(o.jobs >= 1)) throw new Error(`jobs must be at least 1 (got ${o.jobs})`);
  }

  /** Runs one job; resolves with its result (never rejects: failures are error results). */
  submit(job: JobSpec): Promise<CaseResult> {
    if (this.closing) return Promise.resolve(errorResult(job, 'the runner is shutting down'));
    if (this.fatal) return Promise.resolve(errorResult(job, this.fatal));
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.fill();
      this.dispatch();
    });
  }

  /** Lets every worker finish and exit (their labs are closed; agents and namespaces go with them). */
  async close(): Promise<void> {
    this.closing = true;
    for (const q of this.queue.splice(0)) q.resolve(errorResult(q.job, 'the runner shut down before this case ran'));
    await Promise.all([...this.workers].map((w) => this.stop(w)));
  }

  private stop(w: Worker): Promise<void> {
    return new Promise((resolve) => {
      if (w.child.exitCode !== null || w.child.signalCode !== null) return resolve();
      const t = setTimeout(() => w.child.kill('SIGKILL'), 5000);
      w.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      if (w.child.connected) w.child.send({ type: 'exit' } satisfies ToWorker);
      else w.child.kill('SIGKILL');
    });
  }

  private get auto(): boolean {
    return this.o.lanes === 'auto';
  }

  /** A new worker's lanes. */
  private get startLanes(): number {
    return this.o.lanes === 'auto' ? AUTO_LANES.start : Math.max(1, this.o.lanes ?? 1);
  }

  private setLanes(w: Worker, n: number): void {
    w.lanes = n;
    this.laneRange.min = Math.min(this.laneRange.min, n);
    this.laneRange.max = Math.max(this.laneRange.max, n);
  }

  /** Free lanes of the live workers. */
  private idle(): number {
    let n = 0;
    for (const w of this.workers) if (!w.killedFor) n += Math.max(0, w.lanes - w.running.size);
    return n;
  }

  /** Starts every worker now, before any job is submitted (they boot while the caller prepares). */
  prestart(): void {
    while (!this.fatal && !this.closing && this.workers.size < this.o.jobs) this.spawn();
  }

  /** Starts workers up to `jobs` while there is work that the live ones cannot take. */
  private fill(): void {
    while (!this.fatal && this.workers.size < this.o.jobs && this.queue.length > this.idle()) this.spawn();
  }

  private workerEntry(): { file: string; execArgv: string[] } {
    if (this.entry) return this.entry;
    this.entry =
      this.o.mode === 'ts-node'
        ? { file: path.join(REPO_ROOT, 'harness', 'runner', 'worker.ts'), execArgv: ['-r', 'ts-node/register/transpile-only'] }
        : { file: path.join(compiledMirror(), 'harness', 'runner', 'worker.js'), execArgv: [] };
    return this.entry;
  }

  private spawn(): void {
    const e = this.workerEntry();
    const stepsFd = openStepSlots();
    const child = fork(e.file, [], {
      cwd: process.cwd(), // case paths are relative to it
      // SYNH_PROFILE_WORKERS=<dir>: a V8 CPU profile of every worker, for finding event-loop stalls.
      execArgv: process.env.SYNH_PROFILE_WORKERS ? [...e.execArgv, '--cpu-prof', `--cpu-prof-dir=${process.env.SYNH_PROFILE_WORKERS}`] : e.execArgv,
      serialization: 'advanced',
      // fd STEP_FD (4): the step slots
      stdio: ['ignore', 'pipe', 'pipe', 'ipc', stepsFd],
      env: {
        ...process.env,
        TS_NODE_TRANSPILE_ONLY: 'true',
        SYNH_RUNNER_LANES: String(this.startLanes),
        [STEP_FD_ENV]: String(STEP_FD),
        ...(this.o.stepEvents ? { SYNH_STEP_EVENTS: '1' } : {}),
      },
    });
    const w: Worker = { child, pid: child.pid ?? -1, stepsFd, ready: false, output: '', running: new Map(), lanes: 0 };
    this.setLanes(w, this.startLanes);
    this.workers.add(w);
    const keep = (chunk: Buffer): void => {
      w.output = (w.output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('message', (m: FromWorker) => this.onMessage(w, m));
    child.on('error', (err) => keep(Buffer.from(`\n[worker error] ${err.message}\n`)));
    child.on('exit', (code, signal) => this.onExit(w, code, signal));
  }

  /** Cases running in the pool, and whether one of them runs alone. */
  private load(): { running: number; alone: boolean } {
    let running = 0;
    let alone = false;
    for (const w of this.workers) {
      running += w.running.size;
      for (const r of w.running.values()) alone ||= !!r.job.alone;
    }
    return { running, alone };
  }

  /** Hands queued jobs, in order, to the worker with the most free lanes; an `alone` job once the pool is empty. */
  private dispatch(): void {
    while (this.queue.length) {
      const l = this.load();
      if (l.alone || (this.queue[0].job.alone && l.running > 0)) return;
      let w: Worker | undefined;
      for (const x of this.workers) {
        if (x.killedFor || !x.child.connected || x.running.size >= x.lanes) continue;
        if (!w || x.running.size - x.lanes < w.running.size - w.lanes) w = x;
      }
      if (!w) return;
      const target = w;
      const { job, resolve } = this.queue.shift()!;
      // Until the case has its lab, the set-up limit; from then on, the case's own (see onMessage).
      const setup = setupLimitMs();
      const hard = setTimeout(
        () => this.kill(target, `a case got no lab within ${(setup / 1000).toFixed(0)} s (SYNH_SETUP_TIMEOUT; worker killed)`),
        setup + this.grace,
      );
      w.running.set(job.key, { job, resolve, startedAt: Date.now(), step: 0, hard });
      w.child.send({ type: 'run', job } satisfies ToWorker);
      this.o.onEvent?.({ type: 'start', job, pid: w.pid });
    }
  }

  private get grace(): number {
    return this.o.graceMs ?? 15_000;
  }

  private kill(w: Worker, why: string): void {
    if (w.killedFor) return;
    w.killedFor = why;
    w.child.kill('SIGKILL');
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (m.type === 'ready') {
      w.ready = true;
      this.earlyDeaths = 0;
      this.o.onEvent?.({ type: 'worker-ready', pid: w.pid, startMs: m.startMs });
      return;
    }
    if (m.type === 'load') {
      if (!this.auto) return;
      const n = adaptLanes(w.lanes, m.p99Ms);
      if (n === w.lanes) return;
      this.setLanes(w, n);
      this.o.onEvent?.({ type: 'lanes', pid: w.pid, lanes: n, p99Ms: m.p99Ms });
      this.dispatch();
      return;
    }
    const r = w.running.get(m.key);
    if (!r) return;
    if (m.type === 'lab') {
      clearTimeout(r.hard);
      r.hard = setTimeout(() => this.kill(w, `a case timed out after ${r.job.timeoutMs} ms and did not stop (worker killed)`), r.job.timeoutMs + this.grace);
      return;
    }
    if (m.type === 'step') {
      r.step = m.step;
      this.o.onEvent?.({ type: 'step', job: r.job, step: m.step, pid: w.pid });
      return;
    }
    clearTimeout(r.hard);
    w.running.delete(m.key);
    this.o.onEvent?.({ type: 'done', job: r.job, result: m.result, pid: w.pid });
    r.resolve(m.result);
    this.dispatch();
  }

  private onExit(w: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    this.workers.delete(w);
    this.o.onEvent?.({ type: 'worker-exit', pid: w.pid, code, signal });
    const how = w.killedFor ?? `exited (code ${code}, signal ${signal})`;
    const tail = w.output.trim() ? `\n--- worker output (tail) ---\n${w.output.trim()}` : '';
    for (const r of w.running.values()) {
      clearTimeout(r.hard);
      const step = readStepSlot(w.stepsFd, r.job.key) ?? r.step;
      const at = step ? ` at step ${step}` : '';
      const res = errorResult(r.job, `worker ${w.pid} ${how} while running this case${at}${tail}`, Date.now() - r.startedAt);
      this.o.onEvent?.({ type: 'done', job: r.job, result: res, pid: w.pid });
      r.resolve(res);
    }
    w.running.clear();
    fs.closeSync(w.stepsFd);
    if (this.closing) return;
    if (!w.ready && !w.killedFor && ++this.earlyDeaths >= MAX_EARLY_DEATHS) {
      this.fatal = `runner workers die before they are ready (${this.earlyDeaths} in a row): ${how}${tail}`;
      for (const q of this.queue.splice(0)) q.resolve(errorResult(q.job, this.fatal));
      return;
    }
    this.fill();
    this.dispatch();
  }
}
