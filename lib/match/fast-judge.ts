// The judge's fast path: do the frames the kernel sent agree with the model's predictions, read
// straight from their bytes? Decodes only the fields a prediction compares, builds no packet objects,
// formats no text. It answers "they agree" only when the full judge (judge.ts: decode, PacketJson,
// bind) would return ok for the same input — same fields, same checks, same symbol bindings, in the
// same order; anything it does not handle in exactly that way (an option it does not read, an odd
// header, a count that differs, any field that differs) answers "not proven", and the caller runs the
// full judge, which then also produces the field-by-field diff.
import type { FieldExpect, Prediction } from '../model/core/state';
import type { Num } from '../model/core/symbols';
import { flagsToString } from '../wire/flags';

/** flagsToString for the nine flag bits (the reserved bits are never shown). */
const FLAG_TEXT: readonly string[] = Array.from({ length: 512 }, (_, i) => flagsToString(i));

const ETH_MIN_FRAME = 60;

/** match.ts's names of the MSS and WS fields of option number k (at most 40 options fit). */
const MSS_FIELD: readonly string[] = Array.from({ length: 40 }, (_, k) => `opt.mss.${k}`);
const WS_FIELD: readonly string[] = Array.from({ length: 40 }, (_, k) => `opt.wscale.${k}`);

/**
 * Symbol bindings: the state's, plus what this comparison bound. A comparison binds a few symbols at
 * most (ISN, TS offset, IP ID), so those sit in a short list searched linearly — cheaper than a
 * dictionary lookup keyed by the model's fresh symbol strings; the state's own bindings (usually none
 * at a fresh listener) are consulted only when there are any.
 */
class Bindings {
  private readonly names: string[] = [];
  private readonly vals: number[] = [];
  private n = 0;
  private base: Readonly<Record<string, number>> = {};
  private baseEmpty = true;
  reset(base: Readonly<Record<string, number>>): void {
    this.n = 0;
    this.base = base;
    this.baseEmpty = true;
    for (const _ in base) {
      this.baseEmpty = false;
      break;
    }
  }
  get(k: string): number | undefined {
    const names = this.names;
    for (let i = 0; i < this.n; i++) if (names[i] === k) return this.vals[i];
    return this.baseEmpty ? undefined : this.base[k];
  }
  /** `base` with what this comparison bound added, in a copy made by `copy` (`base` itself when it bound nothing). */
  boundInto(base: Readonly<Record<string, number>>, copy: (b: Readonly<Record<string, number>>) => Record<string, number>): Readonly<Record<string, number>> {
    if (this.n === 0) return base;
    const out = copy(base);
    for (let i = 0; i < this.n; i++) out[this.names[i]] = this.vals[i];
    return out;
  }
  set(k: string, v: number): void {
    for (let i = 0; i < this.n; i++) {
      if (this.names[i] === k) {
        this.vals[i] = v;
        return;
      }
    }
    this.names[this.n] = k;
    this.vals[this.n++] = v;
  }
}

/** One instance, reset per comparison (comparisons never nest). */
const scratch = new Bindings();

function numOf(n: Num, b: Bindings): number | undefined {
  if (typeof n === 'number') return n;
  const v = b.get(n.sym);
  return v === undefined ? undefined : (v + (n.rel ?? 0)) >>> 0;
}

/** lib/model/core/match.ts check() for numeric observations: true when it would return null. */
function checkNum(e: FieldExpect, obs: number, b: Bindings, wrap16: boolean): boolean {
  if (typeof e === 'number') return obs === e;
  if ('sym' in e) {
    const v = b.get(e.sym);
    if (v === undefined) {
      b.set(e.sym, (obs - (e.rel ?? 0)) >>> 0);
      return true;
    }
    const want = (v + (e.rel ?? 0)) >>> 0;
    if (wrap16 && (want & 0xffff) === obs) return true;
    return want === obs;
  }
  if ('even' in e) {
    if (obs % 2 !== 0) return false;
    return !(e.range && (obs < e.range[0] || obs > e.range[1]));
  }
  if ('range' in e) {
    if (e.bindAs !== undefined && b.get(e.bindAs) === undefined) b.set(e.bindAs, obs);
    return obs >= e.range[0] && obs <= e.range[1];
  }
  if ('low6' in e) return (obs & 63) === e.low6;
  if ('tsval' in e) {
    const t = e.tsval;
    if (t.bindAs !== undefined && b.get(t.bindAs) === undefined) b.set(t.bindAs, obs >>> 0);
    let off = numOf(t.off, b);
    if (off === undefined) {
      off = (obs - t.approxMs) >>> 0;
      if (typeof t.off !== 'number') b.set(t.off.sym, off);
    }
    const raw = (obs - off) >>> 0;
    const d = (raw - (t.approxMs >>> 0)) | 0;
    if (Math.abs(d) > t.tolMs) return false;
    return !(t.low6 !== undefined && (raw & 63) !== t.low6);
  }
  // hex / symHex expectations compare strings: not a numeric field.
  return false;
}

/** One field as match.ts's unify() compares it: a literal, or '*' with its expectation (if any). */
function field(p: Prediction, name: string, want: unknown, got: number, b: Bindings): boolean {
  if (want === '*') {
    const e = p.expect[name];
    return e === undefined || checkNum(e, got, b, name === 'ip.id');
  }
  return want === got;
}

/**
 * Do frames[first .. first+count) (Ethernet on, packed: frame j is buf[offs[j] .. offs[j+1])) agree
 * with `predictions`, field by field? `bindings` are the model state's. True only when the full judge
 * would say ok; false means "not proven here" (run the full judge).
 */
export function framesAgree(
  predictions: readonly Prediction[],
  buf: Uint8Array,
  offs: ArrayLike<number>,
  first: number,
  count: number,
  bindings: Readonly<Record<string, number>>,
): boolean {
  if (predictions.length !== count) return false;
  const b = scratch;
  b.reset(bindings);
  for (let i = 0; i < count; i++) {
    if (!frameAgrees(predictions[i], buf, offs[first + i], offs[first + i + 1], b)) return false;
  }
  return true;
}

/**
 * framesAgree for frames held apart (each its own array, Ethernet on), returning the bindings the
 * full judge would have left — `bindings` with what this comparison bound added (to a copy made by
 * `copy`; `bindings` itself when it bound nothing) — or undefined when agreement is not proven here
 * (run the full judge).
 */
export function framesAgreeBinding(
  predictions: readonly Prediction[],
  frames: readonly Uint8Array[],
  bindings: Readonly<Record<string, number>>,
  copy: (b: Readonly<Record<string, number>>) => Record<string, number>,
): Readonly<Record<string, number>> | undefined {
  if (predictions.length !== frames.length) return undefined;
  const b = scratch;
  b.reset(bindings);
  for (let i = 0; i < frames.length; i++) if (!frameAgrees(predictions[i], frames[i], 0, frames[i].length, b)) return undefined;
  return b.boundInto(bindings, copy);
}

function frameAgrees(p: Prediction, f: Uint8Array, s: number, e: number, b: Bindings): boolean {
  const len = e - s;
  if (len < 14 + 20) return false;
  const type = (f[s + 12] << 8) | f[s + 13];
  const ip = s + 14;
  const pip = p.packet.ip as unknown as Record<string, unknown>;
  let tcp: number;
  let end: number;
  if (type === 0x0800) {
    if (f[ip] !== 0x45) return false; // IPv4 with options: the full judge
    const total = (f[ip + 2] << 8) | f[ip + 3];
    if (total < 40 || 14 + total > len || (14 + total < len && len > ETH_MIN_FRAME)) return false;
    if ((((f[ip + 6] & 0x3f) << 8) | f[ip + 7]) !== 0 || f[ip + 9] !== 6) return false; // fragment, not TCP
    for (const k in pip) {
      let got: number;
      if (k === 'ttl') got = f[ip + 8];
      else if (k === 'tos') got = f[ip + 1];
      else if (k === 'id') got = (f[ip + 4] << 8) | f[ip + 5];
      else if (k === 'df') {
        if (pip.df !== ((f[ip + 6] & 0x40) !== 0)) return false;
        continue;
      } else return false;
      if (!field(p, 'ip.' + k, pip[k], got, b)) return false;
    }
    tcp = ip + 20;
    end = ip + total;
  } else if (type === 0x86dd) {
    if (len < 14 + 40 + 20 || f[ip] >> 4 !== 6 || f[ip + 6] !== 6) return false; // not TCP right after the header
    const plen = (f[ip + 4] << 8) | f[ip + 5];
    if (54 + plen > len || (54 + plen < len && len > ETH_MIN_FRAME)) return false;
    for (const k in pip) {
      let got: number;
      if (k === 'hlim') got = f[ip + 7];
      else if (k === 'tclass') got = ((f[ip] & 0x0f) << 4) | (f[ip + 1] >> 4);
      else if (k === 'flow') got = ((f[ip + 1] & 0x0f) << 16) | (f[ip + 2] << 8) | f[ip + 3];
      else return false;
      if (!field(p, 'ip.' + k, pip[k], got, b)) return false;
    }
    tcp = ip + 40;
    end = tcp + plen;
  } else return false;
  if (end - tcp < 20) return false;
  const hl = (f[tcp + 12] >> 4) * 4;
  if (hl < 20 || tcp + hl > end) return false;
  const pt = p.packet.tcp;
  if (!field(p, 'tcp.sport', pt.sport, (f[tcp] << 8) | f[tcp + 1], b)) return false;
  if (!field(p, 'tcp.dport', pt.dport, (f[tcp + 2] << 8) | f[tcp + 3], b)) return false;
  if (!field(p, 'tcp.seq', pt.seq, ((f[tcp + 4] << 24) | (f[tcp + 5] << 16) | (f[tcp + 6] << 8) | f[tcp + 7]) >>> 0, b)) return false;
  if (!field(p, 'tcp.ack', pt.ack, ((f[tcp + 8] << 24) | (f[tcp + 9] << 16) | (f[tcp + 10] << 8) | f[tcp + 11]) >>> 0, b)) return false;
  // (flags are compared as text, as PacketJson has them; a '*' there is left to the full judge)
  if (pt.flags !== FLAG_TEXT[((f[tcp + 12] & 0x01) << 8) | f[tcp + 13]]) return false;
  if (!field(p, 'tcp.window', pt.window, (f[tcp + 14] << 8) | f[tcp + 15], b)) return false;
  if (!field(p, 'tcp.urg', pt.urg, (f[tcp + 18] << 8) | f[tcp + 19], b)) return false;
  if (!field(p, 'tcp.len', pt.len ?? 0, end - tcp - hl, b)) return false;
  return optionsAgree(p, f, tcp + 20, tcp + hl, b);
}

/**
 * The option list: EOL (with zero padding after it, which PacketJson leaves out), NOP, MSS, WS,
 * SACK-permitted and TS, each well-formed, in the predicted order. Anything else: not proven.
 */
function optionsAgree(p: Prediction, f: Uint8Array, i: number, end: number, b: Bindings): boolean {
  const po = p.packet.tcp.options;
  let k = 0;
  while (i < end) {
    const kind = f[i];
    const want = po[k];
    if (want === undefined) return false;
    if (kind === 0) {
      if (want[0] !== 'eol' || want.length !== 1) return false;
      for (let j = i + 1; j < end; j++) if (f[j] !== 0) return false;
      k++;
      break;
    }
    if (kind === 1) {
      if (want[0] !== 'nop' || want.length !== 1) return false;
      i++;
      k++;
      continue;
    }
    if (i + 1 >= end) return false;
    const olen = f[i + 1];
    if (olen < 2 || olen > end - i) return false;
    switch (kind) {
      case 2:
        if (olen !== 4 || want[0] !== 'mss' || want.length !== 2) return false;
        if (!field(p, MSS_FIELD[k], want[1], (f[i + 2] << 8) | f[i + 3], b)) return false;
        break;
      case 3:
        if (olen !== 3 || want[0] !== 'wscale' || want.length !== 2) return false;
        if (!field(p, WS_FIELD[k], want[1], f[i + 2], b)) return false;
        break;
      case 4:
        if (olen !== 2 || want[0] !== 'sackOK' || want.length !== 1) return false;
        break;
      case 8:
        if (olen !== 10 || want[0] !== 'ts' || want.length !== 3) return false;
        if (!field(p, 'opt.ts.val', want[1], ((f[i + 2] << 24) | (f[i + 3] << 16) | (f[i + 4] << 8) | f[i + 5]) >>> 0, b)) return false;
        if (!field(p, 'opt.ts.ecr', want[2], ((f[i + 6] << 24) | (f[i + 7] << 16) | (f[i + 8] << 8) | f[i + 9]) >>> 0, b)) return false;
        break;
      default:
        return false;
    }
    i += olen;
    k++;
  }
  return k === po.length;
}
