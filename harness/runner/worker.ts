// A runner worker process: several cases at a time ("lanes"), each in its own lab. The labs share one
// DUT agent (each lab is a namespace slot of it) and this process's tester namespace; every case gets
// a lab reset to a brand-new DUT namespace. Started by the coordinator (pool.ts) from the precompiled
// mirror; talks to it over the IPC channel only. The coordinator decides how many cases run here at
// once; the worker keeps a lab for each.
//
// Several cases in one process is sound because nothing on a lab's path blocks the event loop for long:
// a reset is one agent request and a few rtnetlink requests (~3 ms, no process spawned, no capture
// reopened — topology/lab.ts says why), and capture timestamps are taken when libpcap hands a frame
// over.
// First: the agent starts booting while the modules below load.
import '../sys/code-cache-install'; // first: the modules below compile with V8 code caches
import { killAgent, sharedAgent } from './worker-agent';
import { monitorEventLoopDelay } from 'perf_hooks';
import { DEFAULT_MTU, Lab } from '../topology/lab';
import type { CaseResult } from '../report/types';
import { errorResult, type FromWorker, type JobSpec, type ToWorker } from './protocol';
import { estimateCase } from './estimate';
import { LOAD_REPORT_MS, LOOP_SAMPLE_MS } from './lanes';
import { runCase, type CaseExecution } from './run-case';
import { lateWakeKnob, stepDelayKnob } from './test-knobs';
import { STEP_FD_ENV, writeStepSlot } from './step-slots';

/** Labs not running a case, ready for a reset; and callers waiting for one. */
const idle: Lab[] = [];
const waiting: Array<(l: Lab | Error) => void> = [];
const all = new Set<Lab>();
/** Labs made ready before the first case: the coordinator's lanes at start. More are made when cases wait (the lanes may grow: lanes.ts). */
const PRESTART = Math.max(1, Number(process.env.SYNH_RUNNER_LANES ?? 1) || 1);
let creating = 0;

/** The step slots the coordinator passed (step-slots.ts); `step` messages only when asked for. */
const stepFd = process.env[STEP_FD_ENV] ? Number(process.env[STEP_FD_ENV]) : undefined;
const stepEvents = !!process.env.SYNH_STEP_EVENTS;

function send(m: FromWorker): void {
  process.send?.(m);
}

/**
 * Keep PRESTART labs, and one more for each case waiting for one: created one after another (each
 * opens a capture, which blocks the event loop for tens of ms; one at a time keeps the cases already
 * running on time), handed to waiting cases as they come up.
 */
async function replenish(): Promise<void> {
  if (creating) return;
  creating = 1;
  try {
    while (all.size < PRESTART || waiting.length) {
      let lab: Lab | Error;
      try {
        lab = await Lab.create({ capture: 'both', agent: await sharedAgent() });
        all.add(lab);
      } catch (e) {
        lab = e as Error;
      }
      const w = waiting.shift();
      if (w) w(lab);
      else if (lab instanceof Lab) idle.push(lab);
      else throw lab;
    }
  } finally {
    creating = 0;
  }
}

/** A lab for one case: an idle one (or the next one created), reset with the case's sysctls and MTU. */
async function labFor(sysctls: Record<string, string | number>, mtu = DEFAULT_MTU): Promise<Lab> {
  const got =
    idle.pop() ??
    (await new Promise<Lab | Error>((resolve) => {
      waiting.push(resolve);
      void replenish().catch(() => undefined);
    }));
  if (got instanceof Error) throw got;
  try {
    await got.reset({ sysctls, mtu });
    return got;
  } catch (e) {
    // A reset that failed half-way (e.g. a sysctl the kernel refuses) leaves nothing worth keeping.
    await discard(got);
    throw e;
  }
}

async function discard(lab: Lab | undefined): Promise<void> {
  if (!lab) return;
  all.delete(lab);
  await lab.close().catch(() => undefined);
  void replenish().catch(() => undefined);
}

async function run(job: JobSpec): Promise<void> {
  let x: CaseExecution | undefined;
  let lab: Lab | undefined;
  let timedOut = false;
  // The case's clock starts when it has its lab: waiting for one (the agent starting, labs created one
  // by one, a slow guest) is the harness's time, not the case's. The coordinator is told, so that its
  // own limit moves from the set-up limit to the case's.
  let timer: NodeJS.Timeout | undefined;
  const startClock = (): void => {
    send({ type: 'lab', key: job.key });
    timer = setTimeout(() => {
      timedOut = true;
      x?.abort(`timed out after ${job.timeoutMs} ms${x.step ? ` at step ${x.step}` : ' in set-up'}`);
    }, job.timeoutMs);
  };
  let result: CaseResult;
  try {
    result = await runCase(
      job.case,
      job.ip,
      async (s, mtu) => {
        lab = await labFor(s, mtu);
        startClock();
        return lab;
      },
      {
        seed: job.seed,
        delayStepMs: stepDelayKnob(job.case.name, job.attempt ?? 0),
        lateWakeMs: lateWakeKnob(job.case.name, job.attempt ?? 0),
        onStep: (step) => {
          if (stepFd !== undefined) writeStepSlot(stepFd, job.key, step);
          if (stepEvents) send({ type: 'step', key: job.key, step });
        },
        onExecution: (e) => (x = e),
      },
    );
  } catch (e) {
    result = errorResult(job, `runner error: ${(e as Error).stack ?? String(e)}`);
  } finally {
    clearTimeout(timer);
  }
  // A timeout the case's own steps could have avoided (an on-time harness finishes within its limit)
  // is the harness's slowness: re-run (rerun.ts). One its waits alone exceed stands as an error.
  if (timedOut && result.status === 'error' && estimateCase(job.case).minMs < job.timeoutMs) {
    result = { ...result, harnessSlow: { step: x?.step ?? 0, what: `timed out after ${job.timeoutMs} ms${x?.step ? ` at step ${x.step}` : ' in set-up'}` } };
  }
  // A lab whose case timed out or errored in set-up may hold anything: it is not reused.
  if (lab) {
    if (timedOut || !lab.agent.alive) await discard(lab);
    else {
      const w = waiting.shift();
      if (w) w(lab);
      else idle.push(lab);
    }
  }
  send({ type: 'done', key: job.key, result });
}

// The event loop's delay, reported to the coordinator, which sets this worker's lanes by it (lanes.ts).
const loadDelay = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
loadDelay.enable();
setInterval(() => {
  // (the histogram holds whole sampling intervals: the delay is what goes beyond one)
  send({ type: 'load', p99Ms: Math.max(0, loadDelay.percentile(99) / 1e6 - LOOP_SAMPLE_MS), maxMs: Math.max(0, loadDelay.max / 1e6 - LOOP_SAMPLE_MS) });
  loadDelay.reset();
}, LOAD_REPORT_MS).unref();

const loopDelay = process.env.SYNH_LOOP_DELAY ? require('perf_hooks').monitorEventLoopDelay({ resolution: 2 }) : undefined;
loopDelay?.enable();
let exiting = false;
process.on('message', (m: ToWorker) => {
  if (m.type === 'run') void run(m.job);
  else if (m.type === 'exit' && !exiting) {
    exiting = true;
    if (loopDelay)
      require('fs').appendFileSync(
        process.env.SYNH_LOOP_DELAY!,
        `worker ${process.pid}: loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} p999 ${(loopDelay.percentile(99.9) / 1e6).toFixed(1)} max ${(loopDelay.max / 1e6).toFixed(1)} ms\n`,
      );
    // No lab is closed one by one: the agent's namespaces (and the veth pairs) go with the agent, the
    // bridges with this process's tester namespace.
    void killAgent().finally(() => process.exit(0));
  }
});
// The coordinator is gone: leave (the agent follows through PR_SET_PDEATHSIG).
process.on('disconnect', () => process.exit(0));

void replenish().catch(() => undefined);
send({ type: 'ready', pid: process.pid, startMs: performance.now() });
