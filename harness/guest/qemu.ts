// Boots a kernel under qemu with a deadline for every phase, and no network device at all: the guest
// talks to the host through serial ports and one raw disk only, so no packet can leave it. qemu runs
// under `setpriv --pdeathsig KILL`, so a harness killed with kill -9 takes its guest with it.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheDir, writeAtomic } from './cache';

export type Accel = 'kvm' | 'tcg';

export interface BootOptions {
  vmlinuz: string;
  initrd: string;
  /** Raw disk the guest writes its results tar to. */
  disk: string;
  accel: Accel;
  memoryMiB?: number;
  cpus?: number;
  /** From qemu's start until /init says "ready" (ms). */
  bootDeadlineMs: number;
  /** From "ready" until the guest powers off (ms). */
  runDeadlineMs: number;
  /** The guest's stdout / stderr (ttyS1 / ttyS2), as they come. */
  onStdout?: (b: Buffer) => void;
  onStderr?: (b: Buffer) => void;
  /** Console lines (kernel log and /init's own), as they come. */
  onConsole?: (line: string) => void;
  extraAppend?: string;
}

export interface BootResult {
  /** 'exited': the guest powered off by itself; else the deadline that ran out, or qemu failing. */
  outcome: 'exited' | 'boot-timeout' | 'run-timeout' | 'qemu-failed';
  bootMs: number;
  totalMs: number;
  /** From qemu's start to the command's exit inside the guest (/init says "exited"), when it did. */
  exitedMs?: number;
  consoleTail: string[];
  qemuStderr: string;
  /** The kernel panicked (the console says so). */
  panic: boolean;
  oom: boolean;
}

export const QEMU = 'qemu-system-x86_64';
const TAIL = 40;

export function qemuArgs(o: BootOptions & { sockets: { out: string; err: string } }): string[] {
  const append = ['console=ttyS0', 'panic=-1', 'quiet', 'loglevel=4', 'rdinit=/init', 'nokaslr', 'tsc=reliable', o.extraAppend ?? ''].filter(Boolean).join(' ');
  return [
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    '-net',
    'none',
    ...(o.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max']),
    '-smp',
    String(o.cpus ?? 2),
    '-m',
    String(o.memoryMiB ?? 4096),
    '-kernel',
    o.vmlinuz,
    '-initrd',
    o.initrd,
    '-append',
    append,
    '-chardev',
    'stdio,id=con,signal=off',
    '-serial',
    'chardev:con',
    '-chardev',
    `socket,id=out,path=${o.sockets.out}`,
    '-serial',
    'chardev:out',
    '-chardev',
    `socket,id=err,path=${o.sockets.err}`,
    '-serial',
    'chardev:err',
    '-drive',
    `file=${o.disk},format=raw,if=virtio,cache=unsafe`,
  ];
}

/** A unix socket the guest's serial port connects to (qemu is the client), its bytes to `each`. */
async function serialSink(file: string, each: (b: Buffer) => void): Promise<{ close: () => Promise<void> }> {
  const conns = new Set<net.Socket>();
  const ended: Promise<void>[] = [];
  const server = net.createServer((c) => {
    conns.add(c);
    ended.push(new Promise((r) => c.on('close', () => r())));
    c.on('data', each);
    c.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(file, () => resolve());
  });
  return {
    close: async () => {
      // qemu has exited: its sockets drain, then close.
      await Promise.race([Promise.all(ended), new Promise((r) => setTimeout(r, 2000))]);
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      fs.rmSync(file, { force: true });
    },
  };
}

export async function boot(o: BootOptions): Promise<BootResult> {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `synh-serial-${process.pid}-`));
  const sockets = { out: path.join(dir, 'out'), err: path.join(dir, 'err') };
  const sinks = [await serialSink(sockets.out, (b) => o.onStdout?.(b)), await serialSink(sockets.err, (b) => o.onStderr?.(b))];
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', QEMU, ...qemuArgs({ ...o, sockets })], { stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let partial = '';
  let qemuStderr = '';
  let readyAt = 0;
  let exitedAt = 0;
  let panic = false;
  let oom = false;
  let outcome: BootResult['outcome'] | undefined;
  let timer: NodeJS.Timeout | undefined;
  const kill = (why: BootResult['outcome']): void => {
    if (!outcome) outcome = why;
    child.kill('SIGKILL');
  };
  const arm = (ms: number, why: BootResult['outcome']): void => {
    clearTimeout(timer);
    timer = setTimeout(() => kill(why), ms);
  };
  arm(o.bootDeadlineMs, 'boot-timeout');
  child.stdout!.on('data', (b: Buffer) => {
    const text = partial + b.toString('utf8');
    const lines = text.split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r/g, '');
      tail.push(line);
      if (tail.length > TAIL) tail.shift();
      if (/Kernel panic/.test(line)) panic = true;
      if (/Out of memory|oom-kill/i.test(line)) oom = true;
      if (!exitedAt && /^synh-guest: exited/.test(line)) exitedAt = Date.now();
      if (!readyAt && /^synh-guest: ready/.test(line)) {
        readyAt = Date.now();
        arm(o.runDeadlineMs, 'run-timeout');
      }
      o.onConsole?.(line);
    }
  });
  child.stderr!.on('data', (b: Buffer) => {
    qemuStderr = (qemuStderr + b.toString('utf8')).slice(-4000);
  });
  const code = await new Promise<number | null>((resolve) => {
    child.on('error', (e) => {
      qemuStderr += `\n${e.message}`;
      if (!outcome) outcome = 'qemu-failed';
    });
    child.on('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  for (const s of sinks) await s.close();
  fs.rmSync(dir, { recursive: true, force: true });
  if (partial) tail.push(partial);
  if (!outcome) outcome = code === 0 ? 'exited' : 'qemu-failed';
  return {
    outcome,
    bootMs: readyAt ? readyAt - t0 : Date.now() - t0,
    totalMs: Date.now() - t0,
    ...(exitedAt ? { exitedMs: exitedAt - t0 } : {}),
    consoleTail: tail.slice(-TAIL),
    qemuStderr: qemuStderr.trim(),
    panic,
    oom,
  };
}

/**
 * Whether KVM really works here: /dev/kvm can exist and KVM_CREATE_VM succeed while a guest hangs
 * right after the firmware (as on this project's own machines). A tiny guest that must say "ready"
 * within a few seconds decides; the answer is kept per host boot. SYNH_ACCEL=kvm|tcg overrides.
 */
export async function chooseAccel(probe: { vmlinuz: string; initrd: string; disk: string }): Promise<{ accel: Accel; why: string }> {
  const forced = process.env.SYNH_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, why: `SYNH_ACCEL=${forced}` };
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
  } catch {
    return { accel: 'tcg', why: 'no usable /dev/kvm' };
  }
  let bootId = 'unknown';
  try {
    bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    /* keep 'unknown' */
  }
  const memo = path.join(cacheDir('probe'), `kvm-${bootId}.json`);
  try {
    return JSON.parse(fs.readFileSync(memo, 'utf8')) as { accel: Accel; why: string };
  } catch {
    /* probe */
  }
  const r = await boot({ ...probe, accel: 'kvm', memoryMiB: 2048, cpus: 1, bootDeadlineMs: 8000, runDeadlineMs: 8000 });
  // qemu refusing to start (bad arguments, a missing file) says nothing about KVM: not remembered.
  if (r.outcome === 'qemu-failed' && !r.consoleTail.length) return { accel: 'tcg', why: `qemu failed under KVM: ${r.qemuStderr.split('\n')[0]}` };
  const ok = r.bootMs < 8000 && r.consoleTail.some((l) => /^synh-guest: ready/.test(l));
  const answer = ok
    ? { accel: 'kvm' as const, why: `KVM boots a guest (ready in ${r.bootMs} ms)` }
    : { accel: 'tcg' as const, why: `/dev/kvm is there but a KVM guest did not boot within 8 s (${r.qemuStderr.split('\n')[0] || 'hung'}); using TCG` };
  writeAtomic(memo, JSON.stringify(answer));
  return answer;
}

export function haveQemu(): { ok: boolean; detail: string } {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return { ok: false, detail: `${QEMU} not found` };
  return { ok: true, detail: r.stdout.split('\n')[0] };
}
