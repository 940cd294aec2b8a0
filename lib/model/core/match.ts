// Unifying predictions with observed packets: bind() (first sight of a symbol binds it, later sights
// must agree) and matchPrediction() (a field-by-field diff, no state change).
import { HEX_FIELDS, hexNum } from '../../wire/bytes';
import type { JsonNum, OptionJson, PacketJson } from '../../wire/types';
import type { Expectation, FieldExpect, ModelState, Prediction } from './state';
import { cloneDict } from './state';
import type { Num } from './symbols';

/**
 * One field that differs between what was expected and what was observed — the one shape every
 * verdict uses (the model's, a case pattern's, a call's, the reports').
 */
export interface FieldDiff {
  field: string;
  expected: string;
  observed: string;
  /** Why this value was expected (the model's rule, an unbound expression, …). */
  reason?: string;
}

type Bindings = Record<string, number>;

/** Suffix of the binding that marks a TS offset known only modulo 64 (bound from a syncookie SYN-ACK). */
const MOD64 = '~mod64';

function show(e: FieldExpect | undefined): string {
  if (e === undefined) return '*';
  if (typeof e === 'number') return String(e);
  if ('sym' in e) return e.rel ? `${e.sym}+${e.rel}` : e.sym;
  if ('even' in e) return `even${e.range ? ` in ${e.range[0]}..${e.range[1]}` : ''}`;
  if ('range' in e) return `${e.range[0]}..${e.range[1]}`;
  if ('low6' in e) return `low6=0x${e.low6.toString(16)}`;
  if ('tsval' in e) {
    const t = e.tsval;
    const off = typeof t.off === 'number' ? String(t.off) : t.off.sym;
    return `clock ${t.approxMs}±${t.tolMs} ms + ${off}${t.low6 !== undefined ? `, low6=0x${t.low6.toString(16)}` : ''}`;
  }
  if ('hex' in e) return e.hex;
  return `${e.symHex} (${e.bytes} B)`;
}

function numOf(n: Num, b: Bindings): number | undefined {
  if (typeof n === 'number') return n;
  const v = b[n.sym];
  return v === undefined ? undefined : (v + (n.rel ?? 0)) >>> 0;
}

/** Checks one observed value against an expectation; binds unbound symbols into `b`. Returns an error text or null. */
function check(e: FieldExpect, obs: unknown, b: Bindings, wrap16 = false): string | null {
  if (typeof e === 'number') return obs === e ? null : 'differs';
  if ('hex' in e) return obs === e.hex ? null : 'differs';
  if ('symHex' in e) {
    if (typeof obs !== 'string' || obs.length !== e.bytes * 2) return `expected ${e.bytes} bytes`;
    if (e.symHex === 'md5-digest') return null;
    const hi = parseInt(obs.slice(0, 8), 16) >>> 0;
    const lo = parseInt(obs.slice(8, 16), 16) >>> 0;
    const bh = b[e.symHex + ':hi'];
    const bl = b[e.symHex + ':lo'];
    if (bh === undefined || bl === undefined) {
      b[e.symHex + ':hi'] = hi;
      b[e.symHex + ':lo'] = lo;
      return null;
    }
    return bh === hi && bl === lo ? null : `${e.symHex} was bound to ${bh.toString(16).padStart(8, '0')}${bl.toString(16).padStart(8, '0')}`;
  }
  if (typeof obs !== 'number') return 'not a number';
  if ('sym' in e) {
    const v = b[e.sym];
    if (v === undefined) {
      b[e.sym] = (obs - (e.rel ?? 0)) >>> 0;
      return null;
    }
    const want = (v + (e.rel ?? 0)) >>> 0;
    // 16-bit fields (the IPv4 ID: ip_select_ident_segs's inet_id++) wrap at 65536.
    if (wrap16 && (want & 0xffff) === obs) return null;
    return want === obs ? null : `${e.sym} was bound to ${v}${e.rel ? ` (+${e.rel} = ${want})` : ''}`;
  }
  if ('even' in e) {
    if (obs % 2 !== 0) return 'odd';
    if (e.range && (obs < e.range[0] || obs > e.range[1])) return 'out of range';
    return null;
  }
  if ('range' in e) {
    if (e.bindAs !== undefined && b[e.bindAs] === undefined) b[e.bindAs] = obs;
    return obs >= e.range[0] && obs <= e.range[1] ? null : 'out of range';
  }
  if ('low6' in e) return (obs & 63) === e.low6 ? null : `low 6 bits 0x${(obs & 63).toString(16)}`;
  const t = e.tsval;
  if (t.bindAs !== undefined && b[t.bindAs] === undefined) b[t.bindAs] = obs >>> 0;
  let off = numOf(t.off, b);
  const sym = typeof t.off === 'number' ? undefined : t.off.sym;
  if (off === undefined) {
    // First sight of this offset: bind it (the binding carries the clock skew, so later checks are relative).
    off = (obs - t.approxMs) >>> 0;
    if (sym !== undefined) {
      b[sym] = off;
      // A syncookie SYN-ACK's TSval hides the clock's low 6 bits (cookie_init_timestamp): whether the
      // kernel took 64 off is a race with its clock, so the offset is known modulo 64 until a later TSval settles it.
      if (t.low6 !== undefined) b[sym + MOD64] = 1;
    }
  }
  let raw = (obs - off) >>> 0;
  let d = (raw - (t.approxMs >>> 0)) | 0;
  if (sym !== undefined && b[sym + MOD64] !== undefined && t.low6 === undefined) {
    const k = Math.abs(d) > t.tolMs && Math.abs(d - Math.sign(d) * 64) <= t.tolMs ? Math.sign(d) * 64 : 0;
    if (Math.abs(d - k) <= t.tolMs) {
      off = (off + k) >>> 0;
      b[sym] = off;
      delete b[sym + MOD64];
      raw = (obs - off) >>> 0;
      d -= k;
    }
  }
  if (Math.abs(d) > t.tolMs) return `TSval − ts_off = ${raw}, ${d > 0 ? '+' : ''}${d} ms from the clock ${t.approxMs} (tolerance ${t.tolMs})`;
  if (t.low6 !== undefined && (raw & 63) !== t.low6) return `cookie option bits 0x${(raw & 63).toString(16)} ≠ 0x${t.low6.toString(16)}`;
  return null;
}

function optField(name: string, i: number): string {
  if (name === 'ts') return i === 1 ? 'opt.ts.val' : 'opt.ts.ecr';
  if (name === 'tfo') return 'opt.tfo';
  if (name === 'md5') return 'opt.md5';
  return `opt.${name}.${i}`;
}

/** A value of a field as reports show it: the TOS / traffic-class byte in hex (HEX_FIELDS). */
function shown(field: string, v: unknown): string {
  return HEX_FIELDS.has(field) && typeof v === 'number' ? hexNum(v, 2) : String(v);
}

function unify(p: Prediction, o: PacketJson, b: Bindings): FieldDiff[] {
  const diffs: FieldDiff[] = [];
  const ex: Expectation = p.expect;
  const why = p.reason.explain('tclass' in p.packet.ip ? 6 : 4);
  const one = (field: string, want: JsonNum | string | boolean | undefined, got: unknown) => {
    if (want === '*') {
      const e = ex[field];
      if (e === undefined) return;
      const err = check(e, got, b, field === 'ip.id');
      if (err) diffs.push({ field, expected: show(e), observed: String(got), reason: `${why} (${err})` });
      return;
    }
    if (want !== got) diffs.push({ field, expected: shown(field, want), observed: shown(field, got), reason: why });
  };
  const pi = p.packet.ip as unknown as Record<string, JsonNum | boolean>;
  const oi = o.ip as unknown as Record<string, unknown>;
  for (const k of Object.keys(pi)) one('ip.' + k, pi[k], oi[k]);
  const pt = p.packet.tcp;
  const ot = o.tcp;
  one('tcp.sport', pt.sport as JsonNum, ot.sport);
  one('tcp.dport', pt.dport, ot.dport);
  one('tcp.seq', pt.seq, ot.seq);
  one('tcp.ack', pt.ack, ot.ack);
  one('tcp.flags', pt.flags, ot.flags);
  one('tcp.window', pt.window, ot.window);
  one('tcp.urg', pt.urg, ot.urg);
  one('tcp.len', pt.len ?? 0, ot.len ?? 0);
  const po = pt.options;
  const oo = ot.options;
  const shape = (l: OptionJson[]) => l.map((x) => x[0]).join(',');
  if (shape(po) !== shape(oo)) {
    diffs.push({ field: 'tcp.options', expected: JSON.stringify(po), observed: JSON.stringify(oo), reason: why });
    return diffs;
  }
  for (let i = 0; i < po.length; i++) {
    const a = po[i];
    const c = oo[i];
    for (let j = 1; j < Math.max(a.length, c.length); j++) {
      const w = a[j] as JsonNum | string | undefined;
      const g = c[j];
      if (Array.isArray(w) || Array.isArray(g)) {
        if (JSON.stringify(w) !== JSON.stringify(g))
          diffs.push({ field: optField(a[0], j), expected: JSON.stringify(w), observed: JSON.stringify(g), reason: why });
        continue;
      }
      one(optField(a[0], j), w, g);
    }
  }
  return diffs;
}

/** Field-by-field differences between a prediction and an observed packet (bindings read, not changed). */
export function matchPrediction(p: Prediction, observed: PacketJson, state: ModelState): FieldDiff[] {
  return unify(p, observed, cloneDict(state.bindings));
}

/** Unifies a prediction with what was observed: binds new symbols, reports mismatches. */
export function bind(state: ModelState, p: Prediction, observed: PacketJson): { state: ModelState; mismatches: string[] } {
  const b: Bindings = cloneDict(state.bindings);
  const diffs = unify(p, observed, b);
  return {
    state: { ...state, bindings: b },
    mismatches: diffs.map((d) => `${d.field}: expected ${d.expected}, observed ${d.observed} — ${d.reason}`),
  };
}
