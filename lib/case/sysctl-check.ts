// Load-time checks of the sysctls a case or a campaign profile sets: names in the DUT network
// namespace (net.*), and values against what the model knows (lib/model sysctls):
// a name one typo away from a model sysctl is a misspelling, a value outside the domain the model
// knows (ip_default_ttl 1..255, tcp_ecn 0..2, integers) is refused as the kernel would refuse it.
// Names the model does not know are left to the DUT kernel (checked when the run writes them). Pure.
import { applySysctl, modelSysctlNames, sysctlKey, type Sysctls } from '../model/core/sysctls';
import { closest } from '../yaml-kit/suggest';
import { KNOWN_SYSCTLS, SYSCTL_RE } from './vocab';

const MODEL_NAMES: readonly string[] = modelSysctlNames();

/** What is wrong with setting `name` to `value`, or undefined when nothing the model knows is. */
export function sysctlProblem(name: string, value: unknown): { message: string; at?: 'key' } | undefined {
  let known = true;
  try {
    sysctlKey(name);
  } catch {
    known = false;
  }
  if (!known) {
    if (!/^net\.(ipv4|core)\./.test(name) || KNOWN_SYSCTLS.has(name)) return undefined;
    const g = closest(name, MODEL_NAMES);
    return g ? { message: `unknown sysctl '${name}' — did you mean '${g}'?`, at: 'key' } : undefined;
  }
  try {
    applySysctl({} as Sysctls, name, value as number | string | readonly number[]);
    return undefined;
  } catch (e) {
    const why = (e as Error).message.replace(/^sysctl\s+\S+?[:=]\s*/, '');
    return { message: `${name}: ${why.length > 120 ? `${why.slice(0, 120)}…` : why} — the kernel refuses this value; use one in its range` };
  }
}

/**
 * What is wrong with a sysctl name outside the DUT's network namespace, or undefined for a net.* one.
 * `hint` says what to write instead (default: the dotted form of a /proc/sys path, the full name of
 * a short one).
 */
export function sysctlNameProblem(name: string, hint: (name: string) => string = sysctlNameHint): string | undefined {
  return SYSCTL_RE.test(name) ? undefined : `'${name}' is not a per-namespace sysctl name — ${hint(name)}`;
}

function sysctlNameHint(name: string): string {
  return name.includes('/')
    ? `write it dotted, as ${name.replace(/^\/?(proc\/sys\/)?/, '').replace(/\//g, '.')}`
    : /^(ipv4|ipv6|core)\./.test(name)
      ? `write the full name, net.${name}`
      : /^(tcp|ip|udp|icmp)_\w+$/.test(name)
        ? `write the full name, net.ipv4.${name}`
        : 'only net.* sysctls belong to the DUT network namespace, e.g. net.ipv4.tcp_syncookies';
}

type SysctlValue = number | string | number[];

/**
 * The valid entries of a sysctl map (a case's sysctls:, a sysctl: step, a campaign profile's), in
 * file order, lists written as the kernel reads them ("4096 131072 6291456"); the others reported.
 * `nameHint` says what to do with a name outside net.* (see sysctlNameProblem).
 */
export function sysctlEntries(
  map: Record<string, SysctlValue>,
  path: ReadonlyArray<string | number>,
  problem: (path: ReadonlyArray<string | number>, message: string, at?: 'key') => void,
  nameHint?: (name: string) => string,
): Array<{ name: string; value: number | string }> {
  const out: Array<{ name: string; value: number | string }> = [];
  for (const [name, value] of Object.entries(map)) {
    const badName = sysctlNameProblem(name, nameHint);
    if (badName) {
      problem([...path, name], badName, 'key');
      continue;
    }
    const bad = sysctlProblem(name, value);
    if (bad) {
      problem([...path, name], bad.message, bad.at);
      continue;
    }
    out.push({ name, value: Array.isArray(value) ? value.join(' ') : value });
  }
  return out;
}
