/**
 * sysctl name -> /proc/sys path, restricted to net.*; reading one of this process's own.
 */
import * as fs from 'fs';
import * as path from 'path';
import { isGlobalSysctl } from '../../lib/kernel/global-sysctls';

/**
 * 'net.ipv4.tcp_syncookies' -> '/proc/sys/net/ipv4/tcp_syncookies'. Names containing '/' are
 * taken as paths ('net/ipv4/conf/eth0.1/rp_filter', for interface names with dots).
 * Throws TypeError for anything outside net.* (including '..' tricks).
 */
export function sysctlPath(name: string): string {
  if (typeof name !== 'string' || name === '') throw new TypeError('sysctl name: expected a non-empty string');
  let rel = name.includes('/') ? name : name.replace(/\./g, '/');
  rel = rel.replace(/^\/+/, '').replace(/^proc\/sys\//, '');
  const norm = path.posix.normalize(rel);
  if (!norm.startsWith('net/') || norm.split('/').includes('..') || norm !== rel || /[\0]/.test(norm)) {
    throw new TypeError(`refusing sysctl ${JSON.stringify(name)}: only names under net.* are allowed`);
  }
  return `/proc/sys/${norm}`;
}

/**
 * sysctlPath for a write: also refuses the kernel-wide sysctls (lib/kernel/global-sysctls.ts), whose
 * write from any namespace would change the host's.
 */
export function sysctlWritePath(name: string): string {
  const p = sysctlPath(name);
  if (isGlobalSysctl(p))
    throw new TypeError(
      `refusing to write ${name}: it is kernel-wide (not per network namespace), so the write would change the host; a case declares the value it needs and runs where the kernel has it`,
    );
  return p;
}

/** A sysctl as this process's own namespace has it, whitespace normalised (undefined: unreadable). */
export function readOwnSysctl(name: string): string | undefined {
  try {
    return fs.readFileSync(sysctlPath(name), 'utf8').replace(/\s+/g, ' ').trim();
  } catch {
    return undefined;
  }
}
