// Syncookies (spec §4.9): cookie ISN, the TSval low-6-bit option encoding, cookie-ACK validation
// (cookie_init_sequence, cookie_init_timestamp, tcp_v4_cookie_check / cookie_v4_check,
// cookie_timestamp_decode).
import type { KernelOpts } from './parse-options';
import type { CookieRec, Listener, Step } from '../core/state';
import type { Seg } from '../core/seg';
import { freshSym, tsOffFor } from './openreq-init';
import { Num, numText, numValue } from '../core/symbols';

/** MSS tables: IPv4 per §1; IPv6 1220/1420/1440/8940 [inferred from the kernel's v6 table]. */
export const MSSTAB4 = [536, 1300, 1440, 1460] as const;
export const MSSTAB6 = [1220, 1420, 1440, 8940] as const;

/** The largest table entry ≤ the peer MSS (index 0 below the second entry). */
export function cookieMss(ip: 4 | 6, peerMss: number): number {
  const tab = ip === 4 ? MSSTAB4 : MSSTAB6;
  let v: number = tab[0];
  for (const m of tab) if (m <= peerMss) v = m;
  return v;
}

/** Low 6 bits: 0..3 peer wscale (15 = none), bit 4 SACK, bit 5 ECN. */
export function cookieLow6(wsOk: boolean, ws: number, sackOk: boolean, ecnOk: boolean): number {
  return (wsOk ? ws & 0xf : 0xf) | (sackOk ? 0x10 : 0) | (ecnOk ? 0x20 : 0);
}

/** TSval before ts_off: the ms clock with its low 6 bits replaced, minus 64 if that is in the future. */
export function cookieTsvalRaw(nowMs: number, low6: number): number {
  let ts = ((nowMs >>> 0) & ~63) | low6;
  ts >>>= 0;
  if (ts > nowMs >>> 0) ts = (ts - 64) >>> 0;
  return ts;
}

/**
 * __cookie_v4_check / __cookie_v6_check against one cookie sent: the cookie is
 * H0(4-tuple) + peer ISN + (counter << 24) + ((H1(4-tuple, counter) + mss index) & 0xffffff), and the
 * check subtracts H0 and SEG.SEQ−1, reads the counter from the top 8 bits and the mss index from the
 * low 24. An ACK whose SEG.ACK−1 and SEG.SEQ−1 differ from the cookie and the peer ISN by d in all
 * (d = ΔACK − ΔSEQ) decodes to mss index + d: valid while that is still an index of the MSS table,
 * with that entry's MSS (so ack ±1 or seq ∓1 usually still opens a child, with a neighbouring MSS)
 * [correction C26]. d never reaches the counter bits except when H1's low 24 bits sit within |d| of
 * a wrap, one chance in ~4 million per unit of d, ignored [inferred].
 */
function cookieAcross(ip: 4 | 6, r: CookieRec, isn: number, cookie: number, peerIsn: number): CookieRec | undefined {
  const d = (((cookie - isn) | 0) - ((peerIsn - r.peerIsn) | 0)) | 0;
  if (d === 0 && cookie === isn) return r;
  const tab: readonly number[] = ip === 4 ? MSSTAB4 : MSSTAB6;
  const at = tab.indexOf(r.mss) + d;
  if (at < 0 || at >= tab.length) return undefined;
  return { ...r, peerIsn, isn: cookie, mss: tab[at] };
}

/** Cookie ISN: opaque (H0 + peer ISN + counter<<24 + H1 + mss index). A fresh symbol per cookie SYN-ACK. */
export function cookieIsnFor(st: Step, seg: Seg): Num {
  const f = st.env.fixed?.cookieIsn ?? st.env.fixed?.isn;
  if (f !== undefined) return f >>> 0;
  st.gen++;
  return { sym: freshSym(st, 'cookie@' + seg.key + '#' + st.gen) };
}

export function recordCookie(st: Step, l: Listener, seg: Seg, isn: Num, mss: number, tsOff: Num, low6: number): void {
  const key = seg.key;
  const rec: CookieRec = { peerIsn: seg.seq, isn, sentMs: st.now, mss, tsOff, listenPort: l.port, low6 };
  const old = st.cookies.get(key) ?? [];
  // Keep the last 8 per 4-tuple; anything older than 2 minutes cannot validate anyway.
  const keep = old.filter((c) => st.now - c.sentMs < 120000).slice(-7);
  st.setCookies(key, [...keep, rec]);
  if (l.lastOverflowMs !== st.now) st.setListener(l.port, { ...l, lastOverflowMs: st.now });
}

export type CookieOutcome =
  | { kind: 'skip' }
  | { kind: 'invalid' }
  | { kind: 'valid'; rec: CookieRec; wsOk: boolean; ws: number; sackOk: boolean; ecnOk: boolean; tsOk: boolean; tsOff: Num };

/**
 * tcp_v4_cookie_check on a listener for a non-SYN segment. Only runs with syncookies≠0, ACK set,
 * RST clear and a cookie sent within 2 minutes (§3.3 step 2).
 */
const SKIP: CookieOutcome = Object.freeze({ kind: 'skip' });

export function cookieCheck(st: Step, l: Listener, seg: Seg, ko: KernelOpts, flagsAck: boolean, flagsRst: boolean): CookieOutcome {
  const s = st.env.sysctls;
  if (!s.tcp_syncookies || !flagsAck || flagsRst || !(st.now - l.lastOverflowMs <= 120000)) {
    st.why(
      'cookies.no-recent-overflow',
      !s.tcp_syncookies
        ? 'tcp_syncookies=0: no cookie check'
        : !flagsAck || flagsRst
          ? 'not a bare ACK: no cookie check'
          : 'no syncookie sent in the last 2 min: no cookie check',
    );
    return SKIP;
  }
  return cookieValidate(st, seg, ko);
}

/** cookie_v4_check / cookie_v6_check past the cheap gates (its own function: the gates' path allocates nothing). */
function cookieValidate(st: Step, seg: Seg, ko: KernelOpts): CookieOutcome {
  const s = st.env.sysctls;
  const key = seg.key;
  const recs = st.cookies.get(key) ?? [];
  const peerIsn = (seg.seq - 1) >>> 0;
  const cookie = (seg.ack - 1) >>> 0;
  let match: CookieRec | undefined;
  let unbound = false;
  for (let i = recs.length - 1; i >= 0; i--) {
    const r = recs[i];
    const v = numValue(r.isn, st.bindings);
    if (v === undefined) {
      if (r.peerIsn !== peerIsn) continue;
      match ??= r;
      unbound = true;
      continue;
    }
    const m = cookieAcross(seg.ipv, r, v, cookie, peerIsn);
    if (m) {
      match = m;
      unbound = false;
      break;
    }
  }
  if (match) {
    const age = st.now - match.sentMs;
    if (age >= 120000) match = undefined;
    else if (age >= 60000)
      st.why('cookies.age-uncertain', () => `cookie ${Math.round(age / 1000)} s old: minute counter may or may not have moved twice [inferred]`);
  }
  if (!match) {
    st.count('TcpExtSyncookiesFailed');
    st.why('cookies.invalid', () => `SEG.ACK−1=${cookie}, SEG.SEQ−1=${peerIsn}: no cookie issued for this 4-tuple/peer ISN within 2 min`);
    return { kind: 'invalid' };
  }
  if (unbound) st.why('cookies.unbound', () => `cookie ${numText(match!.isn)} unbound: SEG.ACK−1=${cookie} assumed to be it`);
  st.count('TcpExtSyncookiesRecv');
  // Option decode from TSecr (cookie_timestamp_decode).
  let wsOk = false;
  let ws = 0;
  let sackOk = false;
  let ecnOk = false;
  const tsOk = ko.ts;
  // cookie_v4_check: the offset comes off TSecr, and becomes the child's ts_off, only when the ACK
  // has TS with a non-zero TSecr; it is the 4-tuple's offset even when the cookie SYN-ACK carried no
  // TS (the DUT then never showed it) [correction C26].
  let tsOff: Num = 0;
  if (ko.ts) {
    let ecr = ko.tsEcr;
    if (ecr) {
      tsOff = tsOffFor(st, seg.src, key);
      const off = numValue(tsOff, st.bindings);
      if (off === undefined) {
        st.why('cookies.unbound', () => `ts offset ${numText(tsOff)} unbound: option bits in TSecr cannot be read; assumed as encoded`);
        ecr = match.low6 >= 0 ? match.low6 : 0;
      } else ecr = (ecr - off) >>> 0;
    }
    const bits = ecr & 0x3f;
    if (!s.tcp_timestamps) return decodeFail(st, 'tcp_timestamps is now 0');
    sackOk = (bits & 0x10) !== 0;
    if (sackOk && !s.tcp_sack) return decodeFail(st, 'SACK bit set but tcp_sack is now 0');
    if ((bits & 0xf) !== 0xf) {
      wsOk = true;
      ws = bits & 0xf;
      if (!s.tcp_window_scaling) return decodeFail(st, 'WS encoded but tcp_window_scaling is now 0');
    }
    ecnOk = (bits & 0x20) !== 0 && (s.tcp_ecn !== 0 || st.env.route.ecn);
  }
  st.why(
    'cookies.valid',
    () => `valid syncookie (peer ISN ${peerIsn}); mss ${match!.mss}, ${tsOk ? `TS, sack ${sackOk}, ws ${wsOk ? ws : 'none'}` : 'no TS: no SACK/WS/ECN'}`,
  );
  return { kind: 'valid', rec: match, wsOk, ws, sackOk, ecnOk, tsOk, tsOff };
}

function decodeFail(st: Step, why: string): CookieOutcome {
  st.why('cookies.decode-failed', why);
  return { kind: 'invalid' };
}
