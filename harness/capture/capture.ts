// Live capture on the lab's tester link with libpcap (through koffi, harness/capture/libpcap.ts):
// immediate mode, a large buffer, a BPF filter limited to the lab's flows, each frame stamped with the
// kernel's receive time, and drop counters read on demand. A capture that dropped a frame is an error,
// never a pass (CaptureDropError).
//
// Why not `cap`: it passes a frame's bytes and length but not its pcap header, so a frame could only be
// stamped when JavaScript got to it — late by whatever else the event loop was doing, which is tens of
// ms with several cases per process, against checks that need a few ms (delayed-ACK windows, TSvals
// against the clock). It also never uv_close()s its poll handle (a closed, collected Cap crashed the
// process). Here the poll handle is koffi's own, closed on close().
import koffi from 'koffi';
import { Pcap } from './libpcap';
import { realMinusMonotonicNs } from '../sys/clock-offset';
import { PacketStats } from './packet-stats';

export interface CapturedFrame {
  /** A copy of the frame, from the Ethernet header. */
  bytes: Uint8Array;
  /** Time the kernel received (or, for our own, sent) the frame, on CLOCK_MONOTONIC in ns (process.hrtime). */
  tNs: bigint;
}

export class CaptureDropError extends Error {
  constructor(
    readonly drops: number,
    readonly where: string,
  ) {
    super(`capture on ${where} dropped ${drops} frame(s): the result is void — lower the injection window or raise the capture buffer`);
  }
}

export interface CaptureOptions {
  /** libpcap buffer size in bytes; ≥ 4 MiB (default 8 MiB). */
  bufferBytes?: number;
  /** Tests only (SYNH_TEST_CAPTURE_BUFFER): a buffer below the minimum, to provoke drops. */
  testBufferBytes?: number;
  snaplen?: number;
}

interface PollHandle {
  stop(): void;
  close(): void;
}

export class Capture {
  private readonly pcap: Pcap;
  private readonly poll: PollHandle;
  private readonly snaplen: number;
  private readonly stats: PacketStats;
  private queue: CapturedFrame[] = [];
  private waiters: Array<{ pred: (f: CapturedFrame) => boolean; resolve: (f: CapturedFrame | undefined) => void; timer: NodeJS.Timeout }> = [];
  /** Frames handed to us by libpcap since open. */
  delivered = 0;
  /** Frames longer than the snapshot length (an error at the next assertNoDrops). */
  truncated = 0;
  /** Set to consume frames directly (hot path); frames then bypass the queue. */
  onFrame: ((f: CapturedFrame) => void) | undefined;
  private closed = false;

  constructor(
    readonly ifname: string,
    readonly filter: string,
    opts: CaptureOptions = {},
  ) {
    const bufferBytes = opts.testBufferBytes ?? opts.bufferBytes ?? 8 << 20;
    if (bufferBytes < 4 << 20 && opts.testBufferBytes === undefined) throw new Error(`capture buffer ${bufferBytes} B is below the 4 MiB minimum`);
    this.snaplen = opts.snaplen ?? 65535 + 14;
    this.pcap = new Pcap(ifname, { snaplen: this.snaplen, bufferBytes, filter });
    this.stats = new PacketStats(this.pcap.fd);
    this.poll = koffi.node.poll(this.pcap.fd, { readable: true }, () => this.drain()) as unknown as PollHandle;
  }

  /** Everything libpcap has for us now, in order. */
  private drain(): void {
    if (this.closed) return;
    const offset = realMinusMonotonicNs();
    for (let p = this.pcap.next(); p; p = this.closed ? undefined : this.pcap.next()) {
      const f: CapturedFrame = { bytes: p.bytes, tNs: p.realNs - offset };
      this.delivered++;
      if (p.truncated) this.truncated++;
      if (this.onFrame) {
        this.onFrame(f);
        continue;
      }
      let taken = false;
      for (let i = 0; i < this.waiters.length; i++) {
        const w = this.waiters[i];
        if (w.pred(f)) {
          this.waiters.splice(i, 1);
          clearTimeout(w.timer);
          this.queue.push(f);
          w.resolve(f);
          taken = true;
          break;
        }
      }
      if (!taken) this.queue.push(f);
    }
  }

  /** Inject a whole Ethernet frame through the same handle (the link-layer path). */
  sendFrame(frame: Uint8Array): void {
    this.pcap.send(frame);
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
    if (this.truncated > 0)
      throw new Error(`capture on ${this.ifname}: ${this.truncated} frame(s) longer than the ${this.snaplen}-byte snapshot were truncated: the result is void`);
  }

  /** The AF_PACKET socket libpcap opened (drop counters; the bulk engine pauses it with a filter). */
  get fd(): number {
    return this.stats.fd;
  }

  /** Run once when this capture closes: companions tied to its life (the bulk engine's packet ring). */
  readonly onClose: Array<() => void> = [];

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const f of this.onClose.splice(0)) f();
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.resolve(undefined);
    }
    this.waiters = [];
    this.poll.stop();
    this.poll.close();
    this.pcap.close();
  }
}
