// The names the kernel under test has — its net.ipv4 / net.core sysctls and its nstat counters — read
// once when a run is planned, so a case that uses a name this kernel lacks is skipped with that reason
// (and a did-you-mean) before it runs, instead of failing at a sysctl write or an assertion. The
// per-interface trees (net.ipv4.conf.*, neigh.*) and the other families' sysctls are left to the write.
import * as fs from 'fs';
import * as path from 'path';
import type { CaseFile } from '../../lib/case';
import { closest } from '../../lib/yaml-kit/suggest';
import { parseSnmp6, parseSnmpPairs } from '../sys/procnet';

export interface KernelNames {
  /** 'net.ipv4.tcp_syncookies', 'net.core.somaxconn', … */
  sysctls: ReadonlySet<string>;
  /** nstat names: 'TcpExtListenDrops', 'TcpInSegs', 'Ip6InReceives', … */
  counters: ReadonlySet<string>;
}

const CHECKED = ['net.ipv4', 'net.core'];

/** This kernel's names (undefined when /proc cannot be read: nothing is checked). */
export function readKernelNames(): KernelNames | undefined {
  try {
    const sysctls = new Set<string>();
    for (const tree of CHECKED) {
      for (const e of fs.readdirSync(path.join('/proc/sys', ...tree.split('.')), { withFileTypes: true })) {
        if (e.isFile()) sysctls.add(`${tree}.${e.name}`);
      }
    }
    const c: Record<string, number> = {};
    for (const f of ['/proc/net/snmp', '/proc/net/netstat']) parseSnmpPairs(fs.readFileSync(f, 'utf8'), c);
    try {
      parseSnmp6(fs.readFileSync('/proc/net/snmp6', 'utf8'), c);
    } catch {
      // IPv6 disabled: its counters are simply absent
    }
    return { sysctls, counters: new Set(Object.keys(c)) };
  } catch {
    return undefined;
  }
}

function checkedSysctl(name: string): boolean {
  const parts = name.split('.');
  return parts.length === 3 && CHECKED.includes(`${parts[0]}.${parts[1]}`);
}

/** Why the case cannot run on a kernel with these names (undefined: every name it uses exists). */
export function missingName(c: CaseFile, kernel: string, names: KernelNames | undefined): string | undefined {
  if (!names) return undefined;
  const sysctls = [...c.sysctls.map((s) => s.name), ...c.steps.flatMap((s) => (s.kind === 'sysctl' ? s.sysctls.map((x) => x.name) : []))];
  for (const name of sysctls) {
    if (!checkedSysctl(name) || names.sysctls.has(name)) continue;
    const g = closest(name, [...names.sysctls]);
    return `kernel ${kernel} has no sysctl ${name}${g ? ` (did you mean ${g}?)` : ''}`;
  }
  for (const s of c.steps) {
    if (s.kind !== 'assert') continue;
    for (const { name } of s.counters) {
      if (names.counters.has(name)) continue;
      const g = closest(name, [...names.counters]);
      return `kernel ${kernel} has no counter ${name}${g ? ` (did you mean ${g}?)` : ''}`;
    }
  }
  return undefined;
}
