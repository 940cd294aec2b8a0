// One packet line of a script → a send step (inbound) or an expected packet (outbound), with
// packetdrill's sequence-number spaces mapped onto the case model's expressions:
//   - a packet with SYN carries absolute numbers: its seq is the sender's ISN, its ack the other side's
//     ISN + n (the DUT's side relative to the script's own ISN for the DUT);
//   - any other packet is relative: seq n = ISN + n of its sender, ack n = ISN + n of the other side;
//   - an inbound TS ecr echoing a value the script expected from the DUT is that live value (+ the
//     difference), and outbound TS val is not checked (packetdrill checks it only with
//     --tcp_ts_tick_usecs); outbound `win` absent = not checked, `<...>` = options not checked.
// Pure.
import type { Expr, ExprBase, FlagsMatcher, NumMatcher, OptionPattern, PacketPattern, PacketRef, SendOption, SendStep, SourcePos } from '../case/types';
import { ACK, AE, CWR, ECE, FIN, PSH, RST, SYN, URG } from '../wire/types';
import { fromHex } from '../wire/bytes';
import type { PacketEvent, PdOption } from './ast';
import { unsupported } from './errors';

/** How much later than the script's time a TSval may be (the harness's lateness, a case's whole length at most). */
const TS_LATE_MAX_MS = 60_000;

/** Per connection (case flow): what maps script numbers to live ones. */
export interface FlowSpace {
  name: string;
  sport: number;
  /** the peer's ISN (script = live: we choose it) */
  peerIsn: number;
  /** the script's ISN for the DUT (seq of the DUT's SYN / SYN-ACK in the script), once seen */
  dutIsnScript?: number;
  /** TS val of the latest outbound packet the script expected on this flow (script space) */
  lastOutTsval?: number;
  /** outbound FO cookies seen in the script (hex) → the packet that carries the live one */
  cookies: Map<string, PacketRef>;
}

/** packetdrill's flag letters, in the order it prints them. */
export const PD_FLAGS: ReadonlyArray<readonly [string, number]> = [
  ['F', FIN],
  ['S', SYN],
  ['R', RST],
  ['P', PSH],
  ['.', ACK],
  ['U', URG],
  ['E', ECE],
  ['W', CWR],
  ['A', AE],
];
const FLAG_BITS: Record<string, number> = Object.fromEntries(PD_FLAGS);

export function flagBits(letters: string): number {
  let f = 0;
  for (const c of letters) f |= FLAG_BITS[c] ?? 0;
  return f;
}

const expr = (base: ExprBase, offset: number, flow: string): Expr => {
  const off = offset | 0;
  return { base, offset: off, flow, text: off ? `${base}${off > 0 ? '+' : ''}${off}` : base };
};

const u32 = (n: number): number => n >>> 0;

export interface PacketCtx {
  file: string;
  defines: Record<string, string>;
  notes: Set<string>;
  /** --tcp_ts_tick_usecs: outbound TSvals are checked against the previous one, ± tsTolMs (the kernel's TS clock ticks every ms) */
  tsTickUs?: number;
  tsTolMs?: number;
  /** the cookie (hex) the script's kernel gave packetdrill's peer address, when a key is set */
  scriptCookie?: () => string | undefined;
}

/** An inbound packet → the fields of a send step. */
export function inboundStep(p: PacketEvent, f: FlowSpace, ctx: PacketCtx): Omit<SendStep, 'index' | 'pos' | 'note' | 'kind'> {
  const flags = flagBits(p.flags);
  const syn = (flags & SYN) !== 0;
  // before the peer's SYN (a RST or data an active open meets first) the script's numbers are absolute
  const seq = syn || f.peerIsn === -1 ? p.seq : expr('peer.isn', u32(p.seq), f.name);
  let ack: SendStep['ack'] = 0;
  if (p.ack !== undefined) {
    if (flags & ACK) ack = syn ? expr('dut.isn', u32(p.ack - (f.dutIsnScript ?? 0)), f.name) : expr('dut.isn', u32(p.ack), f.name);
    else ack = p.ack;
  }
  const options: SendOption[] = [];
  if (p.options === 'any') unsupported(ctx.file, p.flagsPos, "'<...>' on an inbound packet (the packet to send must be spelt out)");
  for (const o of p.options ?? []) options.push(sendOption(o, f, ctx));
  let tos = 0;
  if (p.ipEcn) {
    const ecn = { noecn: 0, ect1: 1, ect0: 2, ce: 3 }[p.ipEcn as 'noecn'];
    if (ecn === undefined) unsupported(ctx.file, p.flagsPos, `the IP ECN marker [${p.ipEcn}] on an inbound packet`);
    tos = ecn;
  }
  return {
    flow: f.name,
    flags,
    seq,
    ack,
    window: p.win ?? 65535,
    urg: 0,
    options,
    payload: new Uint8Array(p.len),
    tos,
    ttl: 64,
    mistakes: {},
    to: 'dut',
  };
}

function sendOption(o: PdOption, f: FlowSpace, ctx: PacketCtx): SendOption {
  switch (o.kind) {
    case 'nop':
      return { kind: 'nop' };
    case 'eol':
      return { kind: 'eol' };
    case 'sackOK':
      return { kind: 'sackOK' };
    case 'mss':
      return { kind: 'mss', value: o.value };
    case 'wscale':
      return { kind: 'wscale', shift: o.shift };
    case 'ts': {
      const ecr = o.ecr !== 0 && f.lastOutTsval !== undefined ? expr('dut.tsval', u32(o.ecr - f.lastOutTsval), f.name) : o.ecr;
      return { kind: 'ts', val: o.val, ecr };
    }
    case 'sack':
      return { kind: 'sack', blocks: o.blocks.map(([l, r]) => [expr('dut.isn', l, f.name), expr('dut.isn', r, f.name)]) };
    case 'md5':
      if (!o.digest) unsupported(ctx.file, o.pos, 'an md5 option without a digest on an inbound packet');
      return { kind: 'md5', digest: fromHex(o.digest) };
    case 'tfo': {
      const exp = o.exp ? { exp: true } : {};
      if (o.define !== undefined) {
        if (o.define === 'TFO_COOKIE' || o.define === 'TFO_COOKIE_ZERO') {
          // the cookie the DUT's kernel makes for OUR addresses (the define was computed for packetdrill's)
          ctx.notes.add(`${o.define}: the cookie the DUT computes for the lab's addresses under the netns key, not the -D value`);
          return { kind: 'tfo', cookie: { kernel: true }, ...exp };
        }
        const v = ctx.defines[o.define];
        if (v === undefined || !/^([0-9a-fA-F]{2})+$/.test(v)) unsupported(ctx.file, o.pos, `the cookie define ${o.define} (give -D ${o.define}=HEX)`);
        return { kind: 'tfo', cookie: fromHex(v), ...exp };
      }
      // a cookie the DUT handed out earlier in the script (for packetdrill's addresses): the live one
      const ref = o.cookie ? f.cookies.get(o.cookie) : undefined;
      if (ref) return { kind: 'tfo', cookie: { from: ref }, ...exp };
      // the valid cookie for packetdrill's addresses, written out: the valid one for ours
      if (o.cookie && o.cookie === ctx.scriptCookie?.()) {
        ctx.notes.add(`FO ${o.cookie}: the valid cookie for packetdrill's addresses, sent as the DUT's valid cookie for the lab's`);
        return { kind: 'tfo', cookie: { kernel: true }, ...exp };
      }
      return { kind: 'tfo', cookie: fromHex(o.cookie), ...exp };
    }
  }
}

/** An outbound packet → the expected packet pattern (without timing). */
export function outboundPattern(p: PacketEvent, f: FlowSpace, pos: SourcePos, ctx: PacketCtx): PacketPattern {
  const flags = flagBits(p.flags);
  const syn = (flags & SYN) !== 0;
  const fm: FlagsMatcher = { kind: 'mask', has: flags & ~PSH, lacks: 0x1ff & ~(flags | PSH), text: p.flags };
  const val = (v: number | Expr, text: string): NumMatcher => ({ kind: 'value', value: v, text });
  let seq: NumMatcher;
  if (syn) {
    if (f.dutIsnScript === undefined) f.dutIsnScript = p.seq;
    seq = val(expr('dut.isn', u32(p.seq - f.dutIsnScript), f.name), String(p.seq));
  } else seq = val(expr('dut.isn', u32(p.seq), f.name), String(p.seq));
  const pat: PacketPattern = { pos, flow: f.name, model: syn, flags: fm, seq, len: val(p.len, String(p.len)) };
  if (flags & ACK) {
    const a = p.ack ?? 0;
    pat.ack = val(syn ? expr('peer.isn', u32(a - f.peerIsn), f.name) : expr('peer.isn', u32(a), f.name), String(a));
  }
  if (p.win !== undefined) pat.window = val(p.win, String(p.win));
  if (p.ipEcn) {
    const ecn = { noecn: 0, ect1: 1, ect0: 2, ce: 3 }[p.ipEcn as 'noecn'];
    if (ecn !== undefined) pat.ecn = ecn;
    else ctx.notes.add(`[${p.ipEcn}] (ECT(0) or ECT(1)) is not checked`);
  }
  if (p.options !== 'any') pat.options = { kind: 'exact', items: (p.options ?? []).map((o) => optionPattern(o, f, syn && (flags & ACK) !== 0, ctx)) };
  const ts = p.options !== 'any' ? p.options?.find((o) => o.kind === 'ts') : undefined;
  if (ts && ts.kind === 'ts') f.lastOutTsval = ts.val;
  return pat;
}

const ANY: NumMatcher = { kind: 'any', text: '*' };

function optionPattern(o: PdOption, f: FlowSpace, synack: boolean, ctx: PacketCtx): OptionPattern {
  const text = o.text;
  const num = (n: number): NumMatcher => ({ kind: 'value', value: n, text: String(n) });
  switch (o.kind) {
    case 'nop':
      return { text, kind: 'nop' };
    case 'eol':
      return { text, kind: 'eol' };
    case 'sackOK':
      return { text, kind: 'sackOK' };
    case 'mss':
      return { text, kind: 'mss', value: num(o.value) };
    case 'wscale':
      return { text, kind: 'wscale', shift: num(o.shift) };
    case 'ts': {
      if (!ctx.tsTickUs || f.lastOutTsval === undefined) {
        if (!ctx.tsTickUs) ctx.notes.add('outbound TS val is not checked (packetdrill checks it only with --tcp_ts_tick_usecs)');
        return { text, kind: 'ts', val: ANY, ecr: num(o.ecr) };
      }
      // --tcp_ts_tick_usecs: TSval moves on from the previous expected one by at least the script's
      // ticks, in ms (the kernel's TS clock), less the tolerance. Only the lower edge: the harness runs
      // the script's times or later, never earlier, so how much later it ran must not fail the packet
      // (the model's TSval prediction, made from the capture's own times, is the exact check).
      const ms = Math.round(((u32(o.val - f.lastOutTsval) | 0) * ctx.tsTickUs) / 1000);
      const tol = Math.ceil(ctx.tsTolMs ?? 4) + 1;
      ctx.notes.add(`outbound TS val checked against the previous one: at least the script's ticks of ${ctx.tsTickUs} µs less ${tol} ms`);
      return {
        text,
        kind: 'ts',
        val: {
          kind: 'range',
          lo: expr('dut.tsval', ms - tol, f.name),
          hi: expr('dut.tsval', ms + TS_LATE_MAX_MS, f.name),
          text: `dut.tsval+${ms - tol}..+${ms + TS_LATE_MAX_MS}`,
        },
        ecr: num(o.ecr),
      };
    }
    case 'sack':
      return {
        text,
        kind: 'sack',
        blocks: o.blocks.map(([l, r]) => [
          { kind: 'value', value: expr('peer.isn', l, f.name), text: String(l) },
          { kind: 'value', value: expr('peer.isn', r, f.name), text: String(r) },
        ]),
      };
    case 'md5':
      return { text, kind: 'md5', digest: 'any' };
    case 'tfo': {
      if (o.define !== undefined) {
        // TFO_COOKIE: the cookie the DUT computes, for the lab's addresses here: the model checks it
        if (o.define !== 'TFO_COOKIE' || !synack)
          unsupported(ctx.file, o.pos, `the define ${o.define} in an outbound Fast Open option (TFO_COOKIE in a SYN-ACK is understood)`);
        ctx.notes.add("a SYN-ACK's FO TFO_COOKIE is the DUT's cookie for the lab's addresses: checked by the model");
        return { text, kind: 'tfo', exp: o.exp, cookie: 'any' };
      }
      if (!o.cookie) return { text, kind: 'tfo', exp: o.exp, cookie: new Uint8Array(0) };
      if (synack) {
        // made by the DUT for packetdrill's addresses: ours differ, so any cookie here (the model,
        // which has the SipHash and the key, checks the live one)
        ctx.notes.add("a SYN-ACK's Fast Open cookie is checked by the model (the script's was computed for packetdrill's addresses)");
        return { text, kind: 'tfo', exp: o.exp, cookie: 'any' };
      }
      return { text, kind: 'tfo', exp: o.exp, cookie: fromHex(o.cookie) };
    }
  }
}

/** The Fast Open cookies (hex, as written) an outbound SYN-ACK of the script carries. */
export function synackCookies(p: PacketEvent): string[] {
  const f = flagBits(p.flags);
  if (!(f & SYN) || !(f & ACK) || p.options === 'any') return [];
  return (p.options ?? []).flatMap((o) => (o.kind === 'tfo' && o.cookie ? [o.cookie] : []));
}
