// A snapshot of the host namespace's network state, taken through nsenter into the namespace this
// process started in (so it stays right even after this process moved into a tester namespace).
import { spawnSync } from 'child_process';
import { startNetnsPath } from '../../harness/topology/tester-ns';

function inHost(cmd: string[]): string {
  const r = spawnSync('nsenter', [`--net=${startNetnsPath()}`, ...cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export interface HostSnapshot {
  netnsId: string;
  links: string;
  addrs: string;
  routes4: string;
  routes6: string;
  rules: string;
  neigh: string;
  namedNetns: string;
  sysctls: string;
}

export function hostSnapshot(): HostSnapshot {
  // Link statistics change with host traffic: list links without them.
  const links = inHost(['ip', '-o', '-d', 'link', 'show'])
    .split('\n')
    .map((l) => l.replace(/\s+(link-netnsid|alias)\s+\S+/g, ''))
    .join('\n');
  const sysctls = inHost(['sysctl', '-a', '--pattern', '^net\\.'])
    .split('\n')
    // Counters and random keys that move on their own (not settings anyone changes).
    .filter((l) => !/^net\.netfilter\.nf_conntrack_count|^net\.ipv6\.route\.gc_|stable_secret|^net\.core\.netdev_rss_key/.test(l))
    .join('\n');
  return {
    netnsId: inHost(['readlink', '/proc/self/ns/net']).trim(),
    links,
    addrs: inHost(['ip', '-o', 'addr', 'show']).replace(/valid_lft \S+ preferred_lft \S+/g, ''),
    routes4: inHost(['ip', '-4', 'route', 'show', 'table', 'all']),
    routes6: inHost(['ip', '-6', 'route', 'show', 'table', 'all']).replace(/expires \S+/g, ''),
    rules: inHost(['ip', 'rule', 'show']) + inHost(['ip', '-6', 'rule', 'show']),
    neigh: inHost(['ip', 'neigh', 'show', 'nud', 'permanent']),
    namedNetns: inHost(['ip', 'netns', 'list']),
    sysctls,
  };
}

/** Processes whose parent is pid (direct children), from /proc. */
export function childrenOf(pid: number): number[] {
  const fs = require('fs') as typeof import('fs');
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
