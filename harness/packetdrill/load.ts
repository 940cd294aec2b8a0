// Reading packetdrill scripts from disk: the script, the shell scripts its `…` lines run (defaults.sh,
// relative to the script), and which sysctls this kernel has. The compiling itself is lib/packetdrill.
import { existsSync, readFileSync } from 'fs';
import { dirname, isAbsolute, resolve } from 'path';
import type { CaseFile } from '../../lib/case';
import { scriptToCase, type CompileOptions } from '../../lib/packetdrill';

export const isScriptPath = (p: string): boolean => /\.pkt$/i.test(p);

/** Options of `synh run` / `synh import` that reach the compiler. */
export type ScriptLoadOptions = Pick<CompileOptions, 'defines' | 'ipVersion' | 'toleranceMs' | 'strict'>;

/** Compiles the script `text` read from `path` (throws ScriptError, a CaseError, when it cannot). */
export function compileScriptText(text: string, path: string, o: ScriptLoadOptions = {}): CaseFile {
  const dir = dirname(path);
  return scriptToCase(text, path, {
    ...o,
    include: (p) => {
      const full = findInclude(dir, p);
      return full ? readFileSync(full, 'utf8') : undefined;
    },
    sysctlSkip,
  });
}

/**
 * The file a script's shell line runs: `p` relative to the script's folder, else the same path without
 * its leading ../ in the nearest folder above that has it (a copied corpus loses packetdrill's
 * symlinked common/ folders: tcp/common → ../../common).
 */
export function findInclude(dir: string, p: string): string | undefined {
  const direct = resolve(dir, p);
  if (existsSync(direct)) return direct;
  const tail = p.replace(/^(\.\.\/)+/, '');
  if (tail === p || isAbsolute(p)) return undefined;
  for (let d = resolve(dir); ; d = dirname(d)) {
    const f = resolve(d, tail);
    if (existsSync(f)) return f;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * Why a script's sysctl setting cannot be made in the DUT's namespace on this host: a sysctl this
 * kernel lacks, or a congestion control the host does not allow outside its initial namespace
 * (the kernel answers EPERM unless it is in net.ipv4.tcp_allowed_congestion_control).
 */
export function sysctlSkip(name: string, value: string): string | undefined {
  const file = `/proc/sys/${name.replace(/\./g, '/')}`;
  if (!existsSync(file)) return 'this kernel has no such sysctl';
  if (name === 'net.ipv4.tcp_congestion_control') {
    const allowed = readFileSync('/proc/sys/net/ipv4/tcp_allowed_congestion_control', 'utf8').trim().split(/\s+/);
    if (!allowed.includes(value.trim()))
      return `a network namespace may only use the congestion controls of net.ipv4.tcp_allowed_congestion_control (${allowed.join(' ')}); the namespace keeps its default`;
  }
  return undefined;
}

export function loadScriptFile(path: string, o: ScriptLoadOptions = {}): CaseFile {
  return compileScriptText(readFileSync(path, 'utf8'), path, o);
}

/**
 * The run's script options (--strict, --tolerance, -D), set by `synh run` for the loader in this
 * process (case-cache compiles scripts where YAML is parsed): SYNH_PKT_OPTIONS holds them as JSON.
 */
export const SCRIPT_OPTIONS_ENV = 'SYNH_PKT_OPTIONS';

export function scriptOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ScriptLoadOptions {
  const raw = env[SCRIPT_OPTIONS_ENV];
  if (!raw) return {};
  try {
    return JSON.parse(raw) as ScriptLoadOptions;
  } catch {
    throw new Error(`${SCRIPT_OPTIONS_ENV} is not JSON: ${raw.slice(0, 80)} — unset it`);
  }
}

export function setScriptOptions(o: ScriptLoadOptions): void {
  process.env[SCRIPT_OPTIONS_ENV] = JSON.stringify(o);
}
