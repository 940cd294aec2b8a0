// The tester namespace: the harness's own main thread moves into a fresh network namespace the first
// time a lab is built. Raw sockets and capture handles opened afterwards on the main thread, and every
// child process spawned from it (ip, ethtool, the DUT agent), live there — never in the host's.
//
// Only the calling thread moves (unshare(CLONE_NEWNET) is per task). That is exactly what we want: the
// sockets we open and the children we spawn come from the main thread. Nothing here uses the libuv
// thread pool for network work.
import * as fs from 'fs';
import { GLOBAL_SYSCTLS } from '../../lib/kernel/global-sysctls';
import { unshareNet } from '../sys/libc';
import { readOwnSysctl } from '../sys/sysctl';

let moved = false;
let hostNetnsFd: number | undefined;
let kernelWide: Record<string, string> | undefined;

function readKernelWide(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of GLOBAL_SYSCTLS) {
    const v = readOwnSysctl(name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/**
 * The kernel-wide sysctls (lib/kernel/global-sysctls.ts) as the initial namespace has them: read before
 * this thread left it, since older kernels (6.1) show them only there.
 */
export function kernelWideSysctls(): Record<string, string> {
  return kernelWide ?? readKernelWide();
}

/** True once this process's main thread left the namespace it started in. */
export function inTesterNetns(): boolean {
  return moved;
}

/** Move the main thread into a fresh network namespace (once per process). */
export function enterTesterNetns(): void {
  if (moved) return;
  // Keep a handle on where we came from, read-only use: tests compare the host before/after a run.
  hostNetnsFd = fs.openSync('/proc/thread-self/ns/net', 'r');
  kernelWide = readKernelWide();
  unshareNet();
  moved = true;
  if (fs.readlinkSync('/proc/thread-self/ns/net') === fs.readlinkSync(`/proc/self/fd/${hostNetnsFd}`)) {
    throw new Error('unshare(CLONE_NEWNET) returned success but the thread is still in the host namespace');
  }
}

/**
 * A path naming the namespace this process started in (the host's, for a CLI run), for read-only
 * inspection with `nsenter --net=PATH`. Before the move it is simply our own namespace.
 */
export function startNetnsPath(): string {
  return hostNetnsFd === undefined ? `/proc/${process.pid}/ns/net` : `/proc/${process.pid}/fd/${hostNetnsFd}`;
}
