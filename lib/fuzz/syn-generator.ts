// Random SYNs for differential testing: random extra flags, random option lists (malformed ones
// included), random MSS/WS/TS values, random TOS and occasional payload. Pure and seeded.
import { ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../wire/types';
import type { TcpOption } from '../wire/types';
import { optionByteLength } from '../wire/tcp-options';
import { Prng } from '../util/prng';

export interface SynShape {
  flags: number;
  seq: number;
  window: number;
  urg: number;
  tos: number;
  options: TcpOption[];
  payload: Uint8Array;
  /** The three reserved header bits. */
  reserved: number;
}

export interface SynGeneratorWeights {
  /** Probability of each extra flag on top of SYN. */
  extraFlag: number;
  /** Probability that the option list contains a malformed item. */
  malformed: number;
  /** Probability of a payload. */
  payload: number;
  /** Probability of the MD5 option (the kernel drops such SYNs: keep it rare). */
  md5: number;
  /** Probability of a non-zero reserved field. */
  reserved: number;
}

export const DEFAULT_WEIGHTS: SynGeneratorWeights = { extraFlag: 0.12, malformed: 0.25, payload: 0.08, md5: 0.02, reserved: 0.03 };

const EXTRA_FLAGS = [ECE, CWR, PSH, URG, FIN, RST, ACK, AE];
const MSS_VALUES = [0, 1, 48, 88, 536, 1220, 1300, 1440, 1460, 8960, 9000, 65495, 65535];

function u8(...xs: number[]): Uint8Array {
  return Uint8Array.from(xs);
}

// Weights of the option kinds below, in order (the last, MD5, scales with w.md5). The kinds are
// picked by index into a fixed table rather than from an array of closures built per call: the same
// draws in the same order, without allocating eleven closures per option.
const WELL_FORMED_WEIGHTS = [5, 4, 4, 4, 4, 1, 1, 0.5, 1, 1];
const wellFormedTables = new Map<number, number[]>();

function wellFormedWeights(md5: number): number[] {
  let t = wellFormedTables.get(md5);
  if (!t) {
    t = [...WELL_FORMED_WEIGHTS, md5 * 100];
    wellFormedTables.set(md5, t);
  }
  return t;
}

function wellFormed(rng: Prng, w: SynGeneratorWeights): TcpOption {
  switch (rng.weightedIndex(wellFormedWeights(w.md5))) {
    case 0:
      return { kind: 'mss', value: rng.chance(0.7) ? rng.pick(MSS_VALUES) : rng.int(0, 65535) };
    case 1:
      return { kind: 'wscale', shift: rng.chance(0.8) ? rng.int(0, 14) : rng.int(15, 255) };
    case 2:
      return { kind: 'sackOK' };
    case 3:
      return { kind: 'ts', val: rng.chance(0.1) ? 0 : rng.u32(), ecr: rng.chance(0.7) ? 0 : rng.u32() };
    case 4:
      return { kind: 'nop' };
    case 5:
      return { kind: 'eol' };
    case 6:
      return { kind: 'tfo', cookie: rng.chance(0.5) ? new Uint8Array(0) : rng.bytes(rng.pick([4, 6, 8, 16, 3, 5])) };
    case 7:
      return { kind: 'tfo', exp: true, cookie: rng.chance(0.5) ? new Uint8Array(0) : rng.bytes(8) };
    case 8:
      return { kind: 'sack', blocks: [[rng.u32(), rng.u32()]] };
    case 9:
      return { kind: 'unknown', type: rng.pick(UNKNOWN_TYPES), data: rng.bytes(rng.int(0, 6)) };
    default:
      return { kind: 'md5', digest: rng.bytes(16) };
  }
}

const UNKNOWN_TYPES = [6, 7, 9, 14, 15, 27, 28, 29, 30, 99, 172, 174, 200, 253];
const MALFORMED_WEIGHTS = [2, 2, 2, 1, 1, 2, 2];

/** Options that a byte-exact encoder keeps but the kernel must cope with (§4.2 malformed rows). */
function malformed(rng: Prng): TcpOption {
  switch (rng.weightedIndex(MALFORMED_WEIGHTS)) {
    case 0:
      return { kind: 'unknown', type: 3, data: u8(rng.int(0, 14), 0) }; // WS with len 4
    case 1:
      return { kind: 'unknown', type: 8, data: rng.bytes(7) }; // TS with len 9
    case 2:
      return { kind: 'unknown', type: 4, data: u8(0) }; // SACK_PERM with len 3
    case 3:
      return { kind: 'unknown', type: 2, data: u8(5) }; // MSS with len 3
    case 4:
      return { kind: 'unknown', type: 2, data: u8(5, 0xb4, 0) }; // MSS with len 5
    case 5:
      return { kind: 'bytes', bytes: u8(8, rng.int(0, 1)), note: 'silly length' }; // len < 2: stops parsing
    default:
      return { kind: 'bytes', bytes: u8(rng.pick([2, 3, 4, 8]), 40), note: 'length past the end' };
  }
}

/** How many well-formed options a SYN gets, by weight. */
const OPTION_COUNTS = [
  [1, 0],
  [2, 2],
  [4, 4],
  [4, 5],
  [2, 7],
  [1, 10],
] as const;

/** A random SYN-ish segment (SYN always set; other flags random). */
export function randomSyn(rng: Prng, w: SynGeneratorWeights = DEFAULT_WEIGHTS): SynShape {
  let flags = SYN;
  for (const f of EXTRA_FLAGS) if (rng.chance(w.extraFlag)) flags |= f;
  const options: TcpOption[] = [];
  let room = 40;
  const n = rng.weighted(OPTION_COUNTS);
  let terminal = false;
  for (let i = 0; i < n && !terminal; i++) {
    const o = wellFormed(rng, w);
    const len = optionByteLength(o);
    if (len > room) continue;
    options.push(o);
    room -= len;
  }
  if (rng.chance(w.malformed)) {
    const o = malformed(rng);
    const len = optionByteLength(o);
    if (len <= room) {
      // A malformed item anywhere: well-formed options after it show whether parsing went on.
      options.splice(rng.int(0, options.length), 0, o);
      room -= len;
      terminal = true;
    }
  }
  if (rng.chance(0.3)) {
    for (let i = options.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [options[i], options[j]] = [options[j], options[i]];
    }
  }
  return {
    flags,
    seq: rng.u32(),
    window: rng.chance(0.8) ? rng.pick([0, 1024, 8192, 29200, 64240, 65535]) : rng.int(0, 65535),
    urg: flags & URG || rng.chance(0.05) ? rng.int(0, 65535) : 0,
    tos: rng.chance(0.5) ? 0 : rng.int(0, 255),
    options,
    payload: rng.chance(w.payload) ? rng.bytes(rng.int(1, 20)) : new Uint8Array(0),
    reserved: rng.chance(w.reserved) ? rng.int(1, 7) : 0,
  };
}
