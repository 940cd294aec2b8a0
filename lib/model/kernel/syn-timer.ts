// SYN_SENT retransmission (spec §8.3): tcp_retransmit_timer, tcp_write_timeout, tcp_ecn_clear_syn.
// Also retransmits the simultaneous-open SYN-ACK (§8.5), which rides the same timer.
import { CWR, ECE } from '../../wire/types';
import { emitSyn } from './connect';
import { flowFor } from './openreq-init';
import { rearmFromTimer } from '../core/timer-wheel';
import type { Sock, Step } from '../core/state';
import { rtoMaxMs } from '../core/rto';

/** RTO after the n-th timeout (n counted after increment). */
export function synRtoAfter(st: Step, sock: Sock, totalRto: number): number {
  const env = st.env;
  const max = rtoMaxMs(env);
  if (env.profile.linearSynTimeouts && sock.state === 'SYN_SENT' && totalRto <= env.sysctls.tcp_syn_linear_timeouts) return sock.rtoMs;
  return Math.min(sock.rtoMs * 2, max);
}

export function synRetryLimit(st: Step, sock: Sock): number {
  const s = st.env.sysctls;
  const base = sock.opts.syncnt ?? s.tcp_syn_retries;
  return base + (st.env.profile.linearSynTimeouts && sock.state === 'SYN_SENT' ? s.tcp_syn_linear_timeouts : 0);
}

export function fireSynTimer(st: Step, sock: Sock, at: number): void {
  const limit = synRetryLimit(st, sock);
  if (sock.retransmits >= limit) {
    st.why('syn_timer.give-up', () => `${sock.key}: ${sock.retransmits} retransmits ≥ ${limit}: ETIMEDOUT at ${at / 1000} s`);
    st.count('TcpAttemptFails');
    st.setSock(sock.key, undefined);
    return;
  }
  let flags = sock.tpl!.flags;
  if (sock.state === 'SYN_SENT' && flags & ECE && flags & CWR && st.env.sysctls.tcp_ecn_fallback) {
    flags &= ~(ECE | CWR);
    st.why('syn_timer.ecn-fallback', 'retransmitted SYN without ECE/CWR (tcp_ecn_fallback=1)');
  }
  const totalRto = sock.totalRto + 1;
  const rto = synRtoAfter(st, sock, totalRto);
  const r = st.why(
    'syn_timer.retransmit',
    () => `${sock.state === 'SYN_SENT' ? 'SYN' : 'SYN-ACK'} retransmit #${sock.retransmits + 1} at ${at / 1000} s, next timeout in ${rto / 1000} s`,
  );
  // tcp_write_timeout rethinks the txhash on every RTO (net.core.txrehash=1): on IPv6 the auto flow
  // label of this retransmission and of every later packet changes (correction C4).
  let cur = sock;
  if (st.env.ip === 6 && st.env.sysctls.txrehash) {
    cur = { ...sock, flow: flowFor(st, sock.key, totalRto) };
    st.why('syn_timer.rehash', () => `RTO #${totalRto}: txhash rethought, new IPv6 flow label`);
  }
  let s = emitSyn(st, cur, flags, r, at, sock.timerSlack);
  const next = rearmFromTimer(at, sock.timerSlack, rto);
  s = { ...s, retransmits: sock.retransmits + 1, totalRto, rtoMs: rto, timerAt: next.atMs, timerSlack: next.slack, tpl: { ...sock.tpl!, flags } };
  if (sock.state === 'SYN_SENT' && !(flags & ECE)) s = { ...s, ecnOk: false };
  st.count('TcpRetransSegs');
  st.count('TcpExtTCPSynRetrans');
  st.setSock(s.key, s);
  st.arm('syn-rtx', s.timerAt, s.key);
}
