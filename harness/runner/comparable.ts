// The runner's side of the comparable form (lib/compare): which step sent or took each frame, when
// relative to the step's reference and to the DUT's previous packet on the flow, and what the model
// predicted for it. run-case.ts calls sent/took as it goes and `comparable` once at the end.
import type { CaseFile } from '../../lib/case';
import { decodeEthernet } from '../../lib/wire/decode';
import { normaliseCase } from '../../lib/compare/normalise';
import { modelNote } from '../../lib/compare/model-note';
import type { ComparableCase, ComparableModel } from '../../lib/compare/types';
import type { Prediction } from '../../lib/model';
import { isUnexpected } from '../report/diff-text';
import type { CapturedPacket } from '../report/types';

interface Note {
  step: number;
  tMs?: number;
  gapMs?: number;
  firstMs?: number;
  peerMs?: number;
  model?: ComparableModel;
}

export class CaseTrace {
  private readonly notes = new Map<Uint8Array, Note>();
  /** The DUT's first and latest packet per flow (its destination port, the peer's), ns. */
  private readonly firstDutNs = new Map<number, bigint>();
  private readonly lastDutNs = new Map<number, bigint>();

  /** The frame `built` crossed the wire as `wire` (the capture's bytes): the same packet, the same note. */
  alias(wire: Uint8Array, built: Uint8Array): void {
    const n = this.notes.get(built);
    if (n && wire !== built) this.notes.set(wire, n);
  }

  /** The harness's packets per flow (their source port), ns, in the order sent. */
  private readonly peerNs = new Map<number, bigint[]>();

  /** A frame the harness sent in step `index` (0-based), on the wire at `tNs` from peer port `sport`. */
  sent(frame: Uint8Array, index: number, tNs?: bigint, sport?: number): void {
    this.notes.set(frame, { step: index + 1 });
    if (tNs !== undefined && sport !== undefined) this.peerNs.set(sport, [...(this.peerNs.get(sport) ?? []), tNs]);
  }

  /** A DUT frame step `index` took, captured at `tNs`; `refNs` is the step's reference (ns, same clock). */
  took(frame: Uint8Array, index: number, tNs: bigint, refNs: bigint, pred: Prediction | undefined): void {
    const d = decodeEthernet(frame);
    const port = d.tcp?.dport;
    const prev = port === undefined ? undefined : this.lastDutNs.get(port);
    const first = port === undefined ? undefined : this.firstDutNs.get(port);
    // the harness's last packet on the flow before this one: what a reply answers, what a timer counts from
    const peer = port === undefined ? undefined : (this.peerNs.get(port) ?? []).filter((t) => t <= tNs).pop();
    if (port !== undefined) {
      this.lastDutNs.set(port, tNs);
      if (first === undefined) this.firstDutNs.set(port, tNs);
    }
    const ms = (ns: bigint): number => Number(ns) / 1e6;
    this.notes.set(frame, {
      step: index + 1,
      tMs: ms(tNs - refNs),
      ...(prev !== undefined ? { gapMs: ms(tNs - prev) } : {}),
      ...(first !== undefined ? { firstMs: ms(tNs - first) } : {}),
      ...(peer !== undefined ? { peerMs: ms(tNs - peer) } : {}),
      ...(pred
        ? {
            model: modelNote(
              pred,
              ms(refNs),
              d,
              prev !== undefined ? ms(prev) : undefined,
              first !== undefined ? ms(first) : undefined,
              peer !== undefined ? ms(peer) : undefined,
            ),
          }
        : {}),
    });
  }

  comparable(c: CaseFile, packets: readonly CapturedPacket[]): ComparableCase {
    return normaliseCase({
      flows: c.flows.map((f) => ({ name: f.name, peerPort: f.sport, isn: f.isn })),
      ephemeralDutPort: c.setup.kind === 'connect' && c.setup.bind === undefined,
      packets: packets.map((p) => {
        const note = this.notes.get(p.bytes);
        return {
          dir: p.dir === 'sent' ? ('peer' as const) : ('dut' as const),
          bytes: p.bytes,
          step: note?.step,
          // Taken by a step, sent by the harness, or unexpected inside the window: judged.
          judged: note !== undefined || p.dir === 'sent' || isUnexpected(p),
          tMs: note?.tMs,
          gapMs: note?.gapMs,
          firstMs: note?.firstMs,
          peerMs: note?.peerMs,
          model: note?.model,
        };
      }),
    });
  }
}
