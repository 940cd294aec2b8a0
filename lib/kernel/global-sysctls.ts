// The net.core sysctls that belong to the whole kernel, not to a network namespace: every namespace
// reads the initial namespace's value (read-only there since Linux 6.15), so writing one from a
// namespace the harness made would change the host. The harness never writes them; a case that
// needs a value declares it in `sysctls:` and runs only where the kernel already has it (a guest
// boots with this machine's values, so host and guest runs agree). Pure.

/** Kernel-wide buffer limits and defaults (net/core/sysctl_net_core.c's global table). */
export const GLOBAL_SYSCTLS: readonly string[] = ['net.core.rmem_max', 'net.core.wmem_max', 'net.core.rmem_default', 'net.core.wmem_default'];

const SET: ReadonlySet<string> = new Set(GLOBAL_SYSCTLS);

/** 'net.core.rmem_max' or 'net/core/rmem_max' → true. */
export function isGlobalSysctl(name: string): boolean {
  return SET.has(name.replace(/^\/?(proc\/sys\/)?/, '').replace(/\//g, '.'));
}

/**
 * Why a case that needs `name` = `wanted` cannot run on a kernel whose value is `actual` (undefined:
 * it can). Values compare with whitespace normalised.
 */
export function globalSysctlMismatch(name: string, wanted: string | number | readonly number[], actual: string | undefined): string | undefined {
  const want = (Array.isArray(wanted) ? wanted.join(' ') : String(wanted)).replace(/\s+/g, ' ').trim();
  const have = actual?.replace(/\s+/g, ' ').trim();
  if (have === want) return undefined;
  return `${name} is kernel-wide, not per network namespace, and is ${have ?? 'unreadable'} here; the case needs ${want}, and the harness never changes it — set it on this machine if you may (sysctl -w ${name}=${want.replace(/ /g, ',')}); a guest under --kernel boots with this machine's value`;
}
