// kcidb.json: the run in the KernelCI KCIDB I/O schema, version 5.3 (kernelci/kcidb-io, kcidb_io/schema/
// v05_03.py), ready for a lab to submit (`kcidb-submit`). One checkout (the kernel release: which source
// it came from is not known here), one build (release, version string and config hash in `misc`,
// architecture), one test per case run with path `synharness.<area>.<case>.<family>`, its status,
// duration, environment (host, jobs, seed, model profile) and, when it failed, the failure text as
// log_excerpt. Ids are `<origin>:<local id>`; the origin is configurable (lowercase letters, digits,
// underscore, as the schema wants). Pure: the kernel identity comes in the RunResult.
import { formatCaseFailure } from './diff-text';
import type { CaseResult, CaseStatus, RunResult } from './types';

export const KCIDB_VERSION = { major: 5, minor: 3 } as const;
export const DEFAULT_KCIDB_ORIGIN = 'synharness';
/** The schema's origin name pattern. */
export const KCIDB_ORIGIN_RE = /^[a-z0-9_]+$/;
/** The schema's log_excerpt bound (characters). */
export const KCIDB_LOG_EXCERPT_MAX = 16384;

const STATUS: Readonly<Record<CaseStatus, string>> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skip: 'SKIP' };

export interface KcidbOptions {
  /** Default DEFAULT_KCIDB_ORIGIN. */
  origin?: string;
}

export interface Kcidb {
  version: { major: number; minor: number };
  checkouts: Array<Record<string, unknown>>;
  builds: Array<Record<string, unknown>>;
  tests: Array<Record<string, unknown>>;
}

/** Throws with what to do when `origin` is not a KCIDB origin name. */
export function checkKcidbOrigin(origin: string): string {
  if (!KCIDB_ORIGIN_RE.test(origin)) throw new Error(`KCIDB origin ${JSON.stringify(origin)}: use lowercase letters, digits and _ (e.g. my_lab)`);
  return origin;
}

/** One dotted-path component: what KCIDB paths safely carry (no dots, no NULs, nothing exotic). */
function component(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || '_';
}

/** `synharness.<area>.<case>.<family>`: area = the case file's folder under cases/ (or the folder it is in). */
export function kcidbPath(c: Pick<CaseResult, 'file' | 'name' | 'ip'>): string {
  const parts = c.file.split('/');
  const at = parts.lastIndexOf('cases');
  const area = parts.length > 1 ? parts.slice(at >= 0 ? at + 1 : parts.length - 2, -1).join('_') : '';
  return ['synharness', component(area || 'cases'), component(c.name), `ipv${c.ip}`].join('.');
}

function noNul(s: string): string {
  return s.replace(/\0/g, '\\0');
}

function excerpt(s: string): string {
  const chars = Array.from(noNul(s));
  return chars.length <= KCIDB_LOG_EXCERPT_MAX ? chars.join('') : `${chars.slice(0, KCIDB_LOG_EXCERPT_MAX - 12).join('')}\n[truncated]`;
}

function architecture(arch: string): string {
  return (
    ({ x64: 'x86_64', arm64: 'arm64', ia32: 'i386', arm: 'arm', riscv64: 'riscv', s390x: 's390', ppc64: 'powerpc' } as Record<string, string>)[arch] ??
    component(arch).toLowerCase()
  );
}

export function toKcidb(run: RunResult, o: KcidbOptions = {}): Kcidb {
  const origin = checkKcidbOrigin(o.origin ?? DEFAULT_KCIDB_ORIGIN);
  const k = run.kernelIdentity;
  const checkoutId = `${origin}:${run.kernel}`;
  const buildId = `${origin}:${run.kernel}${k?.configSha256 ? `+config-${k.configSha256.slice(0, 16)}` : ''}`;
  const kernelMisc = {
    kernel_release: run.kernel,
    ...(k?.version ? { kernel_version: k.version } : {}),
    ...(k?.configSha256 ? { config_sha256: k.configSha256 } : {}),
  };
  return {
    version: { ...KCIDB_VERSION },
    checkouts: [
      {
        id: checkoutId,
        origin,
        comment: noNul(`Linux ${run.kernel}${k?.version ? ` (${k.version})` : ''}`),
        start_time: run.startedAt,
        misc: kernelMisc,
      },
    ],
    builds: [
      {
        id: buildId,
        checkout_id: checkoutId,
        origin,
        comment: noNul(`Linux ${run.kernel}`),
        ...(k?.arch ? { architecture: architecture(k.arch) } : {}),
        misc: kernelMisc,
      },
    ],
    tests: run.cases.map((c) => ({
      id: `${origin}:${run.runId}/${c.id}`,
      build_id: buildId,
      origin,
      path: kcidbPath(c),
      comment: noNul(`${c.id}${c.message ? `: ${c.message}` : ''}`),
      status: STATUS[c.status],
      start_time: run.startedAt,
      duration: c.durationMs / 1000,
      environment: {
        comment: noNul(`${run.host}: network namespaces, jobs ${run.jobs} × lanes ${run.lanes ?? 1}`),
        misc: { host: run.host, jobs: run.jobs, lanes: run.lanes ?? 1, run_seed: run.seed, sysctls: c.sysctls },
      },
      ...(c.status === 'fail' || c.status === 'error' ? { log_excerpt: excerpt(formatCaseFailure(c)) } : {}),
      misc: {
        case_id: c.id,
        file: c.file,
        spec: c.spec,
        model_profile: c.modelProfile,
        seed: c.seed,
        capture_drops: c.captureDrops,
        unexpected_packets: c.unexpected,
        run_id: run.runId,
      },
    })),
  };
}

export function toKcidbJson(run: RunResult, o: KcidbOptions = {}): string {
  return JSON.stringify(toKcidb(run, o), null, 1) + '\n';
}
