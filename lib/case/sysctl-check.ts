// Load-time checks of the sysctls a case sets, against what the model knows (lib/model sysctls):
// a name one typo away from a model sysctl is a misspelling, a value outside the domain the model
// knows (ip_default_ttl 1..255, tcp_ecn 0..2, integers) is refused as the kernel would refuse it.
// Names the model does not know are left to the DUT kernel (checked when the run writes them). Pure.
import { applySysctl, modelSysctlNames, sysctlKey, type Sysctls } from '../model/core/sysctls';
import { closest } from '../yaml-kit/suggest';
import { KNOWN_SYSCTLS } from './vocab';

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
