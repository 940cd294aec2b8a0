// Full sockets: the child's processing of the third ACK (spec §6 step 11), segments for an
// established connection (§8.6: challenge/duplicate ACKs, RST handling), FIN handling and close().
import { ACK, CWR, FIN, RST, SYN } from '../../wire/types';
import { receiveWindow, sentWindowState, sockSend, withoutDelack } from './child';
import { oowLimited } from './oow-rate-limited';
import { emitSynAck } from './make-synack';
import { sendReset } from './send-reset';
import type { KernelOpts } from './parse-options';
import type { Seg } from '../core/seg';
import { after, before } from '../core/seq-math';
import type { Sock, Step } from '../core/state';
import { numAdd, numValue } from '../core/symbols';
import { enterFinWait2Tw, enterTimeWait, isTimeWaitSock } from './timewait';
import { armFinRetransmit, armProbe0 } from './retransmit-timer';

/** Is SEG.ACK == snd_nxt? undefined when the ISN is unbound. */
function ackIs(st: Step, sock: Sock, ack: number, off: number): boolean | undefined {
  const v = numValue(numAdd(sock.isn, off), st.bindings);
  return v === undefined ? undefined : v === ack;
}

/**
 * tcp_done: the connection is closed. A child not yet accepted stays in its listener's accept queue
 * (tcp_done only unhashes it: it is not an orphan), still counting against the backlog, and accept()
 * returns it (correction C31); the model keeps its key there with no socket behind it. Its timers are
 * cleared: a delayed ACK not sent yet never will be (C37).
 */
function removeSock(st: Step, sock: Sock): void {
  withoutDelack(st, sock);
  st.setSock(sock.key, undefined);
}

/** The child processes the segment that completed the handshake (quick-ack for data, FIN → CLOSE_WAIT). */
export function childProcess(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): void {
  if (seg.flags & SYN) {
    // tcp_check_req clears SYN (seq = rcv_isn) only in its own copy of the flags: the child's
    // tcp_rcv_state_process still sees it, and tcp_validate_incoming's SYN check passes a SYN-ACK only
    // for a socket the application already holds (sk_socket) — a fresh child has none. So the segment
    // draws a challenge ACK, its data is dropped and the child stays SYN_RECV in the accept queue
    // (measured on 6.18.44: SYN|ACK seq = rcv_isn, ack ISN+1, with or without data → ACK seq ISN+1 ack
    // rcv_nxt; correction C16).
    const child: Sock = { ...sock, state: 'SYN_RECV' };
    st.setSock(child.key, child);
    st.count('TcpExtTCPSYNChallenge');
    return challenge(
      st,
      child,
      seg,
      'estab.challenge-syn',
      () => `the child sees the SYN flag of the segment that created it: challenge ACK, child ${sock.key} stays SYN_RECV`,
    );
  }
  st.why('child.established', () => `child ${sock.key} ESTABLISHED${ko.ts ? '' : sock.tsOk ? ' (third ACK without TS accepted)' : ''}`);
  dataAndFin(st, sock, seg, 'child.data', 'child.fin');
}

const ECN_NAMES = ['Not-ECT', 'ECT(1)', 'ECT(0)', 'CE'];

/** Delayed ACK after a FIN (pingpong): TCP_ATO_MIN = HZ/25 once data was received; one tick otherwise. */
const DELACK_ATO_MS = 40;
const DELACK_TICK_MS = 4;

/** D-SACK block tcp_send_dupack / tcp_data_queue report for a segment (partly) below rcv_nxt (tcp_dsack default 1). */
function dsackOf(sock: Sock, seg: Seg): Array<[number, number]> | undefined {
  if (!sock.sackOk || seg.endSeq === seg.seq || !before(seg.seq, sock.rcvNxt)) return undefined;
  return [[seg.seq, after(seg.endSeq, sock.rcvNxt) ? sock.rcvNxt : seg.endSeq]];
}

/**
 * Classic ECN receiver (tcp_data_queue, past its test for an empty segment: tcp_ecn_accept_cwr, then
 * tcp_ecn_check_ce from tcp_event_data_recv or tcp_data_queue_ofo): CWR on a segment with data or FIN
 * ends TCP_ECN_DEMAND_CWR; new data marked CE starts it — the socket's segments carry ECE until then
 * (C36; data beyond the window counted too [inferred]).
 */
function ecnReceive(st: Step, sock: Sock, seg: Seg): Sock {
  if (!sock.ecnOk || sock.accecn) return sock;
  if (seg.seq === seg.endSeq) return sock;
  let demand = sock.demandCwr ?? false;
  if (seg.flags & CWR) demand = false;
  if (seg.len > 0 && (seg.tos & 3) === 3 && after((seg.endSeq - (seg.flags & FIN ? 1 : 0)) >>> 0, sock.rcvNxt) && !demand) {
    demand = true;
    st.why('ecn.ce-echo', () => `data ${seg.seq}..${seg.endSeq} marked CE: ECE on our segments until the peer's CWR (TCP_ECN_DEMAND_CWR)`);
  }
  return demand === (sock.demandCwr ?? false) ? sock : { ...sock, demandCwr: demand };
}

function dataAndFin(st: Step, sock0: Sock, seg: Seg, dataRule: 'child.data' | 'estab.data', finRule: 'child.fin' | 'estab.fin'): void {
  const fin = (seg.flags & FIN) !== 0;
  const sock = ecnReceive(st, sock0, seg);
  if (seg.len === 0 && !fin) {
    st.setSock(sock.key, sock);
    return;
  }
  let sack: Array<[number, number]> | undefined;
  let from = seg.seq;
  if (seg.seq !== sock.rcvNxt) {
    if (before(seg.seq, sock.rcvNxt)) {
      // tcp_data_queue: a retransmission (end_seq ≤ rcv_nxt) → immediate ACK with a D-SACK of it; a
      // partial one (seq < rcv_nxt < end_seq) → D-SACK [seq, rcv_nxt], the new part is queued (C12).
      if (!after(seg.endSeq, sock.rcvNxt)) {
        const s2 = sockSend(
          st,
          sock,
          ACK,
          'estab.dsack',
          () => `segment ${seg.seq}..${seg.endSeq} already received (rcv_nxt ${sock.rcvNxt}): ACK with D-SACK`,
          0,
          sock.sndNxtOff,
          dsackOf(sock, seg),
        );
        st.setSock(sock.key, s2);
        return;
      }
      sack = dsackOf(sock, seg);
      from = sock.rcvNxt;
      st.why('estab.dsack', () => `partial segment ${seg.seq}..${seg.endSeq}: D-SACK [${seg.seq}, ${sock.rcvNxt}], bytes from rcv_nxt queued`);
    } else {
      const wnd = receiveWindow(st, sentWindowState(st, sock));
      if (!before(seg.seq, (sock.rcvNxt + wnd) >>> 0)) {
        const s2 = sockSend(
          st,
          sock,
          ACK,
          'estab.data-oow',
          () => `segment ${seg.seq} at or beyond the window's right edge ${(sock.rcvNxt + wnd) >>> 0}: dropped, immediate ACK`,
        );
        st.setSock(sock.key, s2);
        return;
      }
      // tcp_data_queue_ofo: queued out of order, immediate ACK with a SACK block for it — or, when the
      // queue already holds all of it, dropped with a D-SACK of it (the block it falls in moves to the
      // front); tcp_sack_new_ofo_skb merges a block the segment touches (C27).
      const q = sock.ofo ?? [];
      const inside = q.findIndex((b) => !before(seg.seq, b[0]) && !after(seg.endSeq, b[1]));
      let ofo: Array<readonly [number, number]>;
      let dsack: Array<[number, number]> | undefined;
      if (inside >= 0) {
        ofo = [q[inside], ...q.filter((_, i) => i !== inside)];
        dsack = [[seg.seq, seg.endSeq]];
      } else {
        let lo = seg.seq;
        let hi = seg.endSeq;
        const rest: Array<readonly [number, number]> = [];
        for (const b of q) {
          if (!after(lo, b[1]) && !after(b[0], hi)) {
            if (before(b[0], lo)) lo = b[0];
            if (after(b[1], hi)) hi = b[1];
          } else rest.push(b);
        }
        ofo = [[lo, hi] as const, ...rest].slice(0, 4);
      }
      const withQ: Sock = sock.sackOk ? { ...sock, ofo } : sock;
      const s2 = sockSend(
        st,
        withQ,
        ACK,
        'estab.ofo',
        () =>
          inside >= 0
            ? `out-of-order segment ${seg.seq}..${seg.endSeq} already queued (rcv_nxt ${sock.rcvNxt}): dropped, ACK with D-SACK and the queue's SACK blocks`
            : `out-of-order segment ${seg.seq}..${seg.endSeq} (rcv_nxt ${sock.rcvNxt}): queued, ACK with SACK blocks`,
        0,
        sock.sndNxtOff,
        sock.sackOk ? dsack : undefined,
      );
      st.setSock(sock.key, s2);
      return;
    }
  }
  let newLen = ((seg.endSeq - from) >>> 0) - (fin ? 1 : 0);
  let s: Sock = { ...sock, rcvNxt: seg.endSeq, unread: (sock.unread ?? 0) + newLen };
  if (s.ofo?.length) {
    // tcp_ofo_queue: queued data that now starts at or below rcv_nxt joins the stream (rcv_nxt moves
    // past it); tcp_sack_remove drops the blocks rcv_nxt passed (C27). A FIN in queued data is not
    // modelled [inferred].
    let rcvNxt = s.rcvNxt;
    let q = [...s.ofo];
    for (let moved = true; moved;) {
      moved = false;
      for (const b of q)
        if (!after(b[0], rcvNxt)) {
          if (after(b[1], rcvNxt)) {
            newLen += (b[1] - rcvNxt) >>> 0;
            rcvNxt = b[1];
          }
          q = q.filter((x) => x !== b);
          moved = true;
          break;
        }
    }
    s = { ...s, rcvNxt, unread: (sock.unread ?? 0) + newLen, ofo: q.length ? q : undefined };
  }
  let next = s.state;
  if (fin) {
    if (s.state === 'ESTABLISHED' || s.state === 'SYN_RECV') next = 'CLOSE_WAIT';
    else if (s.state === 'FIN_WAIT1') next = ackIs(st, s, seg.ack, s.sndNxtOff) === false ? 'CLOSING' : 'TIME_WAIT';
    else if (s.state === 'FIN_WAIT2') next = 'TIME_WAIT';
  }
  s = { ...s, state: next };
  const rule = fin ? finRule : dataRule;
  // tcp_fin: ESTABLISHED → CLOSE_WAIT enters pingpong mode, so the FIN is acknowledged by the delayed-ACK
  // timer, not at once: ato is TCP_ATO_MIN (40 ms) once data has been received (tcp_event_data_recv),
  // 0 before — the next tick (0–8 ms observed). Measured on 6.18.44: data+FIN 40.4–47.7 ms, bare FIN
  // 0.6–8.4 ms (correction C14). A pending D-SACK does not hurry it; old payload counts as data.
  // AccECN (C46): a segment with data or FIN whose IP-ECN field differs from the last one's (Not-ECT
  // before any) is acknowledged at once — a change-triggered ACK — even the FIN pingpong would delay;
  // a CE mark counts in the ACE field the ACK carries (the segment that made a child was counted then).
  const acc = s.accecn;
  const ecn = seg.tos & 3;
  const changed = !!acc && ecn !== (acc.lastEcn ?? 0);
  const ce = ecn === 3 && dataRule !== 'child.data';
  if (acc) s = { ...s, accecn: { ...acc, lastEcn: ecn, ...(ce ? { ceRcv: acc.ceRcv + 1, ace: (5 + acc.ceRcv + 1) & 7 } : {}) } };
  if (fin && next === 'CLOSE_WAIT' && changed)
    st.why('estab.accecn-change-ack', () => `AccECN: IP-ECN ${ECN_NAMES[ecn]} after ${ECN_NAMES[acc!.lastEcn ?? 0]}: the FIN's ACK at once, not delayed`);
  const delayed = fin && next === 'CLOSE_WAIT' && !changed;
  const everData = seg.len > 0 || (s.rcvNxt - ((s.rcvIsn + 1) >>> 0)) >>> 0 > 1;
  const at = delayed ? st.now + (everData ? DELACK_ATO_MS : DELACK_TICK_MS) : undefined;
  if (delayed) st.why('estab.fin-delack', () => `FIN → CLOSE_WAIT, pingpong: delayed ACK after ${everData ? `ato ${DELACK_ATO_MS} ms` : `one tick (ato 0)`}`);
  s = sockSend(
    st,
    s,
    ACK,
    rule,
    () =>
      `${newLen ? `${newLen} B data` : ''}${newLen && fin ? ' + ' : ''}${fin ? 'FIN' : ''} → ACK ack ${s.rcvNxt}${next !== sock.state ? `, ${sock.state} → ${next}` : ''}`,
    newLen,
    s.sndNxtOff,
    sack,
    at,
  );
  st.why('child.ack-window', 'ACK window field given as a range (free-space rounding) [inferred]');
  if (next === 'TIME_WAIT') enterTimeWait(st, s);
  else st.setSock(s.key, s);
}

type ChallengeRule =
  'estab.challenge-syn' | 'estab.challenge-rst' | 'estab.dupack' | 'estab.paws-drop' | 'estab.old-ack' | 'estab.unsent-ack' | 'estab.closing-bad-ack';

/**
 * A duplicate ACK (tcp_send_dupack: rate-limited by tcp_oow_rate_limited, which never limits data/FIN)
 * or a challenge ACK (tcp_send_challenge_ack: always limited, one per tcp_invalid_ratelimit ms).
 */
function challenge(st: Step, sock: Sock, seg: Seg, rule: ChallengeRule, text: () => string, sack?: Array<[number, number]>): void {
  const isChallenge = rule !== 'estab.dupack' && rule !== 'estab.paws-drop';
  const limited = isChallenge ? st.now - sock.lastOowMs < st.env.sysctls.tcp_invalid_ratelimit : oowLimited(st, sock.lastOowMs, seg);
  if (limited) {
    st.count(
      sock.state === 'SYN_RECV'
        ? 'TcpExtTCPACKSkippedSynRecv'
        : isChallenge
          ? 'TcpExtTCPACKSkippedChallenge'
          : rule === 'estab.paws-drop'
            ? 'TcpExtTCPACKSkippedPAWS'
            : 'TcpExtTCPACKSkippedSeq',
    );
    st.why('estab.limited', () => `${rule}: within ${st.env.sysctls.tcp_invalid_ratelimit} ms of the last answer → nothing`);
    return;
  }
  if (isChallenge) st.count('TcpExtTCPChallengeACK');
  const s2 = sockSend(st, sock, ACK, rule, text, 0, sock.sndNxtOff, sack);
  // tcp_oow_rate_limited returns at once for data or a FIN without SYN, before it stamps
  // last_oow_ack_time: a duplicate ACK for such a segment does not start the 500 ms (correction C32).
  const stamps = isChallenge || seg.seq === seg.endSeq || (seg.flags & SYN) !== 0;
  st.setSock(sock.key, stamps ? { ...s2, lastOowMs: st.now } : s2);
}

/** TCP_PAWS_WINDOW: tcp_paws_discard tolerates a TSval one below ts_recent. */
const PAWS_WINDOW = 1;
/**
 * tcp_tsval_replay: icsk_rto in ms. After a handshake on a sub-millisecond path the RTO is TCP_RTO_MIN
 * (200 ms = 50 jiffies at HZ=250; 51 jiffies = 204 ms once the RTT is added): 200..204. The campaigns
 * use 2 (inside) and 1000 (outside).
 */
const TSVAL_REPLAY_MS = 200;

/**
 * tcp_disordered_ack_check, for a segment failing tcp_paws_check: 'pass' = a pure duplicate ACK
 * (seq = rcv_nxt, ack = snd_una, no window update) whose TSval is at most the replay bound old —
 * reordered, not replayed; 'old-ack' = a pure ACK below rcv_nxt — dropped without a duplicate ACK
 * (PAWSOldAck); 'reject' = the PAWS duplicate ACK. Measured on 6.18.44 (correction C12).
 */
function disorderedAck(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): 'pass' | 'old-ack' | 'reject' {
  if (!(seg.flags & ACK) || seg.seq !== seg.endSeq) return 'reject';
  if (seg.seq !== sock.rcvNxt) return before(seg.seq, sock.rcvNxt) ? 'old-ack' : 'reject';
  if (ackIs(st, sock, seg.ack, sock.sndUnaOff ?? sock.sndNxtOff) !== true) return 'reject';
  if (sock.sndWl1 === undefined || sock.sndWnd === undefined) return 'reject';
  const nwin = seg.window * 2 ** (sock.sndWscale ?? 0);
  const mayUpdate = after(seg.seq, sock.sndWl1) || (seg.seq === sock.sndWl1 && (nwin > sock.sndWnd || nwin === 0));
  return !mayUpdate && ((sock.tsRecent - ko.tsVal) | 0) <= TSVAL_REPLAY_MS ? 'pass' : 'reject';
}

/** tcp_rcv_state_process / tcp_rcv_established (slow path) + tcp_validate_incoming + tcp_ack for a full socket past SYN_SENT. */
export function estabRcv(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): void {
  const f = seg.flags;
  // TFO child still in SYN_RECV: tcp_check_req(fastopen) first — duplicate SYN re-sends the SYN-ACK.
  if (sock.state === 'SYN_RECV' && !sock.active && sock.tpl && seg.seq === sock.rcvIsn && (f & (RST | SYN | ACK)) === SYN) {
    if (oowLimited(st, sock.lastOowMs, seg)) {
      st.why('check_req.dup-syn-limited', 'duplicate SYN to a TFO child within 500 ms: nothing');
      return;
    }
    const r = st.why('check_req.dup-syn', 'duplicate SYN to a TFO child: SYN-ACK re-sent');
    emitSynAck(
      st,
      sock.tpl,
      {
        peer: sock.peer,
        pport: sock.pport,
        lport: sock.lport as number,
        isn: sock.isn,
        rcvNxt: sock.rcvNxt,
        tsOff: sock.tsOff,
        tsRecent: sock.tsRecent,
        flow: sock.flow,
      },
      r,
      st.now,
    );
    st.setSock(sock.key, { ...sock, lastOowMs: st.now });
    return;
  }
  // A segment with none of ACK, RST, SYN is dropped before tcp_validate_incoming: no PAWS or
  // sequence check, no duplicate ACK (measured on 6.18.44, correction C12).
  if (!(f & (ACK | RST | SYN))) {
    st.why('estab.no-ack-drop', 'segment without ACK, RST or SYN: dropped before any check');
    return;
  }
  // PAWS (tcp_paws_discard): TSval more than TCP_PAWS_WINDOW (1) below ts_recent, unless a disordered pure ACK.
  if (ko.ts && sock.tsOk && sock.tsRecent !== 0 && ((sock.tsRecent - ko.tsVal) | 0) > PAWS_WINDOW && !(f & RST)) {
    let d = f & SYN ? 'reject' : disorderedAck(st, sock, seg, ko);
    // before 6.13 an old pure ACK is a PAWS failure like any other: duplicate ACK
    const oldAckDup = d === 'old-ack' && !st.env.profile.pawsOldAckSilent;
    if (oldAckDup) d = 'reject';
    if (d === 'pass') {
      st.why(
        'estab.paws-disordered',
        () => `TSval ${ko.tsVal} < ts_recent ${sock.tsRecent} by ≤ ${TSVAL_REPLAY_MS}, pure duplicate ACK without window update: passes PAWS`,
      );
    } else if (d === 'old-ack') {
      st.count('TcpExtPAWSOldAck');
      st.why('estab.paws-old-ack', () => `pure ACK below rcv_nxt failing PAWS (TSval ${ko.tsVal} < ts_recent ${sock.tsRecent} − 1): dropped, no duplicate ACK`);
      return;
    } else {
      st.count('TcpExtPAWSEstab');
      if (f & SYN)
        return challenge(st, sock, seg, 'estab.challenge-syn', () => `SYN failing PAWS (TSval ${ko.tsVal} < ts_recent ${sock.tsRecent}): challenge ACK`);
      return challenge(
        st,
        sock,
        seg,
        'estab.paws-drop',
        () =>
          `PAWS: TSval ${ko.tsVal} < ts_recent ${sock.tsRecent} − 1: duplicate ACK${oldAckDup ? ` (a pure ACK below rcv_nxt: kernel ${st.env.profile.name} has no silent PAWSOldAck drop, profile pawsOldAckSilent off)` : ''}`,
        dsackOf(sock, seg),
      );
    }
  }
  // Sequence acceptability (tcp_sequence): end_seq not before rcv_wup; beyond the right edge only when
  // seq is inside and the receive queue is empty.
  // (a delayed ACK not sent yet has not moved rcv_wup: C44)
  const sent = sentWindowState(st, sock);
  const wnd = receiveWindow(st, sent);
  const right = (sock.rcvNxt + wnd) >>> 0;
  const wup = sent.rcvWup ?? sock.rcvNxt;
  const acceptable = !before(seg.endSeq, wup) && (!after(seg.endSeq, right) || (!after(seg.seq, right) && !(sock.unread ?? 0)));
  // tcp_reset_check: a RST at rcv_nxt − 1 resets a socket that has received a FIN.
  const resetCheck =
    (f & RST) !== 0 && seg.seq === (sock.rcvNxt - 1) >>> 0 && (sock.state === 'CLOSE_WAIT' || sock.state === 'LAST_ACK' || sock.state === 'CLOSING');
  if (!acceptable && !resetCheck) {
    if (f & RST) {
      st.why('estab.rst-oow', () => `RST seq ${seg.seq} out of window [${wup}, ${right}]: dropped`);
      return;
    }
    if (f & SYN)
      return challenge(st, sock, seg, 'estab.challenge-syn', () => `SYN seq ${seg.seq} (old/out of window): challenge ACK seq snd_nxt ack ${sock.rcvNxt}`);
    return challenge(
      st,
      sock,
      seg,
      'estab.dupack',
      () => `seq ${seg.seq}..${seg.endSeq} outside the window [${wup}, ${right}]: duplicate ACK`,
      dsackOf(sock, seg),
    );
  }
  if (f & RST) {
    if (seg.seq === sock.rcvNxt || resetCheck) {
      st.why('estab.rst-reset', () => `RST seq ${seg.seq} = rcv_nxt${resetCheck ? ' − 1 after a FIN' : ''}: connection ${sock.key} reset silently`);
      if (sock.state === 'SYN_RECV' || sock.state === 'SYN_SENT') st.count('TcpAttemptFails');
      else st.count('TcpEstabResets');
      removeSock(st, sock);
      return;
    }
    return challenge(st, sock, seg, 'estab.challenge-rst', () => `in-window RST seq ${seg.seq} ≠ rcv_nxt ${sock.rcvNxt}: challenge ACK`);
  }
  if (f & SYN) {
    // A crossed SYN-ACK in simultaneous open is accepted (tcp_validate_incoming exception, §8.5).
    const crossed = sock.state === 'SYN_RECV' && sock.active && f & ACK && (seg.seq + 1) >>> 0 === sock.rcvNxt && ackIs(st, sock, seg.ack, 1) !== false;
    if (!crossed) return challenge(st, sock, seg, 'estab.challenge-syn', () => `in-window SYN seq ${seg.seq}: challenge ACK`);
    st.why('simopen.established', 'crossed SYN-ACK (seq+1 = rcv_nxt, ack = snd_nxt): ESTABLISHED');
    // The segment then reaches tcp_data_queue: its SYN makes end_seq = rcv_nxt, a retransmission → an
    // immediate ACK with a D-SACK of [seq, end_seq] (C13; observed: A seq ISN+1 ack rcv_nxt sack 1000-1001).
    // tcp_ack(FLAG_UPDATE_TS_RECENT) runs first: its TSval becomes ts_recent (echoed by that ACK).
    const newer = ko.ts && sock.tsOk && (sock.tsRecent === 0 || ((sock.tsRecent - ko.tsVal) | 0) <= 0);
    const est: Sock = { ...sock, state: 'ESTABLISHED', timerAt: Infinity, tsRecent: newer ? ko.tsVal : sock.tsRecent };
    const s2 = sockSend(
      st,
      est,
      ACK,
      'estab.dsack',
      () => `crossed SYN-ACK ${seg.seq}..${seg.endSeq} is below rcv_nxt once the SYN is counted: ACK with D-SACK`,
      0,
      est.sndNxtOff,
      dsackOf(est, seg),
    );
    st.setSock(sock.key, s2);
    return;
  }
  if (!(f & ACK)) {
    st.why('estab.no-ack-drop', 'segment without ACK: dropped');
    return;
  }
  const ackOk = ackIs(st, sock, seg.ack, sock.sndNxtOff);
  const nxt = numValue(numAdd(sock.isn, sock.sndNxtOff), st.bindings);
  const una = numValue(numAdd(sock.isn, sock.sndUnaOff ?? sock.sndNxtOff), st.bindings);
  let s = sock;
  let oldAck = false;
  if (s.state === 'SYN_RECV') {
    if (ackOk === false) {
      // Unacceptable ACK in SYN_RECV: RST (tcp_rcv_state_process returns 1) [inferred].
      const r = st.why('estab.bad-ack', () => `SYN_RECV: SEG.ACK ${seg.ack} ≠ snd_nxt: RST`);
      sendReset(st, seg, r);
      return;
    }
    if (s.active) st.why('simopen.established', () => `ACK of our SYN-ACK: ${s.key} ESTABLISHED`);
    else {
      st.why('child.established', () => `${s.tpl ? 'TFO ' : ''}child ${s.key} ESTABLISHED`);
      const l = s.listenPort !== undefined ? st.listeners.get(s.listenPort) : undefined;
      if (l && s.tpl) st.setListener(l.port, { ...l, tfoQlen: Math.max(0, l.tfoQlen - 1) });
    }
    // A TFO child measures the RTT from its SYN-ACK (tcp_synack_rtt_meas) unless it was retransmitted (C39).
    s = { ...s, state: 'ESTABLISHED', timerAt: Infinity, ...(!s.active && s.numTimeout === 0 ? { rttMs: st.now - s.firstSynMs } : {}) };
  } else if (una !== undefined && before(seg.ack, una)) {
    // tcp_ack: an ACK below snd_una by more than min(max_window, bytes_acked) is answered with a
    // challenge ACK and the segment dropped (RFC 5961 §5.2). bytes_acked counts what the peer has
    // acknowledged: 0 on a passive child, 1 (the SYN) on an active socket, +1 once our FIN is acked (C9).
    // Past ESTABLISHED tcp_ack gets FLAG_NO_CHALLENGE_ACK and tcp_rcv_state_process sends the same
    // challenge ACK itself; an old ACK within bytes_acked is ignored and the segment processed there
    // too (measured alike on 6.1.192, 6.12.118 and 6.18.44; correction C35).
    const bytesAcked = (s.sndUnaOff ?? s.sndNxtOff) - 1 + (s.active ? 1 : 0);
    const maxWin = Math.min(s.maxWindow ?? Infinity, bytesAcked);
    const tooOld = before(seg.ack, (una - maxWin) >>> 0);
    const estab = s.state === 'ESTABLISHED';
    if (tooOld)
      return challenge(
        st,
        s,
        seg,
        estab ? 'estab.old-ack' : 'estab.closing-bad-ack',
        () =>
          `${estab ? '' : `${s.state}: `}SEG.ACK ${seg.ack} below snd_una ${una} − min(max_window, bytes_acked ${bytesAcked}): challenge ACK, segment dropped`,
      );
    oldAck = true;
    st.why('estab.old-ack-ok', () => `SEG.ACK ${seg.ack} below snd_una ${una} within bytes_acked ${bytesAcked}: old ACK ignored, segment processed`);
  } else if (nxt !== undefined && after(seg.ack, nxt)) {
    // tcp_ack: an ACK of data never sent → challenge ACK (rate-limited), segment dropped (C9).
    if (s.state !== 'ESTABLISHED')
      return challenge(
        st,
        s,
        seg,
        'estab.closing-bad-ack',
        () => `${s.state}: SEG.ACK ${seg.ack} beyond snd_nxt ${nxt}: challenge ACK seq snd_nxt ack ${s.rcvNxt}, segment dropped`,
      );
    if (!st.env.profile.unsentAckChallenge) {
      st.why(
        'estab.unsent-ack-silent',
        () => `SEG.ACK ${seg.ack} beyond snd_nxt ${nxt}: dropped, no challenge ACK (kernel ${st.env.profile.name}: profile unsentAckChallenge off)`,
      );
      return;
    }
    return challenge(
      st,
      s,
      seg,
      'estab.unsent-ack',
      () => `SEG.ACK ${seg.ack} beyond snd_nxt ${nxt}: challenge ACK seq snd_nxt ack ${s.rcvNxt}, segment dropped`,
    );
  }
  if (!oldAck) {
    // tcp_ack(FLAG_UPDATE_TS_RECENT) → tcp_replace_ts_recent: an accepted segment whose seq is not after
    // rcv_wup refreshes ts_recent unless its TSval is older (tcp_paws_check with window 0), so the next
    // ACK echoes it (correction C6; older-by-one TSvals leave it: C12).
    if (
      ko.ts &&
      s.tsOk &&
      !after(seg.seq, sentWindowState(st, s).rcvWup ?? s.rcvNxt) &&
      ko.tsVal !== s.tsRecent &&
      (s.tsRecent === 0 || ((s.tsRecent - ko.tsVal) | 0) <= 0)
    ) {
      const old = s.tsRecent;
      s = { ...s, tsRecent: ko.tsVal };
      st.why('estab.ts-recent', () => `ts_recent ${old} → ${ko.tsVal}`);
    }
    // tcp_ack_update_window.
    const nwin = seg.window * 2 ** (s.sndWscale ?? 0);
    if (
      s.sndWl1 !== undefined &&
      s.sndWnd !== undefined &&
      ((una !== undefined && after(seg.ack, una)) || after(seg.seq, s.sndWl1) || (seg.seq === s.sndWl1 && (nwin > s.sndWnd || nwin === 0)))
    ) {
      s = { ...s, sndWnd: nwin, sndWl1: seg.seq, maxWindow: Math.max(s.maxWindow ?? 0, nwin) };
    }
  }
  // Our FIN acknowledged?
  if (ackOk === true && s.sndUnaOff !== undefined) s = { ...s, sndUnaOff: undefined };
  // FIN_WAIT1 is reached only through close() in the model, so the socket is an orphan: it becomes a
  // timewait socket in the FIN_WAIT2 substate (tcp_time_wait; correction C23) and the segment is
  // consumed — old data too, without its D-SACK; only data beyond rcv_nxt aborts first (C38).
  if (ackOk !== false && s.sndNxtOff > 1 && !(f & FIN) && s.state === 'FIN_WAIT1' && !after(seg.endSeq, s.rcvNxt)) {
    enterFinWait2Tw(st, { ...s, state: 'FIN_WAIT2' });
    return;
  }
  if (ackOk !== false && s.sndNxtOff > 1 && seg.len === 0 && !(f & FIN)) {
    if (s.state === 'CLOSING') {
      st.why('estab.fin', 'CLOSING: our FIN acked → TIME_WAIT');
      enterTimeWait(st, s);
      return;
    } else if (s.state === 'LAST_ACK') {
      st.why('close.done', () => `LAST_ACK: FIN acked, ${s.key} closed`);
      removeSock(st, s);
      return;
    }
  }
  if (s.finHeld && (s.sndWnd ?? 0) > 0 && seg.len === 0 && !(f & FIN)) {
    // tcp_ack → tcp_ack_probe / tcp_data_snd_check: the window opened, the held FIN goes out (C39).
    const held = s;
    const s2 = sockSend(
      st,
      { ...held, finHeld: undefined },
      FIN | ACK,
      'close.fin-released',
      () => `window update to ${held.sndWnd}: the held FIN|ACK goes out`,
    );
    st.setSock(s.key, armFinRetransmit(st, { ...s2, sndNxtOff: held.sndNxtOff + 1, sndUnaOff: held.sndNxtOff }));
    return;
  }
  if (seg.len === 0 && !(f & FIN)) {
    st.why('estab.pure-ack', 'in-window pure ACK: no reply');
    st.setSock(s.key, s);
    return;
  }
  // tcp_rcv_state_process, step 7: with RCV_SHUTDOWN — close() for FIN_WAIT1/FIN_WAIT2 (reached only
  // through close() in the model), the peer's FIN for CLOSE_WAIT/CLOSING/LAST_ACK, where only a segment
  // starting below rcv_nxt gets here — data ending beyond rcv_nxt aborts the connection
  // (TCPAbortOnData) and the segment is answered as no socket would (tcp_v4_send_reset: RST seq=SEG.ACK)
  // [correction C28].
  const shut =
    s.state === 'FIN_WAIT1' ||
    s.state === 'FIN_WAIT2' ||
    ((s.state === 'CLOSE_WAIT' || s.state === 'CLOSING' || s.state === 'LAST_ACK') && before(seg.seq, s.rcvNxt));
  // The test is on end_seq − FIN, so an out-of-order bare FIN (end_seq − 1 = seq beyond rcv_nxt) aborts too (C33).
  if (shut && seg.endSeq !== seg.seq && after((seg.endSeq - (f & FIN ? 1 : 0)) >>> 0, s.rcvNxt)) {
    st.count('TcpExtTCPAbortOnData');
    const r = st.why(
      'close.abort-on-data',
      () => `${s.state} after close(): ${seg.len ? `${seg.len} B of data` : 'a FIN'} ending beyond rcv_nxt ${s.rcvNxt} → connection reset, RST for the segment`,
    );
    removeSock(st, s);
    sendReset(st, seg, r);
    return;
  }
  dataAndFin(st, s, seg, 'estab.data', 'estab.fin');
}

/** close() of a connection: FIN (ESTABLISHED → FIN_WAIT1, CLOSE_WAIT → LAST_ACK) [inferred]. */
export function closeSock(st: Step, sock: Sock): void {
  if (
    (sock.unread ?? 0) > 0 &&
    (sock.state === 'ESTABLISHED' || sock.state === 'CLOSE_WAIT' || sock.state === 'SYN_RECV' || sock.state === 'FIN_WAIT1' || sock.state === 'FIN_WAIT2')
  ) {
    // tcp_close: data the application never read → RST|ACK (seq snd_nxt, ack rcv_nxt) instead of a
    // FIN, the connection is gone at once (RFC 2525; measured on 6.18.44: correction C8).
    sockSend(
      st,
      sock,
      RST | ACK,
      'close.unread-reset',
      () => `close() with ${sock.unread} unread byte(s): RST|ACK seq snd_nxt ack ${sock.rcvNxt}, ${sock.key} closed`,
      sock.unread ?? 0,
    );
    st.count('TcpExtTCPAbortOnClose');
    st.count('TcpOutRsts');
    removeSock(st, sock);
    return;
  }
  if ((sock.state === 'ESTABLISHED' || sock.state === 'CLOSE_WAIT' || sock.state === 'SYN_RECV') && sock.sndWnd === 0) {
    // tcp_send_fin queues the FIN; tcp_write_xmit holds it while the peer's window is 0 (the FIN takes
    // a sequence number): nothing leaves now, the zero-window probe timer runs (C27). The FIN's later
    // release by a window update or a probe is not modelled [inferred].
    const next = sock.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT1';
    st.why('close.fin-held', () => `close(): FIN queued but held — the peer's window is 0; ${sock.state} → ${next}, nothing sent, zero-window probe timer`);
    st.setSock(sock.key, armProbe0(st, { ...sock, accepted: true, state: next, finHeld: true }));
    return;
  }
  if (sock.state === 'ESTABLISHED' || sock.state === 'CLOSE_WAIT' || sock.state === 'SYN_RECV') {
    const next = sock.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT1';
    const s2 = sockSend(st, { ...sock, accepted: true }, FIN | ACK, 'close.fin', () => `close(): FIN|ACK, ${sock.state} → ${next}`);
    st.setSock(sock.key, armFinRetransmit(st, { ...s2, state: next, sndNxtOff: sock.sndNxtOff + 1, sndUnaOff: sock.sndNxtOff }));
    return;
  }
  if (sock.state === 'SYN_SENT') {
    st.why('close.done', () => `close() in SYN_SENT: ${sock.key} gone, nothing sent`);
    st.setSock(sock.key, undefined);
    return;
  }
  st.why('event.close-nothing', () => `close() on ${sock.key} in ${sock.state}: nothing more to send`);
}

/** Listener close: unaccepted children are reset with RST|ACK [inferred]. */
export function resetChild(st: Step, sock: Sock): void {
  if (isTimeWaitSock(sock) || sock.state === 'SYN_SENT') return;
  sockSend(st, sock, RST | ACK, 'close.reset', () => `listener closed: unaccepted child ${sock.key} reset (RST|ACK seq snd_nxt ack rcv_nxt)`);
  st.count('TcpOutRsts');
  st.setSock(sock.key, undefined);
}
