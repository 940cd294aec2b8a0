// Matching one observed packet against one expected-packet pattern of a case file (lib/case
// PacketPattern): every written field, compared with the bindings as they were before the packet.
// Pure: the runner supplies the bindings, the earlier packets `same:` refers to, and the arrival time.
import { evalValue, isExpr } from '../case/expr';
import type { Bindings, FlagsMatcher, NumMatcher, OptionPattern, OptionsMatcher, PacketPattern, PacketRef, SameField, TimeWindow, Value } from '../case';
import type { FieldDiff } from '../model';
import { HEX_FIELDS, hexDigitsOf, hexNum, toHex } from '../wire/bytes';
import { flagsToString } from '../wire/flags';
import { emitOptions } from '../wire/tcp-options';
import type { Decoded, TcpOption } from '../wire/types';

export interface PatternContext {
  /** Expression bindings as they were before this packet (a SYN pre-binds dut.isn, see FlowBindings). */
  lookup: Bindings;
  /** An earlier packet, for `same:` (undefined when that step did not get that far). */
  packetAt(ref: PacketRef): Decoded | undefined;
  /** Arrival time relative to the `at` reference point, ms (required when the pattern has `at`). */
  atMs?: number;
}

const ECN_NAMES = ['not-ect', 'ect1', 'ect0', 'ce'];

/** The fields `same:` and the matchers read, from a decoded packet (undefined: the packet has none). */
export function fieldOf(d: Decoded, f: SameField): number | undefined {
  const ip = d.ip;
  const t = d.tcp;
  switch (f) {
    case 'seq':
      return t?.seq;
    case 'ack':
      return t?.ack;
    case 'window':
      return t?.window;
    case 'urg':
      return t?.urg;
    case 'flags':
      return t?.flags;
    case 'len':
      return t?.payload.length;
    case 'ttl':
      return ip ? (ip.version === 4 ? ip.ttl : ip.hlim) : undefined;
    case 'tos':
      return ip ? (ip.version === 4 ? ip.tos : ip.tclass) : undefined;
    case 'id':
      return ip?.version === 4 ? ip.id : undefined;
    case 'flowlabel':
      return ip?.version === 6 ? ip.flow : undefined;
    case 'tsval':
    case 'tsecr': {
      const ts = t?.options.find((o): o is Extract<TcpOption, { kind: 'ts' }> => o.kind === 'ts');
      return ts ? (f === 'tsval' ? ts.val : ts.ecr) : undefined;
    }
    case 'mss': {
      const o = t?.options.find((x): x is Extract<TcpOption, { kind: 'mss' }> => x.kind === 'mss');
      return o?.value;
    }
    case 'wscale': {
      const o = t?.options.find((x): x is Extract<TcpOption, { kind: 'wscale' }> => x.kind === 'wscale');
      return o?.shift;
    }
  }
}

/** 32-bit sequence-space fields: ranges walk forward modulo 2^32. */
const MODULAR = new Set(['seq', 'ack', 'tsval', 'tsecr']);

/**
 * A number as the case wrote its field: flags as letters; in hex when the case wrote a 0x-literal (as
 * many digits) or for the TOS / traffic-class byte (HEX_FIELDS); else decimal.
 */
function fmt(field: string, n: number, caseText?: string): string {
  if (field === 'flags') return flagsToString(n) || '(none)';
  const digits = hexDigitsOf(caseText);
  if (digits !== undefined) return hexNum(n, digits);
  return HEX_FIELDS.has(field) ? hexNum(n, 2) : String(n);
}

function valueText(v: Value, n: number, field: string, caseText: string): string {
  return isExpr(v) ? `${v.text} = ${fmt(field, n, caseText)}` : fmt(field, n, caseText);
}

/** Evaluates a value; an unbound expression yields the error text instead. */
function evalOr(v: Value, lookup: Bindings): number | string {
  try {
    return evalValue(v, lookup);
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Checks a number against a matcher. Returns null when it matches, else the diff. `what` is the field
 * name in the diff; `obs` undefined means the packet lacks the field (e.g. no TS option).
 */
export function checkNum(m: NumMatcher, obs: number | undefined, what: string, ctx: PatternContext, missing = 'absent'): FieldDiff | null {
  const field = what;
  const modular = MODULAR.has(what) || what.startsWith('opt.ts') || what.startsWith('opt.sack');
  if (m.kind === 'any') return obs === undefined ? { field, expected: '*', observed: missing } : null;
  if (m.kind === 'value') {
    const v = evalOr(m.value, ctx.lookup);
    if (typeof v === 'string') return { field, expected: m.text, observed: obs === undefined ? missing : fmt(what, obs, m.text), reason: v };
    if (obs === v) return null;
    return { field, expected: valueText(m.value, v, what, m.text), observed: obs === undefined ? missing : fmt(what, obs, m.text) };
  }
  if (m.kind === 'range') {
    const lo = evalOr(m.lo, ctx.lookup);
    const hi = evalOr(m.hi, ctx.lookup);
    if (typeof lo === 'string' || typeof hi === 'string') {
      return { field, expected: m.text, observed: obs === undefined ? missing : fmt(what, obs, m.text), reason: typeof lo === 'string' ? lo : String(hi) };
    }
    const expected = isExpr(m.lo) || isExpr(m.hi) ? `${m.text} = [${lo}, ${hi}]` : m.text;
    if (obs === undefined) return { field, expected, observed: missing };
    const ok = modular ? (obs - lo) >>> 0 <= (hi - lo) >>> 0 : obs >= lo && obs <= hi;
    return ok ? null : { field, expected, observed: fmt(what, obs) };
  }
  // same: a field of an earlier packet
  const ref = ctx.packetAt(m.ref);
  const refWhat = `${m.ref.text}.${m.field}`;
  if (!ref)
    return { field, expected: `same as ${refWhat}`, observed: obs === undefined ? missing : fmt(what, obs), reason: `packet ${m.ref.text} was not seen` };
  const want = fieldOf(ref, m.field);
  if (want === undefined)
    return { field, expected: `same as ${refWhat}`, observed: obs === undefined ? missing : fmt(what, obs), reason: `packet ${m.ref.text} has no ${m.field}` };
  if (obs === want) return null;
  return { field, expected: `${fmt(m.field, want)} (same as ${refWhat})`, observed: obs === undefined ? missing : fmt(what, obs) };
}

export function checkFlags(m: FlagsMatcher, flags: number, ctx: PatternContext): FieldDiff | null {
  const observed = flagsToString(flags) || '(none)';
  switch (m.kind) {
    case 'any':
      return null;
    case 'exact':
      return flags === m.flags ? null : { field: 'flags', expected: flagsToString(m.flags) || '(none)', observed };
    case 'mask': {
      if ((flags & m.has) === m.has && (flags & m.lacks) === 0) return null;
      const parts = [];
      if (m.has) parts.push(`has ${flagsToString(m.has)}`);
      if (m.lacks) parts.push(`lacks ${flagsToString(m.lacks)}`);
      return { field: 'flags', expected: parts.join(', '), observed };
    }
    case 'same':
      return checkNum({ kind: 'same', ref: m.ref, field: 'flags', text: m.text }, flags, 'flags', ctx);
  }
}

// ---------------------------------------------------------------------------------------------
// Options

/** An observed option in case-file syntax (what a pattern would say to match it exactly). */
export function optionText(o: TcpOption): string {
  switch (o.kind) {
    case 'eol':
      return 'eol';
    case 'nop':
      return 'nop';
    case 'sackOK':
      return 'sackOK';
    case 'mss':
      return `mss=${o.value}`;
    case 'wscale':
      return `wscale=${o.shift}`;
    case 'ts':
      return `ts=${o.val}:${o.ecr}`;
    case 'sack':
      return `sack=${o.blocks.map(([l, r]) => `${l}:${r}`).join('/')}`;
    case 'tfo':
      return `${o.exp ? 'tfoexp' : 'tfo'}${o.cookie.length ? `=${toHex(o.cookie)}` : ''}`;
    case 'md5':
      return `md5=${toHex(o.digest)}`;
    case 'unknown':
      return `kind=${o.type}${o.data.length ? `:${toHex(o.data)}` : ''}`;
    case 'bytes':
      return `raw=${toHex(o.bytes)}`;
  }
}

/** The options as the packet carries them, without the zero padding after an EOL. */
export function visibleOptions(opts: readonly TcpOption[]): TcpOption[] {
  return opts.filter((o, i) => !(o.kind === 'bytes' && opts[i - 1]?.kind === 'eol' && o.bytes.every((b) => b === 0)));
}

function numOk(m: NumMatcher, v: number, what: string, ctx: PatternContext): boolean {
  return checkNum(m, v, what, ctx) === null;
}

function bytesOk(want: Uint8Array | 'any', got: Uint8Array): boolean {
  if (want === 'any') return true;
  return want.length === got.length && want.every((b, i) => b === got[i]);
}

/** Does one observed option match one pattern item? (`bytes` items are handled by the list walk.) */
export function optionMatches(p: OptionPattern, o: TcpOption, ctx: PatternContext): boolean {
  switch (p.kind) {
    case 'eol':
    case 'nop':
    case 'sackOK':
      return o.kind === p.kind;
    case 'mss':
      return o.kind === 'mss' && numOk(p.value, o.value, 'mss', ctx);
    case 'wscale':
      return o.kind === 'wscale' && numOk(p.shift, o.shift, 'wscale', ctx);
    case 'ts':
      return o.kind === 'ts' && numOk(p.val, o.val, 'opt.ts.val', ctx) && numOk(p.ecr, o.ecr, 'opt.ts.ecr', ctx);
    case 'sack':
      if (o.kind !== 'sack') return false;
      if (p.blocks === 'any') return true;
      return (
        p.blocks.length === o.blocks.length &&
        p.blocks.every(([l, r], i) => numOk(l, o.blocks[i][0], 'opt.sack', ctx) && numOk(r, o.blocks[i][1], 'opt.sack', ctx))
      );
    case 'tfo':
      // 'any' = a TFO option with any cookie (a request included); an empty cookie = a request.
      return o.kind === 'tfo' && !!o.exp === p.exp && bytesOk(p.cookie, o.cookie);
    case 'md5':
      return o.kind === 'md5' && bytesOk(p.digest, o.digest);
    case 'unknown': {
      // Compare on the wire: kind=2:05b4 also matches the MSS option 1460.
      const w = emitOptions([o]);
      return w.length >= 2 && w[0] === p.type && bytesOk(p.data, w.subarray(2));
    }
    case 'bytes':
      return bytesOk(p.bytes, emitOptions([o]));
  }
}

/**
 * Exact option lists: item for item, in order. A `raw=` item stands for as many observed options as
 * its bytes cover (raw=0101 is two NOPs). Returns true when the lists agree.
 */
function exactOptionsMatch(items: readonly OptionPattern[], obs: readonly TcpOption[], ctx: PatternContext): boolean {
  let j = 0;
  for (const p of items) {
    if (p.kind === 'bytes') {
      const parts: Uint8Array[] = [];
      let n = 0;
      while (n < p.bytes.length && j < obs.length) {
        const w = emitOptions([obs[j++]]);
        parts.push(w);
        n += w.length;
      }
      const got = new Uint8Array(n);
      let off = 0;
      for (const w of parts) {
        got.set(w, off);
        off += w.length;
      }
      if (!bytesOk(p.bytes, got)) return false;
      continue;
    }
    if (j >= obs.length || !optionMatches(p, obs[j], ctx)) return false;
    j++;
  }
  return j === obs.length;
}

export function checkOptions(m: OptionsMatcher, opts: readonly TcpOption[], ctx: PatternContext): FieldDiff | null {
  const obs = visibleOptions(opts);
  const observed = `[${obs.map(optionText).join(', ')}]`;
  if (m.kind === 'exact') {
    if (exactOptionsMatch(m.items, obs, ctx)) return null;
    return { field: 'options', expected: `[${m.items.map((p) => p.text).join(', ')}]`, observed };
  }
  const problems: string[] = [];
  const used = new Set<number>();
  for (const p of m.contains) {
    const i = obs.findIndex((o, k) => !used.has(k) && optionMatches(p, o, ctx));
    if (i === -1) problems.push(`no ${p.text}`);
    else used.add(i);
  }
  for (const p of m.lacks) {
    const hit = obs.find((o) => optionMatches(p, o, ctx));
    if (hit) problems.push(`${optionText(hit)} present`);
  }
  if (!problems.length) return null;
  const parts: string[] = [];
  if (m.contains.length) parts.push(`contains [${m.contains.map((p) => p.text).join(', ')}]`);
  if (m.lacks.length) parts.push(`lacks [${m.lacks.map((p) => p.text).join(', ')}]`);
  return { field: 'options', expected: parts.join(', '), observed, reason: problems.join('; ') };
}

// ---------------------------------------------------------------------------------------------
// The whole pattern

export function windowText(w: TimeWindow): string {
  return `${w.text} (${w.min}..${w.max} ms)`;
}

function payloadText(b: Uint8Array): string {
  const printable = b.length > 0 && b.every((c) => c >= 0x20 && c < 0x7f);
  return printable ? JSON.stringify(String.fromCharCode(...b)) : `hex:${toHex(b)}`;
}

/**
 * Every difference between the pattern and the packet (empty: it matches). Fields the pattern does
 * not write are not looked at. A packet without IP or TCP is one 'packet' difference.
 */
export function matchPattern(p: PacketPattern, d: Decoded, ctx: PatternContext): FieldDiff[] {
  const ip = d.ip;
  const t = d.tcp;
  if (!ip || !t) return [{ field: 'packet', expected: 'an IP/TCP packet', observed: `${d.bytes.length} bytes that do not parse as IP/TCP` }];
  const v4 = ip.version === 4;
  const out: FieldDiff[] = [];
  const add = (x: FieldDiff | null): void => {
    if (x) out.push(x);
  };
  if (p.flags) add(checkFlags(p.flags, t.flags, ctx));
  if (p.seq) add(checkNum(p.seq, t.seq, 'seq', ctx));
  if (p.ack) add(checkNum(p.ack, t.ack, 'ack', ctx));
  if (p.window) add(checkNum(p.window, t.window, 'window', ctx));
  if (p.urg) add(checkNum(p.urg, t.urg, 'urg', ctx));
  if (p.len) add(checkNum(p.len, t.payload.length, 'len', ctx));
  if (p.payload) {
    const want = p.payload;
    if (!bytesOk(want, t.payload)) add({ field: 'payload', expected: payloadText(want), observed: t.payload.length ? payloadText(t.payload) : '(empty)' });
  }
  if (p.options) add(checkOptions(p.options, t.options, ctx));
  if (p.tsval) add(checkNum(p.tsval, fieldOf(d, 'tsval'), 'tsval', ctx, 'no TS option'));
  if (p.tsecr) add(checkNum(p.tsecr, fieldOf(d, 'tsecr'), 'tsecr', ctx, 'no TS option'));
  if (p.ttl) add(checkNum(p.ttl, fieldOf(d, 'ttl'), v4 ? 'ttl' : 'hlim', ctx));
  if (p.tos) add(checkNum(p.tos, fieldOf(d, 'tos'), v4 ? 'tos' : 'tclass', ctx));
  if (p.ecn !== undefined) {
    const e = fieldOf(d, 'tos')! & 3;
    if (e !== p.ecn) add({ field: 'ecn', expected: ECN_NAMES[p.ecn], observed: ECN_NAMES[e] });
  }
  if (p.df !== undefined) {
    const df = v4 ? (ip.flags & 2) !== 0 : undefined;
    if (df !== p.df) add({ field: 'df', expected: String(p.df), observed: df === undefined ? 'no DF bit (IPv6)' : String(df) });
  }
  if (p.id) add(checkNum(p.id, fieldOf(d, 'id'), 'id', ctx, 'no IP ID (IPv6)'));
  if (p.flowlabel) add(checkNum(p.flowlabel, fieldOf(d, 'flowlabel'), 'flowlabel', ctx, 'no flow label (IPv4)'));
  if (p.at) {
    const a = ctx.atMs;
    if (a === undefined) add({ field: 'at', expected: windowText(p.at), observed: 'unknown' });
    else if (a < p.at.min || a > p.at.max) add({ field: 'at', expected: windowText(p.at), observed: `${a.toFixed(1)} ms` });
  }
  return out;
}
