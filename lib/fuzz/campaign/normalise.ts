// Campaign normalisation: the schema's output with every default filled in (defaults.ts), per
// target and per socket side. Pure.
import { parseOptionSpec } from '../../wire/tcp-option-spec';
import { LATER_CALLS, LISTENER_CALLS, PROBE_CALLS, type ProbeCall, type Target } from '../probe';
import {
  DEFAULT_BACKLOG,
  DEFAULT_CONNECT_PORT,
  DEFAULT_LISTEN_PORT,
  DEFAULT_PROFILE,
  DEFAULT_ROTATE_EVERY,
  DEFAULT_TIMEWAIT_FIN,
  defaultGenerator,
} from './defaults';
import type { CampaignRaw } from './schema';
import type { Campaign, CampaignSockoptValue, GeneratorConfig } from './types';
import { connectsOut, KINDS } from './vocab';

function sysctlValue(v: number | string | number[]): string | number {
  return Array.isArray(v) ? v.join(' ') : v;
}

function sockopts(o: Record<string, number | string | boolean> | undefined): Record<string, CampaignSockoptValue> {
  const out: Record<string, CampaignSockoptValue> = {};
  for (const [k, v] of Object.entries(o ?? {})) out[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  return out;
}

/** Fills every default. `raw` must have passed CampaignSchema. */
/** Calls by weight when a campaign's `calls` lists none: all of them with a listener, else again and wait. */
function defaultCallWeights(target: Target, via: 'passive' | 'active'): Record<ProbeCall, number> {
  const passive = target === 'request' || (target === 'established' && via === 'passive');
  return Object.fromEntries(PROBE_CALLS.map((k) => [k, !LATER_CALLS.has(k) && (passive || !LISTENER_CALLS.has(k)) ? 1 : 0])) as Record<ProbeCall, number>;
}

/** The calls added later (LATER_CALLS) left out at weight 0: the campaigns that do not use them keep their hash. */
function laterCallsOmitted(w: Record<ProbeCall, number>): Partial<Record<ProbeCall, number>> {
  const out: Partial<Record<ProbeCall, number>> = {};
  for (const [k, v] of Object.entries(w) as Array<[ProbeCall, number]>) if (v > 0 || !LATER_CALLS.has(k)) out[k] = v;
  return out;
}

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
      // Only when given: other campaigns' hashes (and checkpoints) stay what they were.
      ...(g.mistakes?.ip_layer !== undefined ? { ipLayer: g.mistakes.ip_layer } : {}),
      ...(g.mistakes?.icmp !== undefined ? { icmp: g.mistakes.icmp } : {}),
    },
    setup: {
      ts: pick(g.setup?.ts, d.setup.ts),
      options: g.setup?.options ? g.setup.options.flatMap((s) => parseOptionSpec(s)) : d.setup.options,
      // Only for timewait: other campaigns' hashes (and checkpoints) stay what they were.
      ...(target === 'timewait' ? { fin: pick(g.setup?.fin, DEFAULT_TIMEWAIT_FIN) } : {}),
      ...(g.setup?.fastopen !== undefined ? { fastopen: g.setup.fastopen } : {}),
      ...(g.setup?.data !== undefined ? { data: g.setup.data } : {}),
    },
    via: g.via ?? 'passive',
    // Only when given: other campaigns' hashes (and checkpoints) stay what they were.
    ...(g.calls
      ? {
          calls: {
            p: pick(g.calls.p, 0.2),
            ...(g.calls.n ? { n: g.calls.n as [number, number] } : {}),
            ...(g.calls.ordered ? { ordered: true } : {}),
            kinds: laterCallsOmitted(weights(g.calls.kinds, defaultCallWeights(target, g.via ?? 'passive'))),
          },
        }
      : {}),
  };
  const ipList: Array<4 | 6> = raw.ip === undefined ? [4] : raw.ip === 'both' ? [4, 6] : typeof raw.ip === 'number' ? [raw.ip] : [...new Set(raw.ip)];
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
    profiles: (raw.profiles ?? [{ name: DEFAULT_PROFILE }]).map((p) => ({
      name: p.name,
      sysctls: Object.fromEntries(Object.entries(p.sysctls ?? {}).map(([k, v]) => [k, sysctlValue(v)])),
    })),
    rotateEvery: raw.rotate_every ?? DEFAULT_ROTATE_EVERY,
    generator,
  };
  if (isActive(c)) c.connect = { port: raw.connect?.port ?? DEFAULT_CONNECT_PORT, sockopts: sockopts(raw.connect?.sockopts) };
  else c.listen = { port: raw.listen?.port ?? DEFAULT_LISTEN_PORT, backlog: raw.listen?.backlog ?? DEFAULT_BACKLOG, sockopts: sockopts(raw.listen?.sockopts) };
  if (raw.window !== undefined) c.window = raw.window;
  // Only when on: an unguided campaign's hash (and so its checkpoints) stays what it was.
  if (raw.guided) c.guided = true;
  return c;
}

/** Does this campaign connect out (SYN_SENT, or ESTABLISHED reached by an active open)? */
export function isActive(c: Pick<Campaign, 'target' | 'generator'>): boolean {
  return connectsOut(c.target, c.generator.via);
}
