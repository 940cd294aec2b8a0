// The retransmission timer of a full socket after close() (spec §7, correction C39): the FIN close()
// sent is sent again until the peer acknowledges it, and a FIN held back by a zero window is probed.
// The model tracks both so that a case or a fuzz wait that lets them fall due sees them predicted, and
// so that a harness that was late past one is known to have been late (issue 10: a retransmitted FIN
// caught by the next expect is the harness's lateness, not the kernel's fault).
//
// - RTO (tcp_rtt_estimator's first sample m, __tcp_set_rto): rto = m + max(2m, tcp_rto_min) in jiffies,
//   rounded up (usecs_to_jiffies); the model fires at the earliest the sample allows and carries the
//   rest as the timer's window (sockRtoRange). The handshake gives the sample: a passive child measures it from
//   the SYN-ACK's send time (tcp_synack_rtt_meas; not after a SYN-ACK retransmission), an active socket
//   from its SYN (tcp_ack_update_rtt, not after a SYN retransmission). Without one (a syncookie child, a
//   retransmitted SYN or SYN-ACK: the kernel then takes the sample from TSecr, or has none and keeps
//   TCP_TIMEOUT_INIT) the window reaches 1 s.
// - The first retransmission of the FIN: tcp_schedule_loss_probe arms the loss-probe timer for
//   min(2·srtt + TCP_RTO_MIN, the RTO) = the RTO on a sub-100-ms path; with SACK it fires as a tail
//   loss probe (tcp_send_loss_probe: the FIN again, no txhash rethink, the RTO re-armed unbacked-off),
//   without SACK as the RTO itself. Every RTO (tcp_retransmit_timer) doubles the timeout up to
//   TCP_RTO_MAX and rethinks the txhash (tcp_write_timeout, net.core.txrehash): a new IPv6 flow label.
// - A FIN held by a zero window (close.fin-held): tcp_check_probe_timer arms the probe timer for
//   max(rto, TCP_RTO_MIN); tcp_send_probe0 → tcp_write_wakeup cannot send the FIN (no window), so
//   tcp_xmit_probe_skb sends a bare ACK at snd_una − 1; the next probe comes after a doubled timeout.
//   A window update releases the FIN (tcp_ack → tcp_data_snd_check) and the RTO takes over.
// The orphan retry limit (tcp_orphan_retries, 8 retries ≈ 100 s in) is not modelled [inferred].
import { ACK, FIN } from '../../wire/types';
import { sockSend } from './child';
import { flowFor } from './openreq-init';
import { armFromEvent, JIFFY_MS, MODEL_SLACK_MS, rearmFromTimer, type TimerSlack } from '../core/timer-wheel';
import type { Sock, Step } from '../core/state';
import { rtoMaxMs, rtoMinMs, TCP_TIMEOUT_INIT_MS } from '../core/rto';

/**
 * The socket's RTO as a range, ms. The model's clock may run ahead of a packet by the matcher's slack
 * (MODEL_SLACK_MS: an event right after an observed packet is applied at the advanced time), so the
 * kernel's sample is within that of the model's, either way; without a sample the kernel keeps
 * TCP_TIMEOUT_INIT, or takes one from TSecr: anything from tcp_rto_min to 1 s [inferred].
 */
export function sockRtoRange(st: Step, sock: Sock): { loMs: number; hiMs: number } {
  const rtoMin = rtoMinMs(st.env);
  const m = sock.rttMs;
  if (m === undefined) return { loMs: rtoMin, hiMs: Math.max(rtoMin, TCP_TIMEOUT_INIT_MS) };
  const rto = (x: number): number => Math.ceil((x + Math.max(2 * x, rtoMin)) / JIFFY_MS) * JIFFY_MS;
  return { loMs: rto(Math.max(0, m - MODEL_SLACK_MS)), hiMs: rto(m + MODEL_SLACK_MS) };
}

/** A timer `mult` RTOs from `from`: at the earliest, with the window widened by the RTO's range. */
function armIn(st: Step, sock: Sock, from: number, mult: number, slack: TimerSlack | undefined): { atMs: number; slack: TimerSlack } {
  const r = sock.finRtx ?? sockRtoRange(st, sock);
  const max = rtoMaxMs(st.env);
  const lo = Math.min(r.loMs * mult, max);
  const hi = Math.min(r.hiMs * mult, max);
  const t = slack ? rearmFromTimer(from, slack, lo) : armFromEvent(from, lo);
  return { atMs: t.atMs, slack: { widthMs: t.slack.widthMs + (hi - lo), alignMs: hi > lo ? 0 : t.slack.alignMs } };
}

function armFirst(st: Step, sock: Sock, what: 'fin-rtx' | 'probe0'): Sock {
  const range = sockRtoRange(st, sock);
  const s0: Sock = { ...sock, finRtx: { n: 0, ...range } };
  const t = armIn(st, s0, st.now, 1, undefined);
  st.arm(what, t.atMs, sock.key);
  return { ...s0, timerAt: t.atMs, timerSlack: t.slack };
}

/** close() sent the FIN: arm the retransmission (loss-probe) timer. */
export function armFinRetransmit(st: Step, sock: Sock): Sock {
  return armFirst(st, sock, 'fin-rtx');
}

/** close() held the FIN (zero window): arm the zero-window probe timer (tcp_check_probe_timer). */
export function armProbe0(st: Step, sock: Sock): Sock {
  return armFirst(st, sock, 'probe0');
}

/** The socket's retransmission or probe timer fired (FIN_WAIT1, CLOSING, LAST_ACK). */
export function fireRetransmitTimer(st: Step, sock: Sock, at: number): void {
  const rtx = sock.finRtx ?? { n: 0, ...sockRtoRange(st, sock) };
  if (!sock.finHeld && sock.sndUnaOff === undefined) {
    // The FIN was acknowledged meanwhile (the state did not move on): nothing to retransmit.
    st.setSock(sock.key, { ...sock, timerAt: Infinity, finRtx: undefined });
    return;
  }
  if (sock.finHeld) {
    // tcp_probe_timer → tcp_send_probe0: the window is still 0 (an update would have released the FIN).
    const s2 = sockSend(
      st,
      sock,
      ACK,
      'estab.probe0',
      () => `zero-window probe #${rtx.n + 1} at ${at / 1000} s: ACK seq snd_una − 1 (the held FIN needs window)`,
      0,
      sock.sndNxtOff - 1,
      undefined,
      at,
      sock.timerSlack,
    );
    st.count('TcpExtTCPWinProbe');
    const next = armIn(st, sock, at, 2 ** (rtx.n + 1), sock.timerSlack);
    st.setSock(sock.key, { ...s2, timerAt: next.atMs, timerSlack: next.slack, finRtx: { ...rtx, n: rtx.n + 1 } });
    st.arm('probe0', next.atMs, sock.key);
    return;
  }
  // The first one is a tail loss probe with SACK (no backoff, no rehash), every other an RTO.
  const tlp = rtx.n === 0 && sock.sackOk;
  // Timeouts so far that were RTOs (each doubles the next one).
  const rtos = rtx.n + 1 - (sock.sackOk ? 1 : 0);
  let cur = sock;
  if (!tlp && st.env.ip === 6 && st.env.sysctls.txrehash) {
    cur = { ...sock, flow: flowFor(st, sock.key, 100 + rtx.n) };
    st.why('estab.rtx-rehash', () => `RTO: txhash rethought, new IPv6 flow label`);
  }
  const s2 = sockSend(
    st,
    cur,
    FIN | ACK,
    'estab.fin-rtx',
    () => `${tlp ? 'tail loss probe' : `RTO #${rtos}`} at ${at / 1000} s: FIN|ACK again (seq snd_una, ${sock.state}, not acknowledged)`,
    0,
    sock.sndUnaOff ?? sock.sndNxtOff - 1,
    undefined,
    at,
    sock.timerSlack,
  );
  st.count('TcpRetransSegs');
  st.count(tlp ? 'TcpExtTCPLossProbes' : 'TcpExtTCPTimeouts');
  const next = armIn(st, sock, at, 2 ** Math.max(0, rtos), sock.timerSlack);
  st.setSock(sock.key, { ...s2, timerAt: next.atMs, timerSlack: next.slack, finRtx: { ...rtx, n: rtx.n + 1 } });
  st.arm('fin-rtx', next.atMs, sock.key);
}
