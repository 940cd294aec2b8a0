// Live capture on the tester's veth end with libpcap (`cap`): immediate mode, a large buffer, a BPF
// filter limited to the lab's flows, and drop counters read on demand. A capture that dropped a frame
// is an error, never a pass (CaptureDropError).
import { Cap } from 'cap';
import { PacketStats, packetSocketFds } from './packet-stats';

export interface CapturedFrame {
  /** A copy: cap reuses its buffer for the next frame (design notes, trap 8). From the Ethernet header. */
  bytes: Uint8Array;
  /** Arrival time on CLOCK_MONOTONIC in ns (the clock the kernel's TCP timestamps run on). */
  tNs: bigint;
}

export class CaptureDropError extends Error {
  constructor(readonly drops: number, readonly where: string) {
    super(`capture on ${where} dropped ${drops} frame(s): the result is void — lower the injection window or raise the capture buffer`);
  }
}

/**
 * Closed captures, kept for the life of the process. `cap` starts a uv_poll handle for each open and
 * only stops it on close — it never uv_close()s it — so if a closed Cap object were garbage-collected,
 * libuv would keep a dangling handle in its loop and the process would crash later (seen: a segfault
 * after a few lab resets). Each entry is small: the native object plus its MTU-sized frame buffer.
 */
const retired: Array<{ cap: unknown; buf: Buffer }> = [];

export interface CaptureOptions {
  /** libpcap buffer size in bytes; ≥ 4 MiB (default 8 MiB). */
  bufferBytes?: number;
  snaplen?: number;
}

export class Capture {
  private readonly cap: InstanceType<typeof Cap>;
  private readonly buf: Buffer;
  private readonly stats: PacketStats;
  private queue: CapturedFrame[] = [];
  private waiters: Array<{ pred: (f: CapturedFrame) => boolean; resolve: (f: CapturedFrame | undefined) => void; timer: NodeJS.Timeout }> = [];
  /** Frames handed to us by libpcap since open. */
  delivered = 0;
  /** Frames longer than our buffer (an error at the next assertNoDrops). */
  truncated = 0;
  /** Set to consume frames directly (hot path); frames then bypass the queue. */
  onFrame: ((f: CapturedFrame) => void) | undefined;
  private closed = false;

  constructor(readonly ifname: string, readonly filter: string, opts: CaptureOptions = {}) {
    const bufferBytes = opts.bufferBytes ?? 8 << 20;
    if (bufferBytes < 4 << 20) throw new Error(`capture buffer ${bufferBytes} B is below the 4 MiB minimum`);
    this.buf = Buffer.alloc(opts.snaplen ?? 65535 + 14);
    const before = new Set(packetSocketFds());
    this.cap = new Cap();
    // open() returns the link type; libpcap warnings (e.g. "no IPv4 address assigned") are harmless here.
    const linktype = this.cap.open(ifname, filter, bufferBytes, this.buf);
    if (linktype !== 'ETHERNET') throw new Error(`capture on ${ifname}: link type ${linktype}, expected ETHERNET`);
    const fd = packetSocketFds().find((f) => !before.has(f));
    if (fd === undefined) throw new Error(`capture on ${ifname}: cannot find the packet socket libpcap opened (needed for drop counters)`);
    this.stats = new PacketStats(fd);
    this.cap.on('packet', (n: number, truncated: boolean) => {
      const f: CapturedFrame = { bytes: Uint8Array.prototype.slice.call(this.buf, 0, n), tNs: process.hrtime.bigint() };
      this.delivered++;
      if (truncated) this.truncated++;
      if (this.onFrame) return this.onFrame(f);
      for (let i = 0; i < this.waiters.length; i++) {
        const w = this.waiters[i];
        if (w.pred(f)) {
          this.waiters.splice(i, 1);
          clearTimeout(w.timer);
          this.queue.push(f);
          w.resolve(f);
          return;
        }
      }
      this.queue.push(f);
    });
  }

  /** Inject a whole Ethernet frame through the same handle (the link-layer path). */
  sendFrame(frame: Uint8Array): void {
    this.cap.send(Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), frame.length);
  }

  /** Every frame captured so far and not yet taken. */
  take(): CapturedFrame[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }

  peek(): readonly CapturedFrame[] {
    return this.queue;
  }

  /** Resolve with the first queued-or-future frame matching pred, or undefined after timeoutMs. */
  waitFor(pred: (f: CapturedFrame) => boolean, timeoutMs: number): Promise<CapturedFrame | undefined> {
    const hit = this.queue.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => {
      const w = {
        pred,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((x) => x !== w);
          resolve(undefined);
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** Kernel-side counters for this handle: frames that passed the filter, frames dropped. */
  counters(): { packets: number; drops: number; delivered: number } {
    const s = this.stats.poll();
    return { ...s, delivered: this.delivered };
  }

  /**
   * Start counting afresh, as if just opened: queued frames are discarded and the kernel's drop and
   * packet counters, the delivered and truncated counts restart from zero. (Lab.reset keeps the
   * capture across DUT namespaces and calls this, so every user sees counters since its reset.)
   */
  rebase(): void {
    this.queue = [];
    this.stats.poll();
    this.stats.packets = 0;
    this.stats.drops = 0;
    this.delivered = 0;
    this.truncated = 0;
  }

  /** Throw CaptureDropError if the kernel dropped anything since open (or the last rebase). */
  assertNoDrops(): void {
    const { drops } = this.stats.poll();
    if (drops > 0) throw new CaptureDropError(drops, this.ifname);
    if (this.truncated > 0) throw new Error(`capture on ${this.ifname}: ${this.truncated} frame(s) longer than the ${this.buf.length}-byte buffer were truncated: the result is void`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    this.waiters = [];
    this.cap.close();
    retired.push({ cap: this.cap, buf: this.buf });
  }
}
