// Building blocks shared by the per-target generators: flags, edges for seq/ack, TS values, option
// lists (well-formed items by the campaign's weights plus one malformed item from the mutators),
// window, TOS, payload, header mistakes. Every function draws from the PRNG in a fixed order, so a
// (seed, index) pair always yields the same packet. Pure.
import { optionByteLength } from '../wire/tcp-options';
import { ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../wire/types';
import type { GeneratorConfig, MutatorName, OptionKindName } from './campaign';
import type { Prng } from '../util/prng';
import { IP_LAYER_MISTAKES, type ProbeMistakes, type ProbeOption, type ProbePacket, type SeqRef, type TsRef } from './probe';
import { DEFAULT_WEIGHTS, SynGeneratorWeights } from './syn-generator';

export const ALL_FLAGS = [FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE] as const;
export const FLAG_MASK = 0x1ff;
export const TWO31 = 0x80000000;

/** Offsets far from any edge: wrap-around halves, a window or two away, big jumps. */
export const FAR_OFFSETS = [TWO31, TWO31 - 1, -TWO31 + 1, 65535, 65536, -65536, 1_000_000, -1_000_000, 10_000_000, -10_000_000];
/** 32-bit values at the edges of modular arithmetic, for ISNs and TSvals. */
export const U32_EDGES = [0, 1, 0x7ffffffe, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff];

const TOS_VALUES = [1, 2, 3, 0x10, 0x28, 0x2b, 0xb8, 0xb9, 0xbb, 0xfc, 0xff];
const UNKNOWN_TYPES = [6, 7, 9, 14, 15, 16, 27, 28, 69, 99, 200];
const WEIRD_TYPES = [29, 30, 172, 174, 253, 254];

// ---------------------------------------------------------------------------------------------
// Per-config precomputation (weighted tables), cached by config object

export interface Compiled {
  kinds: Array<readonly [number, string]>;
  optionKinds: Array<readonly [number, OptionKindName]>;
  mutators: Array<readonly [number, MutatorName]>;
  tsecr: Array<readonly [number, 'inside' | 'outside' | 'zero' | 'random']>;
  tsval: Array<readonly [number, 'older' | 'same' | 'newer' | 'zero' | 'wrap']>;
  synWeights: SynGeneratorWeights;
  setupTsIndex: number;
}

const cache = new WeakMap<GeneratorConfig, Compiled>();

function table<K extends string>(m: Record<K, number>): Array<readonly [number, K]> {
  return (Object.keys(m) as K[]).filter((k) => m[k] > 0).map((k) => [m[k], k] as const);
}

export function compile(cfg: GeneratorConfig): Compiled {
  let c = cache.get(cfg);
  if (!c) {
    c = {
      kinds: table(cfg.kinds),
      optionKinds: table(cfg.options.weights),
      mutators: table(cfg.options.mutators),
      tsecr: table(cfg.tsecr),
      tsval: table(cfg.tsval),
      synWeights: {
        extraFlag: cfg.flags.extra,
        malformed: cfg.options.malformed,
        payload: cfg.payload.p,
        md5: cfg.options.weights.md5 > 0 ? DEFAULT_WEIGHTS.md5 : 0,
        reserved: cfg.flags.reserved,
      },
      setupTsIndex: cfg.setup.options.findIndex((o) => o.kind === 'ts'),
    };
    cache.set(cfg, c);
  }
  return c;
}

/** The packet class for this probe, by the campaign's weights. */
export function pickKind(rng: Prng, cfg: GeneratorConfig, fallback: string): string {
  const k = compile(cfg).kinds;
  return k.length ? rng.weighted(k) : fallback;
}

// ---------------------------------------------------------------------------------------------
// Fields

/** base flags plus each other flag with probability flags.extra */
export function withExtraFlags(rng: Prng, cfg: GeneratorConfig, base: number): number {
  let f = base;
  const p = cfg.flags.extra;
  for (let i = 0; i < ALL_FLAGS.length; i++) if (rng.float() < p) f |= ALL_FLAGS[i];
  return f;
}

/** Uniformly random F S R P A U E C N bits. */
export function randomFlags(rng: Prng): number {
  return rng.u32() & FLAG_MASK;
}

export function pickWindow(rng: Prng, cfg: GeneratorConfig): number {
  return rng.chance(cfg.window.random) ? rng.int(0, 65535) : rng.pick(cfg.window.values);
}

export function pickTos(rng: Prng, cfg: GeneratorConfig): number {
  if (!rng.chance(cfg.tos.p)) return 0;
  return rng.chance(0.7) ? rng.pick(TOS_VALUES) : rng.int(1, 255);
}

const EMPTY = new Uint8Array(0);

/** A payload with probability payload.p (always when `force`). */
export function pickPayload(rng: Prng, cfg: GeneratorConfig, force = false): Uint8Array {
  if (!force && !rng.chance(cfg.payload.p)) return EMPTY;
  const n = rng.chance(0.3) ? 1 : rng.int(1, cfg.payload.max);
  return rng.bytes(n);
}

export function pickMistakes(rng: Prng, cfg: GeneratorConfig): ProbeMistakes {
  const m: ProbeMistakes = {};
  if (rng.chance(cfg.flags.reserved)) m.reservedBits = rng.int(1, 7);
  if (rng.chance(cfg.mistakes.badChecksum)) m.tcpChecksum = 'bad';
  if (rng.chance(cfg.mistakes.ipChecksum)) m.ipChecksum = 'bad';
  if (rng.chance(cfg.mistakes.dataOffset)) m.dataOffset = rng.pick([0, 1, 4, 15]);
  // (drawn only when the campaign gives ip_layer: other probe streams stay as they were)
  if (cfg.mistakes.ipLayer && rng.chance(cfg.mistakes.ipLayer)) m.ipLayer = rng.pick(IP_LAYER_MISTAKES);
  return m;
}

/** A peer ISN or TSval: uniform, or a modular edge with probability isnEdge. */
export function pickU32(rng: Prng, cfg: GeneratorConfig): number {
  return rng.chance(cfg.isnEdge) ? rng.pick(U32_EDGES) : rng.u32();
}

/**
 * A sequence/ack value around the edges that matter: with probability `edge`, one of `edges` plus
 * one of the configured offsets (−1/0/+1 by default); otherwise a far value from one of the edges,
 * or (1 in 4) an absolute random number.
 */
export function nearEdge(rng: Prng, sel: { offsets: number[]; edge: number }, edges: readonly SeqRef[]): SeqRef {
  const e = rng.pick(edges);
  if (rng.chance(sel.edge)) {
    const r: SeqRef = { base: e.base, offset: e.offset + rng.pick(sel.offsets) };
    if (e.win) r.win = true;
    return r;
  }
  if (rng.chance(0.25)) return { base: 'abs', offset: rng.u32() };
  const r: SeqRef = { base: e.base, offset: e.offset + rng.pick(FAR_OFFSETS) };
  if (e.win) r.win = true;
  return r;
}

export function seqRef(base: SeqRef['base'], offset: number, win = false): SeqRef {
  return win ? { base, offset, win: true } : { base, offset };
}

/** TSecr by the campaign's weights: inside = the DUT's (single) TSval, outside = just/far beyond it. */
export function pickTsecr(rng: Prng, cfg: GeneratorConfig): TsRef {
  const t = compile(cfg).tsecr;
  const how = t.length ? rng.weighted(t) : 'inside';
  switch (how) {
    case 'inside':
      return { base: 'dut.tsval', offset: 0 };
    case 'outside':
      return { base: 'dut.tsval', offset: rng.pick([-1, 1, -1, 1, -2, 2, -1000, 1000, 100000, TWO31, -TWO31 + 1]) };
    case 'zero':
      return { base: 'abs', offset: 0 };
    case 'random':
      return { base: 'abs', offset: rng.u32() };
  }
}

/** TSval by the campaign's weights, relative to ts_recent (the peer's setup TSval). */
export function pickTsval(rng: Prng, cfg: GeneratorConfig): TsRef {
  const t = compile(cfg).tsval;
  const how = t.length ? rng.weighted(t) : 'same';
  switch (how) {
    case 'older':
      return { base: 'peer.tsval', offset: -rng.pick([1, 1, 2, 1000, 100000, TWO31 - 1]) };
    case 'same':
      return { base: 'peer.tsval', offset: 0 };
    case 'newer':
      return { base: 'peer.tsval', offset: rng.pick([1, 1, 2, 1000, 100000, TWO31 - 1]) };
    case 'zero':
      return { base: 'abs', offset: 0 };
    case 'wrap':
      return { base: 'peer.tsval', offset: rng.pick([TWO31, TWO31 + 1, -TWO31 + 1]) };
  }
}

// ---------------------------------------------------------------------------------------------
// Options

export function probeOptionBytes(o: ProbeOption): number {
  // (the kernel's cookie is 8 bytes: kind, length, cookie; the experimental form adds the 2-byte magic)
  return o.kind === 'ts' ? 10 : o.kind === 'tfo-valid' ? (o.exp ? 12 : 10) : optionByteLength(o);
}

export function listBytes(opts: readonly ProbeOption[]): number {
  let n = 0;
  for (let i = 0; i < opts.length; i++) n += probeOptionBytes(opts[i]);
  return n;
}

function u8(...xs: number[]): Uint8Array {
  return Uint8Array.from(xs);
}

/** One well-formed item of the given kind, with values from the campaign's ranges. */
export function wellFormedOption(rng: Prng, cfg: GeneratorConfig, kind: OptionKindName, ts: () => ProbeOption, room: number): ProbeOption {
  const o = cfg.options;
  switch (kind) {
    case 'mss':
      return { kind: 'mss', value: rng.chance(o.mssRandom) ? rng.int(0, 65535) : rng.pick(o.mss) };
    case 'wscale':
      return { kind: 'wscale', shift: rng.chance(o.wscaleInvalid) ? rng.int(15, 255) : rng.int(o.wscale[0], o.wscale[1]) };
    case 'sackOK':
      return { kind: 'sackOK' };
    case 'ts':
      return ts();
    case 'nop':
      return { kind: 'nop' };
    case 'eol':
      return { kind: 'eol' };
    case 'tfo':
    case 'tfoexp': {
      const cookie = rng.chance(0.5) ? EMPTY : rng.bytes(rng.pick([4, 6, 8, 8, 16]));
      return kind === 'tfoexp' ? { kind: 'tfo', cookie, exp: true } : { kind: 'tfo', cookie };
    }
    case 'sack': {
      const max = Math.max(1, Math.min(4, Math.floor((room - 2) / 8)));
      const blocks: Array<[number, number]> = [];
      for (let i = rng.int(1, max); i > 0; i--) blocks.push([rng.u32(), rng.u32()]);
      return { kind: 'sack', blocks };
    }
    case 'unknown':
      return { kind: 'unknown', type: rng.pick(UNKNOWN_TYPES), data: rng.bytes(rng.int(0, 6)) };
    case 'md5':
      return { kind: 'md5', digest: rng.bytes(16) };
  }
}

/**
 * One malformed item (or a short run) from a mutator; `well` yields a well-formed item for the
 * mutators that need one (after_eol, duplicate).
 */
export function mutatorItems(rng: Prng, m: MutatorName, well: (k: OptionKindName) => ProbeOption): ProbeOption[] {
  switch (m) {
    case 'ws_len4':
      return [{ kind: 'unknown', type: 3, data: u8(rng.int(0, 14), 0) }];
    case 'ts_len9':
      return [{ kind: 'unknown', type: 8, data: rng.bytes(7) }];
    case 'ts_len11':
      return [{ kind: 'unknown', type: 8, data: rng.bytes(9) }];
    case 'sackok_len3':
      return [{ kind: 'unknown', type: 4, data: u8(0) }];
    case 'mss_len3':
      return [{ kind: 'unknown', type: 2, data: u8(5) }];
    case 'mss_len5':
      return [{ kind: 'unknown', type: 2, data: u8(5, 0xb4, 0) }];
    case 'silly_len':
      return [{ kind: 'bytes', bytes: u8(rng.pick([2, 3, 4, 5, 8, 34]), rng.int(0, 1)), note: 'silly length' }];
    case 'past_end':
      return [{ kind: 'bytes', bytes: u8(rng.pick([2, 3, 4, 8, 34]), rng.pick([40, 60, 255])), note: 'length past the end' }];
    case 'lone_kind':
      return [{ kind: 'bytes', bytes: u8(rng.pick([2, 3, 4, 8, 19, 34])), note: 'lone kind byte' }];
    case 'after_eol':
      return [{ kind: 'eol' }, well(rng.pick(['mss', 'wscale', 'sackOK', 'ts'] as const))];
    case 'duplicate': {
      const k = rng.pick(['mss', 'wscale', 'ts', 'sackOK'] as const);
      return [well(k), well(k)];
    }
    case 'tfo_odd': {
      const n = rng.pick([1, 2, 3, 5, 17, 18]);
      return [rng.chance(0.8) ? { kind: 'tfo', cookie: rng.bytes(n) } : { kind: 'tfo', cookie: rng.bytes(n), exp: true }];
    }
    case 'md5_len':
      return [{ kind: 'unknown', type: 19, data: rng.bytes(rng.pick([0, 8, 15, 17])) }];
    case 'unknown_kind':
      return [{ kind: 'unknown', type: rng.pick(WEIRD_TYPES), data: rng.bytes(rng.int(0, 10)) }];
    case 'zero_len_tlv':
      return [{ kind: 'unknown', type: rng.pick([2, 3, 5, 8, 19]), data: EMPTY }];
  }
}

const MAX_OPTION_BYTES = 40;

/**
 * Inserts one malformed item with probability options.malformed (always when `force`), if it fits.
 * A lone kind byte goes last, NOP-padded so that it is the area's final byte.
 */
export function maybeMalformed(rng: Prng, cfg: GeneratorConfig, opts: ProbeOption[], well: (k: OptionKindName) => ProbeOption, force = false): void {
  const table = compile(cfg).mutators;
  if (table.length === 0 || !(force || rng.chance(cfg.options.malformed))) return;
  const m = rng.weighted(table);
  const items = mutatorItems(rng, m, well);
  const used = listBytes(opts);
  if (m === 'lone_kind') {
    const pad = (3 - ((used + 0) % 4) + 4) % 4; // so that used + pad + 1 ≡ 0 (mod 4)
    if (used + pad + 1 > MAX_OPTION_BYTES) return;
    for (let i = 0; i < pad; i++) opts.push({ kind: 'nop' });
    opts.push(items[0]);
    return;
  }
  if (used + listBytes(items) > MAX_OPTION_BYTES) return;
  opts.splice(rng.int(0, opts.length), 0, ...items);
}

/** True when a list ends with a lone kind byte (it must stay last). */
function endsLone(opts: readonly ProbeOption[]): boolean {
  const l = opts[opts.length - 1];
  return l !== undefined && l.kind === 'bytes' && l.note === 'lone kind byte';
}

/**
 * An option list by the campaign: count well-formed items by weight (those that fit in 40 bytes),
 * maybe one malformed item, maybe shuffled. `ts` builds the TS item (its values depend on the packet).
 */
export function fuzzOptions(rng: Prng, cfg: GeneratorConfig, ts: () => ProbeOption, forceMalformed = false): ProbeOption[] {
  const c = compile(cfg);
  const opts: ProbeOption[] = [];
  let room = MAX_OPTION_BYTES;
  if (c.optionKinds.length) {
    const n = rng.int(cfg.options.count[0], cfg.options.count[1]);
    for (let i = 0; i < n; i++) {
      const o = wellFormedOption(rng, cfg, rng.weighted(c.optionKinds), ts, room);
      const len = probeOptionBytes(o);
      if (len > room) continue;
      opts.push(o);
      room -= len;
    }
  }
  const well = (k: OptionKindName) => wellFormedOption(rng, cfg, k, ts, 40);
  maybeMalformed(rng, cfg, opts, well, forceMalformed);
  if (opts.length > 1 && rng.chance(cfg.options.shuffle)) {
    const end = endsLone(opts) ? opts.length - 1 : opts.length;
    for (let i = end - 1; i > 0; i--) {
      const j = rng.int(0, i);
      const t = opts[i];
      opts[i] = opts[j];
      opts[j] = t;
    }
  }
  return opts;
}

/**
 * Options of a non-SYN segment: a TS option (NOP NOP TS as stacks send it) with probability
 * options.ts, further random items with probability options.extra, and maybe a malformed item.
 */
export function segmentOptions(rng: Prng, cfg: GeneratorConfig, ts: () => ProbeOption, forceTs = false): ProbeOption[] {
  const opts: ProbeOption[] = [];
  if (forceTs || rng.chance(cfg.options.ts)) {
    if (rng.chance(0.8)) opts.push({ kind: 'nop' }, { kind: 'nop' });
    opts.push(ts());
  }
  const c = compile(cfg);
  if (c.optionKinds.length && rng.chance(cfg.options.extra)) {
    let room = MAX_OPTION_BYTES - listBytes(opts);
    for (let i = rng.int(1, 3); i > 0; i--) {
      const o = wellFormedOption(rng, cfg, rng.weighted(c.optionKinds), ts, room);
      const len = probeOptionBytes(o);
      if (len > room) continue;
      opts.push(o);
      room -= len;
    }
  }
  maybeMalformed(rng, cfg, opts, (k) => wellFormedOption(rng, cfg, k, ts, 40));
  return opts;
}

/** A packet with the given fields, window/TOS/mistakes drawn from the campaign. */
export function packet(
  rng: Prng,
  cfg: GeneratorConfig,
  f: { flags: number; seq: SeqRef; ack: SeqRef; options: ProbeOption[]; payload?: Uint8Array; window?: number },
): ProbePacket {
  const window = f.window ?? pickWindow(rng, cfg);
  const tos = pickTos(rng, cfg);
  const mistakes = pickMistakes(rng, cfg);
  const urg = f.flags & URG || rng.chance(0.02) ? rng.int(0, 65535) : 0;
  return { flags: f.flags, seq: f.seq, ack: f.ack, window, urg, options: f.options, payload: f.payload ?? EMPTY, tos, mistakes };
}

/** The usual TS option of a segment in an open handshake: TSval vs ts_recent, TSecr vs the DUT's. */
export function tsOption(rng: Prng, cfg: GeneratorConfig): ProbeOption {
  return { kind: 'ts', val: pickTsval(rng, cfg), ecr: pickTsecr(rng, cfg) };
}

export { EMPTY as EMPTY_PAYLOAD };
export const FLAGS = { FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE };
