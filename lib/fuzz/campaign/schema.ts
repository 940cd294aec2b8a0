// The zod schema of a campaign file's YAML: snake_case keys, everything optional except name, seed,
// budget and target; cross-field checks (classes the target has, listener vs connect, via) in its
// refinement. Scalars come from lib/case/scalars.ts, as the case schema's do. Pure.
import { z } from 'zod';
import { CASE_NAME_RE } from '../../case/case-name';
import { int, type Issue, number, Port, sysctlMap, typeError, U32, U32Schema } from '../../case/scalars';
import { sysctlEntries } from '../../case/sysctl-check';
import { parseOptionSpec } from '../../wire/tcp-option-spec';
import { show } from '../../yaml-kit/show';
import { WHOLE_OBJECT } from '../../yaml-kit/zod-issues';
import { LISTENER_CALLS, PROBE_CALLS, type ProbeCall, type Target } from '../probe';
import { connectsOut, KINDS, MUTATOR_NAMES, OPTION_KINDS, VIA_TARGETS } from './vocab';

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
  mistakes: z
    .strictObject({
      bad_checksum: Prob.optional(),
      ip_checksum: Prob.optional(),
      data_offset: Prob.optional(),
      ip_layer: Prob.optional(),
      icmp: Prob.optional(),
    })
    .optional(),
  setup: z
    .strictObject({
      ts: Prob.optional(),
      options: z.array(OptionItem, { error: typeError('a list of options', 'write e.g. [mss=1460, sackOK, ts, nop, wscale=7]') }).optional(),
      fin: Prob.optional(),
      fastopen: int(1, 1400, 'the bytes handed to sendto(MSG_FASTOPEN) / the first write are 1..1400').optional(),
      data: int(1, 1000, 'the bytes of data on the setup SYN are 1..1000').optional(),
    })
    .optional(),
  via: z.enum(['passive', 'active'], { error: typeError('passive or active', 'via: active reaches the state by connecting out') }).optional(),
  calls: z
    .strictObject({
      p: Prob.optional(),
      n: pairOf(int(1, 8, 'a probe carries 1..8 calls'), 'n', '[1, 5]').optional(),
      ordered: z.boolean({ error: typeError('true or false', 'ordered: true plays the calls in CALL_ORDER') }).optional(),
      kinds: weightMap(PROBE_CALLS, 'calls').optional(),
    })
    .optional(),
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
    const active = connectsOut(target, c.generator?.via);
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
    if (c.generator?.mistakes?.ip_layer !== undefined && target !== 'listener') {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'mistakes', 'ip_layer'],
        params: { at: 'key' },
        message: 'ip_layer applies to target listener only (its answers come from other ports and addresses) — remove it',
      });
    }
    if (c.generator?.calls !== undefined) {
      const passive = target === 'request' || (target === 'established' && c.generator.via !== 'active');
      if (target === 'listener')
        ctx.addIssue({
          code: 'custom',
          path: ['generator', 'calls'],
          params: { at: 'key' },
          message: 'calls apply to the sequential targets (request, synsent, established, timewait) — remove it',
        });
      else if (!passive)
        for (const k of Object.keys(c.generator.calls.kinds ?? {}))
          if (LISTENER_CALLS.has(k as ProbeCall) && (c.generator.calls.kinds as Record<string, number>)[k] > 0)
            ctx.addIssue({
              code: 'custom',
              path: ['generator', 'calls', 'kinds', k],
              params: { at: 'key' },
              message: `call ${k} needs the DUT's listener: target ${target}${target === 'established' ? ' via active' : ''} has only again and wait`,
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
    if (c.generator?.mistakes?.icmp !== undefined && target === 'listener') {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'mistakes', 'icmp'],
        params: { at: 'key' },
        message: 'icmp applies to the stateful targets (request, synsent, established, timewait): a listener has sent nothing to quote — remove it',
      });
    }
    if (c.generator?.setup?.fastopen !== undefined && target !== 'synsent') {
      ctx.addIssue({
        code: 'custom',
        path: ['generator', 'setup', 'fastopen'],
        params: { at: 'key' },
        message: 'setup.fastopen (client Fast Open set-ups) applies to target synsent only — remove it',
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
