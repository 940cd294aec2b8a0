// The DUT sysctls the model depends on, read back from the DUT namespace after they were set, so the
// model is keyed on what the kernel really runs with (tcp_rmem is copied from the host's namespace at
// creation, rmem_max is global): never on what we assume the defaults are. The list is the model's own
// (lib/model modelSysctlNames), less those the DUT's kernel version predates.
import * as os from 'os';
import { modelSysctlNames, profileFor } from '../../lib/model';
import { isGlobalSysctl } from '../../lib/kernel/global-sysctls';
import { kernelWideSysctls } from '../topology/tester-ns';
import type { Lab } from '../topology/lab';

/**
 * The sysctls to read on a kernel: every one the model knows that this kernel has, by the version the
 * model's profile is built for (the same release and `uname -v` makeEnv is given), so every value read
 * is one the model accepts.
 */
export function dutSysctlNames(release: string, version: string = os.version()): string[] {
  return modelSysctlNames(profileFor(release, version).profile.version);
}

/**
 * Read the model-relevant sysctls of the lab's DUT through its agent, whitespace normalised (one the
 * kernel refuses to read — a backport gap — is left out, and the model keeps its default).
 */
export async function readModelSysctls(lab: Lab): Promise<Record<string, string>> {
  const names = dutSysctlNames(lab.agent.release, lab.agent.version);
  // one round trip for all of them: one per name cost ~15 ms a case in a guest under TCG
  const r = await lab.agent.call('sysctlGetMany', { names });
  if (!r.ok || !r.result) throw new Error(`reading the DUT's sysctls: ${r.msg ?? r.err ?? 'no answer'}`);
  const read = r.result.values;
  const out: Record<string, string> = {};
  names.forEach((name) => {
    if (read[name] !== undefined) out[name] = read[name].replace(/\s+/g, ' ').trim();
    // a kernel-wide one is the same in every namespace, but older kernels (6.1) show it only in the
    // initial one: as read there, the value the DUT's sockets use
    else if (isGlobalSysctl(name) && kernelWideSysctls()[name] !== undefined) out[name] = kernelWideSysctls()[name];
  });
  return out;
}
