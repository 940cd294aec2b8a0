// `--kernel` for run, fuzz, probe and doctor: the command runs once per kernel of the list — here for
// `host`, inside a qemu guest for the others — with its output relayed, its results merged into this
// machine's results root (one run directory per kernel: the run id names the kernel), and the worst
// exit status returned. One line per guest says how long it took.
import { InvalidArgumentError } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseKernelList, type KernelSpec } from '../../lib/kernel/kernel-spec';
import { privilegeProblem } from '../sys/privileges';

export const KERNEL_FLAG = '--kernel <list>';
export const KERNEL_HELP =
  'kernel(s) under test, comma-separated: host (default), debian:6.1, debian:6.12, debian:<package version>, ' +
  'or a vmlinuz/bzImage path (modules and config found next to it); others boot under qemu';

/** Commander's parser for the flag: a bad list is a one-line usage error before anything runs. */
export function kernelListArg(v: string): string {
  try {
    parseKernelList(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return v;
}

/** The command line without its `--kernel X` / `--kernel=X` (what runs inside each guest). */
export function withoutKernelFlag(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (argv[i] === '--kernel') {
      i++;
      continue;
    }
    if (argv[i].startsWith('--kernel=')) continue;
    out.push(argv[i]);
  }
  return out;
}

export interface AcrossKernels {
  /** The command's name, for messages ("run", "fuzz", …). */
  command?: string;
  /** The `--kernel` value (undefined: host only). */
  kernels: string | undefined;
  /** The command's own arguments after `node bin/synh` (process.argv.slice(2)). */
  argv: readonly string[];
  /** Host paths the command reads (case files, a campaign): packed into the guest when outside the checkout. */
  inputs?: readonly string[];
  /** Results root of the command. */
  results?: string;
  /** Runs the command here, on this machine's kernel. */
  local: () => Promise<number>;
  /**
   * Runs here once, before the first guest boots: checks the command's input (a bad case file fails in
   * a second, not after a boot) and returns host files the guest gets as well (the parsed cases, so
   * the guest parses nothing); a number is the exit status to stop with.
   */
  prepare?: () => Promise<readonly string[] | number>;
}

function parseList(text: string | undefined): KernelSpec[] {
  return text === undefined ? [{ kind: 'host', text: 'host' }] : parseKernelList(text);
}

/** Runs the command on each kernel in turn; the exit status is the worst of them. */
export async function acrossKernels(o: AcrossKernels): Promise<number> {
  const specs = parseList(o.kernels);
  const local = async (): Promise<number> => {
    const why = privilegeProblem(o.command ?? o.argv[0] ?? 'run');
    if (why) {
      process.stderr.write(`${why}\n`);
      return 2;
    }
    return o.local();
  };
  if (specs.length === 1 && specs[0].kind === 'host') return local();
  if (process.env.SYNH_IN_GUEST) throw new Error('--kernel inside a guest: a guest cannot boot further guests');
  const prepared = o.prepare ? await o.prepare() : [];
  if (typeof prepared === 'number') return prepared;
  let worst = 0;
  for (const spec of specs) {
    const code = spec.kind === 'host' ? await local() : await inGuest(spec, o, prepared);
    worst = Math.max(worst, code);
  }
  return worst;
}

const sec = (ms: number): string => (ms / 1000).toFixed(1);

/** Where a guest run's time went after the boot: the command, then its results back and the power-off. */
function phases(r: { bootMs: number; totalMs: number; exitedMs?: number }): string {
  if (r.exitedMs === undefined) return '';
  return `command ${sec(r.exitedMs - r.bootMs)} s, results back ${sec(r.totalMs - r.exitedMs)} s, `;
}

async function inGuest(spec: KernelSpec, o: AcrossKernels, prepared: readonly string[]): Promise<number> {
  const { resolveKernel } = await import('../guest/kernel-source');
  const { runInGuest } = await import('../guest/run-in-guest');
  const { inBaseImage } = await import('../guest/image');
  const log = (s: string): void => void process.stderr.write(`synh: ${s}\n`);
  const t0 = Date.now();
  const k = resolveKernel(spec, log);
  const inputs = [...(o.inputs ?? []), ...prepared].map((p) => path.resolve(p)).filter((p) => fs.existsSync(p) && !inBaseImage(p));
  const r = await runInGuest(k, { argv: withoutKernelFlag(o.argv), resultsRoot: o.results, files: inputs, log });
  const wall = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.guestError) {
    process.stderr.write(`synh: ${r.guestError}\n`);
    return Math.max(2, r.exitCode);
  }
  process.stderr.write(
    `synh: kernel ${k.label} (${r.release ?? k.release}, ${r.accel === 'kvm' ? 'KVM' : 'TCG'}): booted in ${sec(r.bootMs)} s, ${phases(r)}${wall} s in all, exit status ${r.exitCode}\n`,
  );
  return r.exitCode;
}
