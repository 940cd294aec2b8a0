// The bulk probe engine's core: single-packet probes at a listener, sent in batches through a packet
// ring (harness/capture/packet-ring.ts), every reply captured and assigned to its probe, and every
// silence proven by order.
//
// Why order proves silence: every frame is sent from this thread, pinned to one CPU. The DUT processes
// each frame in the softirq that runs on the way out of our send(), in FIFO order, and its immediate
// answers (SYN-ACK, RST, stateless ACK) are generated right there and cross back over the veth in the
// same order. A batch ends with a sentinel (a SYN to a closed port, which always draws a RST|ACK): once
// the sentinel's answer is captured, every probe sent before it has said all it was going to say. No
// timeout decides anything; if the sentinel's answer does not come the run fails ("stalled").
//
// A batch is at most `window` probes (the ingress backlog holds 1000 packets; bursting past it loses
// packets), the clean-up RSTs owed from the batch before, and the sentinel — one send() for all. The
// DUT answers during that call, so the replies are usually in the receive ring when it returns; when
// the softirq was deferred (ksoftirqd), the engine waits in poll(2) until the sentinel's answer is in.
//
// Clean-up: a SYN-ACK is followed (in the next batch) by a RST at rcv_nxt, which removes the request
// socket silently, so the SYN queue never fills and every probe meets a fresh listener.
import { buildFrame } from '../../lib/wire/build';
import { bulkRing, pauseCapture } from '../capture/bulk-port';
import { CaptureDropError } from '../capture/capture';
import type { PacketRing } from '../capture/packet-ring';
import type { Lab } from '../topology/lab';
import { isSynAck, probeKey, replyKey, writeCleanupRst, writeSentinel } from './engine-frames';
import { pinToCurrentCpu } from './pin';

/** Probe frames (Ethernet on), packed: frame i is buf[offs[i] .. offs[i+1]). */
export interface PackedFrames {
  buf: Uint8Array;
  offs: Uint32Array;
  n: number;
}

/** What the DUT sent for a chunk of probes. */
export interface ChunkReplies {
  /** Reply frames (Ethernet on) in arrival order, packed: reply j is buf[offs[j] .. offs[j+1]). */
  buf: Uint8Array;
  offs: Uint32Array;
  /** The probe (index into the chunk) reply j answers. */
  probe: Int32Array;
  n: number;
  /** CLOCK_MONOTONIC ms at which probe i went out. */
  sentMs: Float64Array;
  /** When the last batch's probes were all out (its sentinel's answer in, unless the sentinel waited: sentinelAfterMs). */
  probesEndMs: number;
}

export interface RunOptions {
  /**
   * Send each batch's sentinel this long after its probes, not with them: answers the DUT sends a
   * little later (a timer's: a FIN's ACK on the next tick) still come before the sentinel's.
   */
  sentinelAfterMs?: number;
}

export interface BatchStats {
  probes: number;
  sentinels: number;
  cleanups: number;
  /** Frames on no open flow (e.g. a retransmission for a flow already closed out): count and the first few. */
  strays: number;
  strayFrames: Uint8Array[];
  /** Batches whose sentinel answer was not in the ring when send() returned (softirq deferred). */
  waits: number;
  elapsedMs: number;
  capture: { packets: number; drops: number; delivered: number };
}

export interface BatchEngineOptions {
  /** Probes per batch (in flight at once). */
  window: number;
  /** Send a RST at rcv_nxt after each SYN-ACK (default true). */
  cleanup?: boolean;
  /** A closed DUT port for sentinels (default 9). */
  closedPort?: number;
  /** Fail when a sentinel's answer has not come after this long (ms). */
  stallMs?: number;
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** Peer port reserved for sentinels (probes never use it). */
const SENTINEL_PORT = 65535;
const SENTINEL = -2;
const MAX_STRAYS_KEPT = 64;

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export class BatchEngine {
  private readonly ring: PacketRing;
  private readonly window: number;
  private readonly cleanup: boolean;
  private readonly stallMs: number;
  private readonly sentinels: Record<4 | 6, Uint8Array>;
  private sentinelSeq = 1;
  /** flow key → slot in the current batch + 1 (0: no open flow; SENTINEL: the sentinel). */
  private readonly open = new Int32Array(2 << 16);
  /** Inside session(): the capture is set up for run(). */
  private inSession = false;
  /** Frames the ring has captured since the session started. */
  private sessionPackets = 0;

  constructor(
    private readonly lab: Lab,
    o: BatchEngineOptions,
  ) {
    this.ring = bulkRing(lab.capture, { v4: lab.addr.v4.dut, v6: lab.addr.v6.dut }, lab.mtu);
    // Room in the TX ring for a whole batch: probes, as many clean-up RSTs, the sentinel.
    this.window = Math.max(1, Math.min(o.window, (this.ring.txFrames - 1) >> 1, 1024));
    this.cleanup = o.cleanup ?? true;
    this.stallMs = o.stallMs ?? 1000;
    const closedPort = o.closedPort ?? 9;
    const sentinel = (ip: 4 | 6): Uint8Array => {
      const a = ip === 4 ? lab.addr.v4 : lab.addr.v6;
      return buildFrame({ ip, src: a.peer, dst: a.dut, sport: SENTINEL_PORT, dport: closedPort, flags: 'S', seq: 0, window: 0 }, lab.testerMac, lab.dutMac);
    };
    this.sentinels = { 4: sentinel(4), 6: sentinel(6) };
  }

  /**
   * Run a chunk of probes (synchronously: the DUT answers within our send()s). Source ports must be
   * unique among the probes of one batch; a repeated one starts a new batch. Throws CaptureDropError
   * when the ring dropped a frame, and an Error when a sentinel's answer never came.
   */
  run(probes: PackedFrames, o: RunOptions = {}): { replies: ChunkReplies; stats: BatchStats } {
    if (!this.inSession) return this.session(() => this.run(probes, o));
    const quietMs = o.sentinelAfterMs ?? 0;
    const ring = this.ring;
    const mem = ring.mem;
    const open = this.open;
    const { buf, offs, n } = probes;
    const sentMs = new Float64Array(n);
    let rbuf: Uint8Array = new Uint8Array(Math.max(4096, n * 80));
    let roffs: Uint32Array = new Uint32Array(n + 16);
    let rprobe: Int32Array = new Int32Array(n + 16);
    let nr = 0;
    let rpos = 0;
    const slotProbe = new Int32Array(this.window);
    const slotKey = new Int32Array(this.window);
    const cleaned = new Uint8Array(this.window);
    // Clean-up RSTs owed: probe indices whose SYN-ACK was seen.
    const owed: number[] = [];
    const stats: BatchStats = {
      probes: 0,
      sentinels: 0,
      cleanups: 0,
      strays: 0,
      strayFrames: [],
      waits: 0,
      elapsedMs: 0,
      capture: { packets: 0, drops: 0, delivered: 0 },
    };
    const t0 = process.hrtime.bigint();
    const packets0 = this.sessionPackets;
    let probesEndMs = 0;
    /** The sentinel's answer is in. */
    let answered = false;
    /** Whether each slot has drawn a frame (during a quiet wait), and how many have. */
    const heard = new Uint8Array(this.window);
    let heardSlots = 0;
    /** Every frame in the ring now: a probe's answers to its slot, the sentinel's noted. */
    const take = (): void => {
      for (let o = ring.rxNext(); o >= 0; o = ring.rxNext()) {
        const len = ring.rxLen;
        const slot = open[replyKey(mem, o)];
        if (slot === SENTINEL) answered = true;
        else if (slot > 0) {
          const p = slotProbe[slot - 1];
          if (rpos + len > rbuf.length) rbuf = grow8(rbuf, rpos + len);
          if (nr + 2 > roffs.length) {
            roffs = grow32(roffs);
            rprobe = growI32(rprobe);
          }
          rbuf.set(mem.subarray(o, o + len), rpos);
          roffs[nr] = rpos;
          rprobe[nr] = p;
          nr++;
          rpos += len;
          if (heard[slot - 1] === 0) {
            heard[slot - 1] = 1;
            heardSlots++;
          }
          if (this.cleanup && cleaned[slot - 1] === 0 && isSynAck(mem, o)) {
            cleaned[slot - 1] = 1;
            owed.push(p);
          }
        } else {
          stats.strays++;
          if (stats.strayFrames.length < MAX_STRAYS_KEPT) stats.strayFrames.push(mem.slice(o, o + len));
        }
        ring.rxRelease();
      }
    };
    try {
      let k = 0;
      while (k < n || owed.length) {
        // 1. clean-up RSTs owed from the batch before
        for (let i = 0; i < owed.length; i++) {
          const p = owed[i];
          const o = this.txSlot();
          ring.txCommit(writeCleanupRst(buf, offs[p], mem, o));
          stats.cleanups++;
        }
        owed.length = 0;
        // 2. the batch's probes
        const first = k;
        let m = 0;
        while (k < n && m < this.window) {
          const s = offs[k];
          const len = offs[k + 1] - s;
          const key = probeKey(buf, s);
          if ((key & 0xffff) === SENTINEL_PORT) throw new Error(`probe ${k}: source port ${SENTINEL_PORT} is the sentinels' own`);
          if (open[key] !== 0) break; // the same flow twice in one batch: the second goes in the next one
          if (len > ring.txRoom) throw new Error(`probe ${k}: a ${len}-byte frame does not fit the ring's ${ring.txRoom}-byte slots`);
          const o = this.txSlot();
          mem.set(buf.subarray(s, s + len), o);
          ring.txCommit(len);
          open[key] = m + 1;
          slotKey[m] = key;
          slotProbe[m] = k;
          cleaned[m] = 0;
          m++;
          k++;
        }
        // 3. the sentinel, unless only clean-ups went out (they draw no answer) — with sentinelAfterMs,
        // that long after the probes (the ring keeps capturing meanwhile)
        let sentinelKey = -1;
        const tSend = nowMs();
        let tProbes = -1;
        if (m > 0 && quietMs > 0) {
          ring.flush();
          tProbes = nowMs();
          // until every probe has drawn an answer, or quietMs is up (short sleeps: the ring stays
          // readable while unread frames wait, so polling it would spin)
          heard.fill(0, 0, m);
          heardSlots = 0;
          for (;;) {
            take();
            const left = tSend + quietMs - nowMs();
            if (heardSlots >= m || left <= 0) break;
            Atomics.wait(SLEEPER, 0, 0, Math.min(1, left));
          }
        }
        if (m > 0) {
          const ip: 4 | 6 = buf[offs[k - 1] + 14] >> 4 === 6 ? 6 : 4;
          const seq = this.sentinelSeq++ >>> 0;
          const o = this.txSlot();
          const len = writeSentinel(this.sentinels[ip], seq, mem, o);
          ring.txCommit(len);
          sentinelKey = ((ip === 6 ? 1 : 0) << 16) | SENTINEL_PORT;
          open[sentinelKey] = SENTINEL;
          stats.sentinels++;
        }
        ring.flush();
        // 4. the answers
        answered = sentinelKey < 0;
        const deadline = tSend + this.stallMs;
        for (;;) {
          take();
          if (answered) break;
          if (nowMs() > deadline) {
            throw new Error(`probe window stalled: no answer to the sentinel for ${this.stallMs} ms with ${m} probe(s) open (sentinel lost?)`);
          }
          stats.waits++;
          ring.waitReadable(2);
        }
        // 5. close out the batch: its probes went out between tSend and now (or the end of their own
        // send, before a later sentinel), in order
        const tEnd = nowMs();
        const tOut = tProbes >= 0 ? tProbes : tEnd;
        probesEndMs = tOut;
        for (let i = 0; i < m; i++) {
          sentMs[first + i] = tSend + ((tOut - tSend) * i) / m;
          open[slotKey[i]] = 0;
        }
        if (sentinelKey >= 0) open[sentinelKey] = 0;
        stats.probes += m;
      }
      // (the ring's counters run from the session's start: a drop anywhere in it voids this run too)
      const c = ring.counters();
      this.sessionPackets = c.packets;
      stats.capture = { packets: c.packets - packets0, drops: c.drops, delivered: c.packets - packets0 };
      if (c.drops > 0 || ring.losing > 0) throw new CaptureDropError(Math.max(c.drops, ring.losing), `${ring.ifname} (packet ring)`);
      if (ring.truncated > 0) throw new Error(`capture on ${ring.ifname}: ${ring.truncated} frame(s) truncated in the packet ring: the result is void`);
    } catch (e) {
      this.open.fill(0);
      throw e;
    }
    roffs[nr] = rpos;
    stats.elapsedMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { replies: { buf: rbuf.subarray(0, rpos), offs: roffs.subarray(0, nr + 1), probe: rprobe.subarray(0, nr), n: nr, sentMs, probesEndMs }, stats };
  }

  /**
   * Runs `fn`, whose run() calls (the rounds of one batch of stateful probes) share one capture set-up:
   * the libpcap capture paused and the packet ring started once, not around every run (six socket
   * options a run). The ring captures between runs too: a frame the DUT sends after one round's
   * sentinel is taken by the next round, on its flow, before that round's own answers — never lost.
   */
  session<T>(fn: () => T): T {
    if (this.inSession) return fn();
    pinToCurrentCpu();
    const resume = pauseCapture(this.lab.capture);
    this.ring.start();
    this.inSession = true;
    this.sessionPackets = 0;
    try {
      return fn();
    } finally {
      this.inSession = false;
      this.ring.stop();
      this.open.fill(0);
      resume();
    }
  }

  /** The next free TX slot; waits briefly for the kernel to release one (normally free at once). */
  private txSlot(): number {
    let o = this.ring.txSlot();
    if (o >= 0) return o;
    // Frames from the last send are still referenced: flush what is queued and let the kernel finish.
    this.ring.flush();
    const deadline = nowMs() + this.stallMs;
    while ((o = this.ring.txSlot()) < 0) {
      if (nowMs() > deadline) throw new Error(`packet ring on ${this.ring.ifname}: no TX slot freed for ${this.stallMs} ms`);
      this.ring.waitReadable(1);
    }
    return o;
  }
}

function grow8(a: Uint8Array, need: number): Uint8Array {
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

function grow32(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

function growI32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
