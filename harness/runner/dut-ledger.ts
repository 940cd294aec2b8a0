// Every frame on the lab's link during one case: the DUT's packets (each taken by at most one
// expectation), the harness's own (recorded when sent; the raw path's echo in the capture is
// recognised and dropped), and foreign ones. Steps wait here for a DUT packet or for time to pass —
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
  frame: Uint8Array;
  tNs: bigint;
  comment: string;
}

interface Waiter {
  pred: (r: Rx) => boolean;
  finish: (r: Rx | undefined) => void;
}

/** Identifies one of our packets in the capture (the raw path may rewrite IPv4 ID and checksum). */
function fingerprint(d: Decoded): string {
  const t = d.tcp;
  return t ? `${t.sport}:${t.dport}:${t.seq}:${t.ack}:${t.flags}:${t.checksum}:${t.payload.length}` : '';
}

export class DutLedger {
  readonly rx: Rx[] = [];
  readonly tx: Tx[] = [];
  /** Frames neither from the DUT's case address nor sent by the harness. */
  readonly foreign: Rx[] = [];
  /** Our own frames as the raw path echoes them into the capture (tcp fingerprint → who waits for each, in order). */
  private readonly echoes = new Map<string, Array<(tNs: bigint) => void>>();
  private readonly waiters = new Set<Waiter>();
  private readonly sleeps = new Set<() => void>();
  private stopped = false;

  constructor(private readonly dutAddr: string, private readonly peerAddr: string, private readonly flowOf: (port: number) => string | undefined) {}

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
    if (ipSrc === this.peerAddr && d.tcp) {
      const q = this.echoes.get(fingerprint(d));
      const seen = q?.shift();
      if (seen) {
        seen(f.tNs);
        return; // our own packet on its way out (raw path): recorded when sent
      }
    }
    this.foreign.push({ d, frame: f.bytes, tNs: f.tNs, flow: undefined, taken: false });
  }

  /**
   * A frame the harness sent at about `tNs` (right after the inject returned): recorded now, and its
   * echo in the capture will be dropped. Resolves with the kernel's time of the frame — the echo's
   * capture timestamp, taken inside the send syscall, so it does not move when the harness is
   * descheduled around the inject — or `tNs` when no echo is read by `echoDeadline` (the frame's time
   * in the record becomes the kernel's too).
   */
  sent(seg: Decoded, frame: Uint8Array, tNs: bigint, comment: string, echoDeadline: bigint): Promise<bigint> {
    const k = fingerprint(seg);
    const tx: Tx = { frame, tNs, comment };
    this.tx.push(tx);
    let q = this.echoes.get(k);
    if (!q) this.echoes.set(k, (q = []));
    const queue = q;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const seen = (t: bigint): void => {
        if (timer) clearTimeout(timer);
        tx.tNs = t;
        resolve(t);
      };
      queue.push(seen);
      if (this.stopped) return resolve(tNs);
      // As in waitFor: frames already readable are let in before the deadline counts.
      timer = setTimeout(() => setImmediate(() => {
        const i = queue.indexOf(seen);
        if (i === -1) return; // seen meanwhile
        queue[i] = () => undefined; // a late echo is still ours: dropped, not foreign
        resolve(tNs);
      }), Math.max(0, nsToMs(echoDeadline - now())));
    });
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
      timer = setTimeout(() => {
        timer = undefined;
        setImmediate(() => w.finish(this.rx.find(pred)));
      }, Math.max(0, nsToMs(deadline - now())));
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
