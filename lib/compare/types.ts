// The comparable form of a case result (summary.json `comparable`, schema COMPARABLE_SCHEMA): every
// packet of every step with the values the kernel draws at random (ISN, TS offset, ephemeral port,
// flow label, IP ID, TFO cookie, MD5 digest) replaced by symbols and relations, so two runs — on
// different days or kernels — compare field by field. Plain data, written by lib/compare/normalise.ts.

export const COMPARABLE_SCHEMA = 'synharness-comparable/1';

/** The model's prediction for an observed DUT packet (absent: the model predicted nothing there). */
export interface ComparableModel {
  /** Rule id (lib/model/reasons.ts), e.g. "make_synack.options". */
  rule: string;
  /** Kernel function the rule mirrors. */
  fn: string;
  /** The predicted packet, compactly, ports left out: "SA seq=* ack=1001 win=65160 [mss 1460,…]". */
  packet: string;
  /** Predicted send time, ms after the step's reference (its send or call). */
  t?: number;
  /** Predicted send time, ms after the DUT's previous packet on the flow (absent for its first). */
  gap?: number;
  /** Predicted send time, ms after the DUT's first packet on the flow (absent for its first). */
  first?: number;
}

export interface ComparablePacket {
  /** 'peer': sent by the harness; 'dut': sent by the kernel under test. */
  dir: 'peer' | 'dut';
  /** Case flow (by the peer-side port), or "port N" for a port no flow uses. */
  flow: string;
  /** Normalised header and option fields: exact strings, compared as they are. */
  f: Record<string, string>;
  /**
   * Time-like numbers, compared with a tolerance: `t` = ms after the step's reference (DUT packets
   * taken by a step), `gap` / `first` = ms after the DUT's previous / first packet on the flow, `tsval` =
   * ms of TS clock since the flow's first DUT TSval. A timer moved when `t`, `gap` and `first` all
   * moved: how fast the harness paced the steps moves some of them (a reply's `gap`, a retransmission's
   * `t`) but not the one the kernel's timer counts from.
   */
  n?: Record<string, number>;
  model?: ComparableModel;
}

export interface ComparableStep {
  /** 1-based step number as the case file counts; 0 = packets no step took (unexpected). */
  step: number;
  packets: ComparablePacket[];
}

export interface ComparableCase {
  steps: ComparableStep[];
}
