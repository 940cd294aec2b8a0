// reqsk_timer_handler / syn_ack_recalc (spec §4.11) and tcp_fastopen_synack_timer (§4.10).
import { emitSynAck } from './make-synack';
import { flowFor } from './openreq-init';
import { deferSecondsToRetrans } from '../core/sockopts';
import type { Req, Sock, Step } from '../core/state';
import { listenerWithQlen } from '../core/state';
import { numText } from '../core/symbols';
import { firedAt, rearmFromTimer, TimerSlack } from '../core/timer-wheel';

export function nextSynAckTimeout(numTimeout: number): number {
  return Math.min(1000 * 2 ** numTimeout, 120000);
}

/** SYN-ACK retransmission of a req (same ISN/options/window, new TSval; new flow label with txrehash). */
export function resendSynAck(st: Step, req: Req, at: number, rule: 'reqsk_timer.resend' | 'check_req.dup-syn', why: () => string, slack?: TimerSlack): Req {
  let flow = req.flow;
  let flowGen = req.flowGen;
  if (st.env.ip === 6 && st.env.sysctls.txrehash) {
    flowGen++;
    flow = flowFor(st, req.key, flowGen);
  }
  const r = st.why(rule, why);
  const f = firedAt(at, slack, st.env.tsTolMs);
  emitSynAck(
    st,
    req.tpl,
    { peer: req.peer, pport: req.pport, lport: req.lport, isn: req.isn, rcvNxt: req.rcvNxt, tsOff: req.tsOff, tsRecent: req.tsRecent, flow },
    r,
    at,
    undefined,
    f.approxMs,
    f.tolMs,
    req.tsSym !== undefined ? `${req.tsSym}/${req.numRetrans + 1}` : undefined,
  );
  st.count('TcpExtTCPSynRetrans');
  st.count('TcpRetransSegs');
  return { ...req, numRetrans: req.numRetrans + 1, lastTsMs: at + (slack ? slack.widthMs : 0), flow, flowGen };
}

export function fireReqTimer(st: Step, req: Req, at: number): void {
  const l = st.listeners.get(req.lport);
  if (!l) {
    st.setReq(req.key, undefined);
    return;
  }
  const s = st.env.sysctls;
  const max = l.opts.syncnt ?? s.tcp_synack_retries;
  let thresh = max;
  if (l.qlen * 2 > Math.max(8, l.maxBacklog)) {
    let young = 0;
    for (const q of st.reqs.values()) {
      if (q.lport === l.port && q.numTimeout === 0) young++;
    }
    let y = young * 2;
    while (thresh > 2) {
      if (l.qlen < y) break;
      thresh--;
      y *= 2;
    }
    if (thresh < max) st.why('reqsk_timer.prune', () => `qlen ${l.qlen}, young ${young}: retries ${max} → ${thresh}`);
  }
  const defer = deferSecondsToRetrans(l.opts.deferAccept ?? 0);
  let expire: boolean;
  let resend: boolean;
  if (!defer) {
    expire = req.numTimeout >= thresh;
    resend = true;
  } else {
    expire = req.numTimeout >= thresh && (!req.acked || req.numTimeout >= defer);
    resend = !req.acked || req.numTimeout >= defer - 1;
  }
  if (expire) {
    st.why(
      'reqsk_timer.expire',
      () => `req ${req.key}: ${req.numTimeout} timeouts ≥ ${thresh}${defer ? ` (defer ${defer}, acked ${req.acked})` : ''} → dropped silently`,
    );
    st.setReq(req.key, undefined);
    st.setListener(l.port, listenerWithQlen(l, Math.max(0, l.qlen - 1)));
    return;
  }
  let q = req;
  if (resend) {
    q = resendSynAck(
      st,
      req,
      at,
      'reqsk_timer.resend',
      () =>
        `timeout #${req.numTimeout + 1} of ${req.key}: SYN-ACK re-sent seq ${numText(req.isn)}, next in ${nextSynAckTimeout(req.numTimeout + 1) / 1000} s${req.timerSlack?.widthMs ? ` (timer wheel: fires up to ${req.timerSlack.widthMs} ms after ${Math.round(at)})` : ''}`,
      req.timerSlack,
    );
  } else {
    st.why('reqsk_timer.defer-skip', () => `TCP_DEFER_ACCEPT (${defer} retrans), req acked, timeout #${req.numTimeout + 1}: no SYN-ACK`);
  }
  const nt = req.numTimeout + 1;
  const { atMs: next, slack } = rearmFromTimer(at, req.timerSlack, nextSynAckTimeout(nt));
  st.setReq(req.key, { ...q, numTimeout: nt, timerAt: next, timerSlack: slack });
  st.arm('synack-rtx', next, req.key);
}

/** A TFO child's SYN-ACK timer: up to TCP_SYNCNT or synack_retries+1 re-sends. */
export function fireTfoChildTimer(st: Step, sock: Sock, at: number): void {
  const l = sock.listenPort !== undefined ? st.listeners.get(sock.listenPort) : undefined;
  const max = l?.opts.syncnt ?? st.env.sysctls.tcp_synack_retries + 1;
  if (sock.numTimeout >= max || !sock.tpl) {
    st.why('reqsk_timer.child-gone', () => `TFO child ${sock.key}: ${sock.numTimeout} SYN-ACK timeouts ≥ ${max} → ETIMEDOUT, no packet [inferred]`);
    st.setSock(sock.key, undefined);
    if (l) st.setListener(l.port, { ...l, acceptq: l.acceptq.filter((k) => k !== sock.key), tfoQlen: Math.max(0, l.tfoQlen - 1) });
    return;
  }
  const r = st.why('reqsk_timer.resend', () => `TFO child ${sock.key}: SYN-ACK re-sent (timeout #${sock.numTimeout + 1})`);
  const f = firedAt(at, sock.timerSlack, st.env.tsTolMs);
  // The SYN-ACK is re-sent from the child's request socket (tcp_fastopen_synack_timer → inet_rtx_syn_ack
  // → tcp_rtx_synack), which draws a new req txhash with txrehash on: on IPv6 every retransmission has a
  // new auto flow label (observed 353097 → 1011889, correction C22). The child's own segments keep the
  // label it was created with (its sk_txhash is not rethought on this path) [inferred].
  let flow = sock.flow;
  if (st.env.ip === 6 && st.env.sysctls.txrehash) {
    flow = flowFor(st, sock.key, sock.numTimeout + 1);
    st.why('reqsk_timer.tfo-rehash', () => `IPv6, txrehash: the re-sent SYN-ACK of TFO child ${sock.key} has a new flow label`);
  }
  emitSynAck(
    st,
    sock.tpl,
    { peer: sock.peer, pport: sock.pport, lport: sock.lport as number, isn: sock.isn, rcvNxt: sock.rcvNxt, tsOff: sock.tsOff, tsRecent: sock.tsRecent, flow },
    r,
    at,
    undefined,
    f.approxMs,
    f.tolMs,
  );
  st.count('TcpExtTCPSynRetrans');
  st.count('TcpRetransSegs');
  const nt = sock.numTimeout + 1;
  const { atMs: next, slack } = rearmFromTimer(at, sock.timerSlack, nextSynAckTimeout(nt));
  st.setSock(sock.key, { ...sock, numTimeout: nt, timerAt: next, timerSlack: slack });
  st.arm('tfo-synack-rtx', next, sock.key);
}
