// Sysctl maps (the case's sysctls: and a sysctl: step): per-namespace names, values the model can
// take, lists written as the kernel reads them ("4096 131072 6291456"). Pure.
import { sysctlProblem } from '../sysctl-check';
import { SYSCTL_RE } from '../vocab';
import type { Path, Problem } from './context';

type SysctlValue = number | string | number[];

/** The valid entries of a sysctl map, in file order; `nameHint` says what to do with a name outside net.*. */
export function sysctlEntries(
  map: Record<string, SysctlValue>,
  path: Path,
  problem: Problem,
  nameHint: (name: string) => string,
): Array<{ name: string; value: number | string }> {
  const out: Array<{ name: string; value: number | string }> = [];
  for (const [name, value] of Object.entries(map)) {
    if (!SYSCTL_RE.test(name)) {
      problem([...path, name], `'${name}' is not a per-namespace sysctl name — ${nameHint(name)}`, 'key');
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
