// Temporary things a synh process leaves when it is killed (kill -9, OOM, power cut), and the sweep
// every synh command runs at start to remove those whose owner is gone — never a live run's.
//
// Every temporary name carries its owner's pid:
//   $TMPDIR/synharness-runner-<uid>-<key>.tmp-<pid>-XXXXXX   compiled mirror being built (compiled-mirror.js)
//   $TMPDIR/synh-serial-<pid>-XXXXXX/{out,err}               a guest's serial-port unix sockets (guest/qemu.ts)
//   <cache>/synharness/runs/run-<pid>-XXXXXX                  a guest run's disk and image (guest/run-in-guest.ts)
//   <cache>/synharness/*/<name>.tmp-<pid>                     kernels, images, probe memos being written (guest/cache.ts)
//   <results>/.tmp-<run-id>-<pid>                             a run being written (report/results-dir.ts writeRun)
//   <results>/.tmp-<name>.<hex>-<pid>                         `latest` and single files replaced atomically (results-dir.ts)
//   <results>/.tmp-guest-<hex>-<pid>                          a guest's results being unpacked (run-in-guest.ts)
//   <results>/baselines/<name>.tmp-<pid>, <name>.old-<pid>    a baseline being saved (cli/compare.ts saveBaseline)
//   <results>/fuzz/<campaign>/[sub/]<name>.tmp-<pid>-<n>      fuzz checkpoints, findings, repros (lib/fuzz/checkpoint.ts)
//
// An owner is gone when kill(pid, 0) says ESRCH, or when the process now holding that pid started
// after the entry last changed (ctime, which no one can set back; 5 s of slack for the boot-time
// clock): the pid was reused. A process of another user (EPERM) is alive.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** USER_HZ: /proc/<pid>/stat counts start times in 1/100 s on every Linux architecture. */
const USER_HZ = 100;
const REUSE_SLACK_MS = 5000;

let bootMs: number | undefined;

function bootTimeMs(): number | undefined {
  if (bootMs === undefined) {
    const m = /^btime (\d+)$/m.exec(readOr('/proc/stat'));
    if (m) bootMs = Number(m[1]) * 1000;
  }
  return bootMs;
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** When process `pid` started (ms since the epoch), from /proc; undefined if unknown. */
export function processStartMs(pid: number): number | undefined {
  const stat = readOr(`/proc/${pid}/stat`);
  // the command name may hold spaces and parentheses: fields count from the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]); // field 22, starttime
  const boot = bootTimeMs();
  return stat && Number.isFinite(ticks) && boot !== undefined ? boot + (ticks * 1000) / USER_HZ : undefined;
}

/** True while the process that made an entry last changed at `changedMs` may still be running. */
export function ownerAlive(pid: number, changedMs: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStartMs(pid);
  return started === undefined || started <= changedMs + REUSE_SLACK_MS;
}

/**
 * Removes the entries of `dir` whose name matches one of `patterns` (group 1: the owner's pid) and
 * whose owner is gone. Returns the paths removed.
 */
export function sweepDir(dir: string, patterns: readonly RegExp[]): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = patterns.map((p) => p.exec(name)).find((x) => x);
    if (!m) continue;
    const p = path.join(dir, name);
    try {
      if (ownerAlive(Number(m[1]), fs.lstatSync(p).ctimeMs)) continue;
      fs.rmSync(p, { recursive: true, force: true });
      removed.push(p);
    } catch {
      // gone already (another sweep), or not ours to remove: leave it
    }
  }
  return removed;
}

function subdirs(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.tmp-'))
      .map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

export const TMPDIR_PATTERNS = [/^synharness-runner-\d+-[0-9a-f]+\.tmp-(\d+)-/, /^synh-serial-(\d+)-/];
export const CACHE_PATTERNS = [/\.tmp-(\d+)$/, /^run-(\d+)-/];
export const RESULTS_PATTERNS = [/^\.tmp-.*-(\d+)$/];
export const BASELINE_PATTERNS = [/\.(?:tmp|old)-(\d+)$/];
export const FUZZ_PATTERNS = [/\.tmp-(\d+)-\d+$/];

export interface SweepPlaces {
  /** Default os.tmpdir(). */
  tmpDir?: string;
  /** The synharness cache (guest/cache.ts cacheRoot()); not swept when not given. */
  cacheRoot?: string;
  /** Results roots (default none). */
  resultsRoots?: readonly string[];
}

/** The start-up sweep over every place above. Never throws; returns the paths removed. */
export function sweepStaleTemps(o: SweepPlaces = {}): string[] {
  const removed: string[] = [];
  removed.push(...sweepDir(o.tmpDir ?? os.tmpdir(), TMPDIR_PATTERNS));
  if (o.cacheRoot) for (const d of subdirs(o.cacheRoot)) removed.push(...sweepDir(d, CACHE_PATTERNS));
  for (const root of new Set((o.resultsRoots ?? []).map((r) => path.resolve(r)))) {
    removed.push(...sweepDir(root, RESULTS_PATTERNS));
    removed.push(...sweepDir(path.join(root, 'baselines'), BASELINE_PATTERNS));
    for (const campaign of subdirs(path.join(root, 'fuzz'))) {
      removed.push(...sweepDir(campaign, FUZZ_PATTERNS));
      for (const sub of subdirs(campaign)) removed.push(...sweepDir(sub, FUZZ_PATTERNS));
    }
  }
  return removed;
}
