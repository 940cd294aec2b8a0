// Scalar syntax of case files: durations, time windows, 32-bit values and expressions, flag letters,
// payloads, count comparisons and kernel ranges — parsers (throwing ValueError with a message of the
// form "what is wrong — what to do") and the small evaluators a runner needs. Pure.
import { fromHex } from '../wire/bytes';
import { FLAG_LETTERS } from '../wire/types';
import { closest } from '../yaml-kit/suggest';
import { show } from '../yaml-kit/show';
import type { CmpMatcher, Expr, ExprBase, KernelComparator, KernelRange, TimeWindow, Value } from './types';
import { EXPR_BASES } from './types';

/** A value the case file got wrong. The message reads "what is wrong — what to do". */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

// ---------------------------------------------------------------------------------------------
// Durations and time windows

const DURATION_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$/;
/** JSON Schema pattern for a duration (kept equivalent to DURATION_RE). */
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s)\\s*$';
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000 };
/**
 * The longest duration a case may write (10 minutes): longer than any handshake timer the model
 * knows (tcp_rto_max_ms 120 s), far below what Node's timers can hold (2^31-1 ms, ~24.8 days).
 */
export const MAX_DURATION_MS = 600_000;

/** "200ms", "1s", "1.5s" → milliseconds (a whole number). */
export function parseDuration(v: unknown): number {
  if (typeof v === 'number') {
    throw new ValueError(`${v} has no unit — write ${v}ms or ${v}s`);
  }
  if (typeof v !== 'string') {
    throw new ValueError(`expected a duration, got ${show(v)} — write a number with ms or s, e.g. 200ms or 1.5s`);
  }
  const m = DURATION_RE.exec(v);
  if (!m) {
    const unit = /^\s*\d+(?:\.\d+)?\s*([^\d\s].*?)\s*$/.exec(v);
    if (unit) {
      throw new ValueError(`unknown time unit '${unit[1]}' in ${show(v)} — use ms or s, e.g. 200ms or 1.5s`);
    }
    throw new ValueError(`${show(v)} is not a duration — write a number with ms or s, e.g. 200ms or 1.5s`);
  }
  const ms = Number(m[1]) * UNIT_MS[m[2]];
  if (ms > MAX_DURATION_MS) {
    throw new ValueError(
      `${show(v)} is longer than the longest wait a case may ask for, ${MAX_DURATION_MS / 1000}s — shorten it (a handshake case waits seconds)`,
    );
  }
  if (!Number.isInteger(ms)) {
    throw new ValueError(`${show(v)} is not a whole number of milliseconds — round it, e.g. ${Math.round(ms)}ms`);
  }
  return ms;
}

const WINDOW_RE = /^\s*(.+?)\s*(?:±|\+-|\+\/-)\s*(.+?)\s*$/;
/** JSON Schema pattern for a time window string (the list form is described separately). */
export const TIME_WINDOW_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s)\\s*(±|\\+-|\\+/-)\\s*\\d+(\\.\\d+)?\\s*(ms|s|%)\\s*$';

/**
 * "1s±200ms" (also "1s+-200ms", "3s±10%") or [lo, hi] with durations → { min, max } in ms.
 * The minimum is clamped at 0.
 */
export function parseTimeWindow(v: unknown): TimeWindow {
  if (Array.isArray(v)) {
    if (v.length !== 2) {
      throw new ValueError(`a time range needs exactly two durations [earliest, latest], got ${v.length} — e.g. [800ms, 1200ms]`);
    }
    const lo = parseDuration(v[0]);
    const hi = parseDuration(v[1]);
    if (hi < lo) throw new ValueError(`time range [${v[0]}, ${v[1]}] ends before it starts — put the earlier time first`);
    return { min: lo, max: hi, text: `[${v[0]}, ${v[1]}]` };
  }
  if (typeof v !== 'string') {
    throw new ValueError(`expected a time with tolerance, got ${show(v)} — write e.g. "1s±200ms", "3s+-10%" or [800ms, 1200ms]`);
  }
  const m = WINDOW_RE.exec(v);
  if (!m) {
    // A bare duration: be precise about what is missing.
    if (DURATION_RE.test(v)) {
      throw new ValueError(`${show(v)} has no tolerance — write e.g. "${v.trim()}±100ms" (arrival times always carry one)`);
    }
    throw new ValueError(`${show(v)} is not a time with tolerance — write e.g. "1s±200ms", "3s+-10%" or [800ms, 1200ms]`);
  }
  const centre = parseDuration(m[1]);
  let tol: number;
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(m[2]);
  if (pct) tol = Math.round((centre * Number(pct[1])) / 100);
  else tol = parseDuration(m[2]);
  return { min: Math.max(0, centre - tol), max: centre + tol, text: v.trim() };
}

// ---------------------------------------------------------------------------------------------
// 32-bit values and expressions

/** An expression as parsed: `flow` is '' until the normaliser sets the step's flow. */
export type ExprAst = Expr;
export type RawValue = Value;

const U32_MAX = 0xffffffff;
const EXPR_RE = /^\s*(peer|dut)\s*\.\s*(isn|tsval)\s*(?:([+-])\s*(0x[0-9a-fA-F]+|\d+))?\s*$/;
const NUMBER_TEXT_RE = /^\s*(0x[0-9a-fA-F]+|\d+)\s*$/;
/** JSON Schema pattern for a value written as a string (number text or expression). */
export const VALUE_PATTERN = '^\\s*((0x[0-9a-fA-F]+|\\d+)|(peer|dut)\\s*\\.\\s*(isn|tsval)\\s*([+-]\\s*(0x[0-9a-fA-F]+|\\d+))?)\\s*$';
const VALUE_HELP = 'write a number or peer.isn, dut.isn, peer.tsval or dut.tsval with an optional +N or -N';

function numberText(s: string): number {
  const t = s.trim();
  return t.startsWith('0x') || t.startsWith('0X') ? parseInt(t.slice(2), 16) : Number(t);
}

/** Checks an integer against [lo, hi]; `what` names the field in the message. */
export function checkInt(v: number, lo: number, hi: number, what: string): number {
  if (!Number.isInteger(v)) throw new ValueError(`${what} must be a whole number, got ${v} — drop the fraction`);
  if (v < lo || v > hi) throw new ValueError(`${what} ${v} is out of range — use ${lo}..${hi}`);
  return v;
}

/** "dut.isn+1", "peer.tsval", "dut.isn - 1" → AST. Throws for anything else. */
export function parseExpr(s: string): ExprAst {
  const m = EXPR_RE.exec(s);
  if (!m) {
    const id = /^\s*([A-Za-z_][\w]*\s*\.\s*[A-Za-z_]\w*)/.exec(s);
    if (id) {
      const name = id[1].replace(/\s+/g, '');
      const guess = closest(name, EXPR_BASES);
      const hint = guess && guess !== name ? `did you mean '${guess}'? ` : '';
      if (!(EXPR_BASES as readonly string[]).includes(name)) {
        throw new ValueError(`unknown value '${name}' in ${show(s)} — ${hint}${VALUE_HELP}`);
      }
    }
    throw new ValueError(`${show(s)} is not a number or an expression — ${VALUE_HELP}`);
  }
  const base = `${m[1]}.${m[2]}` as ExprBase;
  let offset = 0;
  if (m[3]) {
    offset = numberText(m[4]);
    if (offset > U32_MAX) throw new ValueError(`offset ${m[4]} in ${show(s)} is larger than 2^32-1 — use a smaller offset`);
    if (m[3] === '-') offset = -offset;
  }
  const text = offset === 0 ? base : `${base}${offset > 0 ? '+' : '-'}${Math.abs(offset)}`;
  return { base, offset, flow: '', text };
}

/** A 32-bit field: a number (0..2^32-1), a number written as text, or an expression. */
export function parseValue(v: unknown, what = 'value', max = U32_MAX): RawValue {
  if (typeof v === 'number') return checkInt(v, 0, max, what);
  if (typeof v === 'string') {
    if (NUMBER_TEXT_RE.test(v)) return checkInt(numberText(v), 0, max, what);
    return parseExpr(v);
  }
  throw new ValueError(`${what} must be a number or an expression, got ${show(v)} — ${VALUE_HELP}`);
}

export function isExpr(v: Value | RawValue): v is Expr {
  return typeof v === 'object';
}

/** "1001" or "dut.isn+1" */
export function formatValue(v: Value | RawValue): string {
  return typeof v === 'number' ? String(v) : v.text;
}

/**
 * The bindings of a run: `lookup(base, flow)` returns the bound value or undefined. peer.isn is the
 * flow's `isn`; the others are bound as packets go by (see ExprBase).
 */
export type Bindings = (base: ExprBase, flow: string) => number | undefined;

/** Evaluates a value modulo 2^32. Throws when the expression's base is not bound (yet). */
export function evalValue(v: Value, lookup: Bindings): number {
  if (typeof v === 'number') return v >>> 0;
  const b = lookup(v.base, v.flow);
  if (b === undefined) throw new Error(`${v.text} on flow ${v.flow}: ${v.base} is not bound yet`);
  return (b + v.offset) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Flags

const LETTERS = FLAG_LETTERS.map(([l]) => l).join(' ');
/** JSON Schema pattern for flag letters. */
export const FLAGS_PATTERN = '^[FSRPAUECNfsrpauecn]*$';

/** Scapy letters F S R P A U E C N (N = AE), any order and case; "" = no flags. */
export function parseFlagLetters(v: unknown): number {
  if (typeof v !== 'string') {
    throw new ValueError(`flags must be letters, got ${show(v)} — use scapy letters ${LETTERS} (N = AE), e.g. SA; "" for none`);
  }
  let flags = 0;
  for (const ch of v) {
    const hit = FLAG_LETTERS.find(([l]) => l === ch.toUpperCase());
    if (!hit) {
      throw new ValueError(`unknown TCP flag letter '${ch}' in ${show(v)} — use scapy letters ${LETTERS} (N = AE), e.g. SA`);
    }
    if (flags & hit[1]) throw new ValueError(`flag letter '${hit[0]}' appears twice in ${show(v)} — write each flag once, e.g. SA`);
    flags |= hit[1];
  }
  return flags;
}

// ---------------------------------------------------------------------------------------------
// Payloads

/** "hex:0011" → bytes; a plain string → its ASCII bytes; { len: n } → n zero bytes. */
export function parsePayload(v: unknown): Uint8Array {
  if (typeof v === 'string') {
    if (/^hex:/i.test(v)) {
      try {
        return fromHex(v.slice(4));
      } catch (e) {
        throw new ValueError(`${(e as Error).message} — write hex: followed by pairs of hex digits, e.g. hex:0a0b`);
      }
    }
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c > 0x7e || (c < 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)) {
        throw new ValueError(`character ${JSON.stringify(v[i])} in a text payload is not printable ASCII — use hex:… for arbitrary bytes`);
      }
      out[i] = c;
    }
    return out;
  }
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const len = (v as { len?: unknown }).len;
    if (keys.length !== 1 || typeof len !== 'number') {
      throw new ValueError(`a payload object is { len: N } (N zero bytes), got ${show(v)} — or use "hex:…" or a text string`);
    }
    return new Uint8Array(checkInt(len, 0, 65535, 'payload length'));
  }
  throw new ValueError(`expected a payload, got ${show(v)} — write "hex:0011", a text string, or { len: 10 }`);
}

// ---------------------------------------------------------------------------------------------
// Count comparisons

const CMP_RE = /^\s*(>=|<=|>|<|=|\+)?\s*(-?\d+)\s*$/;
/** JSON Schema pattern for a comparison string. */
export const CMP_PATTERN = '^\\s*(>=|<=|>|<|=|\\+)?\\s*-?\\d+\\s*$';

/** n, "+n" (both: exactly n), ">=n", "<=n", ">n", "<n", "=n", or [lo, hi]. */
export function parseCmp(v: unknown, what = 'count'): CmpMatcher {
  if (typeof v === 'number') {
    checkInt(v, -0x80000000, U32_MAX, what);
    return { op: '=', value: v, text: String(v) };
  }
  if (typeof v === 'string') {
    const m = CMP_RE.exec(v);
    if (!m) {
      throw new ValueError(`${show(v)} is not a comparison — write a number, "+1", ">=1", "<=3", ">0", "<5" or [lo, hi]`);
    }
    const op = (m[1] === '+' || m[1] === undefined ? '=' : m[1]) as '=' | '>=' | '>' | '<=' | '<';
    return { op, value: Number(m[2]), text: v.trim() };
  }
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') {
    if (v[1] < v[0]) throw new ValueError(`range [${v[0]}, ${v[1]}] is empty — put the smaller bound first`);
    return { op: 'range', lo: v[0], hi: v[1], text: `[${v[0]}, ${v[1]}]` };
  }
  throw new ValueError(`expected a number or a comparison, got ${show(v)} — write 2, "+1", ">=1", "<=3" or [lo, hi]`);
}

/**
 * `c` itself, when some whole number in lo..hi satisfies it; otherwise a ValueError: a queue length
 * compared with -1 or 65536 can never match, so the case could never pass.
 */
export function boundCmp(c: CmpMatcher, lo: number, hi: number, what: string): CmpMatcher {
  let [a, b] = [-Infinity, Infinity];
  switch (c.op) {
    case '=':
      [a, b] = [c.value, c.value];
      break;
    case '>=':
      a = c.value;
      break;
    case '>':
      a = Math.floor(c.value) + 1;
      break;
    case '<=':
      b = c.value;
      break;
    case '<':
      b = Math.ceil(c.value) - 1;
      break;
    case 'range':
      [a, b] = [c.lo, c.hi];
      break;
  }
  if (Math.max(a, lo) > Math.min(b, hi)) throw new ValueError(`${c.text} can never hold: ${what} is ${lo}..${hi} — compare with a value in that range`);
  return c;
}

/** Whether `n` satisfies the comparison. */
export function cmpMatches(c: CmpMatcher, n: number): boolean {
  switch (c.op) {
    case '=':
      return n === c.value;
    case '>=':
      return n >= c.value;
    case '>':
      return n > c.value;
    case '<=':
      return n <= c.value;
    case '<':
      return n < c.value;
    case 'range':
      return n >= c.lo && n <= c.hi;
  }
}

// ---------------------------------------------------------------------------------------------
// Kernel ranges

const KERNEL_TOKEN_RE = /^(>=|<=|>|<|=)?(\d+)\.(\d+)$/;
const KERNEL_HELP = 'write comparators on major.minor separated by spaces, e.g. ">=6.1 <6.19", "6.18", or "*" for any';
/** JSON Schema pattern for a kernel range. */
export const KERNEL_PATTERN =
  '^\\s*(\\*|((>=|<=|>|<|=)?\\s*\\d+\\.\\d+)(\\s+(>=|<=|>|<|=)?\\s*\\d+\\.\\d+)*(\\s*\\|\\|\\s*((>=|<=|>|<|=)?\\s*\\d+\\.\\d+)(\\s+(>=|<=|>|<|=)?\\s*\\d+\\.\\d+)*)*)\\s*$';

/** ">=6.1 <6.19", "6.18", "*", ">=5.15 <6.0 || >=6.6" → KernelRange. */
export function parseKernelRange(v: unknown): KernelRange {
  if (typeof v === 'number') {
    throw new ValueError(`kernel ${v} is a YAML number — quote it: kernel: "${v}" (or a range such as ">=${v}")`);
  }
  if (typeof v !== 'string') throw new ValueError(`kernel must be a string, got ${show(v)} — ${KERNEL_HELP}`);
  const text = v.trim();
  if (text === '*' || text === '') return { text: '*', anyOf: [] };
  const anyOf: KernelComparator[][] = [];
  for (const group of text.split('||')) {
    const tokens = group
      .trim()
      .replace(/(>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    if (tokens.length === 0) throw new ValueError(`empty alternative in kernel range ${show(v)} — ${KERNEL_HELP}`);
    const all: KernelComparator[] = [];
    for (const t of tokens) {
      const m = KERNEL_TOKEN_RE.exec(t);
      if (!m) {
        if (/^(>=|<=|>|<|=)?\d+\.\d+\.\d+/.test(t)) {
          throw new ValueError(`'${t}' in kernel range has a patch level — ranges compare major.minor only, e.g. ${t.replace(/(\d+\.\d+)\.\d+.*/, '$1')}`);
        }
        throw new ValueError(`'${t}' in kernel range ${show(v)} is not a comparator — ${KERNEL_HELP}`);
      }
      all.push({ op: (m[1] ?? '=') as KernelComparator['op'], major: Number(m[2]), minor: Number(m[3]) });
    }
    anyOf.push(all);
  }
  return { text, anyOf };
}

/** Does a release string ("6.18.44-fc-v657") fall in the range? Unparsable releases match only "*". */
export function kernelMatches(range: KernelRange, release: string): boolean {
  if (range.anyOf.length === 0) return true;
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const ver = Number(m[1]) * 1000 + Number(m[2]);
  return range.anyOf.some((group) =>
    group.every((c) => {
      const x = c.major * 1000 + c.minor;
      switch (c.op) {
        case '>=':
          return ver >= x;
        case '>':
          return ver > x;
        case '<=':
          return ver <= x;
        case '<':
          return ver < x;
        case '=':
          return ver === x;
      }
    }),
  );
}
