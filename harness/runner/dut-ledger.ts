// Every frame on the lab's link during one case: the DUT's packets (each taken by at most one
// expectation), the harness's own (recorded when sent, then stamped by the capture as they leave, so
// a stimulus and its answers are on one clock and in wire order), and foreign ones. Steps wait here for a DUT packet or for time to pass —
// on the capture, never a sleep — and every wait ends at once when the case is aborted.
import { decodeEthernet } from '../../lib/wire/decode';
import type { Decoded } from '../../lib/wire/types';
import type { CapturedFrame } from '../capture/capture';
import { now, nsToMs } from './clock';

/** A DUT packet seen during the case. */
export interface Rx {
  d: Decoded;
  frame: Uint8Array;
  tNs: bigint;
  /** The case flow it belongs to (by destination port), undefined for a port no flow uses. */
  flow: string | undefined;
  taken: boolean;
  comment?: string;
  /** Why it is unexpected, when a step said so (expect_none). */
  during?: string;
}

/** A frame the harness sent. */
export interface Tx {
  /** The frame as it crossed the wire once the capture saw it leave; until then as built. */
  frame: Uint8Array;
  /** The frame as the harness built it (what the step's records are keyed by). */
  built: Uint8Array;
  /** The capture's timestamp of the frame once seen; until then the time just before the send. */
  tNs: bigint;
  comment: string;
  /** The capture saw it leave (its time and bytes are the capture's). */
  onWire: boolean;
  /** The case flow it was sent on (by its source port). */
  flow: string | undefined;
}

const NOT_SEEN = ' (not seen leaving by the capture: stamped just before the send)';

interface Waiter {
  pred: (r: Rx) => boolean;
  finish: (r: Rx | undefined) => void;
}

/** Identifies one of our packets in the capture (the raw path may rewrite IPv4 ID and checksum). */
function fingerprint(d: Decoded): string {
  const t = d.tcp;
  if (t) return `${t.sport}:${t.dport}:${t.seq}:${t.ack}:${t.flags}:${t.checksum}:${t.payload.length}`;
  const m = d.icmp;
  return m ? `icmp:${m.type}:${m.code}:${m.checksum}:${m.body.length}` : '';
}

export class DutLedger {
  readonly rx: Rx[] = [];
  readonly tx: Tx[] = [];
  /** Frames neither from the DUT's case address nor sent by the harness. */
  readonly foreign: Rx[] = [];
  /** Our own frames as the raw path echoes them into the capture (tcp fingerprint → who waits for each, in order). */
  private readonly echoes = new Map<string, Array<(f: CapturedFrame) => void>>();
  private readonly waiters = new Set<Waiter>();
  private readonly sleeps = new Set<() => void>();
  private stopped = false;

  constructor(
    private readonly dutAddr: string,
    private readonly peerAddr: string,
    private readonly flowOf: (port: number) => string | undefined,
  ) {}

  /** The capture's frame callback. */
  onFrame(f: CapturedFrame): void {
    const d = decodeEthernet(f.bytes);
    const ipSrc = d.ip?.src;
    if (ipSrc === this.dutAddr) {
      const r: Rx = { d, frame: f.bytes, tNs: f.tNs, flow: d.tcp ? this.flowOf(d.tcp.dport) : undefined, taken: false };
      this.rx.push(r);
      for (const w of this.waiters) {
        if (w.pred(r)) {
          w.finish(r);
          break;
        }
      }
      return;
    }
    if (ipSrc === this.peerAddr && (d.tcp || d.icmp)) {
      const q = this.echoes.get(fingerprint(d));
      const seen = q?.shift();
      if (seen) {
        seen(f);
        return; // our own frame on its way out: its record now has the capture's time and bytes
      }
    }
    this.foreign.push({ d, frame: f.bytes, tNs: f.tNs, flow: undefined, taken: false });
  }

  /**
   * A frame the harness is sending, recorded with `beforeNs`, a time taken just before the send
   * (the kernel may answer inside the send system call, so no answer can carry an earlier time).
   * When the capture sees the frame leave, the record takes the capture's timestamp and the bytes
   * as they crossed the wire (the raw path fills in the IPv4 checksum), so the frame and its answers
   * are on one clock. Resolves with that time — or `beforeNs` when the capture has not shown the
   * frame by `echoDeadline`; a later echo still corrects the record, but not what the case already
   * timed from it (the `at` reference, the model's clock).
   */
  sent(seg: Decoded, frame: Uint8Array, beforeNs: bigint, comment: string, echoDeadline: bigint): Promise<bigint> {
    const port = seg.tcp?.sport ?? seg.icmpQuote?.tcp?.dport;
    const tx: Tx = { frame, built: frame, tNs: beforeNs, comment, onWire: false, flow: port !== undefined ? this.flowOf(port) : undefined };
    this.tx.push(tx);
    const k = fingerprint(seg);
    let q = this.echoes.get(k);
    if (!q) this.echoes.set(k, (q = []));
    const queue = q;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const seen = (f: CapturedFrame): void => {
        if (timer) clearTimeout(timer);
        tx.tNs = f.tNs;
        tx.frame = f.bytes;
        tx.onWire = true;
        resolve(f.tNs);
      };
      queue.push(seen);
      if (this.stopped) return resolve(beforeNs);
      // As in waitFor: frames already readable are let in before the deadline counts.
      timer = setTimeout(
        () =>
          setImmediate(() => {
            if (!tx.onWire) resolve(beforeNs);
          }),
        Math.max(0, nsToMs(echoDeadline - now())),
      );
    });
  }

  /** Marks the frames the capture never saw leave (their time is the one taken before the send). */
  finish(): void {
    for (const t of this.tx) if (!t.onWire && !t.comment.endsWith(NOT_SEEN)) t.comment += NOT_SEEN;
  }

  /**
   * The first untaken DUT packet satisfying `pred`, already captured or arriving before `deadline`.
   * When the deadline timer fires, frames already readable are let in first (setImmediate runs after
   * the poll phase), so a busy event loop never turns an arrived packet into a missing one.
   */
  waitFor(pred: (r: Rx) => boolean, deadline: bigint): Promise<Rx | undefined> {
    const hit = this.rx.find(pred);
    if (hit || this.stopped) return Promise.resolve(hit);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter = {
        pred,
        finish: (r) => {
          if (!this.waiters.delete(w)) return;
          if (timer) clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.add(w);
      timer = setTimeout(
        () => {
          timer = undefined;
          setImmediate(() => w.finish(this.rx.find(pred)));
        },
        Math.max(0, nsToMs(deadline - now())),
      );
    });
  }

  sleepUntil(t: bigint): Promise<void> {
    const ms = nsToMs(t - now());
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }

  /** Ends every wait now (and every later one at once): the case is being aborted. */
  stop(): void {
    this.stopped = true;
    for (const w of [...this.waiters]) w.finish(undefined);
    for (const wake of [...this.sleeps]) wake();
  }
}
