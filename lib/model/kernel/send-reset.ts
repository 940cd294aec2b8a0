// Stack-generated RSTs and stateless ACKs (spec §3.4, §3.5): tcp_v4_send_reset, tcp_v4_reqsk_send_ack,
// tcp_v4_timewait_ack. IP: TTL = ip_default_ttl, DF, ID 0, TOS = incoming TOS (ECN bits cleared on 6.18).
import { ACK, RST } from '../../wire/types';
import { resetAuthOk } from './auth-options';
import type { JsonNum } from '../../wire/types';
import { ANY_FLOW, ipJson, jnum, jstar, packet, tsOnlyOptions, tsvalExpect } from '../core/json';
import type { Reason, RuleId } from '../core/reasons';
import type { Expectation, Step } from '../core/state';
import type { Seg } from '../core/seg';
import type { Num } from '../core/symbols';

/** TOS/traffic class of a stateless reply to `seg`. */
export function statelessTos(st: Step, seg: Seg): number {
  return st.env.profile.rstTosEcnClear ? seg.tos & 0xfc : seg.tos;
}

export function statelessTtl(st: Step): number {
  return st.env.ip === 4 ? st.env.sysctls.ip_default_ttl : 64;
}

const ackSetText = (cause: Reason, seg: Seg): string => `${cause.rule}: RST seq=SEG.ACK=${seg.ack}, ack 0, window 0`;
const ackClearText = (cause: Reason, seg: Seg): string => `${cause.rule}: RST|ACK seq 0, ack=SEG.SEQ+SYN+FIN+LEN=${seg.endSeq}, window 0`;

/**
 * RST per §3.4: ACK set → R seq=SEG.ACK ack 0; ACK clear → RA seq 0 ack=end_seq. No options
 * (MD5 block when a key applies), window 0. Counts TcpOutRsts. Every caller goes through the auth
 * pre-parse of tcp_v4_send_reset / tcp_v6_send_reset first (`authChecked`: the caller already did).
 */
export function sendReset(st: Step, seg: Seg, cause: Reason, md5 = false, authChecked = false): void {
  if (!authChecked && !resetAuthOk(st, seg)) return;
  const ex: Expectation = {};
  const ip = ipJson(st.env, statelessTtl(st), statelessTos(st, seg), 0, ANY_FLOW, ex);
  const opts = tsOnlyOptions(false, 0, 0, md5, ex);
  let r: Reason;
  if (seg.flags & ACK) {
    r = st.whyf('reset.ack-set', ackSetText, cause, seg);
    st.send(packet(ip, seg.dport, seg.sport, seg.ack, 0, RST, 0, opts), ex, r);
  } else {
    r = st.whyf('reset.ack-clear', ackClearText, cause, seg);
    st.send(packet(ip, seg.dport, seg.sport, 0, seg.endSeq, RST | ACK, 0, opts), ex, r);
  }
  st.count('TcpOutRsts');
}

/**
 * A stateless ACK (reqsk / TIME_WAIT): seq, ack, window, NOP NOP TS when `ts`. TOS: the incoming
 * segment's (a request's ACK), or `tos` — a timewait socket's own tw_tos / tw_tclass (correction C25).
 */
export function sendStatelessAck(
  st: Step,
  seg: Seg,
  rule: RuleId,
  text: () => string,
  seq: Num,
  ack: number,
  window: number | [number, number],
  ts: { off: Num; ecr: number } | null,
  md5: boolean,
  tos?: number,
): void {
  const ex: Expectation = {};
  const ip = ipJson(st.env, statelessTtl(st), tos ?? statelessTos(st, seg), 0, ANY_FLOW, ex);
  let tsval: JsonNum = 0;
  // tcp_v4_send_ack / tcp_v6_send_response write the timestamp block only when tsecr (ts_recent) is
  // non-zero: a request whose SYN carried TSval 0 answers without TS (measured on 6.18.44, C10).
  if (ts && ts.ecr === 0) {
    ts = null;
    st.why('stateless-ack.no-ts', 'ts_recent is 0: the ACK carries no timestamp option');
  }
  if (ts) tsval = jstar('opt.ts.val', tsvalExpect(ts.off, st.now, st.env.tsTolMs), ex);
  const opts = tsOnlyOptions(!!ts, tsval, ts ? ts.ecr : 0, md5, ex);
  const r = st.why(rule, text);
  const win = typeof window === 'number' ? window : jstar('tcp.window', { range: window }, ex);
  st.send(packet(ip, seg.dport, seg.sport, jnum(seq, 'tcp.seq', ex), ack, ACK, win, opts), ex, r);
}
