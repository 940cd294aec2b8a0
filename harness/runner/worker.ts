// A runner worker process: one Lab (one DUT agent, one veth pair, one capture), one case at a time, the
// DUT namespace reset before every case. Started by the coordinator (pool.ts) from the precompiled
// mirror (compiled.ts); talks to it over the IPC channel only. Its main thread moves into its private
// tester namespace with the lab.
//
// One case per process on purpose: Lab.reset blocks the event loop for ~50-100 ms (spawnSync), so a
// second case in the same process would get its capture timestamps late by that much (measured: six
// labs in one process → event-loop delay p50 116 ms, p99 350 ms). Separate processes keep every
// case's timing clean.
import { loadCaseFile, type CaseFile } from '../../lib/case';
import { Lab } from '../topology/lab';
import type { CaseResult } from '../report/types';
import { errorResult, type FromWorker, type JobSpec, type ToWorker } from './protocol';
import { runCase, type CaseExecution } from './run-case';

let lab: Lab | undefined;
let busy = false;
const cases = new Map<string, CaseFile>();

function send(m: FromWorker): void {
  process.send?.(m);
}

async function labFor(sysctls: Record<string, string | number>): Promise<Lab> {
  if (lab && lab.agent.alive) {
    try {
      await lab.reset({ sysctls });
      return lab;
    } catch (e) {
      // A reset that failed half-way (e.g. a sysctl the kernel refuses) leaves nothing worth keeping.
      await discard();
      throw e;
    }
  }
  await discard();
  lab = await Lab.create({ sysctls, capture: 'both' });
  return lab;
}

async function discard(): Promise<void> {
  const l = lab;
  lab = undefined;
  await l?.close().catch(() => undefined);
}

async function run(job: JobSpec): Promise<void> {
  if (busy) throw new Error(`worker ${process.pid}: a second job while one runs`);
  busy = true;
  let x: CaseExecution | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    x?.abort(`timed out after ${job.timeoutMs} ms${x.step ? ` at step ${x.step}` : ' in set-up'}`);
    // Kill the agent: a call it never answers rejects now, and the next case gets a new lab.
    void discard();
  }, job.timeoutMs);
  let result: CaseResult;
  try {
    let c = cases.get(job.file);
    if (!c) cases.set(job.file, (c = loadCaseFile(job.file)));
    result = await runCase(c, job.ip, labFor, {
      seed: job.seed,
      onStep: (step) => send({ type: 'step', key: job.key, step }),
      onExecution: (e) => (x = e),
    });
  } catch (e) {
    result = errorResult(job, `runner error: ${(e as Error).stack ?? String(e)}`);
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) await discard();
  busy = false;
  send({ type: 'done', key: job.key, result });
}

let exiting = false;
process.on('message', (m: ToWorker) => {
  if (m.type === 'run') void run(m.job);
  else if (m.type === 'exit' && !exiting) {
    exiting = true;
    void discard().finally(() => process.exit(0));
  }
});
// The coordinator is gone: leave (the agent follows through PR_SET_PDEATHSIG).
process.on('disconnect', () => process.exit(0));

send({ type: 'ready', pid: process.pid, startMs: performance.now() });
