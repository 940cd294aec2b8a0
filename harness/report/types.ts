// Data model shared by the result writers (JUnit XML, KTAP, pcapng, summary.json, terminal text).
// These are plain data: the runner fills them in, the writers only read them.
import type { FieldDiff, StepOutcome } from '../../lib/match/verdict';
import type { ComparableCase } from '../../lib/compare/types';

export type { FieldDiff, StepOutcome };
/** One frame seen on the wire during a case, as captured (libpcap) on the peer side. */
export interface CapturedPacket {
  /** Capture timestamp, nanoseconds since the Unix epoch. */
  tsNs: bigint;
  /** 'sent': the harness (peer) sent it towards the DUT; 'received': the DUT sent it to the peer. */
  dir: 'sent' | 'received';
  /** The frame, starting at the Ethernet header. */
  bytes: Uint8Array;
  /** Which step sent it, which expectation it matched, or 'UNEXPECTED: …'. */
  comment: string;
  /** The case flow it belongs to (by the peer's port), absent for a port no flow uses. */
  flow?: string;
}

export type CaseStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface CaseResult {
  /** `file#name@ipv4` / `file#name@ipv6`. */
  id: string;
  file: string;
  name: string;
  /** Spec references (RFC sections, kernel functions) the case exercises. */
  spec: string[];
  ip: 4 | 6;
  status: CaseStatus;
  message?: string;
  durationMs: number;
  steps: StepOutcome[];
  packets: CapturedPacket[];
  /** Number of packets that matched no expectation. */
  unexpected: number;
  /** Kernel release (uname -r) the case ran against. */
  kernel: string;
  sysctls: Record<string, string>;
  modelProfile: string;
  seed: number;
  /** Packets libpcap reported as dropped during the case. */
  captureDrops: number;
  /** Every judged packet, random values normalised, with the model's predictions (lib/compare). */
  comparable?: ComparableCase;
  /**
   * Earlier attempts of this case that failed while the harness was provably late (oldest first);
   * this result is the last attempt's, and its message says "re-run: …" (harness/runner/rerun.ts).
   */
  reruns?: EarlierAttempt[];
  /**
   * Set when the case errored because the harness was too slow for its own limits — the case's timer,
   * the lab's set-up deadline — rather than for anything the kernel did: the case is run again, alone
   * (rerun.ts). Not written to summary.json (the re-runs are, with their reason).
   */
  harnessSlow?: { step: number; what: string };
}

/** The kernel under test beyond its release, as far as it is known (kcidb.json's build). */
export interface KernelIdentity {
  /** `uname -v`. */
  version?: string;
  /** Node's name for the architecture (x64, arm64). */
  arch?: string;
  /** sha256 of the kernel's .config (/proc/config.gz as published, or /boot/config-<release>). */
  configSha256?: string;
}

/** An attempt of a case that the harness's lateness made unjudgeable, and was run again. */
export interface EarlierAttempt {
  status: CaseStatus;
  message?: string;
  /** 1-based step where the harness was late while a kernel timer fell due. */
  step: number;
  lateMs: number;
  durationMs: number;
  /** The attempt errored because the harness was too slow for its own limits (CaseResult.harnessSlow), not late at a kernel timer. */
  slow?: string;
}

export interface RunResult {
  runId: string;
  /** ISO 8601. */
  startedAt: string;
  kernel: string;
  kernelIdentity?: KernelIdentity;
  /** Set when the run was one shard of a larger one (`synh run --shard i/N`); `planned`: case runs of the whole. */
  shard?: { index: number; total: number; planned: number };
  /** Set on a run `synh merge` made: the run ids of its parts. */
  mergedFrom?: string[];
  host: string;
  jobs: number;
  /** Cases at a time per worker (with `--lanes auto`, the most any worker had). */
  lanes?: number;
  /** With `--lanes auto`: the fewest and most lanes any worker had. */
  laneRange?: { min: number; max: number };
  /** Cases run again because the harness was late (each counted once). */
  reruns?: number;
  seed: number;
  durationMs: number;
  cases: CaseResult[];
}

/** Counts per status, as every writer reports them. */
export interface StatusCounts {
  total: number;
  pass: number;
  fail: number;
  error: number;
  skip: number;
}

export function countStatuses(cases: readonly CaseResult[]): StatusCounts {
  const c: StatusCounts = { total: cases.length, pass: 0, fail: 0, error: 0, skip: 0 };
  for (const r of cases) c[r.status]++;
  return c;
}

/** "N passed, N failed, N errors, N skipped": every status, as the closing lines of run and merge say it. */
export function tallyText(c: StatusCounts): string {
  return `${c.pass} passed, ${c.fail} failed, ${c.error} errors, ${c.skip} skipped`;
}

/** `file#name@ipv4`: a case result's id (unique within a run). */
export function caseId(file: string, name: string, ip: 4 | 6): string {
  return `${file}#${name}@ipv${ip}`;
}

/** A result with nothing run yet (no steps, no packets): the skeleton every result starts from. */
export function blankResult(
  c: { file: string; name: string; spec: readonly string[] },
  ip: 4 | 6,
  seed: number,
  kernel: string,
  status: CaseStatus,
  message?: string,
): CaseResult {
  return {
    id: caseId(c.file, c.name, ip),
    file: c.file,
    name: c.name,
    spec: [...c.spec],
    ip,
    status,
    ...(message !== undefined ? { message } : {}),
    durationMs: 0,
    steps: [],
    packets: [],
    unexpected: 0,
    kernel,
    sysctls: {},
    modelProfile: 'unknown',
    seed,
    captureDrops: 0,
  };
}

/** `name@ipv4`: the per-address-family name of a case inside its file. */
export function caseLabel(r: Pick<CaseResult, 'name' | 'ip'>): string {
  return `${r.name}@ipv${r.ip}`;
}
