// probeAt(campaign, index): the campaign's probe number `index`, random-access. Each probe draws
// from its own PRNG seeded from (campaign seed, index), so probes do not depend on each other or on
// the order they are asked for: resuming at index n or replaying index k gives exactly the probes
// the first run had. The sysctl profile rotates in blocks of rotateEvery probes; the IP version
// alternates by index; the peer port cycles through the campaign's range. Pure.
import type { Campaign, GeneratorConfig } from './campaign';
import { isActive } from './campaign';
import { FLAGS, pickKind, pickU32 } from './gen-common';
import { genEstablished, genEstablishedKind } from './gen-established';
import { genListener, genListenerKind } from './gen-listener';
import { genRequest, genRequestKind, withKnownCookieBits } from './gen-request';
import { genSynSent, genSynSentKind, synackOptions } from './gen-synsent';
import { genTimeWait, genTimeWaitKind } from './gen-timewait';
import { pickIcmp } from './gen-icmp';
import { fastOpenSetup, genFastOpenSynAck, pickFastOpenSetup, type FastOpenSetup } from './gen-fastopen';
import { Prng } from '../util/prng';
import { netnsKeys } from '../model/kernel/fastopen';
import { toHex } from '../wire/bytes';
import { CALL_ORDER, CALLS_BEFORE, type Probe, type ProbeCall, type ProbeOption, type ProbePacket, type SetupStep, type Target } from './probe';

/** The pure per-target generators: (rng, config, index) → the mutated packet. */
export const GENERATORS: Readonly<Record<Target, (rng: Prng, cfg: GeneratorConfig, index: number) => ProbePacket>> = {
  listener: genListener,
  request: genRequest,
  synsent: genSynSent,
  established: genEstablished,
  timewait: genTimeWait,
};

const BY_KIND: Readonly<Record<Target, (rng: Prng, cfg: GeneratorConfig, kind: string) => ProbePacket>> = {
  listener: genListenerKind,
  request: genRequestKind,
  synsent: (rng, cfg, kind) => (kind === 'synack_tfo' ? genFastOpenSynAck(rng, cfg) : genSynSentKind(rng, cfg, kind)),
  established: genEstablishedKind,
  timewait: genTimeWaitKind,
};

const FALLBACK: Readonly<Record<Target, string>> = { listener: 'syn', request: 'ack', synsent: 'synack', established: 'syn', timewait: 'syn' };

function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The PRNG seed of probe `index`. For a fixed campaign seed it is a bijection on indices below 2^32,
 * so no two of those probes share a random stream.
 */
export function probeSeed(seed: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 4294967296) >>> 0;
  let h = mix32((seed ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ lo) >>> 0);
  if (hi) h = mix32((h ^ Math.imul(hi, 0x5bd1e995)) >>> 0);
  return h;
}

/** The sysctl profile probe `index` runs under. */
export function profileIndexAt(c: Campaign, index: number): number {
  return Math.floor(index / c.rotateEvery) % c.profiles.length;
}

// ---------------------------------------------------------------------------------------------
// Setup steps (fixed per campaign, two variants: the peer sends TS or not)

const NO_MISTAKES = Object.freeze({});
const EMPTY = new Uint8Array(0);

function setupPacket(flags: number, seq: ProbePacket['seq'], ack: ProbePacket['ack'], window: number, options: ProbeOption[]): ProbePacket {
  return { flags, seq, ack, window, urg: 0, options, payload: EMPTY, tos: 0, mistakes: NO_MISTAKES };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !(o instanceof Uint8Array) && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as object)) deepFreeze(v);
  }
  return o;
}

/** The DUT closes; the peer acks its FIN with its own FIN (TIME_WAIT) or without (the FIN_WAIT2 substate). */
function closeSteps(ts: boolean, fin: boolean): SetupStep[] {
  const { FIN, ACK } = FLAGS;
  const opts: ProbeOption[] = ts
    ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr: { base: 'dut.tsval', offset: 0 } }]
    : [];
  return [
    { kind: 'close' },
    { kind: 'capture', what: 'fin', bind: ['dutTsval'] },
    {
      kind: 'send',
      what: fin ? 'finack' : 'ack',
      packet: setupPacket(fin ? FIN | ACK : ACK, { base: 'peer.isn', offset: 1 }, { base: 'dut.isn', offset: 2 }, 502, opts),
    },
    { kind: 'capture', what: 'ack', bind: ['dutTsval'] },
  ];
}

/** The first connection's SYN-ACK of an active set-up (the campaign's template, TS or not). */
function activeSynAck(c: Campaign, ts: boolean): ProbePacket {
  const { SYN, ACK } = FLAGS;
  const rng = new Prng(0); // synackOptions draws only when withTs is not given
  const saOpts = synackOptions(rng, c.generator, { base: 'dut.tsval', offset: 0 }, ts);
  return setupPacket(SYN | ACK, { base: 'peer.isn', offset: 0 }, { base: 'dut.isn', offset: 1 }, 65160, saOpts);
}

function buildSetup(c: Campaign, ts: boolean, fin = true, fo?: FastOpenSetup): SetupStep[] {
  const g = c.generator;
  if (fo) return fastOpenSetup(fo, g.setup.fastopen ?? 0, activeSynAck(c, ts));
  const { SYN, ACK } = FLAGS;
  const synOpts = g.setup.options.flatMap((o): ProbeOption[] =>
    o.kind !== 'ts' ? [o] : ts ? [{ kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr: { base: 'abs', offset: 0 } }] : [],
  );
  const ackOpts: ProbeOption[] = ts
    ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: { base: 'peer.tsval', offset: 0 }, ecr: { base: 'dut.tsval', offset: 0 } }]
    : [];
  const syn = setupPacket(SYN, { base: 'peer.isn', offset: 0 }, { base: 'abs', offset: 0 }, 64240, synOpts);
  // (setup.data: bytes on the SYN — a Fast Open child under a no-cookie profile; the third ACK follows them)
  const synData = g.setup.data ?? 0;
  if (synData) syn.payload = new Uint8Array(synData).fill(0x61);
  const third = setupPacket(ACK, { base: 'peer.isn', offset: 1 + synData }, { base: 'dut.isn', offset: 1 }, 502, ackOpts);
  switch (c.target) {
    case 'listener':
      return [];
    case 'request':
      return [
        { kind: 'send', what: 'syn', packet: syn },
        { kind: 'capture', what: 'synack', bind: ['dutIsn', 'dutTsval', 'dutWindow'] },
      ];
    case 'synsent':
      return [{ kind: 'connect' }, { kind: 'capture', what: 'syn', bind: ['dutIsn', 'dutTsval', 'dutWindow'] }];
    case 'timewait':
      return [...buildSetup({ ...c, target: 'established' }, ts), ...closeSteps(ts, fin)];
    case 'established':
      if (isActive(c)) {
        return [
          { kind: 'connect' },
          { kind: 'capture', what: 'syn', bind: ['dutIsn', 'dutTsval', 'dutWindow'] },
          { kind: 'send', what: 'synack', packet: activeSynAck(c, ts) },
          { kind: 'capture', what: 'ack', bind: ['dutTsval'] },
        ];
      }
      return [
        { kind: 'send', what: 'syn', packet: syn },
        { kind: 'capture', what: 'synack', bind: ['dutIsn', 'dutTsval', 'dutWindow'] },
        { kind: 'send', what: 'ack', packet: third },
      ];
  }
}

const setupCache = new WeakMap<Campaign, Map<string, SetupStep[]>>();

/**
 * The setup steps of the campaign's target (frozen, shared between probes): with or without TS, and
 * (timewait) with or without the peer's FIN.
 */
export function setupFor(c: Campaign, ts: boolean, fin = true, fo?: FastOpenSetup): SetupStep[] {
  let m = setupCache.get(c);
  if (!m) setupCache.set(c, (m = new Map()));
  const key = `${ts ? 'ts' : 'no-ts'}${c.target === 'timewait' && !fin ? '-no-fin' : ''}${fo ? `-${fo}` : ''}`;
  let s = m.get(key);
  if (!s) m.set(key, (s = deepFreeze(buildSetup(c, ts, fin, fo))));
  return s;
}

/** The setup variant of a probe's steps (which TS / FIN / client Fast Open choice made them). */
export function setupVariant(steps: readonly SetupStep[]): { ts: boolean; fin: boolean; fo?: FastOpenSetup } {
  const conns = steps.filter((s): s is Extract<SetupStep, { kind: 'connect' }> => s.kind === 'connect');
  const last = conns[conns.length - 1]?.tfo?.via;
  const fo: FastOpenSetup | undefined = !last
    ? undefined
    : conns.length > 1
      ? last === 'sendto'
        ? 'cached-sendto'
        : 'cached-defer'
      : last === 'sendto'
        ? 'request-sendto'
        : 'request-connect';
  return {
    ...(fo ? { fo } : {}),
    ts:
      steps.some((s) => s.kind === 'send' && s.packet.options.some((o) => o.kind === 'ts')) ||
      steps.some((s) => s.kind === 'send' && s.what === 'synack' && s.packet.options.some((o) => o.kind === 'ts')),
    fin: !steps.some((s) => s.kind === 'send' && s.what === 'ack' && s.packet.ack.base === 'dut.isn' && s.packet.ack.offset === 2),
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Probe number `index` of the campaign. Deterministic and random-access: the same (campaign, index)
 * always gives an equal probe, whatever was generated before. Setup steps are frozen and shared.
 */
export function probeAt(c: Campaign, index: number): Probe {
  if (!Number.isSafeInteger(index) || index < 0) throw new Error(`probeAt: index must be a whole number ≥ 0, got ${index}`);
  const g = c.generator;
  const seed = probeSeed(c.seed, index);
  const rng = new Prng(seed);
  const active = isActive(c);
  const sport = active ? c.connect!.port : g.ports[0] + (index % (g.ports[1] - g.ports[0] + 1));
  const peerIsn = pickU32(rng, g);
  const peerTsval = pickU32(rng, g);
  const ts = rng.chance(g.setup.ts);
  // (drawn only for timewait: the other targets' probe streams stay as they were)
  const fin = c.target === 'timewait' ? rng.chance(g.setup.fin ?? 0.75) : true;
  // (drawn only with setup.fastopen: the other campaigns' probe streams stay as they were)
  const fo = c.target === 'synsent' && g.setup.fastopen !== undefined ? pickFastOpenSetup(rng) : undefined;
  const kind = pickKind(rng, g, FALLBACK[c.target]);
  const raw = BY_KIND[c.target](rng, g, kind);
  let mutated = c.target === 'request' ? withKnownCookieBits(raw, ts) : kind === 'tfo_valid' ? withProfileKeys(raw, c, index) : raw;
  const ip = c.ip[index % c.ip.length];
  // (drawn only when the campaign gives mistakes.icmp: the other probe streams stay as they were)
  if (g.mistakes.icmp && c.target !== 'listener' && rng.chance(g.mistakes.icmp)) mutated = { ...mutated, icmp: pickIcmp(rng, c.target, ip) };
  return {
    index,
    seed,
    target: c.target,
    kind,
    profile: c.profiles[profileIndexAt(c, index)].name,
    ip,
    sport,
    peerIsn,
    peerTsval,
    setup: setupFor(c, ts, fin, fo),
    mutated,
    // (drawn last and only with `calls`: the other campaigns' probe streams stay as they were)
    ...(g.calls && rng.chance(g.calls.p) ? drawCalls(rng, g.calls.kinds, g.calls.n, g.calls.ordered) : {}),
  };
}

/**
 * A tfo_valid SYN's cookie option under the probe's profile key (net.ipv4.tcp_fastopen_key: primary,
 * or the backup when the profile has one); without a key, 8 fixed bytes no key made (an invalid cookie).
 */
function withProfileKeys(p: ProbePacket, c: Campaign, index: number): ProbePacket {
  const keys = netnsKeys(String(c.profiles[profileIndexAt(c, index)].sysctls['net.ipv4.tcp_fastopen_key'] ?? '') || undefined);
  const options = p.options.map((o): ProbeOption => {
    if (o.kind !== 'tfo-valid') return o;
    const key = o.which === 'backup' ? keys?.backup : keys?.primary;
    if (!key) return { kind: 'tfo', cookie: Uint8Array.of(0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a), ...(o.exp ? { exp: true } : {}) };
    return { ...o, keyHex: toHex(key) };
  });
  return { ...p, options };
}

/**
 * Calls by weight — one or two (two with probability 0.3), or uniformly `n[0]`..`n[1]` when the campaign
 * gives calls.n — split into those played before the mutated packet and after it.
 */
export function drawCalls(
  rng: Prng,
  kinds: Readonly<Partial<Record<ProbeCall, number>>>,
  count?: readonly [number, number],
  ordered = false,
): Pick<Probe, 'before' | 'after'> {
  const table = (Object.entries(kinds) as Array<[ProbeCall, number]>).filter(([, w]) => w > 0);
  if (!table.length) return {};
  const n = count ? rng.int(count[0], count[1]) : rng.chance(0.3) ? 2 : 1;
  const before: ProbeCall[] = [];
  const after: ProbeCall[] = [];
  for (let i = 0; i < n; i++) {
    const k = rng.weighted(table.map(([name, w]) => [w, name] as const));
    (CALLS_BEFORE.has(k) ? before : after).push(k);
  }
  if (ordered) {
    const rank = (c: ProbeCall): number => CALL_ORDER.indexOf(c);
    before.sort((x, y) => rank(x) - rank(y));
    after.sort((x, y) => rank(x) - rank(y));
  }
  return { ...(before.length ? { before } : {}), ...(after.length ? { after } : {}) };
}

/** Probes from..to-1 (to = Infinity: forever), in order. */
export function* probesFrom(c: Campaign, from: number, to = Infinity): Generator<Probe> {
  for (let i = from; i < to; i++) yield probeAt(c, i);
}
