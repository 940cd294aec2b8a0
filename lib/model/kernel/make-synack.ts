// The SYN-ACK: MSS (§4.8), IP fields (§4.6), option selection (§5.2) and byte layout (§5.3), the
// header (§5.1). tcp_make_synack / tcp_synack_options / tcp_options_write / tcp_v4_send_synack.
import { ACK, ECE, SYN } from '../../wire/types';
import type { JsonNum } from '../../wire/types';
import { ipJson, jnum, jstar, packet, synackOptionsJson, tsvalExpect } from '../core/json';
import { Reason, reason } from '../core/reasons';
import type { SockOpts } from '../core/sockopts';
import type { Expectation, ModelEnv, Step, SynAckTpl } from '../core/state';
import type { Num } from '../core/symbols';
import { selectInitialWindow, WindowChoice } from './select-window';

/** SYN-ACK MSS option: min(route advmss, TCP_MAXSEG); never the peer's MSS. §4.8 */
export function synackMss(env: ModelEnv, lopts: SockOpts): number {
  return lopts.maxseg ? Math.min(env.route.advmss, lopts.maxseg) : env.route.advmss;
}

/** TTL and TOS/tclass of a SYN-ACK (and of the child). §4.6, §9 */
export function synackIpFields(env: ModelEnv, lopts: SockOpts, synTos: number): { ttl: number; tos: number; reflected: boolean } {
  const ttl = lopts.ttl ?? (env.ip === 4 ? env.sysctls.ip_default_ttl : 64);
  // IP_TOS / IPV6_TCLASS on a TCP socket keep the ECN bits out [inferred].
  const base = ((env.ip === 4 ? lopts.tos : lopts.tclass) ?? 0) & 0xfc;
  const reflected = env.sysctls.tcp_reflect_tos === 1;
  let tos = reflected ? synTos & 0xfc : base;
  if (env.route.ccEcn) tos |= 2; // CC needing ECN sends ECT(0) [inferred]
  return { ttl, tos, reflected };
}

export interface SynAckInputs {
  wsOk: boolean;
  ws: number;
  sackOk: boolean;
  ts: boolean;
  ecnOk: boolean;
  synTos: number;
  md5: boolean;
  cookie: boolean;
  tfo?: { hex?: string; sym?: string; exp: boolean };
}

export interface TplEntry {
  readonly tpl: SynAckTpl;
  readonly win: WindowChoice;
  /** The reasons of the choice, in order (window, MSS, options, IP fields); immutable, shared by every use of a cached entry. */
  readonly reasons: readonly Reason[];
}

const TPL_CACHE = new WeakMap<SockOpts, { env: ModelEnv; m: Map<number, TplEntry> }>();

/** Chooses window, options and IP fields once per req (retransmissions reuse them). Cached per listener options when no TFO cookie is involved. */
export function makeSynAckTpl(st: Step, lopts: SockOpts, i: SynAckInputs): TplEntry {
  const env = st.env;
  let e: TplEntry | undefined;
  if (!i.tfo) {
    const key =
      (i.ts ? 1 : 0) |
      (i.sackOk ? 2 : 0) |
      (i.wsOk ? 4 : 0) |
      ((i.ws & 15) << 3) |
      (i.ecnOk ? 128 : 0) |
      (i.md5 ? 256 : 0) |
      (i.cookie ? 512 : 0) |
      (env.sysctls.tcp_reflect_tos === 1 ? (i.synTos & 0xfc) << 10 : 0);
    let c = TPL_CACHE.get(lopts);
    if (!c || c.env !== env) {
      c = { env, m: new Map() };
      TPL_CACHE.set(lopts, c);
    }
    e = c.m.get(key);
    if (!e) {
      e = buildTpl(env, lopts, i);
      c.m.set(key, e);
    }
  } else {
    e = buildTpl(env, lopts, i);
  }
  for (const r of e.reasons) st.note(r);
  return e;
}

function buildTpl(env: ModelEnv, lopts: SockOpts, i: SynAckInputs): TplEntry {
  const mss = synackMss(env, lopts);
  const win = selectInitialWindow(env, lopts, mss, i.ts ? 12 : 0, i.wsOk);
  let ts = i.ts;
  let remaining = 40;
  let md5DropsTs = false;
  if (i.md5) {
    remaining -= 20;
    if (!i.cookie && ts && i.sackOk) {
      ts = false;
      md5DropsTs = true;
    }
  }
  remaining -= 4; // MSS
  if (i.wsOk) remaining -= 4;
  if (ts) remaining -= 12;
  else if (i.sackOk) remaining -= 4;
  let tfo = i.tfo;
  let tfoNoRoom: string | undefined;
  if (tfo) {
    const clen = tfo.hex !== undefined ? tfo.hex.length / 2 : 8;
    const need = (clen + (tfo.exp ? 4 : 2) + 3) & ~3;
    if (need > remaining) {
      tfoNoRoom = `TFO cookie needs ${need} B, ${remaining} B left`;
      tfo = undefined;
    }
  }
  const ipf = synackIpFields(env, lopts, i.synTos);
  const tpl: SynAckTpl = {
    flags: SYN | ACK | (i.ecnOk ? ECE : 0),
    window: win.field,
    mss,
    ws: i.wsOk ? win.wscale : -1,
    ts,
    sack: i.sackOk,
    md5: i.md5,
    tfo,
    ttl: ipf.ttl,
    tos: ipf.tos,
  };
  const mssText = () => `MSS option ${mss} = min(advmss ${env.route.advmss}${lopts.maxseg ? `, TCP_MAXSEG ${lopts.maxseg}` : ''})`;
  const optText = () => {
    const p = ['MSS ' + mss];
    if (ts) p.push(i.sackOk ? 'SACK_PERM+TS (04 02 08 0a)' : 'NOP NOP TS');
    else if (i.sackOk) p.push('NOP NOP SACK_PERM');
    if (i.wsOk) p.push('NOP WS ' + win.wscale);
    if (tfo) p.push(tfo.exp ? 'TFO cookie (exp 254)' : 'TFO cookie + NOP NOP');
    if (i.md5) p.unshift('NOP NOP MD5');
    return p.join(', ') + (i.cookie && !i.ts ? ' (cookie mode without TS: options forgotten)' : '');
  };
  const ipText = () =>
    env.ip === 4
      ? `TTL ${ipf.ttl}, TOS 0x${ipf.tos.toString(16)}${ipf.reflected ? ' (tcp_reflect_tos: DSCP from the SYN)' : ''}, DF, ID 0`
      : `hop limit ${ipf.ttl}, tclass 0x${ipf.tos.toString(16)}${ipf.reflected ? ' (reflected)' : ''}, flow label hash-derived`;
  const reasons = [reason('window.initial', win.text), reason('synack.mss', mssText)];
  if (md5DropsTs) reasons.push(reason('synack.md5-drops-ts', 'MD5 key with SACK: TS left out of the SYN-ACK'));
  if (tfoNoRoom) reasons.push(reason('synack.tfo-no-room', tfoNoRoom));
  reasons.push(reason('synack.options', optText), reason('synack.ip', ipText));
  return { tpl, win, reasons };
}

export interface SynAckTarget {
  peer: string;
  pport: number;
  lport: number;
  isn: Num;
  rcvNxt: number;
  tsOff: Num;
  tsRecent: number;
  flow: Num;
}

/** Emits one SYN-ACK from a template at time `at` (TSval ≈ at + ts_off; cookie: low 6 bits fixed). */
export function emitSynAck(
  st: Step,
  tpl: SynAckTpl,
  t: SynAckTarget,
  cause: Reason,
  at: number,
  low6?: number,
  tsApprox?: number,
  tol?: number,
  tsBindAs?: string,
): void {
  const ex: Expectation = {};
  const ip = ipJson(st.env, tpl.ttl, tpl.tos, 0, t.flow, ex);
  let tsval: JsonNum = 0;
  if (tpl.ts) tsval = jstar('opt.ts.val', tsvalExpect(t.tsOff, tsApprox ?? at, tol ?? st.env.tsTolMs, low6, tsBindAs), ex);
  const opts = synackOptionsJson(tpl, tsval, t.tsRecent, ex);
  st.send(packet(ip, t.lport, t.pport, jnum(t.isn, 'tcp.seq', ex), t.rcvNxt, tpl.flags, tpl.window, opts), ex, cause, at);
}
