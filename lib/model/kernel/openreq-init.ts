// Request initialisation (spec §4.3) and the random draws of §4.4: ISN, ts_off, flow label.
// Random values are symbols unless env.fixed gives them.
import type { Step } from '../core/state';
import { isEmptyDict } from '../core/state';
import type { Num } from '../core/symbols';

/** A symbol name unique among bound names (a re-used 4-tuple gets a fresh symbol once the old one is bound). */
export function freshSym(st: Step, base: string): string {
  if (isEmptyDict(st.bindings) || st.bindings[base] === undefined) return base;
  st.gen++;
  return base + '#' + st.gen;
}

/** A binding-name stem whose `/0` member is unbound (for per-packet TSval bindings of a re-used 4-tuple). */
export function freshStem(st: Step, base: string): string {
  if (isEmptyDict(st.bindings)) return base; // fresh state: nothing bound yet (the hot path)
  let b = base;
  while (st.bindings[b + '/0'] !== undefined) {
    st.gen++;
    b = base + '#' + st.gen;
  }
  return b;
}

/** Normal ISN (secure_tcp_seq): opaque, per 4-tuple + clock. §4.4 `tuple`: the 4-tuple key (tupleKey). */
export function isnFor(st: Step, tuple: string): Num {
  const f = st.env.fixed?.isn;
  if (f !== undefined) return f >>> 0;
  return { sym: freshSym(st, 'isn@' + tuple) };
}

/**
 * ts_off (§4.4, §10): 0 unless tcp_timestamps=1; then per 4-tuple on 6.18 (same hash as the ISN),
 * per address pair on 6.1. Deterministic for its inputs, so the symbol name is not versioned.
 * `tuple`: the 4-tuple key, `${peer}:${peer port}>${local port}` (tupleKey; connect() may name its port
 * by symbol).
 */
export function tsOffFor(st: Step, peer: string, tuple: string): Num {
  if (st.env.sysctls.tcp_timestamps !== 1) return 0;
  const f = st.env.fixed?.tsOff;
  if (f !== undefined) return f >>> 0;
  if (st.env.profile.tsOffPerTuple) return { sym: 'tsoff@' + tuple };
  return { sym: 'tsoff@' + peer + '>' + st.env.dut };
}

/** IPv6 auto flow label (from the req/socket txhash): a symbol per req; 0 on IPv4 (unused). */
export function flowFor(st: Step, key: string, gen = 0): Num {
  if (st.env.ip === 4) return 0;
  const f = st.env.fixed?.flow;
  if (f !== undefined) return f & 0xfffff;
  return { sym: freshSym(st, 'flow@' + key + (gen ? '#r' + gen : '')) };
}
