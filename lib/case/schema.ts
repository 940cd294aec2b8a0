// The case-file schema: the single source of truth for the YAML syntax. It checks structure and
// every scalar (through the parsers in expr.ts and options.ts, so messages are precise) and turns
// scalars into their parsed form; normalise/ then fills defaults and checks the step order.
// cases/case.schema.json is generated from it (scripts/gen-case-schema.ts). Pure.
import { CASE_NAME_RE } from './case-name';
import { z } from 'zod';
import { flagsToString } from '../wire/flags';
import {
  CMP_PATTERN,
  DURATION_PATTERN,
  FLAGS_PATTERN,
  KERNEL_PATTERN,
  TIME_WINDOW_PATTERN,
  VALUE_PATTERN,
  boundCmp,
  parseCmp,
  parseDuration,
  parseFlagLetters,
  parseKernelRange,
  parsePayload,
  parseTimeWindow,
  parseValue,
  ValueError,
  checkInt,
} from './expr';
import { OPTION_PATTERN, parseOptionPattern, parseSendOption } from './options';
import { Byte, Duration, int, type Issue, Port, sysctlMap, typeError, U32, via } from './scalars';
import { nearestSections } from './spec-doc';
import { SPEC_SECTIONS } from './spec-sections';
import { show } from '../yaml-kit/show';
import { closest } from '../yaml-kit/suggest';
import { WHOLE_OBJECT } from '../yaml-kit/zod-issues';
import { SAME_FIELDS, type CmpMatcher } from './types';
import { ERRNO_NAMES, TCP_STATE_NAMES } from './vocab';

// ---------------------------------------------------------------------------------------------
// Scalars (the shared builders are in scalars.ts)

const TimeWindowSchema = z
  .union(
    [
      z.string().meta({ pattern: TIME_WINDOW_PATTERN }),
      z.tuple([z.string().meta({ pattern: DURATION_PATTERN }), z.string().meta({ pattern: DURATION_PATTERN })]),
    ],
    { error: (iss: Issue) => `expected a time with tolerance, got ${show(iss.input)} — write e.g. "1s±200ms", "3s+-10%" or [800ms, 1200ms]` },
  )
  .transform(via(parseTimeWindow))
  .describe(
    'Arrival time relative to the latest send or call step (or the case start), with its tolerance: "1s±200ms", "1s+-200ms", "3s±10%", or [earliest, latest].',
  );

const idents = new Map<string, z.ZodString>();
const Ident = (what: 'flow' | 'label'): z.ZodString => {
  let s = idents.get(what);
  if (!s) {
    s = z
      .string({ error: typeError(`a ${what} name`, 'use a lower-case name such as a, b, syn-ack-1') })
      .regex(/^[a-z][a-z0-9_-]*$/, {
        error: (iss: Issue) => `${show(iss.input)} is not a valid ${what} name — start with a lower-case letter, then letters, digits, '-' or '_'`,
      })
      .meta({ id: `case-${what}-name` });
    idents.set(what, s);
  }
  return s;
};

/** A 32-bit value: a number, or an expression such as peer.isn+1, dut.isn, dut.tsval. */
const ValueSchema = z
  .union([int(0, U32, 'use 0..4294967295'), z.string().meta({ pattern: VALUE_PATTERN })], {
    error: (iss: Issue) => `expected a number or an expression, got ${show(iss.input)} — write e.g. 1000, peer.isn+1, dut.isn+1 or dut.tsval`,
  })
  .transform(via((v) => parseValue(v)))
  .meta({ id: 'case-value', description: 'A number 0..4294967295, or peer.isn / dut.isn / peer.tsval / dut.tsval with an optional +N or -N.' });

const Payload = z
  .union([z.string(), z.strictObject({ len: int(0, 65535, 'give the number of zero bytes, e.g. { len: 10 }') })], {
    error: (iss: Issue) => `expected a payload, got ${show(iss.input)} — write "hex:0011", a text string, or { len: 10 }`,
  })
  .transform(via(parsePayload))
  .meta({ id: 'case-payload', description: '"hex:0011" (bytes), a plain string (its ASCII bytes), or { len: N } (N zero bytes).' });

const EcnSchema = z
  .enum(['not-ect', 'ect0', 'ect1', 'ce'], {
    error: (iss: Issue) => `unknown ECN codepoint ${show(iss.input)} — use not-ect, ect0, ect1 or ce`,
  })
  .meta({ id: 'case-ecn', description: 'ECN codepoint in the two low bits of the TOS / traffic class: not-ect, ect0, ect1, ce.' });

// ---------------------------------------------------------------------------------------------
// Packet matchers (expect)

/** `same: <label or step number>.<field>` before the reference is resolved. */
export interface SameRaw {
  kind: 'same';
  ref: string;
  field: (typeof SAME_FIELDS)[number];
  text: string;
}

function parseSameRef(v: unknown): SameRaw {
  const s = String(v).trim();
  const dot = s.lastIndexOf('.');
  if (dot <= 0) {
    throw new ValueError(`same: ${show(v)} needs <label>.<field> or <step number>.<field> — e.g. same: first-synack.seq`);
  }
  const ref = s.slice(0, dot);
  const field = s.slice(dot + 1);
  if (!(SAME_FIELDS as readonly string[]).includes(field)) {
    const guess = closest(field, SAME_FIELDS);
    throw new ValueError(`unknown field '${field}' in same: ${show(s)} — ${guess ? `did you mean '${guess}'? ` : ''}fields: ${SAME_FIELDS.join(', ')}`);
  }
  if (!/^(\d+|[a-z][a-z0-9_-]*)$/.test(ref)) {
    throw new ValueError(`'${ref}' in same: ${show(s)} is neither a label nor a step number — e.g. same: first-synack.seq`);
  }
  return { kind: 'same', ref, field: field as SameRaw['field'], text: s };
}

const SameSchema = z
  .strictObject({
    same: z
      .string({ error: typeError('<label>.<field>', 'e.g. same: first-synack.seq') })
      .describe('<label>.<field> or <step number>.<field>: equal to that field of an earlier packet.'),
  })
  .transform((o, ctx) => {
    try {
      return parseSameRef(o.same);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      ctx.issues.push({ code: 'custom', message: e.message, input: o.same, path: ['same'] });
      return z.NEVER;
    }
  })
  .meta({ id: 'case-same', description: 'Equal to a field of an earlier packet: { same: <label>.<field> } or { same: <step number>.<field> }.' });

export type NumMatcherRaw =
  | { kind: 'any'; text: string }
  | { kind: 'value'; value: ReturnType<typeof parseValue>; text: string }
  | { kind: 'range'; lo: ReturnType<typeof parseValue>; hi: ReturnType<typeof parseValue>; text: string }
  | SameRaw;

function parseNumText(v: unknown, max: number): NumMatcherRaw {
  if (typeof v === 'string' && v.trim() === '*') return { kind: 'any', text: '*' };
  if (typeof v === 'number') return { kind: 'value', value: checkInt(v, 0, max, 'value'), text: String(v) };
  const value = parseValue(v, 'value', max);
  return { kind: 'value', value, text: String(v).trim() };
}

const numMatchers = new Map<number, z.ZodType<NumMatcherRaw>>();

/**
 * The matcher of a numeric field of an expected packet (max = the field's largest value). One
 * shared instance per max, so the JSON Schema defines it once.
 */
function NumMatcher(max: number) {
  const hit = numMatchers.get(max);
  if (hit) return hit;
  const what = `a number 0..${max}`;
  const m = z
    .union(
      [
        z.number().meta({ minimum: 0, maximum: max }),
        z.string().meta({ pattern: `^\\s*\\*\\s*$|${VALUE_PATTERN}` }),
        z.tuple([z.union([z.number(), z.string()]), z.union([z.number(), z.string()])], {
          error: (iss: Issue) => `a range is two values [lo, hi], got ${show(iss.input)} — e.g. [1, 1048575] or [dut.isn, dut.isn+10]`,
        }),
        SameSchema,
      ],
      {
        error: (iss: Issue) =>
          `expected a field matcher, got ${show(iss.input)} — write a number, "*", [lo, hi], an expression such as dut.isn+1, or { same: label.field }`,
      },
    )
    .transform(
      via((v): NumMatcherRaw => {
        if (Array.isArray(v)) {
          const lo = parseValue(v[0], 'lower bound', max);
          const hi = parseValue(v[1], 'upper bound', max);
          if (typeof lo === 'number' && typeof hi === 'number' && hi < lo && max < U32) {
            throw new ValueError(`range [${lo}, ${hi}] is empty — put the smaller bound first`);
          }
          return { kind: 'range', lo, hi, text: `[${v[0]}, ${v[1]}]` };
        }
        if (v && typeof v === 'object') return v as SameRaw;
        return parseNumText(v, max);
      }),
    )
    .meta({
      id: `case-matcher-${max === U32 ? 'u32' : max === 0xffff ? 'u16' : max === 255 ? 'u8' : `max${max}`}`,
      description: `${what} (exact), "*" (any), [lo, hi] (inclusive), an expression (peer.isn+1, dut.isn, …), or { same: <label>.<field> }.`,
    }) as z.ZodType<NumMatcherRaw>;
  numMatchers.set(max, m);
  return m;
}

export type FlagsMatcherRaw =
  { kind: 'any'; text: string } | { kind: 'exact'; flags: number; text: string } | { kind: 'mask'; has: number; lacks: number; text: string } | SameRaw;

const FlagLetters = z
  .string({ error: typeError('flag letters', 'use scapy letters F S R P A U E C N (N = AE), e.g. SA') })
  .meta({ pattern: FLAGS_PATTERN })
  .transform(via(parseFlagLetters))
  .meta({ id: 'case-flag-letters', description: 'Scapy flag letters F S R P A U E C N (N = AE), any order; "" for none.' });

const FlagsMatcher = z
  .union(
    [
      z.string().meta({ pattern: `^\\s*\\*\\s*$|${FLAGS_PATTERN}` }),
      z.strictObject({
        has: FlagLetters.optional().describe('letters that must be set'),
        lacks: FlagLetters.optional().describe('letters that must be clear'),
      }),
      SameSchema,
    ],
    {
      error: (iss: Issue) => `expected flags, got ${show(iss.input)} — write letters (exact, e.g. SA), { has: E, lacks: C }, "*" or { same: label.flags }`,
    },
  )
  .transform(
    via((v): FlagsMatcherRaw => {
      if (typeof v === 'string') {
        if (v.trim() === '*') return { kind: 'any', text: '*' };
        return { kind: 'exact', flags: parseFlagLetters(v), text: v };
      }
      if ((v as SameRaw).kind === 'same') return v as SameRaw;
      const o = v as { has?: number; lacks?: number };
      const has = o.has ?? 0;
      const lacks = o.lacks ?? 0;
      if (o.has === undefined && o.lacks === undefined) {
        throw new ValueError('flags { } says nothing — give has: and/or lacks:, e.g. { has: SA, lacks: E }');
      }
      if (has & lacks) throw new ValueError('a flag cannot be both in has: and in lacks: — remove it from one of them');
      const parts = [o.has !== undefined ? `has: ${flagsToString(has) || '""'}` : '', o.lacks !== undefined ? `lacks: ${flagsToString(lacks) || '""'}` : ''];
      return { kind: 'mask', has, lacks, text: `{ ${parts.filter(Boolean).join(', ')} }` };
    }),
  )
  .meta({
    id: 'case-flags-matcher',
    description: 'TCP flags: letters (exact; scapy F S R P A U E C N, N = AE), { has: …, lacks: … }, "*" or { same: <label>.flags }.',
  });

const OptionPatternSchema = z
  .string({ error: typeError('an option such as mss=1460', 'write one option per list item, e.g. mss=1460 or "ts=*:100"') })
  .meta({ pattern: OPTION_PATTERN })
  .transform(via(parseOptionPattern))
  .meta({
    id: 'case-option-pattern',
    description: 'An expected option: mss=1460, sackOK, "ts=*:100", nop, wscale=10, tfo=*, … ("*" = any value; a bare name = any value).',
  });

const OptionPatternList = z.array(OptionPatternSchema, {
  error: typeError('a list of options', 'write e.g. [mss=1460, sackOK, "ts=*:100", nop, wscale=10]'),
});

const OptionsMatcher = z
  .union(
    [
      OptionPatternList,
      z.strictObject({
        contains: OptionPatternList.optional().describe('options that must all be present, in any order'),
        lacks: OptionPatternList.optional().describe('options that must not be present (a bare name: with any value)'),
      }),
    ],
    {
      error: (iss: Issue) => `expected an option list, got ${show(iss.input)} — write the exact list [mss=1460, …], { contains: [...] } or { lacks: [wscale] }`,
    },
  )
  .transform(
    via((v) => {
      if (Array.isArray(v)) return { kind: 'exact' as const, items: v };
      const o = v as { contains?: ReturnType<typeof parseOptionPattern>[]; lacks?: ReturnType<typeof parseOptionPattern>[] };
      if (!o.contains && !o.lacks) throw new ValueError('options { } says nothing — give contains: and/or lacks:');
      return { kind: 'some' as const, contains: o.contains ?? [], lacks: o.lacks ?? [] };
    }),
  )
  .meta({
    id: 'case-options-matcher',
    description: 'Options: the exact list in order ("*" stands for any value: "ts=*:100"), { contains: [...] } and/or { lacks: [...] }.',
  });

const PatternSchema = z
  .strictObject({
    flow: Ident('flow').optional().describe('The flow this packet belongs to (default: the first flow).'),
    label: Ident('label').optional().describe('Names this packet for same: and tfo=@label in later steps.'),
    model: z
      .boolean({ error: typeError('true or false', 'model: false checks only the fields written here, without the model') })
      .optional()
      .describe('Default true: the reference model must predict this packet too, and agree on every field. false: only the written fields are checked.'),
    flags: FlagsMatcher.optional(),
    seq: NumMatcher(U32).optional().describe('Sequence number.'),
    ack: NumMatcher(U32).optional().describe('Acknowledgment number.'),
    window: NumMatcher(0xffff).optional().describe('Window field (unscaled, as on the wire).'),
    urg: NumMatcher(0xffff).optional().describe('Urgent pointer.'),
    len: NumMatcher(0xffff).optional().describe('Payload length in bytes.'),
    payload: Payload.optional().describe('Exact payload bytes: "hex:…", text, or { len: N } zero bytes.'),
    options: OptionsMatcher.optional(),
    tsval: NumMatcher(U32).optional().describe('TSval of the TS option (the packet must carry one).'),
    tsecr: NumMatcher(U32).optional().describe('TSecr of the TS option (the packet must carry one).'),
    ttl: NumMatcher(255).optional().describe('IPv4 TTL / IPv6 hop limit.'),
    hlim: NumMatcher(255).optional().describe('Alias of ttl.'),
    tos: NumMatcher(255).optional().describe('IPv4 TOS byte / IPv6 traffic class, all 8 bits.'),
    tclass: NumMatcher(255).optional().describe('Alias of tos.'),
    ecn: EcnSchema.optional(),
    df: z
      .boolean({ error: typeError('true or false', 'df: true means the DF bit is set') })
      .optional()
      .describe('IPv4 DF bit (ip: 4 only).'),
    id: NumMatcher(0xffff).optional().describe('IPv4 identification (ip: 4 only).'),
    flowlabel: NumMatcher(0xfffff).optional().describe('IPv6 flow label (ip: 6 only).'),
    at: TimeWindowSchema.optional(),
    within: Duration.optional().describe('How long to wait for this packet (default 1s; with at: until the at window closes).'),
  })
  .meta({ id: 'case-packet-pattern', description: 'An expected packet. Fields not given are not checked.' });

const ExpectSchema = z
  .union([z.literal('model'), PatternSchema, z.array(PatternSchema).min(1)], {
    error: (iss: Issue) =>
      `expected model, a packet pattern or a list of them, got ${show(iss.input)} — write expect: model, expect: { flags: SA, … } or a list of patterns`,
  })
  .describe('model (whatever the reference model predicts), one packet pattern, or a list of patterns (that many packets, in order).');

// ---------------------------------------------------------------------------------------------
// send

const MistakeChecksum = z.union([z.literal('bad'), int(0, 0xffff, 'write bad or a checksum value 0..65535')], {
  error: (iss: Issue) => `expected bad or a checksum value, got ${show(iss.input)} — write bad or a number 0..65535`,
});

const MistakesSchema = z
  .strictObject({
    tcp_checksum: MistakeChecksum.optional().describe('bad (correct checksum with bits flipped) or the value to put there.'),
    ip_checksum: MistakeChecksum.optional().describe('IPv4 header checksum: bad or a value (ip: 4 only).'),
    data_offset: int(0, 15, 'the TCP data offset is 0..15 words').optional().describe('TCP data offset in 32-bit words.'),
    ip_total_length: int(0, 0xffff, 'use 0..65535').optional().describe('IPv4 total length field (ip: 4 only).'),
    reserved_bits: int(0, 7, 'the three reserved bits hold 0..7').optional().describe('The three reserved TCP header bits left of AE.'),
  })
  .describe('Deliberate errors in the sent packet.');

const SendOptionSchema = z
  .string({ error: typeError('an option such as mss=1460', 'write one option per list item, e.g. mss=1460 or ts=100:0') })
  .meta({ pattern: OPTION_PATTERN })
  .transform(via(parseSendOption))
  .meta({
    id: 'case-send-option',
    description:
      'A TCP option: mss=N, sackOK, ts=VAL:ECR, nop, eol, wscale=N, sack=L:R/…, tfo[=HEX|@label], tfoexp[=HEX|@label], md5=HEX, kind=N:HEX, raw=HEX.',
  });

const SendSchema = z
  .strictObject({
    flags: FlagLetters.describe('TCP flags, scapy letters F S R P A U E C N (N = AE); "" for none.'),
    seq: ValueSchema.optional().describe('Default: peer.isn for a SYN, peer.isn+1 otherwise.'),
    ack: ValueSchema.optional().describe('Default: dut.isn+1 when A is set, else 0.'),
    window: int(0, 0xffff, 'the window field is 0..65535').optional().describe('Default 65535.'),
    urg: int(0, 0xffff, 'the urgent pointer is 0..65535').optional().describe('Urgent pointer, default 0.'),
    options: z
      .array(SendOptionSchema, { error: typeError('a list of options', 'write e.g. [mss=1460, sackOK, ts=100:0, nop, wscale=7]') })
      .optional()
      .describe(
        'TCP options in wire order: mss=N, sackOK, ts=VAL:ECR, nop, eol, wscale=N, sack=L:R/…, tfo[=HEX|@label], tfoexp[=HEX|@label], md5=HEX, kind=N:HEX, raw=HEX.',
      ),
    payload: Payload.optional(),
    tos: Byte('the TOS byte is 0..255').optional().describe('IPv4 TOS / IPv6 traffic class byte, default 0.'),
    tclass: Byte('the traffic class is 0..255').optional().describe('Alias of tos.'),
    ttl: Byte('the TTL is 0..255').optional().describe('IPv4 TTL / IPv6 hop limit, default 64.'),
    hlim: Byte('the hop limit is 0..255').optional().describe('Alias of ttl.'),
    ecn: EcnSchema.optional(),
    flow: Ident('flow').optional().describe('The flow to send on (default: the first flow).'),
    label: Ident('label').optional().describe('Names this packet for same: in later steps.'),
    to: z
      .enum(['dut', 'broadcast', 'limited-broadcast', 'multicast'], {
        error: (iss: Issue) => `unknown destination ${show(iss.input)} — use dut, broadcast, limited-broadcast or multicast`,
      })
      .optional()
      .describe(
        "Destination: the DUT's address (default), its subnet's directed broadcast, 255.255.255.255, or all-nodes multicast (224.0.0.1 / ff02::1); the Ethernet destination follows (ff:ff:ff:ff:ff:ff, 01:00:5e:00:00:01, 33:33:00:00:00:01).",
      ),
    mistakes: MistakesSchema.optional(),
  })
  .describe('A packet the peer sends.');

// ---------------------------------------------------------------------------------------------
// icmp

const IcmpSchema = z
  .strictObject({
    type: z
      .union([z.string(), int(0, 255, 'an ICMP type is 0..255')], { error: typeError('an ICMP type', 'write e.g. unreachable, packet_too_big, too_big or 3') })
      .describe(
        "ICMP type: packetdrill's names (unreachable, time_exceeded, parameter_problem, source_quench, redirect; v6 packet_too_big), type_N, a number, or too_big (v4 unreachable frag_needed, v6 packet_too_big).",
      ),
    code: z
      .union([z.string(), int(0, 255, 'an ICMP code is 0..255')], { error: typeError('an ICMP code', 'write e.g. frag_needed, host_unreachable or 4') })
      .optional()
      .describe("ICMP code: packetdrill's names (net_unreachable, host_unreachable, port_unreachable, frag_needed, …), code_N or a number; default 0."),
    mtu: int(0, U32, 'give the next-hop MTU in bytes, e.g. 1200').optional().describe('The path MTU of frag_needed / packet_too_big.'),
    quote: z
      .union(
        [
          z.string().regex(/^@/, { error: 'quote a packet with @label or @N (an earlier DUT packet), or give { seq, len }' }),
          z.strictObject({
            seq: ValueSchema.describe("The quoted segment's seq, e.g. dut.isn."),
            len: int(0, 65535, "the quoted segment's payload length").optional().describe('Payload length of the quoted segment (default 0).'),
            flags: FlagLetters.optional().describe('Flags of the quoted segment (default S).'),
          }),
        ],
        { error: (iss: Issue) => `expected @label or { seq, len }, got ${show(iss.input)} — the packet of the DUT the error is about` },
      )
      .optional()
      .describe('What the error quotes: @label (an earlier DUT packet) or { seq, len, flags } (a DUT segment on the flow). Default: { seq: dut.isn }.'),
    flow: Ident('flow').optional().describe('The flow whose DUT packet the error is about (default: the first flow).'),
    mistakes: z
      .strictObject({
        icmp_checksum: MistakeChecksum.optional().describe('bad or the ICMP checksum value to put there.'),
        ip_checksum: MistakeChecksum.optional().describe('IPv4 header checksum: bad or a value (ip: 4 only).'),
      })
      .optional(),
  })
  .describe('An ICMP error from the path (sent by the peer) about a packet the DUT sent.');

// ---------------------------------------------------------------------------------------------
// call

const SockRefSchema = z
  .enum(['listener', 'conn'], { error: (iss: Issue) => `unknown socket ${show(iss.input)} — use listener or conn` })
  .meta({ id: 'case-socket', description: 'listener, or conn (the accepted socket, or the connecting socket of setup.connect).' });

const ErrnoSchema = z
  .string({ error: typeError('an errno name', 'e.g. EAGAIN') })
  .refine((s) => ERRNO_NAMES.includes(s), {
    error: (iss: Issue) => {
      const g = closest(String(iss.input), ERRNO_NAMES);
      return `unknown errno ${show(iss.input)} — ${g ? `did you mean ${g}? ` : ''}use a Linux errno name such as EAGAIN, ECONNREFUSED, ETIMEDOUT`;
    },
  })
  .meta({ enum: [...ERRNO_NAMES] });

const CmpSchema = z
  .union([z.number(), z.string().meta({ pattern: CMP_PATTERN }), z.tuple([z.number(), z.number()])], {
    error: (iss: Issue) => `expected a number or a comparison, got ${show(iss.input)} — write 2, "+1", ">=1", "<=3" or [lo, hi]`,
  })
  .transform(via((v) => parseCmp(v)))
  .meta({ id: 'case-comparison', description: 'n or "+n" (exactly n), ">=n", "<=n", ">n", "<n", or [lo, hi].' });

/** A socket queue length (accept queue, SYN queue): listen()'s backlog is 0..65535. */
const QueueCmpSchema = CmpSchema.transform(via((c) => boundCmp(c as CmpMatcher, 0, 0xffff, 'a queue length')));

const CallExpectSchema = z
  .strictObject({
    ok: z.boolean({ error: typeError('true or false', 'ok: true means the call succeeds') }).optional(),
    ret: CmpSchema.optional().describe('The return value.'),
    err: ErrnoSchema.optional().describe('The errno name, e.g. EAGAIN (implies ok: false).'),
    value: z
      .union([z.number(), z.string()], { error: typeError('a number or a string', 'the value getsockopt reads') })
      .optional()
      .describe('getsockopt: the value read.'),
    data: Payload.optional().describe('recv: the bytes read.'),
  })
  .meta({ id: 'case-call-expect', description: 'Expected outcome. Default: { ok: true }.' });

const SockoptValueSchema = z
  .union(
    [
      z.number(),
      z.boolean(),
      z.string(),
      z.strictObject({ key: z.string().optional(), keyHex: z.string().optional(), prefixlen: int(0, 128, 'a prefix length 0..128').optional() }),
      z.strictObject({ onoff: z.union([z.number(), z.boolean()]), linger: int(0, 0x7fffffff, 'seconds') }),
    ],
    {
      error: (iss: Issue) =>
        `expected a socket option value, got ${show(iss.input)} — a number (booleans: true/false), a string, { key: … } for TCP_MD5SIG or { onoff, linger } for SO_LINGER`,
    },
  )
  .meta({
    id: 'case-sockopt-value',
    description: 'A number (true/false for on/off options), a string (TCP_CONGESTION), { key } (TCP_MD5SIG, for the peer address) or { onoff, linger }.',
  });

const SockoptsSchema = z
  .record(z.string(), SockoptValueSchema, { error: typeError('a map of socket options', 'write e.g. { TCP_MAXSEG: 1000, SO_RCVBUF: 8192 }') })
  .meta({ id: 'case-sockopts', description: 'Socket options set before listen()/connect(), in order: { TCP_MAXSEG: 1000, SO_RCVBUF: 8192 }.' });

const timeoutField = Duration.optional().describe('How long the call may block (default 1s; 0s = one non-blocking try).');
const onField = SockRefSchema.optional();
const expectField = CallExpectSchema.optional();

const CallSchema = z
  .discriminatedUnion(
    'op',
    [
      z.strictObject({ op: z.literal('accept'), timeout: timeoutField, expect: expectField }).describe('accept() on the listener.'),
      z
        .strictObject({ op: z.literal('connect'), timeout: timeoutField, expect: expectField })
        .describe('Wait for the connect() issued by setup.connect to complete.'),
      z.strictObject({ op: z.literal('close'), on: onField, expect: expectField }).describe('close() a socket.'),
      z
        .strictObject({
          op: z.literal('shutdown'),
          how: z.enum(['rd', 'wr', 'rdwr'], { error: (iss: Issue) => `unknown shutdown mode ${show(iss.input)} — use rd, wr or rdwr` }),
          on: onField,
          expect: expectField,
        })
        .describe('shutdown() a socket.'),
      z
        .strictObject({
          op: z.literal('send'),
          data: Payload,
          on: onField,
          fastopen: z
            .literal(true, { error: (iss: Issue) => `fastopen is true or absent, got ${show(iss.input)}` })
            .optional()
            .describe('sendto() with MSG_FASTOPEN.'),
          expect: expectField,
        })
        .describe('send() bytes.'),
      z
        .strictObject({
          op: z.literal('recv'),
          len: int(1, 1 << 20, 'the most bytes to read, e.g. 1024')
            .optional()
            .describe('Most bytes to read (default 65536).'),
          timeout: timeoutField,
          on: onField,
          expect: expectField,
        })
        .describe('recv() bytes.'),
      z
        .strictObject({
          op: z.literal('setsockopt'),
          name: z.string({ error: typeError('a socket option name', 'e.g. TCP_DEFER_ACCEPT') }),
          value: SockoptValueSchema,
          on: onField,
          expect: expectField,
        })
        .describe('setsockopt().'),
      z
        .strictObject({
          op: z.literal('getsockopt'),
          name: z.string({ error: typeError('a socket option name', 'e.g. TCP_MAXSEG') }),
          on: onField,
          expect: expectField,
        })
        .describe('getsockopt(); expect: { value: … } checks the value read.'),
      z
        .strictObject({
          op: z.literal('poll'),
          events: z
            .array(z.string({ error: typeError('a POLL* name', 'e.g. POLLOUT') }), {
              error: typeError('a list of POLL* names', 'write e.g. events: [POLLIN, POLLOUT]'),
            })
            .describe('The events polled for: POLLIN, POLLOUT, POLLERR, …'),
          timeout: timeoutField,
          on: onField,
          expect: expectField,
        })
        .describe('poll() one socket; expect: { ret: 1, value: 4 } checks the count and the revents bits (POLLOUT = 4).'),
      z
        .strictObject({ op: z.literal('listen'), backlog: int(0, 65535, 'the listen() backlog, e.g. 16'), expect: expectField })
        .describe('listen() again on the listener, e.g. to change the backlog.'),
      z
        .strictObject({
          op: z.literal('open-listener'),
          backlog: int(0, 65535, 'the listen() backlog, e.g. 16').optional().describe('Default 128.'),
          sockopts: SockoptsSchema.optional(),
          expect: expectField,
        })
        .describe("A new listener on the case's port once the previous one is closed: socket, sockopts, bind, listen()."),
      z
        .strictObject({
          op: z.literal('open-connection'),
          flow: z
            .string({ error: typeError('a flow name', 'e.g. flow: b') })
            .optional()
            .describe('The flow it connects on (its sport is the port connected to; default: the first flow).'),
          sockopts: SockoptsSchema.optional(),
          fastopen: int(0, 1 << 20, 'the bytes sendto(MSG_FASTOPEN) hands over, e.g. 1000')
            .optional()
            .describe('Connect with sendto(MSG_FASTOPEN) of this many bytes instead of connect().'),
          expect: expectField,
        })
        .describe('Active-open cases: a new connecting socket (socket, sockopts, connect() or sendto(MSG_FASTOPEN)); it becomes the conn socket.'),
    ],
    {
      error: (iss: Issue) => {
        const op = (iss.input as { op?: unknown } | undefined)?.op;
        const ops = ['accept', 'connect', 'close', 'shutdown', 'send', 'recv', 'setsockopt', 'getsockopt', 'listen', 'open-listener', 'open-connection'];
        if (op === undefined) return `a call needs op: — use one of ${ops.join(', ')}`;
        const g = closest(String(op), ops);
        return `unknown call op ${show(op)} — ${g ? `did you mean ${g}? ` : ''}use one of ${ops.join(', ')}`;
      },
    },
  )
  .describe('A socket call by the DUT agent.');

// ---------------------------------------------------------------------------------------------
// assert, expect_none, steps

const SysctlsSchema = sysctlMap(z.string());

const TcpInfoSchema = z
  .strictObject({
    on: z
      .enum(['listener', 'conn'], { error: (iss: Issue) => `on must be listener or conn, got ${show(iss.input)}` })
      .optional()
      .describe('The socket whose TCP_INFO is read (default: conn).'),
    check: z
      .union([z.string(), z.array(z.string())], {
        error: (iss: Issue) => `expected a check or a list of them, got ${show(iss.input)} — write e.g. check: "tcpi_state == TCP_ESTABLISHED"`,
      })
      .describe('Expressions over tcpi_* fields that must hold, e.g. "(tcpi_options & TCPI_OPT_SYN_DATA) != 0".'),
  })
  .describe('TCP_INFO of a socket (getsockopt): each check must hold.');

const StateSchema = z.strictObject({
  flow: Ident('flow').optional().describe('Default: the first flow.'),
  is: z
    .string({ error: typeError('a TCP state', `use one of ${TCP_STATE_NAMES.join(', ')}`) })
    .refine((s) => TCP_STATE_NAMES.includes(s), {
      error: (iss: Issue) => {
        const s = String(iss.input);
        const g = closest(s.replace(/-/g, '_'), TCP_STATE_NAMES) ?? closest(s, TCP_STATE_NAMES);
        return `unknown TCP state ${show(iss.input)} — ${g ? `did you mean ${g}? ` : ''}use one of ${TCP_STATE_NAMES.join(', ')}`;
      },
    })
    .meta({ enum: [...TCP_STATE_NAMES] })
    .describe('The state /proc/net/tcp shows for the flow (requests show as SYN_RECV), or none.'),
});

const AssertSchema = z
  .strictObject({
    acceptq: QueueCmpSchema.optional().describe('Accept-queue length of the listener.'),
    synq: QueueCmpSchema.optional().describe('SYN-queue length (requests) of the listener.'),
    state: z
      .union([StateSchema, z.array(StateSchema)], {
        error: (iss: Issue) => `expected { flow: a, is: ESTABLISHED } or a list of them, got ${show(iss.input)} — write state: { flow: a, is: ESTABLISHED }`,
      })
      .optional(),
    counters: z
      .record(z.string(), CmpSchema, { error: typeError('a map of counters', 'write e.g. { TcpExtListenDrops: "+1" }') })
      .optional()
      .describe('nstat counters (TcpExtListenDrops, TcpInCsumErrors, …): change since the case started.'),
    tcp_info: TcpInfoSchema.optional(),
  })
  .describe('Checks of the DUT state at this point.');

const ExpectNoneSchema = z
  .union(
    [
      z.string().meta({ pattern: DURATION_PATTERN }),
      z.strictObject({ for: Duration, flow: Ident('flow').optional().describe('Only this flow (default: every flow of the case).') }),
    ],
    {
      error: (iss: Issue) =>
        typeof iss.input === 'number'
          ? `${iss.input} has no unit — write ${iss.input}ms or ${iss.input}s`
          : `expected a duration or { for: …, flow: … }, got ${show(iss.input)} — write e.g. expect_none: 300ms`,
    },
  )
  .transform(
    via((v): { ms: number; flow?: string } => {
      if (typeof v === 'string') return { ms: parseDuration(v) };
      const o = v as { for: number; flow?: string };
      return o.flow === undefined ? { ms: o.for } : { ms: o.for, flow: o.flow };
    }),
  )
  .describe('Nothing may arrive for this long: a duration, or { for: <duration>, flow: <name> }.');

export const STEP_ACTIONS = ['send', 'icmp', 'expect', 'expect_none', 'call', 'wait', 'assert', 'sysctl'] as const;

const StepSchema = z
  .strictObject({
    send: SendSchema.optional(),
    icmp: IcmpSchema.optional(),
    expect: ExpectSchema.optional(),
    expect_none: ExpectNoneSchema.optional(),
    call: CallSchema.optional(),
    wait: Duration.optional().describe('Let time pass (timers, rate limits); never needed to wait for a packet.'),
    assert: AssertSchema.optional(),
    sysctl: SysctlsSchema.optional().describe('Change DUT sysctls at this point, in order: { net.ipv4.tcp_ecn: 2 }; the model follows.'),
    note: z
      .string({ error: typeError('text', 'a note is free text shown in reports') })
      .optional()
      .describe('Free text shown in reports next to the step.'),
  })
  .superRefine((s, ctx) => {
    const present = STEP_ACTIONS.filter((k) => (s as Record<string, unknown>)[k] !== undefined);
    if (present.length === 0) {
      ctx.addIssue({ code: 'custom', message: `a step needs one action — use one of ${STEP_ACTIONS.join(', ')}`, params: WHOLE_OBJECT });
    } else if (present.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [present[1]],
        params: { at: 'key' },
        message: `one step has both ${present[0]} and ${present[1]} — put each action in its own list item (- ${present[0]}: … then - ${present[1]}: …)`,
      });
    }
  })
  .describe('One step: exactly one of send, icmp, expect, expect_none, call, wait, assert, sysctl.');

// ---------------------------------------------------------------------------------------------
// setup, flows, the case

const ListenSchema = z
  .strictObject({
    port: Port.describe('The listening port.'),
    backlog: int(0, 65535, 'the listen() backlog, e.g. 16').optional().describe('listen() backlog (default 128).'),
    any: z
      .boolean({ error: typeError('true or false', 'write any: true') })
      .optional()
      .describe("Bind to the wildcard address (0.0.0.0 / ::) instead of the DUT's own (default false)."),
    sockopts: SockoptsSchema.optional(),
  })
  .describe('The DUT listens on port.');

const ConnectSchema = z
  .strictObject({
    port: Port.describe("The peer's port the DUT connects to."),
    bind: Port.optional().describe('Local port to bind before connect() (default: ephemeral).'),
    sockopts: SockoptsSchema.optional(),
    open: z
      .literal('step', { error: (iss: Issue) => `open is step or absent, got ${show(iss.input)}` })
      .optional()
      .describe('step: no socket at set-up — the first call open-connection makes it (e.g. to connect with sendto(MSG_FASTOPEN)).'),
  })
  .describe('Active open: the DUT connects to the peer (non-blocking connect() before the first step).');

const ClosedSchema = z.strictObject({ port: Port.describe('A port nothing listens on.') }).describe('Nothing listens on port.');

const SetupSchema = z
  .strictObject(
    { listen: ListenSchema.optional(), connect: ConnectSchema.optional(), closed: ClosedSchema.optional() },
    { error: typeError('a setup', 'write setup: { listen: { port: 8080 } }, { connect: { port: 9000 } } or { closed: { port: 8081 } }') },
  )
  .superRefine((s, ctx) => {
    const present = (['listen', 'connect', 'closed'] as const).filter((k) => s[k] !== undefined);
    if (present.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'setup needs one of listen, connect or closed — e.g. setup: { listen: { port: 8080 } }',
        params: WHOLE_OBJECT,
      });
    } else if (present.length > 1) {
      ctx.addIssue({
        code: 'custom',
        path: [present[1]],
        params: { at: 'key' },
        message: `setup has both ${present[0]} and ${present[1]} — a case sets up one socket; split it into two cases`,
      });
    }
  })
  .describe('The DUT socket before the first step: exactly one of listen, connect, closed.');

const FlowSchema = z
  .strictObject({
    sport: Port.optional().describe("The peer's port (default 40000 + the flow's position)."),
    isn: int(0, U32, 'use 0..4294967295').optional().describe("The peer's initial sequence number (default 1000)."),
  })
  .describe('A peer endpoint.');

const SpecRef = z.string({ error: typeError('a spec section', 'write e.g. "§5.3"') }).transform(
  via((v) => {
    const s = String(v).trim();
    if (/^§\d+(\.\d+)*$/.test(s)) {
      if (SPEC_SECTIONS.has(s)) return s;
      throw new ValueError(
        `spec section ${s} is not in docs/handshake-spec.md — the nearest are ${nearestSections(s, SPEC_SECTIONS.keys()).join(', ')}; cite one of them, or add the section to the document (then run scripts/gen-spec-sections.ts)`,
      );
    }
    if (/^RFC ?\d+( §\d+(\.\d+)*)?$/.test(s)) return s;
    if (/^\d+(\.\d+)*$/.test(s)) throw new ValueError(`spec section ${show(s)} needs the § sign — write "§${s}"`);
    throw new ValueError(`${show(s)} is not a spec section — write "§5.3" (docs/handshake-spec.md) or "RFC 9293 §3.10"`);
  }),
);

export const CaseSchema = z
  .strictObject({
    name: z
      .string({ error: typeError('a kebab-case name', 'e.g. name: full-options-synack-layout') })
      .regex(CASE_NAME_RE, {
        error: (iss: Issue) => `name ${show(iss.input)} is not kebab-case — use lower-case words and digits joined by '-', e.g. full-options-synack-layout`,
      })
      .optional()
      .describe("Unique kebab-case name of the case. Default: the file's path under cases/ without .yaml, '/' as '-' (cases/listener/foo.yaml: listener-foo)."),
    description: z
      .string({ error: typeError('a one-sentence description', 'say what the case checks') })
      .min(1, { error: 'description is empty — say what the case checks in one sentence' })
      .describe('What the case checks, in a sentence.'),
    spec: z
      .union([SpecRef, z.array(SpecRef).min(1)], {
        error: (iss: Issue) =>
          typeof iss.input === 'number'
            ? `spec ${iss.input} is a YAML number — write it with the § sign, in quotes: spec: "§${iss.input}"`
            : `expected a spec section or a list of them, got ${show(iss.input)} — write spec: "§5.3" or spec: ["§4.7", "§5.3"]`,
      })
      .describe('Spec section(s) the case checks: "§5.3" or a list.'),
    kernel: z
      .string({
        error: (iss: Issue) =>
          typeof iss.input === 'number'
            ? `kernel ${iss.input} is a YAML number — quote it: kernel: "${iss.input}" (or a range such as ">=${iss.input}")`
            : `expected a kernel range, got ${show(iss.input)} — write e.g. ">=6.1 <6.19" or "*"`,
      })
      .meta({ pattern: KERNEL_PATTERN })
      .transform(via(parseKernelRange))
      .optional()
      .describe('Kernel releases the case applies to, on major.minor: ">=6.1", ">=6.1 <6.19", "6.18", "*" (default).'),
    ip: z
      .union([z.literal(4), z.literal(6), z.literal('both')], {
        error: (iss: Issue) => `ip must be 4, 6 or both, got ${show(iss.input)} — both runs the case once per family`,
      })
      .optional()
      .describe('Address family: 4, 6, or both (the case runs once per family). Default 4.'),
    sysctls: SysctlsSchema.optional().describe('DUT sysctls for this case, dotted as under /proc/sys: { net.ipv4.tcp_syncookies: 0 }.'),
    setup: SetupSchema,
    flows: z
      .record(z.string(), FlowSchema, { error: typeError('a map of flows', 'write e.g. { a: { sport: 40000, isn: 1000 } }') })
      .refine((r) => Object.keys(r).length > 0, {
        error: 'flows is empty — name at least one flow, e.g. flows: { a: { sport: 40000 } }, or drop flows: for the default flow a',
      })
      .optional()
      .describe('Peer endpoints by name (default: one flow a with sport 40000, isn 1000). The first is the default flow of every step.'),
    steps: z
      .array(StepSchema, { error: typeError('a list of steps', 'write steps: followed by - send: …, - expect: … items') })
      .min(1, { error: 'steps is empty — a case needs at least one step' }),
  })
  .describe('A synharness case: one packet ladder against the DUT kernel.');

export type CaseRaw = z.output<typeof CaseSchema>;
export type CaseInput = z.input<typeof CaseSchema>;
