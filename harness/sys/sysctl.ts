/**
 * sysctl name -> /proc/sys path, restricted to net.*. Pure.
 */
import * as path from 'path';

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
