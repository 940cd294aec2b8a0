// Full sockets: the child's processing of the third ACK (spec §6 step 11), segments for an
// established connection (§8.6: challenge/duplicate ACKs, RST handling), FIN handling and close().
import { ACK, FIN, RST, SYN } from '../wire/types';
import { sockSend } from './child';
import { oowLimited } from './check-req';
import { emitSynAck } from './make-synack';
import { sendReset } from './send-reset';
import type { KernelOpts } from './parse-options';
import type { Seg } from './seg';
import { after, before } from './seq-math';
import type { Sock, Step } from './state';
import { numAdd, numValue } from './symbols';
import { enterTimeWait } from './timewait';

/** Is SEG.ACK == snd_nxt? undefined when the ISN is unbound. */
function ackIs(st: Step, sock: Sock, ack: number, off: number): boolean | undefined {
  const v = numValue(numAdd(sock.isn, off), st.bindings);
  return v === undefined ? undefined : v === ack;
}

function removeSock(st: Step, sock: Sock): void {
  st.setSock(sock.key, undefined);
  if (sock.listenPort !== undefined && !sock.accepted) {
    const l = st.listeners[sock.listenPort];
    if (l && l.acceptq.includes(sock.key)) st.setListener(l.port, { ...l, acceptq: l.acceptq.filter((k) => k !== sock.key) });
  }
}

/** The child processes the segment that completed the handshake (quick-ack for data, FIN → CLOSE_WAIT). */
export function childProcess(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): void {
  st.why('child.established', () => `child ${sock.key} ESTABLISHED${ko.ts ? '' : sock.tsOk ? ' (third ACK without TS accepted)' : ''}`);
  dataAndFin(st, sock, seg, 'child.data', 'child.fin');
}

function dataAndFin(st: Step, sock: Sock, seg: Seg, dataRule: 'child.data' | 'estab.data', finRule: 'child.fin' | 'estab.fin'): void {
  const fin = (seg.flags & FIN) !== 0;
  if (seg.len === 0 && !fin) {
    st.setSock(sock.key, sock);
    return;
  }
  if (seg.seq !== sock.rcvNxt) {
    // Out of order (in window): immediate duplicate ACK; SACK blocks not modelled [inferred].
    const s2 = sockSend(st, sock, ACK, 'estab.dupack', () => `out-of-order segment seq ${seg.seq} ≠ rcv_nxt ${sock.rcvNxt}: duplicate ACK (SACK blocks not modelled) [inferred]`);
    st.setSock(sock.key, s2);
    return;
  }
  let s: Sock = { ...sock, rcvNxt: (sock.rcvNxt + seg.len + (fin ? 1 : 0)) >>> 0, unread: (sock.unread ?? 0) + seg.len };
  let next = s.state;
  if (fin) {
    if (s.state === 'ESTABLISHED' || s.state === 'SYN_RECV') next = 'CLOSE_WAIT';
    else if (s.state === 'FIN_WAIT1') next = ackIs(st, s, seg.ack, s.sndNxtOff) === false ? 'CLOSING' : 'TIME_WAIT';
    else if (s.state === 'FIN_WAIT2') next = 'TIME_WAIT';
  }
  s = { ...s, state: next };
  const rule = fin ? finRule : dataRule;
  s = sockSend(st, s, ACK, rule, () =>
    `${seg.len ? `${seg.len} B data` : ''}${seg.len && fin ? ' + ' : ''}${fin ? 'FIN' : ''} → ACK ack ${s.rcvNxt}${next !== sock.state ? `, ${sock.state} → ${next}` : ''}`, seg.len);
  st.why('child.ack-window', 'ACK window field given as a range (free-space rounding) [inferred]');
  if (next === 'TIME_WAIT') enterTimeWait(st, s);
  else st.setSock(s.key, s);
}

function challenge(st: Step, sock: Sock, seg: Seg, rule: 'estab.challenge-syn' | 'estab.challenge-rst' | 'estab.dupack' | 'estab.paws-drop', text: () => string): void {
  if (oowLimited(st, sock.lastOowMs, seg)) {
    st.count(sock.state === 'SYN_RECV' ? 'TcpExtTCPACKSkippedSynRecv' : 'TcpExtTCPACKSkippedSeq');
    st.why('estab.limited', () => `${rule}: within ${st.env.sysctls.tcp_invalid_ratelimit} ms of the last answer → nothing`);
    return;
  }
  if (rule === 'estab.challenge-syn' || rule === 'estab.challenge-rst') st.count('TcpExtTCPChallengeACK');
  const s2 = sockSend(st, sock, ACK, rule, text);
  st.setSock(sock.key, { ...s2, lastOowMs: st.now });
}

/** tcp_rcv_state_process / tcp_validate_incoming for a full socket past SYN_SENT. */
export function estabRcv(st: Step, sock: Sock, seg: Seg, ko: KernelOpts): void {
  const f = seg.flags;
  // TFO child still in SYN_RECV: tcp_check_req(fastopen) first — duplicate SYN re-sends the SYN-ACK.
  if (sock.state === 'SYN_RECV' && !sock.active && sock.tpl && seg.seq === sock.rcvIsn && (f & (RST | SYN | ACK)) === SYN) {
    if (oowLimited(st, sock.lastOowMs, seg)) {
      st.why('check_req.dup-syn-limited', 'duplicate SYN to a TFO child within 500 ms: nothing');
      return;
    }
    const r = st.why('check_req.dup-syn', 'duplicate SYN to a TFO child: SYN-ACK re-sent');
    emitSynAck(st, sock.tpl, { peer: sock.peer, pport: sock.pport, lport: sock.lport as number, isn: sock.isn, rcvNxt: sock.rcvNxt, tsOff: sock.tsOff, tsRecent: sock.tsRecent, flow: sock.flow }, r, st.now);
    st.setSock(sock.key, { ...sock, lastOowMs: st.now });
    return;
  }
  // PAWS.
  if (ko.ts && sock.tsOk && sock.tsRecent !== 0 && ((sock.tsRecent - ko.tsVal) | 0) > 0 && !(f & RST)) {
    st.count('TcpExtPAWSEstab');
    if (f & SYN) return challenge(st, sock, seg, 'estab.challenge-syn', () => `SYN failing PAWS (TSval ${ko.tsVal} < ts_recent ${sock.tsRecent}): challenge ACK`);
    return challenge(st, sock, seg, 'estab.paws-drop', () => `PAWS: TSval ${ko.tsVal} < ts_recent ${sock.tsRecent}: duplicate ACK`);
  }
  // Sequence acceptability (tcp_sequence).
  const win = Math.max(sock.rcvWnd, 1);
  const acceptable = !before(seg.endSeq, sock.rcvNxt) && !after(seg.seq, (sock.rcvNxt + win) >>> 0);
  if (!acceptable) {
    if (f & RST) {
      st.why('estab.rst-oow', () => `RST seq ${seg.seq} out of window: dropped`);
      return;
    }
    if (f & SYN) return challenge(st, sock, seg, 'estab.challenge-syn', () => `SYN seq ${seg.seq} (old/out of window): challenge ACK seq snd_nxt ack ${sock.rcvNxt}`);
    return challenge(st, sock, seg, 'estab.dupack', () => `seq ${seg.seq}..${seg.endSeq} outside the window at ${sock.rcvNxt}: duplicate ACK`);
  }
  if (f & RST) {
    if (seg.seq === sock.rcvNxt) {
      st.why('estab.rst-reset', () => `RST seq = rcv_nxt ${sock.rcvNxt}: connection ${sock.key} reset silently`);
      if (sock.state === 'SYN_RECV' || sock.state === 'SYN_SENT') st.count('TcpAttemptFails');
      else st.count('TcpEstabResets');
      removeSock(st, sock);
      return;
    }
    return challenge(st, sock, seg, 'estab.challenge-rst', () => `in-window RST seq ${seg.seq} ≠ rcv_nxt ${sock.rcvNxt}: challenge ACK`);
  }
  if (f & SYN) {
    // A crossed SYN-ACK in simultaneous open is accepted (tcp_validate_incoming exception, §8.5).
    const crossed = sock.state === 'SYN_RECV' && sock.active && (f & ACK) && ((seg.seq + 1) >>> 0) === sock.rcvNxt && ackIs(st, sock, seg.ack, 1) !== false;
    if (!crossed) return challenge(st, sock, seg, 'estab.challenge-syn', () => `in-window SYN seq ${seg.seq}: challenge ACK`);
    st.why('simopen.established', 'crossed SYN-ACK (seq+1 = rcv_nxt, ack = snd_nxt): ESTABLISHED, no reply [inferred]');
    st.setSock(sock.key, { ...sock, state: 'ESTABLISHED', timerAt: Infinity });
    return;
  }
  if (!(f & ACK)) {
    st.why('estab.no-ack-drop', 'segment without ACK: dropped');
    return;
  }
  const ackOk = ackIs(st, sock, seg.ack, sock.sndNxtOff);
  const ackTooNew = ((): boolean => {
    const v = numValue(numAdd(sock.isn, sock.sndNxtOff), st.bindings);
    return v !== undefined && after(seg.ack, v);
  })();
  let s = sock;
  if (s.state === 'SYN_RECV') {
    if (ackOk === false) {
      // Unacceptable ACK in SYN_RECV: RST (tcp_rcv_state_process returns 1) [inferred].
      const r = st.why('estab.bad-ack', () => `SYN_RECV: SEG.ACK ${seg.ack} ≠ snd_nxt: RST`);
      sendReset(st, seg, r);
      return;
    }
    if (s.active) st.why('simopen.established', () => `ACK of our SYN-ACK: ${s.key} ESTABLISHED`);
    else {
      st.why('child.established', () => `TFO child ${s.key} ESTABLISHED`);
      const l = s.listenPort !== undefined ? st.listeners[s.listenPort] : undefined;
      if (l) st.setListener(l.port, { ...l, tfoQlen: Math.max(0, l.tfoQlen - 1) });
    }
    s = { ...s, state: 'ESTABLISHED', timerAt: Infinity };
  } else if (ackTooNew) {
    st.why('estab.bad-ack', () => `SEG.ACK ${seg.ack} beyond snd_nxt: dropped [inferred]`);
    return;
  }
  // tcp_ack(FLAG_UPDATE_TS_RECENT) → tcp_replace_ts_recent: an accepted segment whose seq is not after
  // rcv_wup (= rcv_nxt here: every segment is ACKed at once) refreshes ts_recent, so the next ACK
  // echoes its TSval (correction C6, measured on 6.18.44).
  if (ko.ts && s.tsOk && !after(seg.seq, s.rcvNxt) && ko.tsVal !== s.tsRecent) {
    const old = s.tsRecent;
    s = { ...s, tsRecent: ko.tsVal };
    st.why('estab.ts-recent', () => `ts_recent ${old} → ${ko.tsVal}`);
  }
  // Our FIN acknowledged?
  if (ackOk !== false && s.sndNxtOff > 1 && seg.len === 0 && !(f & FIN)) {
    if (s.state === 'FIN_WAIT1') s = { ...s, state: 'FIN_WAIT2' };
    else if (s.state === 'CLOSING') {
      st.why('estab.fin', 'CLOSING: our FIN acked → TIME_WAIT');
      enterTimeWait(st, s);
      return;
    } else if (s.state === 'LAST_ACK') {
      st.why('close.done', () => `LAST_ACK: FIN acked, ${s.key} closed`);
      removeSock(st, s);
      return;
    }
  }
  if (seg.len === 0 && !(f & FIN)) {
    st.why('estab.pure-ack', 'in-window pure ACK: no reply');
    st.setSock(s.key, s);
    return;
  }
  dataAndFin(st, s, seg, 'estab.data', 'estab.fin');
}

/** close() of a connection: FIN (ESTABLISHED → FIN_WAIT1, CLOSE_WAIT → LAST_ACK) [inferred]. */
export function closeSock(st: Step, sock: Sock): void {
  if ((sock.unread ?? 0) > 0 && (sock.state === 'ESTABLISHED' || sock.state === 'CLOSE_WAIT' || sock.state === 'SYN_RECV' || sock.state === 'FIN_WAIT1' || sock.state === 'FIN_WAIT2')) {
    // tcp_close: data the application never read → RST|ACK (seq snd_nxt, ack rcv_nxt) instead of a
    // FIN, the connection is gone at once (RFC 2525; measured on 6.18.44: correction C8).
    sockSend(st, sock, RST | ACK, 'close.unread-reset', () => `close() with ${sock.unread} unread byte(s): RST|ACK seq snd_nxt ack ${sock.rcvNxt}, ${sock.key} closed`, sock.unread ?? 0);
    st.count('TcpExtTCPAbortOnClose');
    st.count('TcpOutRsts');
    removeSock(st, sock);
    return;
  }
  if (sock.state === 'ESTABLISHED' || sock.state === 'CLOSE_WAIT' || sock.state === 'SYN_RECV') {
    const next = sock.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT1';
    const s2 = sockSend(st, { ...sock, accepted: true }, FIN | ACK, 'close.fin', () => `close(): FIN|ACK, ${sock.state} → ${next}`);
    st.setSock(sock.key, { ...s2, state: next, sndNxtOff: sock.sndNxtOff + 1 });
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
  if (sock.state === 'TIME_WAIT' || sock.state === 'SYN_SENT') return;
  sockSend(st, sock, RST | ACK, 'close.reset', () => `listener closed: unaccepted child ${sock.key} reset (RST|ACK seq snd_nxt ack rcv_nxt)`);
  st.count('TcpOutRsts');
  st.setSock(sock.key, undefined);
}
