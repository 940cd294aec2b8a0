// Runs one synh command inside a guest kernel as if it ran here: the same checkout at the same path,
// the same working directory and results root, its stdout and stderr relayed as they come, its
// results merged into this machine's results root (results/<run-id>, `latest`), its exit status
// returned. A guest that panics, hangs or runs out of memory is an error with the console's last lines.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { compiledMirror, REPO_ROOT } from '../compiled-mirror';
import { pointLatest } from '../report/results-dir';
import { kernelWideSysctls } from '../topology/tester-ns';
import { envSecondsMs } from '../sys/env-seconds';
import { mkdirs } from '../sys/dirs';
import { errnoName, renameNoReplace } from '../sys/libc';
import { codeCacheEntries, codeCacheWarm } from '../sys/code-cache';
import { TCG_V8_FLAGS, V8_FLAGS_ENV, v8Flags } from '../sys/v8-flags';
import { cacheDir, sweepDead } from './cache';
import { guestImage, runArchive } from './image';
import type { KernelImage } from './kernel-source';
import { boot, chooseAccel, haveQemu, type Accel, type BootResult } from './qemu';

export interface GuestRunOptions {
  /** The synh command line to run inside (e.g. ['run', 'cases/listener', '--ip', '4']). */
  argv: string[];
  /** Results root of the command (absolute or relative to cwd); merged back after the run. */
  resultsRoot?: string;
  cwd?: string;
  /** Lines about the guest itself (fetching, building, booting), not the command's output. */
  log?: (line: string) => void;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  env?: Record<string, string>;
  /** Host files or trees the command reads that the base image lacks, packed at their own paths. */
  files?: readonly string[];
}

export interface GuestRunResult {
  exitCode: number;
  release?: string;
  accel: Accel;
  bootMs: number;
  totalMs: number;
  /** From qemu's start to the command's exit in the guest (then: the results tar, power-off). */
  exitedMs?: number;
  /** Run directories and other entries the guest's results root gained. */
  merged: string[];
  /** Set when the guest itself failed (never booted, panicked, hung, ran out of memory). */
  guestError?: string;
}

export class GuestError extends Error {}

const DISK_BYTES = 2 * 1024 ** 3;

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The V8 code cache entries the guest's node loads the mirror's modules with, made under the guest's
 * V8 flags: this machine's own entries for V8's defaults; for other flags, made once per mirror by a
 * process started with them (an entry made under other flags is rejected, and the guest would compile
 * every module twice: once to run, once to write the entry).
 */
function guestCodeCache(flags: string, log: (s: string) => void): string[] {
  const mirror = compiledMirror();
  if (!process.env.SYNH_NO_CODE_CACHE && flags && !codeCacheWarm(mirror, flags)) {
    const r = spawnSync(process.execPath, [path.join(mirror, 'harness', 'sys', 'code-cache-warm.js')], {
      env: { ...process.env, [V8_FLAGS_ENV]: flags },
      encoding: 'utf8',
    });
    // without them the guest only compiles more
    if (r.status !== 0)
      log(`the V8 code cache for ${flags} could not be made (${(r.stderr || String(r.error)).trim().split('\n')[0]}); the guest compiles without it`);
  }
  return codeCacheEntries(mirror, flags);
}

/** The shell script the guest's /init sources: cd, environment, the command, then the results tar. */
export function runScript(o: {
  cwd: string;
  resultsRoot: string;
  argv: string[];
  env: Record<string, string>;
  globalSysctls?: Record<string, string>;
}): string {
  const env = Object.entries(o.env)
    .map(([k, v]) => `export ${k}=${shq(v)}`)
    .join('\n');
  // the guest's kernel-wide sysctls take this machine's values, so a case that needs one runs alike here and there
  const sysctls = Object.entries(o.globalSysctls ?? {}).map(([k, v]) => `echo ${shq(v)} > ${shq(`/proc/sys/${k.replace(/\./g, '/')}`)}`);
  return [
    ...sysctls,
    `$bb mkdir -p ${shq(o.cwd)} ${shq(o.resultsRoot)}; cd ${shq(o.cwd)}`,
    env,
    `node ${shq(path.join(REPO_ROOT, 'bin', 'synh'))} ${o.argv.map(shq).join(' ')} > /dev/ttyS1 2> /dev/ttyS2`,
    'status=$?',
    'say "exited ($status)"',
    `G=${shq(path.join(o.resultsRoot, '.synh-guest'))}`,
    '$bb mkdir -p "$G"; echo "$status" > "$G/status"; $bb uname -r > "$G/release"',
    `$bb tar -cf /dev/vda -C ${shq(o.resultsRoot)} .`,
    '',
  ].join('\n');
}

/** The guest leaves each run's index.html to this machine (suite.ts): made here from its summary.json before the merge. */
async function makeHtmlReports(stage: string): Promise<void> {
  const runs = fs.readdirSync(stage, { withFileTypes: true }).filter((d) => d.isDirectory() && fs.existsSync(path.join(stage, d.name, 'summary.json')));
  if (!runs.length) return;
  const { ensureHtmlReport } = await import('../report/html/write');
  for (const d of runs) {
    try {
      ensureHtmlReport(path.join(stage, d.name));
    } catch (e) {
      // the run's results are complete without it: say so and keep them
      process.stderr.write(`synh: the HTML page of ${d.name} could not be made (${(e as Error).message}); \`synh report\` makes it from summary.json\n`);
    }
  }
}

function concat(out: string, parts: string[]): void {
  fs.copyFileSync(parts[0], out);
  for (const p of parts.slice(1)) fs.appendFileSync(out, fs.readFileSync(p));
}

/**
 * Moves what the guest wrote into the host's results root: new entries renamed in, directories merged
 * — but a run directory is never merged into another: it takes the first free name (`<id>`, `<id>-2`,
 * …, reserved with renameat2 RENAME_NOREPLACE as local runs do), so two guest runs of one kernel in one
 * second keep their results apart. `merged` gets the names as they landed; `renamed` the run ids moved.
 */
export function mergeInto(src: string, dest: string, merged: string[], rel = '', renamed = new Map<string, string>()): Map<string, string> {
  for (const name of fs.readdirSync(src)) {
    if (!rel && (name === '.synh-guest' || name === 'latest')) continue;
    const s = path.join(src, name);
    const d = path.join(dest, name);
    const st = fs.lstatSync(s);
    if (!rel && st.isDirectory() && fs.existsSync(path.join(s, 'summary.json'))) {
      for (let n = 1; ; n++) {
        const to = n === 1 ? name : `${name}-${n}`;
        const r = renameNoReplace(s, path.join(dest, to));
        if (r.ret === 0) {
          merged.push(to);
          if (to !== name) renamed.set(name, to);
          break;
        }
        const why = errnoName(r.errno);
        if ((why !== 'EEXIST' && why !== 'ENOTEMPTY') || n > 100) throw new GuestError(`moving the guest's run ${name} into ${dest}: ${why}`);
      }
      continue;
    }
    const dst = fs.lstatSync(d, { throwIfNoEntry: false });
    if (st.isDirectory() && dst?.isDirectory()) {
      mergeInto(s, d, merged, path.join(rel, name), renamed);
      continue;
    }
    if (dst) fs.rmSync(d, { recursive: true, force: true });
    fs.renameSync(s, d);
    if (!rel) merged.push(name);
  }
  return renamed;
}

function describeFailure(r: BootResult, k: KernelImage, accel: Accel, bootDeadline: number, runDeadline: number): string {
  const why =
    r.outcome === 'boot-timeout'
      ? `did not finish booting within ${(bootDeadline / 1000).toFixed(0)} s (SYNH_GUEST_BOOT_TIMEOUT)`
      : r.outcome === 'run-timeout'
        ? `did not finish the run within ${(runDeadline / 1000).toFixed(0)} s (SYNH_GUEST_TIMEOUT)`
        : r.panic
          ? 'panicked'
          : r.oom
            ? 'ran out of memory'
            : r.outcome === 'qemu-failed'
              ? `could not run under qemu (${r.qemuStderr.split('\n').slice(-2).join(' ') || 'qemu exited with an error'})`
              : 'powered off without writing its results';
  const tail = r.consoleTail
    .slice(-15)
    .map((l) => `  | ${l}`)
    .join('\n');
  return `guest ${k.label} (${k.release}, ${accel}) ${why}; console's last lines:\n${tail || '  | (nothing)'}`;
}

export async function runInGuest(k: KernelImage, o: GuestRunOptions): Promise<GuestRunResult> {
  const log = o.log ?? (() => {});
  const q = haveQemu();
  if (!q.ok) throw new GuestError(`${q.detail}: apt-get install -y qemu-system-x86 (or npm run setup)`);
  const image = guestImage(k, log);
  const runs = cacheDir('runs');
  sweepDead(runs);
  const work = fs.mkdtempSync(path.join(runs, `run-${process.pid}-`));
  const cwd = path.resolve(o.cwd ?? process.cwd());
  const resultsRoot = path.resolve(cwd, o.resultsRoot ?? 'results');
  const env: Record<string, string> = {
    HOME: '/root',
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    SYNH_IN_GUEST: '1',
    SYNH_MIRROR: compiledMirror(),
    ...(process.stderr.isTTY ? {} : { SYNH_NO_PROGRESS: '1' }),
    ...(o.env ?? {}),
  };
  try {
    const disk = path.join(work, 'results.img');
    fs.writeFileSync(disk, '');
    fs.truncateSync(disk, DISK_BYTES);
    // The KVM probe boots the same image with a command that does nothing.
    const probeRun = path.join(work, 'probe-run.cpio');
    runArchive(probeRun, 'status=0\n');
    const probeInitrd = path.join(work, 'probe.initrd');
    const accelChoice = await (async () => {
      if (process.env.SYNH_ACCEL === 'tcg' || !fs.existsSync('/dev/kvm')) return chooseAccel({ vmlinuz: k.vmlinuz, initrd: '', disk });
      concat(probeInitrd, [image.base, image.modules, probeRun]);
      return chooseAccel({ vmlinuz: k.vmlinuz, initrd: probeInitrd, disk });
    })();
    fs.rmSync(probeInitrd, { force: true });
    const accel = accelChoice.accel;
    // V8 in the guest: interpreted only under TCG (v8-flags.ts), unless the caller chose its flags
    const flags = process.env[V8_FLAGS_ENV] !== undefined ? v8Flags() : accel === 'tcg' ? TCG_V8_FLAGS : '';
    if (flags) env[V8_FLAGS_ENV] = flags;
    const runCpio = path.join(work, 'run.cpio');
    runArchive(runCpio, runScript({ cwd, resultsRoot, argv: o.argv, env, globalSysctls: kernelWideSysctls() }), [
      ...(o.files ?? []),
      ...guestCodeCache(flags, log),
    ]);
    const initrd = path.join(work, 'initrd');
    concat(initrd, [image.base, image.modules, runCpio]);
    const bootDeadline = envSecondsMs('SYNH_GUEST_BOOT_TIMEOUT', accel === 'kvm' ? 60 : 180);
    const runDeadline = envSecondsMs('SYNH_GUEST_TIMEOUT', 3600);
    log(`booting ${k.label} (${k.release}) under ${accel === 'kvm' ? 'KVM' : 'TCG (no usable KVM: slower)'}`);
    const out = o.stdout ?? process.stdout;
    const err = o.stderr ?? process.stderr;
    const r = await boot({
      vmlinuz: k.vmlinuz,
      initrd,
      disk,
      accel,
      bootDeadlineMs: bootDeadline,
      runDeadlineMs: runDeadline,
      onStdout: (b) => out.write(b),
      onStderr: (b) => err.write(b),
      onConsole: (l) => {
        if (process.env.SYNH_GUEST_CONSOLE) log(`console: ${l}`);
        else if (/^synh-guest: insmod/.test(l)) log(l);
      },
    });
    const base: Omit<GuestRunResult, 'exitCode'> = { accel, bootMs: r.bootMs, totalMs: r.totalMs, exitedMs: r.exitedMs, merged: [] };
    // The results tar (GNU tar stops at the archive's end; the rest of the disk is zeros).
    const head = Buffer.alloc(512);
    const fd = fs.openSync(disk, 'r');
    fs.readSync(fd, head, 0, 512, 0);
    fs.closeSync(fd);
    if (r.outcome !== 'exited' || head.every((b) => b === 0)) {
      return { ...base, exitCode: 2, guestError: describeFailure(r, k, accel, bootDeadline, runDeadline) };
    }
    mkdirs(resultsRoot); // not Node's recursive mkdir: it never returns on /proc/foo
    // the pid last, as every results temporary has it (stale-temps.ts)
    const stage = path.join(resultsRoot, `.tmp-guest-${randomBytes(4).toString('hex')}-${process.pid}`);
    fs.mkdirSync(stage);
    try {
      const x = spawnSync('tar', ['-xf', disk, '-C', stage], { encoding: 'utf8' });
      if (x.status !== 0) throw new GuestError(`reading the guest's results from ${disk}: ${x.stderr.trim()}`);
      const g = path.join(stage, '.synh-guest');
      const status = Number(fs.readFileSync(path.join(g, 'status'), 'utf8').trim());
      const release = fs.readFileSync(path.join(g, 'release'), 'utf8').trim();
      const latest = fs.lstatSync(path.join(stage, 'latest'), { throwIfNoEntry: false });
      const latestTarget = latest?.isSymbolicLink() ? fs.readlinkSync(path.join(stage, 'latest')) : undefined;
      await makeHtmlReports(stage);
      const renamed = mergeInto(stage, resultsRoot, base.merged);
      const target = latestTarget && (renamed.get(latestTarget) ?? latestTarget);
      if (target && base.merged.includes(target)) pointLatest(resultsRoot, target);
      const exitCode = Number.isInteger(status) ? status : 2;
      // The command itself died of a signal (137: SIGKILL, e.g. the guest's OOM killer): show why.
      if (exitCode >= 128)
        return {
          ...base,
          exitCode,
          release,
          guestError: describeFailure({ ...r, outcome: 'exited' }, k, accel, bootDeadline, runDeadline).replace(
            'powered off without writing its results',
            `ended the command with status ${exitCode}`,
          ),
        };
      return { ...base, exitCode, release };
    } finally {
      fs.rmSync(stage, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
