/**
 * Readiness waits on raw fds without blocking the event loop: one libuv poll handle per fd
 * (koffi.node.poll → uv_poll_t on the agent's own loop), shared by every waiter on that fd.
 *
 * libuv allows only one uv_poll_t per fd, so concurrent waits on one fd (e.g. two `accept`
 * calls) share the handle; interest is the union of what the waiters want. Before an fd is
 * closed, forget(fd) must be called (closes the handle and wakes its waiters with 'closed').
 */
import koffi from 'koffi';

export type Want = 'r' | 'w';
/** ready: the fd reported the wanted readiness; error: POLLERR (libuv stopped the handle); */
export type WakeReason = 'ready' | 'error' | 'timeout' | 'closed';

interface Waiter {
  want: Want;
  done: (why: WakeReason) => void;
  timer?: NodeJS.Timeout;
}

interface PollEvents {
  readable: boolean;
  writable: boolean;
  disconnect: boolean;
}
interface PollHandle {
  start(opts: { readable?: boolean; writable?: boolean; disconnect?: boolean }, cb: (status: number, ev: PollEvents) => void): void;
  stop(): void;
  close(): void;
}

class FdWatch {
  private handle: PollHandle | null = null;
  private armedR = false;
  private armedW = false;
  readonly waiters = new Set<Waiter>();

  constructor(readonly fd: number) {}

  private readonly onPoll = (status: number, ev: PollEvents): void => {
    if (status < 0) {
      // POLLERR: libuv has stopped the handle; wake everyone, they retry their syscall.
      this.armedR = this.armedW = false;
      for (const w of [...this.waiters]) this.finish(w, 'error');
    } else {
      const readable = ev.readable || ev.disconnect;
      for (const w of [...this.waiters]) {
        if ((w.want === 'r' && readable) || (w.want === 'w' && ev.writable)) this.finish(w, 'ready');
      }
    }
    this.arm();
  };

  add(w: Waiter): void {
    this.waiters.add(w);
    this.arm();
  }

  finish(w: Waiter, why: WakeReason): void {
    if (!this.waiters.delete(w)) return;
    if (w.timer) clearTimeout(w.timer);
    w.done(why);
  }

  /** Recompute interest from the current waiters and (re)start or stop the handle. */
  arm(): void {
    let r = false;
    let wr = false;
    for (const w of this.waiters) {
      if (w.want === 'r') r = true;
      else wr = true;
    }
    if (r === this.armedR && wr === this.armedW) return;
    if (!r && !wr) {
      this.handle?.stop();
      this.armedR = this.armedW = false;
      return;
    }
    const opts = { readable: r, writable: wr, disconnect: r };
    if (!this.handle) {
      this.handle = koffi.node.poll(this.fd, opts, this.onPoll as never) as unknown as PollHandle;
    } else {
      this.handle.start(opts, this.onPoll);
    }
    this.armedR = r;
    this.armedW = wr;
  }

  dispose(): void {
    for (const w of [...this.waiters]) this.finish(w, 'closed');
    if (this.handle) {
      this.handle.close();
      this.handle = null;
    }
  }
}

const watches = new Map<number, FdWatch>();

/** Wait until fd is readable ('r') or writable ('w'), up to timeoutMs. */
export function waitFd(fd: number, want: Want, timeoutMs: number): Promise<WakeReason> {
  return new Promise((resolve) => {
    let fw = watches.get(fd);
    if (!fw) {
      fw = new FdWatch(fd);
      watches.set(fd, fw);
    }
    const w: Waiter = { want, done: resolve };
    const owner = fw;
    w.timer = setTimeout(
      () => {
        owner.finish(w, 'timeout');
        owner.arm();
      },
      Math.max(0, timeoutMs),
    );
    try {
      fw.add(w);
    } catch (e) {
      // uv_poll_init failed (bad fd…): report as an error wake so the caller retries its syscall
      owner.finish(w, 'error');
      forget(fd);
      void e;
    }
  });
}

/** Close the poll handle of fd (if any) and wake its waiters with 'closed'. Call before close(fd). */
export function forget(fd: number): void {
  const fw = watches.get(fd);
  if (!fw) return;
  watches.delete(fd);
  fw.dispose();
}

/** Number of fds with a live poll handle (for tests). */
export function watchedCount(): number {
  return watches.size;
}
