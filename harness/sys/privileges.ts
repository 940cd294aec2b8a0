// What a run on this machine's kernel needs from the process: CAP_SYS_ADMIN (network namespaces),
// CAP_NET_ADMIN (links, addresses, sysctls inside them) and CAP_NET_RAW (raw sockets, capture).
// Checked up front, so that a run without them stops with one line instead of erroring every case.
import * as fs from 'node:fs';

/** Capability numbers (linux/capability.h) the harness needs, with what each is for. */
const NEEDED: ReadonlyArray<[number, string]> = [
  [21, 'CAP_SYS_ADMIN'],
  [12, 'CAP_NET_ADMIN'],
  [13, 'CAP_NET_RAW'],
];

/** The effective capability set of this process (/proc/self/status CapEff), or undefined if unreadable. */
export function effectiveCaps(status?: string): bigint | undefined {
  const text =
    status ??
    (() => {
      try {
        return fs.readFileSync('/proc/self/status', 'utf8');
      } catch {
        return '';
      }
    })();
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(text);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

/** The capabilities the harness needs that this process lacks (empty: all there, or not knowable). */
export function missingCaps(caps = effectiveCaps()): string[] {
  if (caps === undefined) return [];
  return NEEDED.filter(([bit]) => ((caps >> BigInt(bit)) & 1n) === 0n).map(([, name]) => name);
}

/** One line for a command that cannot run here, or undefined. */
export function privilegeProblem(command: string): string | undefined {
  const missing = missingCaps();
  if (!missing.length) return undefined;
  return `synh ${command}: needs root — ${missing.join(', ')} missing (namespaces, raw sockets and capture); run it as root (sudo synh ${command} …), or check with synh doctor`;
}
