// The bulk probe engine's general entry point: single-packet probes at a listener (and closed ports)
// from a callback, each outcome — every frame the DUT sent on the probe's flow — handed back in send
// order. The work is done by BatchEngine (batch-engine.ts: batches through a packet ring, silence
// proven by a sentinel's answer, clean-up RSTs); this wraps it for callers that think in probes
// (differential runs, a campaign's reproduction and minimization runs, replays, benchmarks).
import type { CapturedFrame } from '../capture/capture';
import type { Lab } from '../topology/lab';
import { BatchEngine, PackedFrames } from './batch-engine';

export interface ListenerProbe {
  ip: 4 | 6;
  /** The packet, from the IP header on, sent byte-exact. Its source port identifies the probe's flow. */
  bytes: Uint8Array;
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
  /** Probes in flight at once (one batch). */
  window?: number;
  /** Send a RST at rcv_nxt after each SYN-ACK (default true). */
  cleanup?: boolean;
  /** A closed DUT port for sentinels (default 9). */
  closedPort?: number;
  /** Give up when a sentinel's answer has not come after this long (ms). */
  stallMs?: number;
}

export interface EngineStats {
  probes: number;
  sentinels: number;
  cleanups: number;
  /** Frames on no known flow (e.g. a retransmission for a flow already closed out); the first few. */
  stray: CapturedFrame[];
  elapsedMs: number;
  capture: { packets: number; drops: number; delivered: number };
}

/** Probes taken from the callback per BatchEngine run. */
const CHUNK = 4096;

export class ListenerEngine {
  constructor(
    private readonly lab: Lab,
    private readonly opts: EngineOptions = {},
  ) {}

  /**
   * Run probes from `next` (undefined = no more) until all are closed out, calling `onOutcome` once
   * per probe, in send order.
   */
  async run(next: () => ListenerProbe | undefined, onOutcome: (o: ProbeOutcome) => void): Promise<EngineStats> {
    const lab = this.lab;
    const engine = new BatchEngine(lab, {
      window: this.opts.window ?? 128,
      cleanup: this.opts.cleanup,
      closedPort: this.opts.closedPort,
      stallMs: this.opts.stallMs,
    });
    const eth = ethHeaderOf(lab);
    const total: EngineStats = { probes: 0, sentinels: 0, cleanups: 0, stray: [], elapsedMs: 0, capture: { packets: 0, drops: 0, delivered: 0 } };
    for (;;) {
      const probes: ListenerProbe[] = [];
      for (let p = probes.length < CHUNK ? next() : undefined; p; p = probes.length < CHUNK ? next() : undefined) probes.push(p);
      if (probes.length === 0) break;
      const { replies, stats } = engine.run(packFrames(probes, eth));
      const per: CapturedFrame[][] = probes.map(() => []);
      for (let j = 0; j < replies.n; j++) {
        const tNs = BigInt(Math.round(replies.sentMs[replies.probe[j]] * 1e6));
        per[replies.probe[j]].push({ bytes: replies.buf.slice(replies.offs[j], replies.offs[j + 1]), tNs });
      }
      total.probes += stats.probes;
      total.sentinels += stats.sentinels;
      total.cleanups += stats.cleanups;
      total.elapsedMs += stats.elapsedMs;
      total.capture.packets += stats.capture.packets;
      total.capture.drops += stats.capture.drops;
      total.capture.delivered += stats.capture.delivered;
      for (const f of stats.strayFrames) total.stray.push({ bytes: f, tNs: 0n });
      for (let i = 0; i < probes.length; i++) onOutcome({ probe: probes[i], replies: per[i], sentNs: BigInt(Math.round(replies.sentMs[i] * 1e6)) });
      if (probes.length < CHUNK) break;
    }
    return total;
  }
}

/** The Ethernet header of a frame from the tester to the DUT (the type is written per frame). */
export function ethHeaderOf(lab: Lab): Uint8Array {
  const eth = new Uint8Array(14);
  eth.set(
    lab.dutMac.split(':').map((x) => parseInt(x, 16)),
    0,
  );
  eth.set(
    lab.testerMac.split(':').map((x) => parseInt(x, 16)),
    6,
  );
  return eth;
}

/** Packets (IP header on) as Ethernet frames, packed. */
export function packFrames(probes: readonly { bytes: Uint8Array }[], eth: Uint8Array): PackedFrames {
  let total = 0;
  for (const p of probes) total += 14 + p.bytes.length;
  const buf = new Uint8Array(total);
  const offs = new Uint32Array(probes.length + 1);
  let o = 0;
  for (let i = 0; i < probes.length; i++) {
    const b = probes[i].bytes;
    offs[i] = o;
    buf.set(eth, o);
    const v6 = b[0] >> 4 === 6;
    buf[o + 12] = v6 ? 0x86 : 0x08;
    buf[o + 13] = v6 ? 0xdd : 0x00;
    buf.set(b, o + 14);
    o += 14 + b.length;
  }
  offs[probes.length] = o;
  return { buf, offs, n: probes.length };
}
