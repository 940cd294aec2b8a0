// Planning the batched sequence engine (harness/fuzz/batch-sequence.ts): which stateful probes may
// share a batch, how many, and how a round's captured replies split per flow. Pure.
//
// A batch plays many probes' packets in lockstep rounds against ONE listener, each probe on its own
// 4-tuple, each judged against its own model state (the listener's state as the probe found it plus
// its own flow). That is exact only while no decision the kernel takes for one flow depends on the
// others. What the flows share is the listener and a few per-namespace limits:
//  - the SYN queue (qlen > backlog: syncookies or drop; tcp_syncookies=0 also drops once
//    tcp_max_syn_backlog − qlen < tcp_max_syn_backlog/4 — tcp_conn_request),
//  - the accept queue (acceptq > backlog: SYNs and third ACKs dropped — tcp_conn_request, tcp_check_req),
//  - the challenge-ACK limit (tcp_challenge_ack_limit per second, per namespace — tcp_send_challenge_ack).
// Each batched probe holds at most one request socket and one child; the clean-up RSTs after a batch
// leave no request socket, and the accept queue is drained whenever the children already in it plus a
// batch's could pass the backlog. So a batch of B probes meets the same listener decisions as one probe
// alone when B stays below every threshold (batchLimit), and batches are refused when the challenge-ACK
// limit is finite. The per-socket rate limit (tcp_invalid_ratelimit) is per flow, the syncookie overflow stamp
// is set by each flow's own SYN within the batch's first milliseconds (the cookie check only asks for
// one in the last 2 minutes).
import { isIcmpError } from '../wire/icmp-names';
import type { Probe, ProbePacket, SetupStep } from './probe';

/** The thresholds that couple a listener's flows (from the model's env and listener). */
export interface SharedLimits {
  /** the listener's effective backlog (sk_max_ack_backlog: listen()'s, capped by somaxconn) */
  maxBacklog: number;
  tcp_syncookies: number;
  tcp_max_syn_backlog: number;
  tcp_challenge_ack_limit: number;
}

/** Below this the challenge-ACK limit cannot couple flows (the kernel's default since 6.0 is INT_MAX). */
const CHALLENGE_UNLIMITED = 2 ** 31 - 1;

/**
 * The most probes one batch may hold on a listener with these limits (≥ 1; 1 = do not batch), and
 * why when it is smaller than `wanted`.
 */
export function batchLimit(l: SharedLimits, wanted: number): { size: number; why?: string } {
  if (l.tcp_challenge_ack_limit < CHALLENGE_UNLIMITED)
    return { size: 1, why: `tcp_challenge_ack_limit ${l.tcp_challenge_ack_limit} is a per-namespace limit: flows would share it` };
  // qlen and the accept queue each reach at most B − 1 when a flow's SYN or ACK is processed: stay at
  // or below the backlog (the model's tests are qlen > backlog, acceptq > backlog).
  let size = wanted;
  let why: string | undefined;
  if (l.maxBacklog < size) {
    size = l.maxBacklog;
    why = `the listener's backlog ${l.maxBacklog}`;
  }
  if (l.tcp_syncookies === 0) {
    const max = l.tcp_max_syn_backlog;
    // dropped when max − qlen < max >> 2, i.e. qlen > max − (max >> 2)
    const room = max - (max >> 2);
    if (room < size) {
      size = room;
      why = `tcp_syncookies=0 drops SYNs past ${room} request sockets (tcp_max_syn_backlog ${max})`;
    }
  }
  return { size: Math.max(1, size), ...(why ? { why } : {}) };
}

/** One round of a probe: the packet it sends, and what the step after it captures (if one does). */
export interface Round {
  /** 'mutated', or the setup step's `what` */
  what: string;
  packet: ProbePacket;
  /** The capture step that follows this send in the setup (judged and bound after the round). */
  capture?: Extract<SetupStep, { kind: 'capture' }>;
  /** The probe's last round (nothing is sent after it). */
  last: boolean;
}

/**
 * Why `probe` cannot go into a batch, or undefined when it can: its setup is packets and captures
 * only (no connect(), no close() — those are agent calls, run one probe at a time) and the only calls
 * it carries are `again` (the mutated packet once more: one more round); socket calls and waits are
 * the sequential engine's.
 */
export function notBatchable(probe: Probe): string | undefined {
  if (probe.target === 'listener') return 'listener probes go through the listener engine';
  for (const s of probe.setup) if (s.kind !== 'send' && s.kind !== 'capture') return `its setup has a ${s.kind}() call`;
  const icmp = probe.mutated.icmp;
  if (icmp) {
    // (what an ICMP message reaches beyond its own flow, or answers with, keeps it out)
    if (icmp.mtu !== undefined) return 'its packet is an ICMP error that lowers the path MTU, which every flow to the peer shares';
    if (icmp.quote.otherPort) return 'its ICMP error quotes the next peer port, which another probe of the batch may hold';
    if (!isIcmpError(probe.ip, icmp.type)) return 'its ICMP message is no error: it is answered in ICMP, which the batch does not capture';
  }
  const calls = [...(probe.before ?? []), ...(probe.after ?? [])];
  if (probe.before?.length || calls.some((c) => c !== 'again')) return `it carries socket calls or waits (${calls.join(', ')})`;
  return undefined;
}

/** The probe's rounds: each setup send (with the capture that follows it), the mutated packet, and once more for each again call. */
export function roundsOf(probe: Probe): Round[] {
  const why = notBatchable(probe);
  if (why) throw new Error(`probe ${probe.index} cannot be batched: ${why}`);
  const out: Round[] = [];
  for (const s of probe.setup) {
    if (s.kind === 'send') out.push({ what: s.what, packet: s.packet, last: false });
    else if (s.kind === 'capture') {
      const prev = out[out.length - 1];
      if (!prev || prev.capture) throw new Error(`probe ${probe.index}: a capture step (${s.what}) follows no send`);
      prev.capture = s;
    }
  }
  out.push({ what: 'mutated', packet: probe.mutated, last: false });
  for (const _ of probe.after ?? []) out.push({ what: 'again', packet: probe.mutated, last: false });
  out[out.length - 1].last = true;
  return out;
}

/** A probe's flow in a batch (family and peer port): no two probes of one batch may share it. */
export function probeFlowKey(p: Pick<Probe, 'ip' | 'sport'>): number {
  return (p.ip === 6 ? 1 : 0) * 65536 + p.sport;
}

/**
 * Whether `p` may join a batch that holds `size` − room probes on the flows `keys`: there is room
 * and its flow is not taken (else the batch goes out first and `p` starts the next one).
 */
export function fitsBatch(p: Pick<Probe, 'ip' | 'sport'>, keys: ReadonlySet<number>, size: number): boolean {
  return keys.size < size && !keys.has(probeFlowKey(p));
}

/**
 * Split a round's captured replies per flow: reply j answers probe `probeOf[j]` (the engine's
 * assignment by peer port); returns each probe's replies in arrival order.
 */
export function splitReplies<T>(n: number, replies: readonly T[], probeOf: ArrayLike<number>): T[][] {
  const per: T[][] = [];
  for (let i = 0; i < n; i++) per.push([]);
  for (let j = 0; j < replies.length; j++) {
    const p = probeOf[j];
    if (p < 0 || p >= n) throw new Error(`reply ${j} is assigned to probe ${p}, outside the round's ${n}`);
    per[p].push(replies[j]);
  }
  return per;
}

/** How long after a quiet batch's mutated packets its sentinel goes (answers the model puts after the packet: a FIN's next-tick ACK came 0.6–8.4 ms after it, C14). */
export const QUIET_MS = 15;
