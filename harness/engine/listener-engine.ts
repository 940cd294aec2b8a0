// The bulk probe engine for single-packet probes at a listener (and closed ports).
//
// Silence is decided by order, not by timeouts. Every injected packet is sent from this process's main
// thread; the DUT processes it in the softirq that runs on the way out of our sendto(), on one CPU,
// in FIFO order, and its immediate answers (SYN-ACK, RST, stateless ACK) are generated right there and
// cross back over the veth in the same order. So when an answer to probe k is captured, every probe
// sent before k has already said all it was going to say. A sentinel (a SYN to a closed port, which
// always draws a RST|ACK) closes out probes at the tail of the window. The main thread is pinned to
// one CPU so all of this happens on a single backlog queue.
//
// Pacing: a credit window bounds the probes in flight (bursting past netdev_max_backlog loses
// packets). Clean-up: a SYN-ACK is followed by a RST at rcv_nxt, which removes the request socket
// silently (§6 step 6), so the SYN queue never fills and every probe meets a fresh listener.
import { buildIp } from '../../lib/wire/build';
import type { CapturedFrame } from '../capture/capture';
import { CreditWindow } from '../inject/credit-window';
import type { Lab } from '../topology/lab';
import { pinToCurrentCpu } from './pin';

export interface ListenerProbe {
  ip: 4 | 6;
  /** The packet, from the IP header on. Its source port identifies the probe's flow. */
  bytes: Uint8Array;
  /** Force the byte-exact link path. */
  link?: boolean;
  /** Anything the caller wants back with the outcome. */
  meta?: unknown;
}

export interface ProbeOutcome {
  probe: ListenerProbe;
  /** Every frame the DUT sent on this probe's flow, in arrival order. */
  replies: CapturedFrame[];
  /** CLOCK_MONOTONIC ns at injection. */
  sentNs: bigint;
}

export interface EngineOptions {
  window?: number;
  /** Send a RST at rcv_nxt after each SYN-ACK (default true). */
  cleanup?: boolean;
  /** A closed DUT port for sentinels (default 9). */
  closedPort?: number;
  /** Give up on a stalled window after this long with no frame at all (ms). */
  stallMs?: number;
  /** Injection path for probes: 'link' (byte-exact, fastest: default) or 'raw' (raw socket). */
  path?: 'raw' | 'link';
}

export interface EngineStats {
  probes: number;
  sentinels: number;
  cleanups: number;
  /** Frames on no known flow (e.g. a retransmission for a flow already closed out). */
  stray: CapturedFrame[];
  elapsedMs: number;
  capture: { packets: number; drops: number; delivered: number };
}

interface Entry {
  probe: ListenerProbe;
  key: number;
  replies: CapturedFrame[];
  sentNs: bigint;
  sentinel: boolean;
  cleaned: boolean;
}

/** Flow key of a probe (from the bytes we send): family + peer source port. */
function probeKey(ip: Uint8Array): number {
  const v = ip[0] >> 4;
  const off = v === 4 ? (ip[0] & 0x0f) * 4 : 40;
  return (v << 16) | (ip[off] << 8) | ip[off + 1];
}

/** Flow key of a frame the DUT sent (Ethernet on): family + destination port. */
function replyKey(f: Uint8Array): number {
  const v = f[14] >> 4;
  const off = 14 + (v === 4 ? (f[14] & 0x0f) * 4 : 40);
  return (v << 16) | (f[off + 2] << 8) | f[off + 3];
}

export class ListenerEngine {
  private readonly window: CreditWindow;
  private readonly cleanup: boolean;
  private readonly closedPort: number;
  private readonly stallMs: number;
  private readonly path: 'raw' | 'link';
  private sentinelSeq = 1;

  constructor(private readonly lab: Lab, opts: EngineOptions = {}) {
    this.window = new CreditWindow(opts.window ?? 128);
    this.cleanup = opts.cleanup ?? true;
    this.closedPort = opts.closedPort ?? 9;
    this.stallMs = opts.stallMs ?? 1000;
    this.path = opts.path ?? 'link';
  }

  /**
   * Run probes from `next` (undefined = no more) until all are closed out, calling `onOutcome` once
   * per probe, in send order. Source ports must be unique among probes in flight; the engine checks.
   */
  run(next: () => ListenerProbe | undefined, onOutcome: (o: ProbeOutcome) => void): Promise<EngineStats> {
    pinToCurrentCpu();
    const lab = this.lab;
    const cap = lab.capture;
    const inj = lab.injector;
    const order: Entry[] = [];
    let head = 0; // order[head..] are open
    const open = new Map<number, Entry>();
    const stray: CapturedFrame[] = [];
    let sentinelOpen: Entry | undefined;
    let exhausted = false;
    let probes = 0;
    let sentinels = 0;
    let cleanups = 0;
    const t0 = process.hrtime.bigint();
    let lastFrameNs = t0;
    const a4 = lab.addr.v4;
    const a6 = lab.addr.v6;
    const sentinelPort = 65535; // peer port reserved for sentinels

    return new Promise<EngineStats>((resolve, reject) => {
      let done = false;
      const finish = (err?: Error): void => {
        if (done) return;
        done = true;
        clearInterval(watchdog);
        cap.onFrame = undefined;
        if (err) return reject(err);
        try {
          const counters = cap.counters();
          cap.assertNoDrops();
          resolve({ probes, sentinels, cleanups, stray, elapsedMs: Number(process.hrtime.bigint() - t0) / 1e6, capture: counters });
        } catch (e) {
          reject(e);
        }
      };

      const closeOutBefore = (idx: number): void => {
        // Every entry sent before order[idx] has said everything: hand it over.
        while (head < idx) {
          const e = order[head];
          order[head++] = undefined as unknown as Entry;
          if (open.get(e.key) === e) open.delete(e.key);
          if (e.sentinel) {
            if (sentinelOpen === e) sentinelOpen = undefined;
            continue;
          }
          this.window.release();
          onOutcome({ probe: e.probe, replies: e.replies, sentNs: e.sentNs });
        }
        if (head > 4096 && head * 2 > order.length) {
          order.splice(0, head);
          for (let i = 0; i < order.length; i++) (order[i] as Entry & { idx?: number }).idx = i;
          head = 0;
        }
      };

      const send = (probe: ListenerProbe, sentinel: boolean): Entry => {
        const key = probeKey(probe.bytes);
        if (open.has(key)) throw new Error(`probe source port ${key & 0xffff} (IPv${key >> 16}) is already in flight: use unique source ports`);
        const e: Entry & { idx?: number } = { probe, key, replies: [], sentNs: process.hrtime.bigint(), sentinel, cleaned: false };
        e.idx = order.length;
        order.push(e);
        open.set(key, e);
        inj.send(probe.bytes, probe.link ? 'link' : this.path);
        return e;
      };

      const sendSentinel = (ip: 4 | 6): void => {
        const a = ip === 4 ? a4 : a6;
        const bytes = buildIp({ ip, src: a.peer, dst: a.dut, sport: sentinelPort, dport: this.closedPort, flags: 'S', seq: this.sentinelSeq++ >>> 0, window: 0 });
        sentinelOpen = send({ ip, bytes }, true);
        sentinels++;
      };

      const pump = (): void => {
        let lastIp: 4 | 6 = 4;
        while (!exhausted && this.window.tryAcquire()) {
          const p = next();
          if (!p) {
            this.window.release();
            exhausted = true;
            break;
          }
          send(p, false);
          lastIp = p.ip;
          probes++;
        }
        if (head < order.length && !sentinelOpen) sendSentinel(lastIp);
        if (exhausted && head >= order.length) finish();
      };

      cap.onFrame = (f: CapturedFrame): void => {
        try {
          lastFrameNs = f.tNs;
          const key = replyKey(f.bytes);
          const e = open.get(key) as (Entry & { idx?: number }) | undefined;
          if (!e) {
            stray.push(f);
            return;
          }
          e.replies.push(f);
          if (this.cleanup && !e.sentinel && !e.cleaned && isSynAck(f.bytes)) {
            e.cleaned = true;
            inj.send(cleanupRst(e.probe.bytes), this.path);
            cleanups++;
          }
          // Everything sent before e is complete; a sentinel's own answer completes the sentinel too.
          closeOutBefore(e.sentinel ? e.idx! + 1 : e.idx!);
          pump();
        } catch (err) {
          finish(err as Error);
        }
      };

      const watchdog = setInterval(() => {
        const idleMs = Number(process.hrtime.bigint() - lastFrameNs) / 1e6;
        if (head < order.length && idleMs > this.stallMs) {
          finish(new Error(`probe window stalled: no frame for ${idleMs.toFixed(0)} ms with ${order.length - head} probe(s) open (sentinel lost?)`));
        }
      }, Math.max(50, this.stallMs / 4));

      try {
        pump();
      } catch (err) {
        finish(err as Error);
      }
    });
  }
}

function isSynAck(f: Uint8Array): boolean {
  const v = f[14] >> 4;
  const off = 14 + (v === 4 ? (f[14] & 0x0f) * 4 : 40);
  return (f[off + 13] & 0x12) === 0x12;
}

/** RST at rcv_nxt (the SYN's seq + 1) for the probe's flow: removes the request socket silently. */
function cleanupRst(syn: Uint8Array): Uint8Array {
  const v = syn[0] >> 4;
  const ihl = v === 4 ? (syn[0] & 0x0f) * 4 : 40;
  const hl = v === 4 ? 20 : 40;
  const out = new Uint8Array(hl + 20);
  // IP header: copy the fixed part, fix lengths, drop IP options, recompute the v4 header checksum.
  out.set(syn.subarray(0, hl), 0);
  if (v === 4) {
    out[0] = 0x45;
    out[2] = 0;
    out[3] = 40;
    out[10] = out[11] = 0;
    out[1] = 0;
    let h = 0;
    for (let i = 0; i < 20; i += 2) h += (out[i] << 8) | out[i + 1];
    while (h > 0xffff) h = (h & 0xffff) + (h >>> 16);
    out[10] = (~h >> 8) & 0xff;
    out[11] = ~h & 0xff;
  } else {
    out[4] = 0;
    out[5] = 20;
    out[6] = 6;
  }
  const t = hl;
  out.set(syn.subarray(ihl, ihl + 4), t); // ports
  const seq = (((syn[ihl + 4] << 24) | (syn[ihl + 5] << 16) | (syn[ihl + 6] << 8) | syn[ihl + 7]) + 1) >>> 0;
  out[t + 4] = seq >>> 24;
  out[t + 5] = (seq >>> 16) & 0xff;
  out[t + 6] = (seq >>> 8) & 0xff;
  out[t + 7] = seq & 0xff;
  out[t + 12] = 0x50;
  out[t + 13] = 0x04; // RST
  // checksum
  let sum = 0;
  const addrOff = v === 4 ? 12 : 8;
  const addrLen = v === 4 ? 8 : 32;
  for (let i = addrOff; i < addrOff + addrLen; i += 2) sum += (out[i] << 8) | out[i + 1];
  sum += 6 + 20;
  for (let i = t; i < t + 20; i += 2) sum += (out[i] << 8) | out[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  out[t + 16] = ck >> 8;
  out[t + 17] = ck & 0xff;
  return out;
}
