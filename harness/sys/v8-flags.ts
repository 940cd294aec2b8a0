// V8 flags for every process of a run, from SYNH_V8_FLAGS: each process entry's first import
// (code-cache-install.ts) applies them before it loads anything else, and the processes it starts
// inherit the environment.
//
// Under TCG (a guest kernel without usable KVM) V8's compilers cost more than they save: qemu
// translates each new page of machine code before it runs, and again after every write to it, and a
// harness run keeps making code (baseline code for each function once warm, optimised code, then
// deoptimisation). Measured on the debian:6.12 suite in a TCG guest on this 2-core machine: 59.6–61.5 s
// with V8's defaults, 52.2 s without Sparkplug and Maglev, 45.0–48.8 s interpreted only, 48.1–49.1 s
// with --jitless (which also interprets regular expressions).
import * as v8 from 'v8';

export const V8_FLAGS_ENV = 'SYNH_V8_FLAGS';

/** What a TCG guest's processes run with: the interpreter only (Ignition; regular expressions still compiled). */
export const TCG_V8_FLAGS = '--no-sparkplug --no-maglev --no-opt';

/** This process's V8 flags ('' = V8's defaults). */
export function v8Flags(env: NodeJS.ProcessEnv = process.env): string {
  return (env[V8_FLAGS_ENV] ?? '').trim();
}

/** Applies this process's flags: V8 uses them for everything compiled from now on. */
export function applyV8Flags(): void {
  const f = v8Flags();
  if (f) v8.setFlagsFromString(f);
}
