// Rendering predictions as PacketJson (the shape shared with `synh probe --json`), with '*' for
// random values and the matching Expectation entries.
import { flagsToString } from '../../wire/flags';
import type { Ipv4Json, Ipv6Json, JsonNum, OptionJson, PacketJson } from '../../wire/types';
import type { Expectation, FieldExpect, ModelEnv, SynAckTpl } from './state';
import { Num, isSym } from './symbols';

/** A Num as JSON: the number, or '*' with the symbol recorded under `field`. */
export function jnum(n: Num, field: string, ex: Expectation): JsonNum {
  if (typeof n === 'number') return n;
  ex[field] = n;
  return '*';
}

export function jstar(field: string, e: FieldExpect, ex: Expectation): JsonNum {
  if (typeof e === 'number') return e;
  ex[field] = e;
  return '*';
}

/** IP part: v4 {ttl,tos,df,id}; v6 {hlim,tclass,flow}. `id` is a Num (0 for stateless packets). */
export function ipJson(env: ModelEnv, ttl: number, tos: number, id: Num, flow: FieldExpect | Num, ex: Expectation): Ipv4Json | Ipv6Json {
  if (env.ip === 4) return { ttl, tos, df: true, id: jnum(id, 'ip.id', ex) };
  const f: JsonNum = typeof flow === 'number' ? flow : isFieldSym(flow) ? jnum(flow, 'ip.flow', ex) : jstar('ip.flow', flow, ex);
  return { hlim: ttl, tclass: tos, flow: f };
}

function isFieldSym(f: FieldExpect | Num): f is Num {
  return typeof f === 'object' && f !== null && 'sym' in f && isSym(f as Num);
}

/**
 * Auto flow label of a stateless IPv6 packet (ip6_make_flowlabel: 20 bits of the rotated flow hash,
 * which is never 0 as a whole but whose 20 bits may all be, for about one 4-tuple in 2^20). §9, correction C45
 */
export const ANY_FLOW: FieldExpect = { range: [0, 0xfffff] };

export function tsvalExpect(off: Num, approxMs: number, tolMs: number, low6?: number, bindAs?: string): FieldExpect {
  if (low6 === undefined) return bindAs === undefined ? { tsval: { off, approxMs, tolMs } } : { tsval: { off, approxMs, tolMs, bindAs } };
  return bindAs === undefined ? { tsval: { off, approxMs, tolMs, low6 } } : { tsval: { off, approxMs, tolMs, low6, bindAs } };
}

/**
 * The SYN-ACK option list exactly as tcp_options_write lays it out (§5.3), as the codec would parse
 * it back: MD5 block, MSS, TS word (SACK_PERM fused when both), SACK_PERM alone, NOP WS, TFO.
 */
export function synackOptionsJson(t: SynAckTpl, tsval: JsonNum, tsecr: number, ex: Expectation): OptionJson[] {
  const o: OptionJson[] = [];
  if (t.md5) {
    o.push(['nop'], ['nop'], ['md5', '*']);
    ex['opt.md5'] = { symHex: 'md5-digest', bytes: 16 };
  }
  o.push(['mss', t.mss]);
  if (t.ts) {
    if (t.sack) o.push(['sackOK'], ['ts', tsval, tsecr]);
    else o.push(['nop'], ['nop'], ['ts', tsval, tsecr]);
  } else if (t.sack) {
    o.push(['nop'], ['nop'], ['sackOK']);
  }
  if (t.ws >= 0) o.push(['nop'], ['wscale', t.ws]);
  if (t.tfo) {
    const v: string = t.tfo.hex ?? '*';
    if (t.tfo.hex === undefined && t.tfo.sym) ex['opt.tfo'] = { symHex: t.tfo.sym, bytes: 8 };
    if (t.tfo.exp) o.push(['tfo', v, 'exp']);
    else {
      o.push(['tfo', v]);
      // 8-byte cookie → option length 10 ≡ 2 mod 4 → two NOPs follow (§5.3)
      const clen = t.tfo.hex !== undefined ? t.tfo.hex.length / 2 : 8;
      if (((clen + 2) & 3) === 2) o.push(['nop'], ['nop']);
    }
  }
  return o;
}

/** NOP NOP TS (the established-socket / stateless ACK timestamp block), optional MD5 first. */
export function tsOnlyOptions(ts: boolean, tsval: JsonNum, tsecr: number, md5: boolean, ex: Expectation): OptionJson[] {
  const o: OptionJson[] = [];
  if (md5) {
    o.push(['nop'], ['nop'], ['md5', '*']);
    ex['opt.md5'] = { symHex: 'md5-digest', bytes: 16 };
  }
  if (ts) o.push(['nop'], ['nop'], ['ts', tsval, tsecr]);
  return o;
}

const FLAG_STR: string[] = [];
function flagStr(f: number): string {
  return (FLAG_STR[f & 0xfff] ??= flagsToString(f & 0xfff));
}

export function packet(
  ip: Ipv4Json | Ipv6Json,
  sport: number,
  dport: number,
  seq: JsonNum,
  ack: JsonNum,
  flags: number,
  window: JsonNum,
  options: OptionJson[],
  len?: number,
): PacketJson {
  const p: PacketJson = { ip, tcp: { sport, dport, seq, ack, flags: flagStr(flags), window, urg: 0, options } };
  if (len) p.tcp.len = len;
  return p;
}
