/**
 * The agent's DUT network namespaces ("slots"). Slot 0 is the namespace the agent was born in
 * (`unshare --net`); nsCreate adds more, so one agent process can serve every lab of a runner worker
 * (an agent costs ~150 ms of CPU to start; a slot a few hundred microseconds).
 *
 * Each slot is an open fd on its namespace (nsfs), so the namespace lives exactly as long as the
 * agent holds it: dropping the slot, or the agent dying (kill -9 of the harness included, through
 * PR_SET_PDEATHSIG), frees it. Other processes reach a slot's namespace through
 * /proc/<agent pid>/fd/<fd> (nsenter --net=…, `ip link … netns …`).
 *
 * Requests name their slot; the dispatcher moves the agent's main thread into it with setns() before
 * the handler runs. Only the calling thread moves, and every namespace-dependent thing the handlers
 * do (socket(), /proc/sys and /proc/thread-self/net files, spawns) happens synchronously on the main
 * thread — an async handler that does such a thing after an await calls enterSlot() again first.
 */
import * as fs from 'fs';
import { ErrnoError } from '../sys/errno';
import * as libc from '../sys/libc';

interface Slot {
  id: number;
  /** open fd on the namespace */
  fd: number;
}

const slots = new Map<number, Slot>();
let current = 0;
let nextId = 1;

/** Quiet-link defaults written into every new namespace, before any link arrives in it: no DAD (the
 *  DUT's IPv6 address works at once) and no router solicitations (nothing unasked on the test link). */
const QUIET_DEFAULTS: ReadonlyArray<[string, string]> = [
  ['/proc/sys/net/ipv6/conf/default/accept_dad', '0'],
  ['/proc/sys/net/ipv6/conf/default/router_solicitations', '0'],
];

function openHere(): number {
  return fs.openSync('/proc/thread-self/ns/net', 'r');
}

/** Slot 0: the namespace the agent started in. Called once at start-up. */
export function initSlots(): void {
  if (slots.has(0)) return;
  slots.set(0, { id: 0, fd: openHere() });
  current = 0;
}

export function hasSlot(id: number): boolean {
  return slots.has(id);
}

export function currentSlot(): number {
  return current;
}

/** Move the main thread into slot `id`'s namespace (no-op if it is there already). */
export function enterSlot(id: number): void {
  if (id === current) return;
  const s = slots.get(id);
  if (!s) throw new Error(`no namespace slot ${id}`);
  const r = libc.setns(s.fd, libc.CLONE_NEWNET);
  if (r.ret < 0) throw new ErrnoError(`setns(slot ${id})`, r.errno, libc.strerror(r.errno));
  current = id;
}

/** /proc path naming slot `id`'s namespace, for other processes. */
export function slotPath(id: number): string {
  const s = slots.get(id);
  if (!s) throw new Error(`no namespace slot ${id}`);
  return `/proc/${process.pid}/fd/${s.fd}`;
}

export function slotNetns(): string {
  return fs.readlinkSync('/proc/thread-self/ns/net');
}

/**
 * A brand-new namespace for the calling thread (unshare(CLONE_NEWNET)), lo up, quiet-link defaults.
 * Returns an fd on it. The thread stays in it.
 */
function unshareFresh(): number {
  libc.unshareNet();
  const fd = openHere();
  for (const [p, v] of QUIET_DEFAULTS) fs.writeFileSync(p, v);
  const up = libc.ifUp('lo');
  if (up.ret < 0) {
    fs.closeSync(fd);
    throw new ErrnoError('bringing lo up in the new namespace', up.errno, libc.strerror(up.errno));
  }
  return fd;
}

/** A new slot with a fresh namespace; the main thread is left in it. */
export function createSlot(): number {
  const fd = unshareFresh();
  const id = nextId++;
  slots.set(id, { id, fd });
  current = id;
  return id;
}

/**
 * Replace slot `id`'s namespace by a fresh one (the thread must be in the slot). The old namespace is
 * released; it dies once nothing else holds it (its links go in the kernel's batched clean-up).
 */
export function renewSlot(id: number): void {
  const s = slots.get(id);
  if (!s) throw new Error(`no namespace slot ${id}`);
  if (current !== id) throw new Error(`renewSlot(${id}) while in slot ${current}`);
  const fd = unshareFresh();
  fs.closeSync(s.fd);
  s.fd = fd;
}

/** Forget slot `id` (not 0): its namespace dies once its sockets are closed. */
export function dropSlot(id: number): void {
  if (id === 0) throw new Error("slot 0 is the agent's own namespace; it goes with the agent");
  const s = slots.get(id);
  if (!s) return;
  if (current === id) enterSlot(0);
  fs.closeSync(s.fd);
  slots.delete(id);
}
