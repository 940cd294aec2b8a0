// Messages between the coordinator and its worker processes (child_process IPC with the 'advanced'
// serialization, so parsed cases and CaseResults keep their Uint8Arrays, bigint timestamps and
// present-but-undefined properties).
import { envSecondsMs } from '../sys/env-seconds';
import { release } from 'os';
import type { CaseFile } from '../../lib/case';
import { blankResult, type CaseResult } from '../report/types';

/** One case in one family, as handed to a worker. */
export interface JobSpec {
  /** Unique within the run. */
  key: number;
  /** The case, parsed once by the coordinator: the worker runs it as it comes (it reads no file). */
  case: CaseFile;
  ip: 4 | 6;
  seed: number;
  /**
   * Soft limit from the moment the case has its lab (a slow machine's set-up is not the case's time),
   * enforced by the worker (abort, error result); the coordinator kills the worker later.
   */
  timeoutMs: number;
  /** 0 for the first run; 1, 2 for the re-runs of a case whose harness was late (rerun.ts). */
  attempt?: number;
  /** Run with no other case in the pool (a re-run). */
  alone?: boolean;
}

export type ToWorker = { type: 'run'; job: JobSpec } | { type: 'exit' };

export type FromWorker =
  | { type: 'ready'; pid: number; startMs: number }
  | { type: 'lab'; key: number }
  /** The worker's event-loop delay over the last LOAD_REPORT_MS (lanes.ts). */
  | { type: 'load'; p99Ms: number; maxMs: number }
  | { type: 'step'; key: number; step: number }
  | { type: 'done'; key: number; result: CaseResult };

/**
 * How long a case may wait for its lab (agent start, namespace, capture) before its worker is killed:
 * generous, because under TCG or on a loaded machine set-up is slow, and it is not part of the verdict.
 * SYNH_SETUP_TIMEOUT (seconds) overrides.
 */
export function setupLimitMs(): number {
  return envSecondsMs('SYNH_SETUP_TIMEOUT', 180);
}

/** The result of a case that did not run to its end in a worker (crash, timeout, runner error). */
export function errorResult(job: JobSpec, message: string, durationMs = 0): CaseResult {
  return { ...blankResult(job.case, job.ip, job.seed, release(), 'error', message), durationMs };
}
