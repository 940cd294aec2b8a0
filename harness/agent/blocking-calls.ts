/**
 * Blocking socket calls of the DUT agent: a script's `+0...0.020 sendto(…)` blocks in the kernel
 * while the packets that make it return flow. The agent's sockets are non-blocking and its loop must
 * keep serving, so such a call is made on a worker thread (call-worker.ts) with the socket's
 * O_NONBLOCK cleared for the duration: `start` returns once the syscall is under way, `wait` collects
 * its return value and errno. One thread per call in flight; an idle one is kept for the next.
 * A call still blocked when its socket is closed is woken first (shutdown), so no thread stays stuck.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { E } from '../sys/errno';
import * as libc from '../sys/libc';
import { decodeSockaddr } from '../sys/sockaddr';
import type { CallMessage, CallRequest } from './call-worker';

interface Pending {
  fd: number;
  /** the file status flags before the call (O_NONBLOCK restored from them when it returns) */
  flags: number;
  worker: Worker;
  started?: number;
  result?: { ret: number; errno: number; ended: number };
  waiters: Array<() => void>;
}

const pending = new Map<number, Pending>();
const idle: Worker[] = [];
/** threads that have loaded libc and wait for calls */
const ready = new WeakSet<Worker>();
const readyWaiters: Array<() => void> = [];
let nextId = 1;

function spawn(): Worker {
  // eval: the worker runs this file's sibling whatever the agent runs from (the compiled mirror's
  // .js, or .ts under ts-node, whose -r flag the worker inherits through execArgv)
  const file = path.join(__dirname, `call-worker${path.extname(__filename)}`);
  const w = new Worker(`require(${JSON.stringify(file)})`, { eval: true });
  w.unref();
  w.on('message', (m: CallMessage) => {
    if ('ready' in m) {
      ready.add(w);
      for (const x of readyWaiters.splice(0)) x();
      return;
    }
    const p = pending.get(m.id);
    if (!('started' in m)) idle.push(w);
    if (!p) return; // forgotten: its socket was closed (wakeBlocked)
    if ('started' in m) p.started = m.started;
    else {
      p.result = { ret: m.ret, errno: m.errno, ended: m.ended };
      libc.fcntl(p.fd, libc.F_SETFL, p.flags);
    }
    for (const x of p.waiters.splice(0)) x();
  });
  return w;
}

function until(p: Pending, cond: () => boolean, timeoutMs: number): Promise<boolean> {
  if (cond()) return Promise.resolve(true);
  return new Promise((resolve) => {
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(cond());
    };
    const check = (): void => {
      if (done) return;
      if (cond()) finish();
      else p.waiters.push(check);
    };
    const timer = setTimeout(finish, timeoutMs);
    p.waiters.push(check);
  });
}

/**
 * Starts send()/sendto() (`to`: a sockaddr) of `data` on `fd` as a blocking call. Resolves when the
 * thread is about to make the syscall (`startedMs`, CLOCK_MONOTONIC ms), or with an errno when the
 * call cannot start.
 */
export async function startBlockingSend(
  fd: number,
  data: Buffer,
  flags: number,
  to: Buffer | null,
): Promise<{ id: number; startedMs: number } | { errno: number; msg: string }> {
  if ([...pending.values()].some((p) => p.fd === fd && !p.result)) return { errno: E.EALREADY, msg: `a blocking call is already in flight on fd ${fd}` };
  const fl = libc.fcntl(fd, libc.F_GETFL);
  if (fl.ret < 0) return { errno: fl.errno, msg: `fcntl(${fd}, F_GETFL)` };
  const set = libc.fcntl(fd, libc.F_SETFL, fl.ret & ~libc.O_NONBLOCK);
  if (set.ret < 0) return { errno: set.errno, msg: `fcntl(${fd}, F_SETFL)` };
  const id = nextId++;
  const p: Pending = { fd, flags: fl.ret, worker: idle.pop() ?? spawn(), waiters: [] };
  pending.set(id, p);
  p.worker.postMessage({ id, fd, hex: data.toString('hex'), flags, ...(to ? { addr: to.toString('base64') } : {}) } satisfies CallRequest);
  await until(p, () => p.started !== undefined || p.result !== undefined, 10_000);
  if (p.started === undefined) return { errno: E.ETIMEDOUT, msg: 'the call thread did not start within 10 s' };
  // a sendto that connects: reply once the kernel has bound the socket's port (the caller's
  // getsockname must see it), or the call returned
  const deadline = performance.now() + 1000;
  while (to && p.result === undefined && boundPort(fd) === 0 && performance.now() < deadline) await new Promise((r) => setImmediate(r));
  if (idle.length === 0) idle.push(spawn()); // warm a thread for the next call
  return { id, startedMs: p.started };
}

function boundPort(fd: number): number {
  const r = libc.getsockname(fd);
  return r.ret === 0 && r.addr ? decodeSockaddr(r.addr).port : -1;
}

/**
 * Makes sure a call thread is idle and ready (libc loaded), so that the next blocking call starts at
 * once: a thread's start-up takes ~30 ms, far more on a loaded machine, and would make the call late.
 */
export async function warmCallThread(timeoutMs = 10_000): Promise<boolean> {
  if (idle.length === 0) idle.push(spawn());
  const w = idle[idle.length - 1];
  if (ready.has(w)) return true;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    readyWaiters.push(() => {
      clearTimeout(timer);
      resolve();
    });
  });
  return ready.has(w);
}

/** Waits up to timeoutMs for blocking call `id` to return: its ret and errno, or pending. */
export async function waitBlocking(id: number, timeoutMs: number): Promise<{ ret: number; errno: number; endedMs: number } | { pending: true } | undefined> {
  const p = pending.get(id);
  if (!p) return undefined;
  await until(p, () => p.result !== undefined, Math.max(0, timeoutMs));
  if (!p.result) return { pending: true };
  pending.delete(id);
  return { ret: p.result.ret, errno: p.result.errno, endedMs: p.result.ended };
}

/** Before `fd` is closed: a call still blocked on it is woken (shutdown makes it return) and forgotten. */
export function wakeBlocked(fd: number): void {
  for (const [id, p] of pending) {
    if (p.fd !== fd) continue;
    if (!p.result) libc.shutdown(fd, libc.SHUT_RDWR);
    pending.delete(id);
  }
}
