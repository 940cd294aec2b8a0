// Campaign files (cases/campaigns/*.yaml): the zod schema of the YAML, the normalised `Campaign`
// the engine and the generators consume (every default filled in, per target), and the campaign
// hash a checkpoint is tied to. Pure: campaign-load.ts reads files and maps issues to positions.
//
// A campaign says: which state to fuzz (`target`), with which seed and budget, under which sysctl
// profiles (rotated in blocks of `rotate_every` probes) and IP versions (alternating by index), and
// how packets vary (`generator`: packet classes by weight, flag/option/field ranges, malformed-option
// mutators, the sequence/ack/timestamp edges that matter). See cases/campaigns/README.md.
import { sysctlEntries } from '../case/sysctl-check';
import { CASE_NAME_RE } from '../case/case-name';
import { int, type Issue, number, Port, sysctlMap, typeError, U32, U32Schema } from '../case/scalars';
import { show } from '../yaml-kit/show';
import { WHOLE_OBJECT } from '../yaml-kit/zod-issues';
import { z } from 'zod';
import { parseOptionSpec } from '../wire/tcp-option-spec';
import type { TcpOption } from '../wire/types';
import type { Target } from './probe';
import { shortHash, stableStringify } from '../util/stable-hash';

// ---------------------------------------------------------------------------------------------
// Vocabulary

/** Packet classes per target, with what each one sends. Keys of `generator.kinds`. */
/** Targets reached through a whole handshake, passive or active (generator.via). */
export const VIA_TARGETS: readonly Target[] = ['established', 'timewait'];

export const KINDS: Readonly<Record<Target, Readonly<Record<string, string>>>> = {
  listener: {
    syn: 'a random SYN from randomSyn: extra flags, option lists with malformed items, TOS, payload',
    syn_opts: "a SYN whose options follow the campaign's option weights, ranges and mutators",
    ack: 'an ACK with no request behind it (random seq/ack, extra flags)',
    cookie_ack: 'an ACK shaped like a syncookie reply: seq = ISN+1, forged ack, TSecr with encoded option bits',
    rst: 'RST or RST+ACK',
    fin: 'FIN, FIN+ACK or SYN+FIN',
    no_flags: 'no flags at all',
    data: 'payload without SYN (with or without ACK/PSH)',
    flags: 'uniformly random flags',
  },
  request: {
    ack: 'third ACK: seq around rcv_nxt, ack around ISN+1, TS as configured',
    window_edge: "seq at the window's edges (rcv_nxt, rcv_nxt+win) ±offsets, with or without data",
    tsecr: 'third ACK with good seq/ack whose TSecr is inside/outside the SYN-ACK TSvals sent',
    paws: 'third ACK with good seq/ack whose TSval is older/newer than ts_recent (PAWS)',
    data: 'third ACK carrying data',
    fin: 'FIN+ACK as third packet',
    rst: 'RST or RST+ACK, seq in/out of window',
    dup_syn: 'SYN again: seq = rcv_isn (retransmission) or another seq (in/out of window)',
    syn_ack: 'SYN+ACK with seq around rcv_isn',
    no_ack: 'segment without ACK (FIN, null, data) in window',
    flags: 'random flags, seq/ack around the edges',
  },
  synsent: {
    synack: 'SYN-ACK with ack around ISN, ISN+1, ISN+2 and TS as configured',
    synack_tsecr: 'acceptable SYN-ACK whose TSecr is bogus / inside / zero',
    synack_opts: "acceptable SYN-ACK with fuzzed options (the campaign's ranges and mutators)",
    synack_data: 'acceptable SYN-ACK with FIN and/or payload',
    rst: 'RST without ACK',
    rst_ack: 'RST+ACK, ack around ISN+1',
    ack_only: 'ACK without SYN, ack around ISN+1',
    syn: 'SYN without ACK (simultaneous open)',
    flags: 'random flags, ack around ISN+1',
  },
  established: {
    syn: 'stray SYN: the old ISN, in window, out of window',
    synack: 'stray SYN-ACK (a retransmitted handshake packet)',
    rst: 'RST: seq = rcv_nxt ±offsets, in window, out of window',
    ack: 'old / future ACKs: ack below snd_una, = snd_nxt, beyond snd_nxt',
    data: 'data in/out of window',
    fin: 'FIN+ACK in/out of window',
    ts_paws: 'ACK with an old TSval (PAWS) or a bogus TSecr',
    flags: 'random flags around the edges',
  },
  timewait: {
    syn: 'SYN at the TIME_WAIT socket (reincarnation): seq around rcv_nxt, older/newer, TS older/newer than ts_recent',
    rst: 'RST or RST+ACK: seq = rcv_nxt ±offsets, in window, out of window',
    ack: 'bare ACK: seq/ack around rcv_nxt / snd_nxt, in and out of window',
    fin: "the peer's FIN again (retransmitted), or a FIN at other positions",
    data: 'data at and around rcv_nxt',
    ts_paws: 'ACK with an old / newer TSval (PAWS)',
    flags: 'random flags around the edges',
  },
};

/** Default mix per target. */
export const DEFAULT_KINDS: Readonly<Record<Target, Readonly<Record<string, number>>>> = {
  listener: { syn: 55, syn_opts: 20, ack: 5, cookie_ack: 5, rst: 4, fin: 4, no_flags: 2, data: 2, flags: 3 },
  request: { ack: 20, window_edge: 10, tsecr: 10, paws: 8, data: 8, fin: 6, rst: 10, dup_syn: 8, syn_ack: 4, no_ack: 4, flags: 8 },
  synsent: { synack: 30, synack_tsecr: 12, synack_opts: 8, synack_data: 6, rst: 8, rst_ack: 10, ack_only: 8, syn: 10, flags: 8 },
  established: { syn: 20, synack: 6, rst: 20, ack: 15, data: 10, fin: 8, ts_paws: 8, flags: 10 },
  timewait: { syn: 25, rst: 20, ack: 15, fin: 12, data: 8, ts_paws: 10, flags: 10 },
};

export const OPTION_KINDS = ['mss', 'wscale', 'sackOK', 'ts', 'nop', 'eol', 'tfo', 'tfoexp', 'sack', 'unknown', 'md5'] as const;
export type OptionKindName = (typeof OPTION_KINDS)[number];

/** Malformed-option mutators: one is inserted (at a random place) with probability options.malformed. */
export const MUTATORS = {
  ws_len4: 'window scale with length 4',
  ts_len9: 'timestamps with length 9',
  ts_len11: 'timestamps with length 11',
  sackok_len3: 'SACK-permitted with length 3',
  mss_len3: 'MSS with length 3',
  mss_len5: 'MSS with length 5',
  silly_len: 'an option with length 0 or 1 (stops the walk)',
  past_end: 'an option whose length runs past the end of the option area',
  lone_kind: 'a kind byte with no length byte, last in the option area',
  after_eol: 'a well-formed option after EOL',
  duplicate: 'the same option twice with different values',
  tfo_odd: 'Fast Open with an odd or out-of-range cookie length',
  md5_len: 'MD5 with a wrong length',
  unknown_kind: 'an unknown or unsupported kind (AO 29, MPTCP 30, AccECN 172/174, experimental 253/254)',
  zero_len_tlv: 'a known kind with length 2 (no data)',
} as const;
export type MutatorName = keyof typeof MUTATORS;
export const MUTATOR_NAMES = Object.keys(MUTATORS) as MutatorName[];

// ---------------------------------------------------------------------------------------------
// Normalised types

export interface GeneratorConfig {
  /** packet classes by weight (keys: KINDS[target]); a class not listed has weight 0 */
  kinds: Record<string, number>;
  /** the peer's source ports for passive targets, cycled by probe index */
  ports: [number, number];
  /** probability that the peer ISN / TSval sits at a 32-bit edge (0, 2^31-1, 2^31, 2^32-1, …) */
  isnEdge: number;
  flags: {
    /** probability of each extra flag on top of a class's own flags */
    extra: number;
    /** probability of non-zero reserved bits */
    reserved: number;
  };
  /** offsets applied around each sequence edge (rcv_isn, rcv_nxt, window end, …); probability of an edge vs. a far value */
  seq: { offsets: number[]; edge: number };
  /** offsets around each ack edge (ISN, ISN+1 = snd_nxt, …) */
  ack: { offsets: number[]; edge: number };
  /** window field values, and the probability of a uniformly random one instead */
  window: { values: number[]; random: number };
  options: {
    /** how many well-formed items a fuzzed option list holds */
    count: [number, number];
    weights: Record<OptionKindName, number>;
    /** MSS values to pick from, and the probability of a uniformly random MSS instead */
    mss: number[];
    mssRandom: number;
    /** wscale range, and the probability of an out-of-range shift (15..255) instead */
    wscale: [number, number];
    wscaleInvalid: number;
    /** probability that one malformed item (a mutator) is inserted */
    malformed: number;
    mutators: Record<MutatorName, number>;
    /** probability that the list is shuffled */
    shuffle: number;
    /** non-SYN segments: probability of a TS option */
    ts: number;
    /** non-SYN segments: probability of further random options besides TS */
    extra: number;
  };
  /** how TSecr values are chosen (weights): inside / outside the DUT's TSvals, 0, random */
  tsecr: { inside: number; outside: number; zero: number; random: number };
  /** how TSvals are chosen relative to ts_recent (weights) */
  tsval: { older: number; same: number; newer: number; zero: number; wrap: number };
  /** probability of a payload and its largest length */
  payload: { p: number; max: number };
  /** probability of a non-zero TOS / traffic class */
  tos: { p: number };
  /** probabilities of deliberate header errors */
  mistakes: { badChecksum: number; ipChecksum: number; dataOffset: number };
  /** the setup packets (the SYN to a listener; the SYN-ACK for an active open): TS probability and option template */
  /** fin (timewait only): probability that the peer answers the DUT's FIN with its own (TIME_WAIT), else a bare ACK (the FIN_WAIT2 substate) */
  setup: { ts: number; options: TcpOption[]; fin?: number };
  /** established and timewait targets: reach ESTABLISHED by a passive (listen) or an active (connect) open */
  via: 'passive' | 'active';
}

export interface SysctlProfile {
  name: string;
  /** dotted names as under /proc/sys: { 'net.ipv4.tcp_syncookies': 2 } */
  sysctls: Record<string, string | number>;
}

/** A socket option's value as a campaign file writes it (numbers and names only). */
export type CampaignSockoptValue = number | string;

export interface Campaign {
  name: string;
  description: string;
  seed: number;
  /** stop at whichever comes first; at least one is set */
  budget: { probes?: number; seconds?: number };
  target: Target;
  /** IP versions, alternating by probe index */
  ip: Array<4 | 6>;
  /** sysctl profiles, rotated in blocks of rotateEvery probes */
  profiles: SysctlProfile[];
  rotateEvery: number;
  /** the DUT's listener (listener, request, established via passive) */
  listen?: { port: number; backlog: number; sockopts: Record<string, CampaignSockoptValue> };
  /** the peer's port the DUT connects to (synsent, established via active) */
  connect?: { port: number; sockopts: Record<string, CampaignSockoptValue> };
  generator: GeneratorConfig;
  /** credit window: probes in flight */
  window?: number;
  /** rule-coverage-guided generation (lib/fuzz/guided.ts); absent: unguided, probeAt alone */
  guided?: true;
}

// ---------------------------------------------------------------------------------------------
// Defaults

const DEFAULT_SETUP_OPTIONS = 'mss=1460,sackOK,ts,nop,wscale=7';

export function defaultGenerator(target: Target): GeneratorConfig {
  return {
    kinds: { ...DEFAULT_KINDS[target] },
    ports: [10000, 59999],
    isnEdge: 0.05,
    flags: { extra: 0.08, reserved: 0.02 },
    seq: { offsets: [-1, 0, 1], edge: 0.85 },
    ack: { offsets: [-1, 0, 1], edge: 0.85 },
    window: { values: [0, 1, 1024, 8192, 29200, 64240, 65535], random: 0.15 },
    options: {
      count: [0, 8],
      weights: { mss: 5, wscale: 4, sackOK: 4, ts: 4, nop: 4, eol: 1, tfo: 1, tfoexp: 0.5, sack: 1, unknown: 1, md5: 0.05 },
      mss: [0, 1, 48, 88, 536, 1220, 1300, 1440, 1460, 8960, 65495, 65535],
      mssRandom: 0.2,
      wscale: [0, 14],
      wscaleInvalid: 0.15,
      malformed: 0.2,
      mutators: {
        ws_len4: 2,
        ts_len9: 2,
        ts_len11: 1,
        sackok_len3: 2,
        mss_len3: 1,
        mss_len5: 1,
        silly_len: 2,
        past_end: 2,
        lone_kind: 1,
        after_eol: 1,
        duplicate: 2,
        tfo_odd: 1,
        md5_len: 0.5,
        unknown_kind: 2,
        zero_len_tlv: 1,
      },
      shuffle: 0.3,
      ts: 0.85,
      extra: 0.15,
    },
    tsecr: { inside: 4, outside: 3, zero: 1, random: 1 },
    tsval: { older: 2, same: 4, newer: 3, zero: 1, wrap: 1 },
    payload: { p: 0.08, max: 24 },
    tos: { p: 0.2 },
    mistakes: { badChecksum: 0.003, ipChecksum: 0.001, dataOffset: 0.003 },
    setup: { ts: 0.9, options: parseOptionSpec(DEFAULT_SETUP_OPTIONS) },
    via: 'passive',
  };
}

// ---------------------------------------------------------------------------------------------
// Schema (the YAML shape: snake_case keys, everything optional except name, seed, budget, target)

const Prob = number(0, 1, 'a probability is 0..1, e.g. 0.2');
const Weight = number(0, 1e9, 'a weight is a number ≥ 0, e.g. 1', 'a number ≥ 0');
const Offset = int(-U32, U32, 'an offset is a whole number within ±4294967295, e.g. -1');

/** A list that must hold something. */
const NOT_EMPTY = { error: 'the list is empty — give at least one value, or leave the key out for the default' };

function pairOf(inner: z.ZodNumber, what: string, example: string) {
  return z
    .tuple([inner, inner], { error: typeError(`${what} as [lo, hi]`, `write e.g. ${what}: ${example}`) })
    .refine((t) => t[0] <= t[1], { error: `${what}: the first bound must not exceed the second — write [lo, hi]` });
}

function weightMap<K extends string>(keys: readonly K[], what: string) {
  const shape: Record<string, z.ZodOptional<typeof Weight>> = {};
  for (const k of keys) shape[k] = Weight.optional();
  return z.strictObject(shape, { error: typeError(`a map of ${what} to weights`, `write e.g. { ${keys[0]}: 1 }`) });
}

const SockoptsSchema = z.record(z.string(), z.union([z.number(), z.string(), z.boolean()]), {
  error: typeError('a map of socket options', 'write e.g. { TCP_MAXSEG: 1000 }'),
});

const ProfileSchema = z.strictObject({
  name: z.string({ error: typeError('a profile name', 'e.g. name: syncookies-on') }).regex(/^[a-z0-9][a-z0-9_.+-]*$/, {
    error: (i: Issue) => `profile name ${show(i.input)} — use lower-case letters, digits and - _ . +`,
  }),
  sysctls: sysctlMap(z.string())
    .superRefine((r, ctx) => {
      // The same load-time checks as a case's sysctls: net.* names, model sysctls misspelled or set out of range.
      sysctlEntries(r, [], (path, message, at) => ctx.addIssue({ code: 'custom', path: [...path], message, ...(at ? { params: { at } } : {}) }));
    })
    .optional(),
});

const OptionItem = z.string({ error: typeError('an option such as mss=1460', 'write one option per list item') }).superRefine((s, ctx) => {
  if (s.includes(',')) {
    ctx.addIssue({ code: 'custom', message: `'${s}' holds several options — one option per list item` });
    return;
  }
  try {
    if (parseOptionSpec(s).length !== 1) throw new Error('expected exactly one option');
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const GeneratorSchema = z.strictObject({
  kinds: z.record(z.string(), Weight, { error: typeError('a map of packet classes to weights', 'write e.g. { syn: 10, ack: 1 }') }).optional(),
  ports: pairOf(Port, 'ports', '[10000, 59999]').optional(),
  isn_edge: Prob.optional(),
  flags: z.strictObject({ extra: Prob.optional(), reserved: Prob.optional() }).optional(),
  seq: z.strictObject({ offsets: z.array(Offset).min(1, NOT_EMPTY).optional(), edge: Prob.optional() }).optional(),
  ack: z.strictObject({ offsets: z.array(Offset).min(1, NOT_EMPTY).optional(), edge: Prob.optional() }).optional(),
  window: z
    .strictObject({
      values: z
        .array(int(0, 65535, 'the window field is 0..65535'))
        .min(1, NOT_EMPTY)
        .optional(),
      random: Prob.optional(),
    })
    .optional(),
  options: z
    .strictObject({
      count: pairOf(int(0, 20, 'an option count is 0..20'), 'count', '[0, 8]').optional(),
      weights: weightMap(OPTION_KINDS, 'option kinds').optional(),
      mss: z
        .array(int(0, 65535, 'an MSS is 0..65535'))
        .min(1, NOT_EMPTY)
        .optional(),
      mss_random: Prob.optional(),
      wscale: pairOf(int(0, 255, 'a shift is 0..255'), 'wscale', '[0, 14]').optional(),
      wscale_invalid: Prob.optional(),
      malformed: Prob.optional(),
      mutators: weightMap(MUTATOR_NAMES, 'mutators').optional(),
      shuffle: Prob.optional(),
      ts: Prob.optional(),
      extra: Prob.optional(),
    })
    .optional(),
  tsecr: z.strictObject({ inside: Weight.optional(), outside: Weight.optional(), zero: Weight.optional(), random: Weight.optional() }).optional(),
  tsval: z
    .strictObject({ older: Weight.optional(), same: Weight.optional(), newer: Weight.optional(), zero: Weight.optional(), wrap: Weight.optional() })
    .optional(),
  payload: z.strictObject({ p: Prob.optional(), max: int(1, 1400, 'a payload length is 1..1400').optional() }).optional(),
  tos: z.strictObject({ p: Prob.optional() }).optional(),
  mistakes: z.strictObject({ bad_checksum: Prob.optional(), ip_checksum: Prob.optional(), data_offset: Prob.optional() }).optional(),
  setup: z
    .strictObject({
      ts: Prob.optional(),
      options: z.array(OptionItem, { error: typeError('a list of options', 'write e.g. [mss=1460, sackOK, ts, nop, wscale=7]') }).optional(),
      fin: Prob.optional(),
    })
    .optional(),
  via: z.enum(['passive', 'active'], { error: typeError('passive or active', 'via: active reaches the state by connecting out') }).optional(),
});

const TARGET_TODO = 'use listener, request, synsent, established or timewait';

const IpSchema = z.union(
  [
    z.literal(4),
    z.literal(6),
    z.literal('both'),
    z.array(z.union([z.literal(4), z.literal(6)], { error: typeError('4 or 6', 'write e.g. ip: [4, 6]') })).min(1, NOT_EMPTY),
  ],
  {
    error: (i: Issue) => `ip must be 4, 6, both or a list such as [4, 6], got ${show(i.input)}`,
  },
);

export const CampaignSchema = z
  .strictObject({
    name: z.string({ error: typeError('a kebab-case name', 'e.g. name: listener-syn-flood-mix') }).regex(CASE_NAME_RE, {
      error: (i: Issue) => `name ${show(i.input)} is not kebab-case — e.g. listener-syn-flood-mix`,
    }),
    description: z.string({ error: typeError('a description', 'say what the campaign fuzzes, in a sentence') }).optional(),
    seed: U32Schema,
    budget: z
      .strictObject(
        {
          probes: int(1, Number.MAX_SAFE_INTEGER, 'give a positive number of probes, e.g. 100000', 'a whole number ≥ 1').optional(),
          seconds: number(0.001, 1e9, 'give a positive number of seconds, e.g. 600', 'a number of seconds').optional(),
        },
        { error: typeError('{ probes: N } and/or { seconds: S }', 'write e.g. budget: { probes: 100000 }') },
      )
      .refine((b) => b.probes !== undefined || b.seconds !== undefined, { error: 'budget is empty — give probes: N and/or seconds: S', params: WHOLE_OBJECT }),
    target: z
      .string({ error: typeError('a target', TARGET_TODO) })
      .pipe(z.enum(['listener', 'request', 'synsent', 'established', 'timewait'], { error: (i: Issue) => `unknown target ${show(i.input)} — ${TARGET_TODO}` })),
    ip: IpSchema.optional(),
    profiles: z.array(ProfileSchema).min(1, { error: 'profiles is empty — give at least one, e.g. - name: defaults' }).optional(),
    rotate_every: int(1, Number.MAX_SAFE_INTEGER, 'give a positive number of probes, e.g. 10000', 'a whole number ≥ 1').optional(),
    listen: z.strictObject({ port: Port, backlog: int(0, 65535, 'the listen() backlog, e.g. 16').optional(), sockopts: SockoptsSchema.optional() }).optional(),
    connect: z.strictObject({ port: Port, sockopts: SockoptsSchema.optional() }).optional(),
    window: int(1, 1 << 20, 'a credit window is 1..1048576 probes in flight').optional(),
    guided: z.boolean({ error: (i: Issue) => `guided must be true or false, got ${show(i.input)}` }).optional(),
    generator: GeneratorSchema.optional(),
  })
  .superRefine((c, ctx) => {
    const target = c.target as Target;
    const kinds = KINDS[target];
    if (c.generator?.kinds) {
      let total = 0;
      for (const [k, w] of Object.entries(c.generator.kinds)) {
        total += w;
        if (!(k in kinds)) {
          const hint = k === '' ? ' (a bare null, ~ or empty key in YAML — quote the name)' : '';
          ctx.addIssue({
            code: 'custom',
            path: ['generator', 'kinds', k],
            params: { at: 'key' },
            message: `unknown packet class '${k}'${hint} for target ${target} — classes: ${Object.keys(kinds).join(', ')}`,
          });
        }
      }
      if (total <= 0)
        ctx.addIssue({ code: 'custom', path: ['generator', 'kinds'], message: 'every packet class has weight 0 — give at least one a positive weight' });
    }
    const active = target === 'synsent' || (VIA_TARGETS.includes(target) && c.generator?.via === 'active');
    if (active && c.listen) {
      ctx.addIssue({
        code: 'custom',
        path: ['listen'],
        params: { at: 'key' },
        message: `target ${target}${target !== 'synsent' ? ' via active' : ''} connects out; it has no listener — use connect: { port: N }`,
      });
    }
    if (!active && c.connect) {
      ctx.addIssue({
        code: 'custom',
        path: ['connect'],
        params: { at: 'key' },
        message: `target ${target} uses a listener — use listen: { port: N } (connect: is for synsent and established via active)`,
      });
    }
    if (c.generator?.via !== undefined && !VIA_TARGETS.includes(target)) {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'via'],
        params: { at: 'key' },
        message: 'via applies to targets established and timewait only — remove it',
      });
    }
    if (c.generator?.setup?.fin !== undefined && target !== 'timewait') {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'setup', 'fin'],
        params: { at: 'key' },
        message: 'setup.fin applies to target timewait only — remove it',
      });
    }
    const names = new Map<string, number>();
    (c.profiles ?? []).forEach((p, i) => {
      if (names.has(p.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['profiles', i, 'name'],
          message: `profile name '${p.name}' is used twice (first as profile ${names.get(p.name)! + 1}) — names must be unique`,
        });
      } else names.set(p.name, i);
    });
    const w = c.generator?.options?.weights;
    if (w && Object.values(w).every((x) => !x)) {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'options', 'weights'],
        message: 'every option kind has weight 0 — give at least one a positive weight',
        params: WHOLE_OBJECT,
      });
    }
    const m = c.generator?.options?.mutators;
    if (m && (c.generator?.options?.malformed ?? 1) > 0 && Object.values(m).every((x) => !x)) {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'options', 'mutators'],
        message: 'every mutator has weight 0 while malformed > 0 — give one a weight or set malformed: 0',
        params: WHOLE_OBJECT,
      });
    }
    for (const k of ['tsecr', 'tsval'] as const) {
      const t = c.generator?.[k] as Record<string, number | undefined> | undefined;
      if (t && Object.keys(t).length > 0 && Object.values(t).every((x) => !x)) {
        ctx.addIssue({ code: 'custom', path: ['generator', k], message: `every ${k} choice has weight 0 — give one a positive weight`, params: WHOLE_OBJECT });
      }
    }
  });

export type CampaignRaw = z.output<typeof CampaignSchema>;

// ---------------------------------------------------------------------------------------------
// Normalisation

function sysctlValue(v: number | string | number[]): string | number {
  return Array.isArray(v) ? v.join(' ') : v;
}

function sockopts(o: Record<string, number | string | boolean> | undefined): Record<string, CampaignSockoptValue> {
  const out: Record<string, CampaignSockoptValue> = {};
  for (const [k, v] of Object.entries(o ?? {})) out[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  return out;
}

/** Fills every default. `raw` must have passed CampaignSchema. */
export function normaliseCampaign(raw: CampaignRaw): Campaign {
  const target = raw.target as Target;
  const d = defaultGenerator(target);
  const g = raw.generator ?? {};
  const o = g.options ?? {};
  const pick = <T>(v: T | undefined, dflt: T): T => (v === undefined ? dflt : v);
  const weights = <K extends string>(given: Partial<Record<K, number | undefined>> | undefined, dflt: Record<K, number>): Record<K, number> => {
    if (!given) return { ...dflt };
    const out = {} as Record<K, number>;
    for (const k of Object.keys(dflt) as K[]) out[k] = given[k] ?? 0;
    return out;
  };
  const generator: GeneratorConfig = {
    kinds: g.kinds ? Object.fromEntries(Object.entries(g.kinds).filter(([k]) => k in KINDS[target])) : { ...d.kinds },
    ports: (g.ports as [number, number] | undefined) ?? d.ports,
    isnEdge: pick(g.isn_edge, d.isnEdge),
    flags: { extra: pick(g.flags?.extra, d.flags.extra), reserved: pick(g.flags?.reserved, d.flags.reserved) },
    seq: { offsets: pick(g.seq?.offsets, d.seq.offsets), edge: pick(g.seq?.edge, d.seq.edge) },
    ack: { offsets: pick(g.ack?.offsets, d.ack.offsets), edge: pick(g.ack?.edge, d.ack.edge) },
    window: { values: pick(g.window?.values, d.window.values), random: pick(g.window?.random, d.window.random) },
    options: {
      count: (o.count as [number, number] | undefined) ?? d.options.count,
      weights: weights(o.weights, d.options.weights),
      mss: pick(o.mss, d.options.mss),
      mssRandom: pick(o.mss_random, d.options.mssRandom),
      wscale: (o.wscale as [number, number] | undefined) ?? d.options.wscale,
      wscaleInvalid: pick(o.wscale_invalid, d.options.wscaleInvalid),
      malformed: pick(o.malformed, d.options.malformed),
      mutators: weights(o.mutators, d.options.mutators),
      shuffle: pick(o.shuffle, d.options.shuffle),
      ts: pick(o.ts, d.options.ts),
      extra: pick(o.extra, d.options.extra),
    },
    tsecr: g.tsecr && Object.keys(g.tsecr).length ? weights(g.tsecr, d.tsecr) : { ...d.tsecr },
    tsval: g.tsval && Object.keys(g.tsval).length ? weights(g.tsval, d.tsval) : { ...d.tsval },
    payload: { p: pick(g.payload?.p, d.payload.p), max: pick(g.payload?.max, d.payload.max) },
    tos: { p: pick(g.tos?.p, d.tos.p) },
    mistakes: {
      badChecksum: pick(g.mistakes?.bad_checksum, d.mistakes.badChecksum),
      ipChecksum: pick(g.mistakes?.ip_checksum, d.mistakes.ipChecksum),
      dataOffset: pick(g.mistakes?.data_offset, d.mistakes.dataOffset),
    },
    setup: {
      ts: pick(g.setup?.ts, d.setup.ts),
      options: g.setup?.options ? g.setup.options.flatMap((s) => parseOptionSpec(s)) : d.setup.options,
      // Only for timewait: other campaigns' hashes (and checkpoints) stay what they were.
      ...(target === 'timewait' ? { fin: pick(g.setup?.fin, 0.75) } : {}),
    },
    via: g.via ?? 'passive',
  };
  const ipList: Array<4 | 6> = raw.ip === undefined ? [4] : raw.ip === 'both' ? [4, 6] : typeof raw.ip === 'number' ? [raw.ip] : [...new Set(raw.ip)];
  const active = target === 'synsent' || (VIA_TARGETS.includes(target) && generator.via === 'active');
  const c: Campaign = {
    name: raw.name,
    description: raw.description ?? '',
    seed: raw.seed,
    budget: {
      ...(raw.budget.probes !== undefined ? { probes: raw.budget.probes } : {}),
      ...(raw.budget.seconds !== undefined ? { seconds: raw.budget.seconds } : {}),
    },
    target,
    ip: ipList,
    profiles: (raw.profiles ?? [{ name: 'defaults' }]).map((p) => ({
      name: p.name,
      sysctls: Object.fromEntries(Object.entries(p.sysctls ?? {}).map(([k, v]) => [k, sysctlValue(v)])),
    })),
    rotateEvery: raw.rotate_every ?? 10000,
    generator,
  };
  if (active) c.connect = { port: raw.connect?.port ?? 9000, sockopts: sockopts(raw.connect?.sockopts) };
  else c.listen = { port: raw.listen?.port ?? 8080, backlog: raw.listen?.backlog ?? 128, sockopts: sockopts(raw.listen?.sockopts) };
  if (raw.window !== undefined) c.window = raw.window;
  // Only when on: an unguided campaign's hash (and so its checkpoints) stays what it was.
  if (raw.guided) c.guided = true;
  return c;
}

/**
 * A hash of everything that decides the probe sequence (name, seed, target, ip, profiles, rotation,
 * sockets, generator). Budget and credit window are left out: extending the budget or changing the
 * pacing keeps a checkpoint valid.
 */
export function campaignHash(c: Campaign): string {
  const { budget: _b, window: _w, description: _d, ...rest } = c;
  return shortHash(stableStringify(rest), 16);
}

/** Does this campaign connect out (SYN_SENT, or ESTABLISHED reached by an active open)? */
export function isActive(c: Pick<Campaign, 'target' | 'generator'>): boolean {
  return c.target === 'synsent' || (VIA_TARGETS.includes(c.target) && c.generator.via === 'active');
}
