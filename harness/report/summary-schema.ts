// summary.json's shape, defined once in zod: the writer (summary.ts) builds values of these inferred
// types, results/summary.schema.json is generated from it (scripts/gen-summary-schema.ts; a unit test keeps
// the file fresh) and written next to every run's summary.json, and tests validate real runs with it.
// Times as decimal strings of nanoseconds (JSON numbers cannot hold them exactly); step numbers 1-based
// as the case file and every report count them; packets as hex from the Ethernet header and from the
// IP header (what `synh predict --packet` takes).
import { z } from 'zod';
import { ComparableCaseSchema, COMPARABLE_SCHEMA } from '../../lib/compare/types';
import type { FieldDiff } from '../../lib/match/verdict';
import type { EarlierAttempt, KernelIdentity, StatusCounts } from './types';

export const SUMMARY_SCHEMA = 'synharness-summary/2';
export const SUMMARY_SCHEMA_ID = 'https://synharness.invalid/summary.schema.json';
/** The schema's file name, in results/ and in every run directory (summary.json's `$schema`). */
export const SUMMARY_SCHEMA_FILE = 'summary.schema.json';

const nsString = z.string().regex(/^\d+$/).describe('Nanoseconds as a decimal string.');
const hex = z.string().regex(/^([0-9a-f]{2})*$/);
const count = z.number().int().min(0);
const stepNo = z.number().int().min(1).describe('1-based step number, as the case file counts steps.');
const status = z.enum(['pass', 'fail', 'error', 'skip']);

export const FieldDiffSchema = z.strictObject({
  field: z.string(),
  expected: z.string(),
  observed: z.string(),
  reason: z.string().optional().describe("Why this value was expected (the model's rule, an unbound expression, …)."),
});

export const SummaryPacketSchema = z.strictObject({
  tsNs: nsString.describe("When the frame crossed the wire: the capture's timestamp (one clock for both directions), ns since the Unix epoch."),
  tRelMs: z.number().describe("ms since the case's first packet."),
  dir: z.enum(['sent', 'received']).describe("'sent': by the harness (peer) to the DUT; 'received': by the DUT."),
  len: count.describe('Frame length in bytes (from the Ethernet header).'),
  hex: hex.describe('The frame, lower-case hex from the Ethernet header.'),
  ipHex: hex.optional().describe('The packet from the IP header on (absent for a frame that is not IPv4/IPv6): `synh predict --packet` takes it.'),
  summary: z.string().describe('One-line decode with addresses and ports.'),
  comment: z.string().describe("Which step sent it, which expectation took it, or 'UNEXPECTED: …'."),
  flow: z.string().optional().describe("The case flow it belongs to (by the peer's port); absent for a port no flow uses."),
  unexpected: z.boolean(),
});

export const SummaryStepSchema = z.strictObject({
  step: stepNo,
  kind: z.string().describe("Step kind as written in the case file ('send', 'expect', …)."),
  ok: z.boolean(),
  message: z.string().optional(),
  script: z.string().optional().describe("Imported packetdrill scripts: the failed line in the script's notation."),
  reasons: z.array(z.string()).optional().describe("The model's reasons, each naming the kernel function it mirrors."),
  expected: z
    .array(z.string())
    .optional()
    .describe('expect: model steps: the packets the model predicted, which the step stood for (an empty list: it predicted nothing).'),
  diffs: z.array(FieldDiffSchema).optional(),
  dueNs: nsString.optional().describe('When an on-time harness would have run the step, CLOCK_MONOTONIC ns.'),
  startNs: nsString.optional().describe('When the step took effect, CLOCK_MONOTONIC ns.'),
  lateMs: z.number().optional().describe('How late it started, ms.'),
  timerAfterMs: z.number().optional().describe('A kernel timer the model tracks fell due this many ms after the step was due, before it started.'),
  driftMs: z.number().optional().describe('With timerAfterMs: how late the harness was against that timer, ms.'),
});

export const SummaryDiffSchema = FieldDiffSchema.extend({ step: stepNo });

export const EarlierAttemptSchema = z.strictObject({
  status,
  message: z.string().optional(),
  step: stepNo.describe('Step where the harness was late while a kernel timer fell due (1-based).'),
  lateMs: z.number(),
  durationMs: z.number(),
});

export const SummaryCaseSchema = z.strictObject({
  id: z.string().describe('`<file>#<name>@ipv4|ipv6`, unique in the run.'),
  file: z.string(),
  name: z.string(),
  ip: z.union([z.literal(4), z.literal(6)]),
  spec: z.array(z.string()),
  status,
  message: z.string().optional(),
  durationMs: z.number(),
  kernel: z.string(),
  sysctls: z.record(z.string(), z.string()),
  modelProfile: z.string(),
  seed: z.number().int(),
  captureDrops: count,
  unexpected: count,
  pcap: z.string().optional().describe("The case's pcapng, relative to the run directory."),
  steps: z.array(SummaryStepSchema),
  reruns: z.array(EarlierAttemptSchema).optional(),
  diffs: z.array(SummaryDiffSchema).describe('Every field difference of every step, flattened.'),
  packets: z.array(SummaryPacketSchema).describe('Every frame of the case in wire order.'),
  comparable: ComparableCaseSchema.optional(),
});

export const StatusCountsSchema = z.strictObject({ total: count, pass: count, fail: count, error: count, skip: count });

export const SummarySchema = z.strictObject({
  $schema: z.string().optional().describe('This schema (summary.schema.json next to summary.json).'),
  schema: z.literal(SUMMARY_SCHEMA),
  comparableSchema: z.literal(COMPARABLE_SCHEMA).optional(),
  runId: z.string(),
  startedAt: z.string().describe('ISO 8601.'),
  kernel: z.string(),
  kernelIdentity: z.strictObject({ version: z.string().optional(), arch: z.string().optional(), configSha256: z.string().optional() }).optional(),
  shard: z.strictObject({ index: count, total: count, planned: count }).optional(),
  mergedFrom: z.array(z.string()).optional(),
  host: z.string(),
  jobs: count,
  lanes: count,
  laneRange: z.strictObject({ min: count, max: count }).optional(),
  reruns: count,
  seed: z.number().int(),
  durationMs: z.number(),
  totals: StatusCountsSchema,
  cases: z.array(SummaryCaseSchema),
});

export type SummaryPacket = z.infer<typeof SummaryPacketSchema>;
export type SummaryStep = z.infer<typeof SummaryStepSchema>;
export type SummaryDiff = z.infer<typeof SummaryDiffSchema>;
export type SummaryCase = z.infer<typeof SummaryCaseSchema>;
export type Summary = z.infer<typeof SummarySchema>;

// The types summary.json copies from the runner's (defined elsewhere) must stay the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same: [
  Same<z.infer<typeof FieldDiffSchema>, FieldDiff>,
  Same<z.infer<typeof EarlierAttemptSchema>, EarlierAttempt>,
  Same<z.infer<typeof StatusCountsSchema>, StatusCounts>,
  Same<NonNullable<Summary['kernelIdentity']>, KernelIdentity>,
] = [true, true, true, true];
void same;

/** The JSON Schema (draft 2020-12) of summary.json. */
export function summaryJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(SummarySchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  const { $schema, ...rest } = s;
  return {
    $schema,
    $id: SUMMARY_SCHEMA_ID,
    title: `synharness summary.json (${SUMMARY_SCHEMA})`,
    $comment: 'Generated from harness/report/summary-schema.ts by scripts/gen-summary-schema.ts — do not edit.',
    ...rest,
  };
}

/** The file content of results/summary.schema.json. */
export function summaryJsonSchemaText(): string {
  return `${JSON.stringify(summaryJsonSchema(), null, 2)}\n`;
}
