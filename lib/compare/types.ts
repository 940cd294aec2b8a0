// The comparable form of a case result (summary.json `comparable`, schema COMPARABLE_SCHEMA): every
// packet of every step with the values the kernel draws at random (ISN, TS offset, ephemeral port,
// flow label, IP ID, TFO cookie, MD5 digest) replaced by symbols and relations, so two runs — on
// different days or kernels — compare field by field. Plain data, written by lib/compare/normalise.ts;
// the zod schemas here are its one definition (the types are inferred; summary.schema.json uses them).
import { z } from 'zod';

export const COMPARABLE_SCHEMA = 'synharness-comparable/1';

/** The model's prediction for an observed DUT packet (absent: the model predicted nothing there). */
export const ComparableModelSchema = z.strictObject({
  /** Rule id (lib/model/reasons.ts), e.g. "make_synack.options". */
  rule: z.string().describe('Rule id (lib/model/core/reasons.ts), e.g. "make_synack.options".'),
  /** Kernel function the rule mirrors. */
  fn: z.string().describe('Kernel function the rule mirrors.'),
  /** The predicted packet, compactly, ports left out: "SA seq=* ack=1001 win=65160 [mss 1460,…]". */
  packet: z.string().describe('The predicted packet, compactly, ports left out.'),
  /** Predicted send time, ms after the step's reference (its send or call). */
  t: z.number().optional().describe("Predicted send time, ms after the step's reference (its send or call)."),
  /** Predicted send time, ms after the DUT's previous packet on the flow (absent for its first). */
  gap: z.number().optional().describe("Predicted send time, ms after the DUT's previous packet on the flow."),
  /** Predicted send time, ms after the DUT's first packet on the flow (absent for its first). */
  first: z.number().optional().describe("Predicted send time, ms after the DUT's first packet on the flow."),
  /** Predicted send time, ms after the harness's last packet on the flow (absent before its first). */
  peer: z.number().optional().describe("Predicted send time, ms after the harness's last packet on the flow."),
});
export type ComparableModel = z.infer<typeof ComparableModelSchema>;

export const ComparablePacketSchema = z.strictObject({
  /** 'peer': sent by the harness; 'dut': sent by the kernel under test. */
  dir: z.enum(['peer', 'dut']).describe("'peer': sent by the harness; 'dut': sent by the kernel under test."),
  /** Case flow (by the peer-side port), or "port N" for a port no flow uses. */
  flow: z.string().describe('Case flow (by the peer-side port), or "port N" for a port no flow uses.'),
  /** Normalised header and option fields: exact strings, compared as they are. */
  f: z.record(z.string(), z.string()).describe('Normalised header and option fields (random values as symbols and relations).'),
  /**
   * Time-like numbers, compared with a tolerance: `t` = ms after the step's reference (DUT packets
   * taken by a step), `gap` / `first` = ms after the DUT's previous / first packet on the flow, `tsval` =
   * ms of TS clock since the flow's first DUT TSval. A timer moved when `t`, `gap` and `first` all
   * moved: how fast the harness paced the steps moves some of them (a reply's `gap`, a retransmission's
   * `t`) but not the one the kernel's timer counts from.
   */
  n: z.record(z.string(), z.number()).optional().describe('Time-like numbers (t, gap, first, peer, tsval), compared with a tolerance.'),
  model: ComparableModelSchema.optional(),
});
export type ComparablePacket = z.infer<typeof ComparablePacketSchema>;

export const ComparableStepSchema = z.strictObject({
  /** 1-based step number as the case file counts; 0 = packets no step took (unexpected). */
  step: z.number().int().min(0).describe('1-based step number as the case file counts; 0 = packets no step took (unexpected).'),
  packets: z.array(ComparablePacketSchema),
});
export type ComparableStep = z.infer<typeof ComparableStepSchema>;

export const ComparableCaseSchema = z.strictObject({
  steps: z.array(ComparableStepSchema),
});
export type ComparableCase = z.infer<typeof ComparableCaseSchema>;
