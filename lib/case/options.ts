// TCP option items in case files. One YAML list item = one option, in the syntax of the CLI's
// --options (lib/wire/tcp-options.ts parseOptionSpec, which parses every literal item here, so the
// CLI and case files agree), plus three case-file extensions:
//   - expressions in ts and sack:   ts=200:dut.tsval, sack=dut.isn+1:dut.isn+2
//   - a cookie copied from a packet: tfo=@label, tfoexp=@label
//   - the cookie the DUT's kernel gives the peer under the namespace key (net.ipv4.tcp_fastopen_key): tfo=kernel
//   - in expectations, wildcards:    ts=*:100, mss=*, tfo=*; a bare valued name means any value.
// Pure.
import { fromHex } from '../wire/bytes';
import { parseOptionSpec } from '../wire/tcp-options';
import { TCP_MAX_WSCALE, type TcpOption } from '../wire/types';
import { Bindings, evalValue, parseValue, RawValue, ValueError } from './expr';
import { closest } from '../yaml-kit/suggest';
import type { NumMatcher, OptionPattern, SendOption } from './types';

/** Option names, lower case (the wire parser is case-insensitive), → canonical name. */
const NAMES: Readonly<Record<string, string>> = {
  mss: 'mss',
  ws: 'wscale',
  wscale: 'wscale',
  sackok: 'sackOK',
  sack_perm: 'sackOK',
  sack: 'sack',
  ts: 'ts',
  nop: 'nop',
  eol: 'eol',
  tfo: 'tfo',
  tfoexp: 'tfoexp',
  md5: 'md5',
  kind: 'kind',
  raw: 'raw',
};
/** Spellings offered in "did you mean". */
const SPELLINGS = ['mss', 'wscale', 'ws', 'sackOK', 'sack_perm', 'sack', 'ts', 'nop', 'eol', 'tfo', 'tfoexp', 'md5', 'kind', 'raw'];

/** Usage per canonical name, for messages. */
const USAGE: Readonly<Record<string, string>> = {
  mss: 'mss=N (0..65535), e.g. mss=1460',
  wscale: 'wscale=N (0..255), e.g. wscale=7',
  sackOK: 'sackOK (no value)',
  sack: 'sack=L:R/L:R, e.g. sack=1:2/3:4',
  ts: 'ts=VAL:ECR, e.g. ts=100:0 or ts=200:dut.tsval',
  nop: 'nop (no value)',
  eol: 'eol (no value)',
  tfo: 'tfo (cookie request), tfo=HEX, tfo=@label or tfo=kernel',
  tfoexp: 'tfoexp (cookie request), tfoexp=HEX, tfoexp=@label or tfoexp=kernel',
  md5: 'md5=HEX (16 bytes)',
  kind: 'kind=N:HEX, a raw TLV, e.g. kind=99:abcd',
  raw: 'raw=HEX, literal bytes, e.g. raw=0801',
};
const KNOWN_HELP = 'mss=N, wscale=N, sackOK, sack=L:R/…, ts=VAL:ECR, nop, eol, tfo[=HEX], tfoexp[=HEX], md5=HEX, kind=N:HEX, raw=HEX';

/** JSON Schema pattern for an option item: a known name, any case (values are checked by the loader). */
export const OPTION_PATTERN = `^\\s*(${Object.keys(NAMES)
  .sort((a, b) => b.length - a.length)
  .map((n) => n.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`))
  .join('|')})\\s*(=.*)?$`;

interface Item {
  text: string;
  name: string; // canonical
  value: string | undefined;
}

function splitItem(v: unknown, where: 'send' | 'expect'): Item {
  if (typeof v !== 'string') {
    throw new ValueError(`an option is written as text, got ${show(v)} — e.g. mss=1460, sackOK, ts=100:0`);
  }
  const text = v.trim();
  if (text.includes(',')) {
    throw new ValueError(
      `'${text}' holds several options — write one option per list item: [${text
        .split(',')
        .map((s) => s.trim())
        .join(', ')}]`,
    );
  }
  const eq = text.indexOf('=');
  const rawName = (eq === -1 ? text : text.slice(0, eq)).trim();
  const value = eq === -1 ? undefined : text.slice(eq + 1).trim();
  const name = NAMES[rawName.toLowerCase()];
  if (!name) {
    const guess = closest(rawName, SPELLINGS);
    const dym = guess ? `did you mean '${guess}'? ` : '';
    const extra = where === 'expect' ? ' (in expectations * stands for any value, e.g. ts=*:100)' : '';
    throw new ValueError(`unknown TCP option '${rawName}' — ${dym}Known options: ${KNOWN_HELP}${extra}`);
  }
  return { text, name, value };
}

function show(v: unknown): string {
  return v === null ? 'an empty value' : JSON.stringify(v);
}

function bad(it: Item, detail: string): ValueError {
  return new ValueError(`option '${it.text}': ${detail} — write ${USAGE[it.name]}`);
}

function noValue(it: Item): void {
  if (it.value !== undefined) throw bad(it, `${it.name} takes no value`);
}

/** "a:b" → two parts, each parsed by `part`. */
function pair<T>(it: Item, s: string, part: (x: string) => T): [T, T] {
  const parts = s.split(':');
  if (parts.length !== 2 || parts[0].trim() === '' || parts[1].trim() === '') {
    throw bad(it, `expected two values A:B, got '${s}'`);
  }
  return [part(parts[0]), part(parts[1])];
}

function u32(it: Item, s: string): RawValue {
  try {
    return parseValue(s.trim(), `value '${s.trim()}'`);
  } catch (e) {
    // The value parser's message already says what to do.
    throw new ValueError(`option '${it.text}': ${(e as Error).message}`);
  }
}

function hex(it: Item, s: string): Uint8Array {
  try {
    return fromHex(s);
  } catch (e) {
    throw bad(it, (e as Error).message);
  }
}

function intIn(it: Item, s: string, max: number): number {
  const t = s.trim();
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isInteger(n) || n > max) throw bad(it, `'${t}' is not an integer 0..${max}`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Sent options

/** A send option before labels are resolved: a cookie copied from a labelled packet. */
export type RawSendOption = Exclude<SendOption, { kind: 'tfo' }> | { kind: 'tfo'; cookie: Uint8Array | { label: string } | { kernel: true }; exp?: boolean };

const HAS_EXPR = /[a-z]\s*\./i;

/** One option item of a `send`. Throws ValueError. */
export function parseSendOption(v: unknown): RawSendOption {
  const it = splitItem(v, 'send');
  const exp = it.name === 'tfoexp';
  if ((it.name === 'tfo' || exp) && it.value?.trim() === 'kernel')
    return exp ? { kind: 'tfo', cookie: { kernel: true }, exp: true } : { kind: 'tfo', cookie: { kernel: true } };
  if ((it.name === 'tfo' || exp) && it.value !== undefined && it.value.startsWith('@')) {
    const label = it.value.slice(1).trim();
    if (!/^[a-z][a-z0-9_-]*$/.test(label)) throw bad(it, `'@${label}' is not a label name`);
    return exp ? { kind: 'tfo', cookie: { label }, exp: true } : { kind: 'tfo', cookie: { label } };
  }
  if (it.value !== undefined && it.value.includes('*')) {
    throw bad(it, `'*' (any value) only exists in expectations; a sent option needs a concrete value`);
  }
  if (it.name === 'ts' && it.value !== undefined && HAS_EXPR.test(it.value)) {
    const [val, ecr] = pair(it, it.value, (s) => u32(it, s));
    return { kind: 'ts', val, ecr };
  }
  if (it.name === 'sack' && it.value !== undefined && HAS_EXPR.test(it.value)) {
    return { kind: 'sack', blocks: it.value.split('/').map((b) => pair(it, b, (s) => u32(it, s))) };
  }
  if (it.name === 'kind' && it.value !== undefined) {
    const type = Number(/^\s*(\d+)/.exec(it.value)?.[1]);
    if (type === 0 || type === 1) throw bad(it, `kinds 0 and 1 are single bytes without a length`);
  }
  let opts: TcpOption[];
  try {
    opts = parseOptionSpec(it.text);
  } catch (e) {
    const msg = (e as Error).message.replace(/^bad option item "[^"]*":\s*/, '').replace(/;\s*valid:.*$/, '');
    throw bad(it, msg);
  }
  if (opts.length !== 1) throw bad(it, `expected exactly one option`);
  return opts[0] as RawSendOption;
}

/**
 * Resolves a send's options to wire options: expressions are evaluated with `lookup`, cookies
 * copied from earlier packets with `cookieOf`. Throws when something is not bound.
 */
export function resolveSendOptions(
  opts: readonly SendOption[],
  lookup: Bindings,
  cookieOf: (ref: { step: number; packet: number }) => Uint8Array | undefined,
  kernelCookie?: () => Uint8Array | undefined,
): TcpOption[] {
  return opts.map((o): TcpOption => {
    switch (o.kind) {
      case 'ts':
        return { kind: 'ts', val: evalValue(o.val, lookup), ecr: evalValue(o.ecr, lookup) };
      case 'sack':
        return { kind: 'sack', blocks: o.blocks.map(([l, r]) => [evalValue(l, lookup), evalValue(r, lookup)]) };
      case 'tfo': {
        if (o.cookie instanceof Uint8Array) return o.exp ? { kind: 'tfo', cookie: o.cookie, exp: true } : { kind: 'tfo', cookie: o.cookie };
        let c: Uint8Array | undefined;
        if ('kernel' in o.cookie) {
          c = kernelCookie?.();
          if (c === undefined) throw new Error("the DUT's Fast Open cookie is not computable: no key is known (set net.ipv4.tcp_fastopen_key)");
        } else {
          c = cookieOf(o.cookie.from);
          if (c === undefined) throw new Error(`no TFO cookie in the packet ${o.cookie.from.text}`);
        }
        return o.exp ? { kind: 'tfo', cookie: c, exp: true } : { kind: 'tfo', cookie: c };
      }
      default:
        return o;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Expected options

const ANY: NumMatcher = { kind: 'any', text: '*' };

function numPattern(it: Item, s: string | undefined, max: number): NumMatcher {
  if (s === undefined || s.trim() === '*') return ANY;
  const n = intIn(it, s, max);
  return { kind: 'value', value: n, text: String(n) };
}

function valuePattern(it: Item, s: string): NumMatcher {
  if (s.trim() === '*') return ANY;
  const v = u32(it, s);
  return { kind: 'value', value: v, text: s.trim() };
}

function bytesPattern(it: Item, s: string | undefined): Uint8Array | 'any' {
  if (s === undefined || s.trim() === '*') return 'any';
  return hex(it, s);
}

/**
 * One option item of an expectation. `*` stands for any value; a bare name of an option with a
 * value (mss, wscale, ts, sack, md5, kind=N) means any value; `tfo`/`tfoexp` bare mean a cookie
 * request (as when sent) and `tfo=*` any cookie.
 */
export function parseOptionPattern(v: unknown): OptionPattern {
  const it = splitItem(v, 'expect');
  const text = it.text;
  switch (it.name) {
    case 'eol':
    case 'nop':
    case 'sackOK':
      noValue(it);
      return { kind: it.name, text };
    case 'mss':
      return { kind: 'mss', value: numPattern(it, it.value, 0xffff), text };
    case 'wscale': {
      // A kernel never sends a shift above 14 (RFC 7323 §2.3): expecting one can never match.
      const shift = numPattern(it, it.value, 0xff);
      if (shift.kind === 'value' && typeof shift.value === 'number' && shift.value > TCP_MAX_WSCALE)
        throw new ValueError(
          `option '${it.text}': a kernel never sends a shift above ${TCP_MAX_WSCALE} (RFC 7323 §2.3), so this can never match — expect wscale=0..${TCP_MAX_WSCALE}, e.g. wscale=7`,
        );
      return { kind: 'wscale', shift, text };
    }
    case 'ts': {
      if (it.value === undefined || it.value.trim() === '*') return { kind: 'ts', val: ANY, ecr: ANY, text };
      const [val, ecr] = pair(it, it.value, (s) => valuePattern(it, s));
      return { kind: 'ts', val, ecr, text };
    }
    case 'sack': {
      if (it.value === undefined || it.value.trim() === '*') return { kind: 'sack', blocks: 'any', text };
      return { kind: 'sack', blocks: it.value.split('/').map((b) => pair(it, b, (s) => valuePattern(it, s))), text };
    }
    case 'tfo':
    case 'tfoexp': {
      const exp = it.name === 'tfoexp';
      if (it.value !== undefined && it.value.startsWith('@')) {
        throw bad(it, `a cookie copied from a packet (@label) can be sent, not expected — use tfo=* or tfo=HEX`);
      }
      const cookie = it.value === undefined ? new Uint8Array(0) : bytesPattern(it, it.value);
      return { kind: 'tfo', exp, cookie, text };
    }
    case 'md5': {
      const digest = bytesPattern(it, it.value);
      if (digest !== 'any' && digest.length !== 16) throw bad(it, `an MD5 digest is 16 bytes, got ${digest.length}`);
      return { kind: 'md5', digest, text };
    }
    case 'kind': {
      if (it.value === undefined) throw bad(it, `kind needs a number`);
      const colon = it.value.indexOf(':');
      const type = intIn(it, colon === -1 ? it.value : it.value.slice(0, colon), 0xff);
      if (type === 0 || type === 1) throw bad(it, `kinds 0 and 1 are single bytes without a length — use eol, nop or raw=`);
      const data = colon === -1 ? 'any' : bytesPattern(it, it.value.slice(colon + 1));
      return { kind: 'unknown', type, data, text };
    }
    case 'raw': {
      if (it.value === undefined || it.value.trim() === '*') throw bad(it, `raw needs the exact bytes`);
      return { kind: 'bytes', bytes: hex(it, it.value), text };
    }
  }
  throw bad(it, 'unhandled option');
}
