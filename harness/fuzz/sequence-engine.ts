// Multi-packet probes (targets request, synsent, established): the probe's setup steps — send a packet,
// capture the DUT's answer and bind its ISN / TSval / window, or have the DUT connect() — are played
// against the kernel and fed to the model alike; then the mutated packet goes in and the kernel's
// immediate answers are judged against the model's prediction for the state both reached.
//
// One probe at a time (these are stateful), each on its own flow. The end of the kernel's immediate
// answer is proven as in the listener engine: a sentinel SYN to a closed port sent right after the
// mutated packet draws a RST, which is processed after it (same CPU, FIFO); everything the kernel sent
// on the probe's flow before that RST is its answer.
import { judge, Verdict } from '../../lib/match/judge';
import { bind } from '../../lib/model/core/match';
import type { ModelEnv, ModelState, Prediction } from '../../lib/model';
import type { SockOpts } from '../../lib/model/core/sockopts';
import {
  bindingsFor,
  otherIsn,
  otherPort,
  Probe,
  ProbeBindings,
  ProbeCall,
  probePacketBytes,
  probePacketSpec,
  resolveSeq,
  WAIT_CAP_MS,
} from '../../lib/fuzz/probe';
import { bindCapture, JUDGED_WITHIN_MS } from '../../lib/fuzz/sequence-judge';
import { buildIp } from '../../lib/wire/build';
import { decodeEthernet, decodeIp } from '../../lib/wire/decode';
import { toPacketJson } from '../../lib/wire/summary';
import type { Decoded, PacketJson } from '../../lib/wire/types';
import type { CapturedFrame } from '../capture/capture';
import type { Lab } from '../topology/lab';
import { pinToCurrentCpu } from '../engine/pin';
import type { ModelApi } from './model-api';
import { applySockopts, campaignModelSockopts, type CampaignSockopts } from './sockopts';

export interface SequenceContext {
  lab: Lab;
  api: ModelApi;
  env: Record<4 | 6, ModelEnv>;
  /** Model state with the listener open (passive targets) or empty (active). */
  base: Record<4 | 6, ModelState>;
  listen?: { port: number; backlog: number; sockopts?: CampaignSockopts };
  /**
   * The listeners' fds per family (a close step accepts the probe's connection from them). A
   * close-listener call replaces the family's entry with the new listener's fd.
   */
  listenFds?: Record<4 | 6, number>;
  /** Closed DUT port for sentinels. */
  closedPort?: number;
  /** The campaign's connect.sockopts, set on every connecting socket before connect(). */
  connectSockopts?: CampaignSockopts;
}

export interface SequenceJudgement {
  verdict: Verdict;
  /** where the first disagreement came: the setup, the mutated packet, or a call around it */
  phase: 'setup' | 'mutated' | 'call';
  observed: PacketJson[];
  predicted: PacketJson[];
  rules: string[];
  readonly reasons: string[];
  /** The mutated packet as sent (IP header on) and the kernel's frames on the flow. */
  sent?: Uint8Array;
  frames: CapturedFrame[];
  sentNs: bigint;
  /** What the setup captured from the DUT (for the repro case). */
  bindings: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>>;
  /** How long each wait call waited (ms; 0 = no timer was due within WAIT_CAP_MS), for the repro case. */
  waitsMs?: number[];
}

/** How far past the model's due time a wait call ticks: the kernel's timer wheel fires late by up to a granule (64 ms at 1–4 s). */
const WAIT_MARGIN_MS = 150;

const SENTINEL_SPORT = 65534;
/**
 * Answers the model predicts within JUDGED_WITHIN_MS of the packet are judged with it
 * (lib/fuzz/sequence-judge.ts). When a judged answer is due after the packet, the sentinel goes out
 * only once the predicted frames came (or DEFERRED_WAIT_MS passed), so whether the next tick's ACK
 * is seen does not depend on the kernel's timer wheel firing before or after the sentinel's RST.
 */
const DEFERRED_WAIT_MS = 1000;
let sentinelSeq = 1;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** A DUT frame's flow: family, DUT port, peer port. */
function flowOf(d: Decoded): number {
  return d.tcp ? flowKeyOf(d.ip?.version === 6 ? 6 : 4, d.tcp.sport, d.tcp.dport) : -1;
}

function flowKeyOf(ip: 4 | 6, dutPort: number, peerPort: number): number {
  return ip * 2 ** 32 + dutPort * 65536 + peerPort;
}

/** Inject `bytes` then a sentinel; resolve with every DUT frame on the probe's flows (`inFlow`) up to the sentinel's RST. */
async function exchange(
  lab: Lab,
  ip: 4 | 6,
  bytes: Uint8Array | undefined,
  inFlow: (key: number) => boolean,
  closedPort: number,
  deferred = 0,
  fresh = true,
): Promise<{ frames: CapturedFrame[]; sentNs: bigint }> {
  const a = ip === 4 ? lab.addr.v4 : lab.addr.v6;
  const seq = sentinelSeq++ >>> 0;
  const sentinel = buildIp({ ip, src: a.peer, dst: a.dut, sport: SENTINEL_SPORT, dport: closedPort, flags: 'S', seq, window: 0 });
  // (fresh = false: the caller emptied the capture before its own action, whose frames count)
  if (fresh) lab.capture.take();
  const sentNs = process.hrtime.bigint();
  if (bytes) lab.injector.send(bytes, 'link');
  if (deferred > 0) {
    // Wait for as many frames on the flow as the model predicts in the judged window (or the limit).
    const seen = new Set<CapturedFrame>();
    await lab.capture.waitFor((f) => {
      if (inFlow(flowOf(decodeEthernet(f.bytes)))) seen.add(f);
      return seen.size >= deferred;
    }, DEFERRED_WAIT_MS);
  }
  lab.injector.send(sentinel, 'link');
  const isSentinelReply = (f: CapturedFrame): boolean => {
    const d = decodeEthernet(f.bytes);
    return !!d.tcp && d.tcp.dport === SENTINEL_SPORT && d.tcp.ack === (seq + 1) >>> 0;
  };
  const got = await lab.capture.waitFor(isSentinelReply, 1000);
  if (!got) throw new Error('sequence engine: the sentinel got no answer within 1 s (capture or topology broken)');
  lab.capture.assertNoDrops();
  const frames: CapturedFrame[] = [];
  for (const f of lab.capture.take()) {
    if (f === got) break;
    if (inFlow(flowOf(decodeEthernet(f.bytes)))) frames.push(f);
  }
  return { frames, sentNs };
}

/** How many frames to wait for before the sentinel: all predicted ones when any is deferred, else 0. */
function deferredCount(predicted: readonly Prediction[], t: number): number {
  return predicted.some((p) => p.atMs > t) ? predicted.length : 0;
}

/** Play one multi-packet probe; judge the kernel against the model at the first disagreement. */
export async function runSequenceProbe(ctx: SequenceContext, probe: Probe): Promise<SequenceJudgement> {
  pinToCurrentCpu();
  const { lab, api } = ctx;
  const ip = probe.ip;
  const env = ctx.env[ip];
  const a = ip === 4 ? lab.addr.v4 : lab.addr.v6;
  const closedPort = ctx.closedPort ?? 9;
  let st = ctx.base[ip];
  const rules: string[] = [];
  const reasonsOut: Array<{ fn: string; text: string }> = [];
  const captured: Partial<Pick<ProbeBindings, 'dutIsn' | 'dutTsval' | 'dutWindow'>> = {};
  // Passive targets: the flow is the probe's source port. Active: the DUT's ephemeral port, learnt
  // from its SYN (the connect() step).
  let localPort = ctx.listen?.port ?? 0;
  const peerPort = probe.sport;
  let flowKey = flowKeyOf(ip, localPort, peerPort);
  /** Other flows' keys (other-syn, other-handshake calls), their answers judged with the probe's. */
  const otherKeys = new Set<number>();
  const inFlow = (k: number): boolean => k === flowKey || otherKeys.has(k);
  /** Other flows opened by calls: their peer port, ISN, and the ACK-able seq (SYN-ACK) once seen. */
  const others: Array<{ port: number; isn: number }> = [];
  /**
   * What the DUT's segments on the probe's flow said last (for a peer-ack call): rcv_nxt (the ack of its
   * last segment with ACK), the end of its furthest segment, its last TSval and TSecr.
   */
  let dutSaid: { rcvNxt?: number; sndMax?: number; tsval?: number; tsecr?: number } = {};
  /** The last SYN-ACK the DUT sent on each other flow. */
  const synAckOn = new Map<number, PacketJson>();
  const noteDut = (observed: readonly PacketJson[]): void => {
    for (const o of observed) {
      const tcp = o.tcp;
      if (tcp.flags.includes('S') && tcp.flags.includes('A') && otherKeys.has(flowKeyOf(ip, tcp.sport, tcp.dport)))
        synAckOn.set(flowKeyOf(ip, tcp.sport, tcp.dport), o);
      if (flowKeyOf(ip, tcp.sport, tcp.dport) !== flowKey || typeof tcp.seq !== 'number' || typeof tcp.ack !== 'number') continue;
      if (tcp.flags.includes('R')) continue;
      if (tcp.flags.includes('A')) dutSaid.rcvNxt = tcp.ack;
      const end = (tcp.seq + (tcp.len ?? 0) + (tcp.flags.includes('S') ? 1 : 0) + (tcp.flags.includes('F') ? 1 : 0)) >>> 0;
      if (dutSaid.sndMax === undefined || ((end - dutSaid.sndMax) | 0) > 0) dutSaid.sndMax = end;
      const ts = tcp.options.find((x) => x[0] === 'ts');
      if (ts && typeof ts[1] === 'number' && typeof ts[2] === 'number') dutSaid = { ...dutSaid, tsval: ts[1], tsecr: ts[2] };
    }
  };
  let pending: Prediction[] = [];
  let pendingObserved: PacketJson[] = [];
  let fd: number | undefined;
  /** The DUT closed the connection (a close step): it may linger in TIME_WAIT. */
  let closed = false;
  /** The mutated packet's seq when it is a SYN (it may have made a request socket of its own). */
  let synSeq: number | undefined;

  const ends = () => ({ src: a.peer, dst: a.dut, dport: localPort });
  const waitsMs: number[] = [];
  /** The probe's connection, accepted by a call (aborted at the end unless a close call closed it). */
  let acceptedFd: number | undefined;
  /** A defer-accept call set TCP_DEFER_ACCEPT on this family's listener: cleared at the end. */
  let deferSet = false;
  /** Answers the model predicted after the judged window of the last packet or call (a delayed ACK). */
  let later: Prediction[] = [];
  const fail = (
    phase: 'setup' | 'mutated' | 'call',
    v: Verdict,
    observed: PacketJson[],
    predicted: Prediction[],
    frames: CapturedFrame[],
    sentNs: bigint,
    sent?: Uint8Array,
  ): SequenceJudgement => ({
    verdict: v,
    phase,
    observed,
    predicted: predicted.map((p) => p.packet),
    rules,
    frames,
    sentNs,
    sent,
    bindings: captured,
    ...(waitsMs.length ? { waitsMs } : {}),
    get reasons() {
      return reasonsOut.map((r) => `${r.fn}: ${r.text}`);
    },
  });
  const feed = (r: ReturnType<ModelApi['apply']>): void => {
    st = r.state;
    for (const x of r.reasons) {
      rules.push(x.rule);
      reasonsOut.push(x);
    }
  };

  /** Connections of earlier connect steps (aborted at the end). */
  const earlierFds: number[] = [];
  /** The last connect() returned 0 with TCP_FASTOPEN_CONNECT: its SYN waits for the first write. */
  let deferred = false;
  let connectedTo: { opts: SockOpts; len: number } | undefined;
  /** The last connection's local port came from getsockname (a Fast Open connect): its SYN is told apart by it. */
  let portKnown = false;
  const connectOpts: SockOpts = ctx.connectSockopts ? campaignModelSockopts(ctx.connectSockopts, a.peer) : {};
  /**
   * The DUT's SYN to the peer's port (from `localPort` once known): binds the flow's local port and
   * becomes the observed answer of the step. False when none came within 1 s.
   */
  const waitForSyn = async (): Promise<boolean> => {
    const f = await lab.capture.waitFor((fr) => {
      const d = decodeEthernet(fr.bytes);
      return !!d.tcp && d.ip?.version === ip && d.tcp.dport === peerPort && (d.tcp.flags & 0x12) === 0x02 && (!portKnown || d.tcp.sport === localPort);
    }, 1000);
    if (!f) return false;
    const d = decodeEthernet(f.bytes);
    localPort = d.tcp!.sport;
    flowKey = flowKeyOf(ip, localPort, peerPort);
    pendingObserved = [toPacketJson(d)!];
    lab.capture.take();
    return true;
  };

  /** Bytes of the mutated packet as sent (an again call sends them once more). */
  let mutatedBytes: Uint8Array | undefined;
  const lfdOf = (call: ProbeCall): number => {
    const l = ctx.listenFds?.[ip];
    if (l === undefined || !ctx.listen) throw new Error(`sequence engine: call ${call} needs the listener (a passive target)`);
    return l;
  };
  /** The model's answers due by `t` from earlier packets/calls, and the rest kept for later. */
  const laterDue = (t: number): Prediction[] => {
    const due = later.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS);
    later = later.filter((p) => p.atMs > t + JUDGED_WITHIN_MS);
    return due;
  };
  /** Judge what the kernel sent on the flow since the last exchange (and after `bytes`, if any) against `r`. */
  const judgeAfter = async (r: ReturnType<ModelApi['apply']>, t: number, bytes?: Uint8Array): Promise<SequenceJudgement | undefined> => {
    // A delayed ACK predicted earlier that this step's ACK (or the socket's end) replaced is not coming.
    const gone = r.cancels;
    if (gone) later = later.filter((p) => p.delack === undefined || !gone.includes(p.delack));
    const judged = [...laterDue(t), ...r.responses.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS)];
    const { frames, sentNs } = await exchange(lab, ip, bytes, inFlow, closedPort, deferredCount(judged, t), false);
    feed(r);
    later = [...later, ...r.responses.filter((p) => p.atMs > t + JUDGED_WITHIN_MS)];
    const observed = frames.map((f) => toPacketJson(decodeEthernet(f.bytes))!);
    noteDut(observed);
    const v = judge(judged, observed, st, r.reasons);
    if (!v.ok) return fail('call', v, observed, judged, frames, sentNs, bytes);
    st = v.state;
    return undefined;
  };
  const callDivergence = (rule: string, fn: string, field: string, text: string): SequenceJudgement =>
    fail('call', { ok: false, state: st, divergence: { rule, fn, fields: [field], diffs: [], text } }, [], [], [], 0n);
  /** accept() until the probe's connection or EAGAIN (other probes' children aborted); judged against the model's accept. */
  const acceptCall = async (): Promise<SequenceJudgement | undefined> => {
    const lfd = lfdOf('accept');
    const t = nowMs();
    const r = api.apply(env, st, { type: 'accept', port: localPort }, t);
    const modelGot = r.reasons.some((x) => x.rule === 'event.accept');
    let got: number | undefined;
    for (;;) {
      const a2 = await lab.agent.call('accept', { fd: lfd, timeoutMs: 0 });
      if (!a2.ok) break;
      if (a2.result!.port === peerPort && a2.result!.family === ip && acceptedFd === undefined) {
        got = a2.result!.fd;
        break;
      }
      await lab.agent.call('setsockopt', { fd: a2.result!.fd, name: 'SO_LINGER', value: { onoff: 1, linger: 0 } });
      await lab.agent.call('close', { fd: a2.result!.fd });
    }
    if (got !== undefined) acceptedFd = got;
    const bad = await judgeAfter(r, t);
    if (bad) return bad;
    if (modelGot !== (got !== undefined))
      return callDivergence(
        modelGot ? 'event.accept' : 'event.accept-empty',
        'inet_csk_accept',
        'acceptq',
        modelGot
          ? `accept(): the model has the probe's connection (peer port ${peerPort}) in the accept queue, the kernel returned none`
          : `accept(): the kernel returned the probe's connection (peer port ${peerPort}), the model's accept queue is empty`,
      );
    return undefined;
  };
  /** A pure ACK from the peer (port `sport`) to the DUT's port, with a TS option when `ts` is given. */
  const peerAck = (sport: number, seq: number, ack: number, ts?: { val: number; ecr: number }): Uint8Array =>
    buildIp({
      ip,
      src: a.peer,
      dst: a.dut,
      sport,
      dport: localPort,
      flags: 'A',
      seq: seq >>> 0,
      ack: ack >>> 0,
      window: 502,
      options: ts ? [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: ts.val >>> 0, ecr: ts.ecr >>> 0 }] : [],
    });
  /**
   * other-syn / other-handshake: the campaign's setup SYN from the next other peer port (its own ISN),
   * judged; with `handshake`, the third ACK of the SYN-ACK it drew (none: no ACK). Frames on every flow
   * of the probe are judged together.
   */
  const otherFlow = async (handshake: boolean): Promise<SequenceJudgement | undefined> => {
    lfdOf(handshake ? 'other-handshake' : 'other-syn');
    const synStep = probe.setup.find((x): x is Extract<typeof x, { kind: 'send' }> => x.kind === 'send' && x.what === 'syn');
    if (!synStep) throw new Error('sequence engine: other-syn / other-handshake need a passive set-up (its SYN)');
    const k = others.length;
    const port = otherPort(probe, k);
    const isn = otherIsn(probe, k);
    others.push({ port, isn });
    const key = flowKeyOf(ip, localPort, port);
    otherKeys.add(key);
    const oprobe: Probe = { ...probe, sport: port, peerIsn: isn };
    const synBytes = buildIp(probePacketSpec(oprobe, synStep.packet, bindingsFor(oprobe), ends()));
    const t = nowMs();
    const bad = await judgeAfter(api.apply(env, st, { type: 'segment', seg: decodeIp(synBytes) }, t), t, synBytes);
    if (bad || !handshake) return bad;
    // (no SYN-ACK: the SYN was dropped, nothing to acknowledge)
    const synack = synAckOn.get(key);
    if (!synack) return undefined;
    const tsv = synack.tcp.options.find((x) => x[0] === 'ts');
    const withTs = synStep.packet.options.some((o) => o.kind === 'ts') && tsv !== undefined && typeof tsv[1] === 'number';
    const ackBytes = peerAck(port, isn + 1, (synack.tcp.seq as number) + 1, withTs ? { val: probe.peerTsval, ecr: tsv![1] as number } : undefined);
    const t2 = nowMs();
    return judgeAfter(api.apply(env, st, { type: 'segment', seg: decodeIp(ackBytes) }, t2), t2, ackBytes);
  };
  const playCall = async (call: ProbeCall): Promise<SequenceJudgement | undefined> => {
    switch (call) {
      case 'again': {
        if (!mutatedBytes) return undefined;
        const t = nowMs();
        return judgeAfter(api.apply(env, st, { type: 'segment', seg: decodeIp(mutatedBytes) }, t), t, mutatedBytes);
      }
      case 'wait': {
        const t0 = nowMs();
        const due = Math.min(st.nextDue, ...later.map((p) => p.atMs));
        if (!(due - t0 <= WAIT_CAP_MS)) {
          waitsMs.push(0);
          return undefined;
        }
        await new Promise((res) => setTimeout(res, Math.max(0, due + WAIT_MARGIN_MS - t0)));
        const t = nowMs();
        waitsMs.push(Math.round(t - t0));
        return judgeAfter(api.apply(env, st, { type: 'tick' }, t), t);
      }
      case 'accept':
        return acceptCall();
      case 'recv':
      case 'close': {
        if (acceptedFd === undefined) {
          const bad = await acceptCall();
          if (bad || acceptedFd === undefined) return bad;
        }
        if (call === 'recv') {
          await lab.agent.call('recv', { fd: acceptedFd, max: 65536, timeoutMs: 0 });
          const t = nowMs();
          return judgeAfter(api.apply(env, st, { type: 'recv', port: localPort, peerPort }, t), t);
        }
        await lab.agent.must('close', { fd: acceptedFd });
        acceptedFd = undefined;
        closed = true;
        // (the model's time is when close() came back: the FIN or RST left inside it)
        const t = nowMs();
        return judgeAfter(api.apply(env, st, { type: 'close', port: localPort, peerPort }, t), t);
      }
      case 'close-listener': {
        const lfd = lfdOf(call);
        await lab.agent.must('close', { fd: lfd });
        const t = nowMs();
        const bad = await judgeAfter(api.apply(env, st, { type: 'close', port: localPort }, t), t);
        // A new listener on the port, for this probe's later calls and the next probes.
        const fd2 = await openReusableListener(lab, ip, localPort, ctx.listen!.backlog, ctx.listen!.sockopts);
        ctx.listenFds![ip] = fd2;
        deferSet = false;
        const opts = ctx.listen!.sockopts ? campaignModelSockopts(ctx.listen!.sockopts, a.peer) : undefined;
        feed(api.apply(env, st, { type: 'listen', port: localPort, backlog: ctx.listen!.backlog, ...(opts ? { opts } : {}) }, nowMs()));
        return bad;
      }
      case 'listen-in-use': {
        lfdOf(call);
        const fd2 = (await lab.agent.must('socket', { family: ip })).fd;
        const b = await lab.agent.call('bind', { fd: fd2, addr: a.dut, port: localPort });
        await lab.agent.call('close', { fd: fd2 });
        const t = nowMs();
        const r = api.apply(env, st, { type: 'listen', port: localPort, backlog: ctx.listen!.backlog }, t);
        const inUse = r.reasons.some((x) => x.rule === 'event.listen-in-use');
        const bad = await judgeAfter(r, t);
        if (bad) return bad;
        if (inUse !== (!b.ok && b.err === 'EADDRINUSE'))
          return callDivergence(
            'event.listen-in-use',
            'inet_csk_get_port',
            'errno',
            `bind() of a second socket to port ${localPort}: ${b.ok ? 'succeeded' : b.err}, the model says ${inUse ? 'EADDRINUSE' : 'free'}`,
          );
        return undefined;
      }
      case 'peer-ack': {
        // The peer acknowledges everything the DUT sent, at the DUT's rcv_nxt (nothing seen yet: no call).
        if (dutSaid.rcvNxt === undefined || dutSaid.sndMax === undefined) return undefined;
        const ts = dutSaid.tsval !== undefined && dutSaid.tsecr !== undefined ? { val: dutSaid.tsecr, ecr: dutSaid.tsval } : undefined;
        const bytes = peerAck(peerPort, dutSaid.rcvNxt, dutSaid.sndMax, ts);
        const t = nowMs();
        return judgeAfter(api.apply(env, st, { type: 'segment', seg: decodeIp(bytes) }, t), t, bytes);
      }
      case 'other-syn':
      case 'other-handshake':
        return otherFlow(call === 'other-handshake');
      case 'defer-accept': {
        const lfd = lfdOf(call);
        await lab.agent.must('setsockopt', { fd: lfd, name: 'TCP_DEFER_ACCEPT', value: 1 });
        deferSet = true;
        const t = nowMs();
        return judgeAfter(api.apply(env, st, { type: 'setsockopt', port: localPort, opts: { deferAccept: 1 } }, t), t);
      }
    }
  };

  try {
    for (const step of probe.setup) {
      if (step.kind === 'connect') {
        // A second connect: the first connection stays open (it holds the cached cookie's handshake)
        // and is aborted at the end; the flow follows the new one.
        if (fd !== undefined) earlierFds.push(fd);
        fd = (await lab.agent.must('socket', { family: ip })).fd;
        await lab.agent.must('setsockopt', { fd, name: 'SO_LINGER', value: { onoff: 1, linger: 0 } });
        const opts = { ...connectOpts };
        if (ctx.connectSockopts) await applySockopts(lab, fd, a.peer, ctx.connectSockopts);
        const tfo = step.tfo;
        // Refused (EOPNOTSUPP) without the client bit of tcp_fastopen: the model says so (fastopen.client-off).
        if (tfo?.via === 'fastopen-connect') {
          await lab.agent.call('setsockopt', { fd, name: 'TCP_FASTOPEN_CONNECT', value: 1 });
          opts.fastopenConnect = 1;
        }
        lab.capture.take();
        const t = nowMs();
        let fo: { len: number } | undefined;
        let c: { ok: boolean; err?: string } | undefined =
          tfo?.via === 'sendto'
            ? await lab.agent.call('send', { fd, hex: '00'.repeat(tfo.len), flags: ['MSG_FASTOPEN'], addr: a.peer, port: peerPort })
            : undefined;
        if (c && (c.ok || c.err === 'EINPROGRESS')) fo = { len: tfo!.len };
        // sendto(MSG_FASTOPEN) refused without the client bit (EOPNOTSUPP, nothing sent): a plain connect().
        else c = await lab.agent.call('connect', { fd, addr: a.peer, port: peerPort });
        deferred = !fo && !!tfo && c.ok;
        if (!fo && !deferred && c.err !== 'EINPROGRESS') throw new Error(`sequence engine: connect() returned ${c.err || 'success'}, expected EINPROGRESS`);
        connectedTo = { opts, len: tfo?.len ?? 0 };
        portKnown = !!tfo;
        if (tfo) {
          const name = await lab.agent.must('getsockname', { fd });
          localPort = name.port;
          flowKey = flowKeyOf(ip, localPort, peerPort);
        }
        const r = api.apply(env, st, { type: 'connect', dport: peerPort, ...(tfo ? { sport: localPort } : {}), opts, ...(fo ? { fastopen: fo } : {}) }, t);
        feed(r);
        pending = r.responses;
        pendingObserved = [];
        if (deferred) continue;
        const seen = await waitForSyn();
        if (!seen) return fail('setup', judge(pending, [], st, r.reasons), [], pending, [], 0n);
        continue;
      }
      if (step.kind === 'flush-metrics') {
        const fr = await lab.agent.call('linkSetup', { script: 'tcp_metrics flush all\n' });
        if (!fr.ok || fr.result?.code)
          throw new Error(`sequence engine: ip tcp_metrics flush all failed: ${fr.err || fr.result?.stderr || `exit ${fr.result?.code}`}`);
        feed(api.apply(env, st, { type: 'flush-metrics' }, nowMs()));
        continue;
      }
      if (step.kind === 'write') {
        // Only a deferred TCP_FASTOPEN_CONNECT connect() is waiting for its first write.
        if (!deferred || fd === undefined || !connectedTo) continue;
        deferred = false;
        const v = judge(pending, pendingObserved, st);
        if (!v.ok) return fail('setup', v, pendingObserved, pending, [], 0n);
        st = v.state;
        lab.capture.take();
        const t = nowMs();
        const w = await lab.agent.call('send', { fd, hex: '00'.repeat(step.len) });
        if (!w.ok && w.err !== 'EINPROGRESS') throw new Error(`sequence engine: the first write after a deferred connect() failed: ${w.err}`);
        const r = api.apply(env, st, { type: 'connect', dport: peerPort, sport: localPort, opts: connectedTo.opts, fastopen: { len: step.len } }, t);
        feed(r);
        pending = r.responses;
        pendingObserved = [];
        const seen = await waitForSyn();
        if (!seen) return fail('setup', judge(pending, [], st, r.reasons), [], pending, [], 0n);
        continue;
      }
      if (step.kind === 'close') {
        // The DUT closes the probe's connection: a passive one is accepted first (other children
        // found on the way are aborted); an active one loses its SO_LINGER 0 so close() sends a FIN.
        let cfd = fd;
        if (cfd === undefined) {
          const lfd = ctx.listenFds?.[ip];
          if (lfd === undefined) throw new Error('sequence engine: a close step on a passive connection needs the listener fds (SequenceContext.listenFds)');
          for (;;) {
            const r = await lab.agent.call('accept', { fd: lfd, timeoutMs: 0 });
            if (!r.ok) {
              // The model put the child in the accept queue (the setup's last step agreed with it); the
              // kernel has none for this peer.
              const text = `accept(): the probe's connection (peer port ${peerPort}) is not in the kernel's accept queue`;
              return fail(
                'setup',
                { ok: false, state: st, divergence: { rule: 'event.accept', fn: 'inet_csk_accept', fields: ['acceptq'], diffs: [], text } },
                [],
                [],
                [],
                0n,
              );
            }
            if (r.result!.port === peerPort) {
              cfd = r.result!.fd;
              break;
            }
            await lab.agent.call('setsockopt', { fd: r.result!.fd, name: 'SO_LINGER', value: { onoff: 1, linger: 0 } });
            await lab.agent.call('close', { fd: r.result!.fd });
          }
          feed(api.apply(env, st, { type: 'accept', port: localPort }, nowMs()));
        } else {
          await lab.agent.must('setsockopt', { fd: cfd, name: 'SO_LINGER', value: { onoff: 0, linger: 0 } });
          fd = undefined;
        }
        lab.capture.take();
        await lab.agent.must('close', { fd: cfd });
        // The FIN left inside close(), which the agent runs when it gets to it: the model's time is
        // when the call came back (the agent answers right after the syscall), not when it was asked
        // for — a loaded machine can put tens of ms between the two, beyond the TSval tolerance.
        const t = nowMs();
        const r = api.apply(env, st, { type: 'close', port: localPort, peerPort }, t);
        const judged = r.responses.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS);
        const { frames } = await exchange(lab, ip, undefined, inFlow, closedPort, deferredCount(judged, t), false);
        feed(r);
        closed = true;
        pending = judged;
        pendingObserved = frames.map((f) => toPacketJson(decodeEthernet(f.bytes))!);
        continue;
      }
      if (step.kind === 'send') {
        const b = bindingsFor(probe, captured);
        const spec = probePacketSpec(probe, step.packet, b, ends());
        const bytes = buildIp(spec);
        const t = nowMs();
        const r = api.apply(env, st, { type: 'segment', seg: decodeIp(bytes) }, t);
        const judged = r.responses.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS);
        const { frames } = await exchange(lab, ip, bytes, inFlow, closedPort, deferredCount(judged, t));
        feed(r);
        pending = judged;
        pendingObserved = frames.map((f) => toPacketJson(decodeEthernet(f.bytes))!);
        continue;
      }
      // capture: the answer to the previous step must be what the model predicted; bind from it.
      const v = judge(pending, pendingObserved, st);
      if (!v.ok) return fail('setup', v, pendingObserved, pending, [], 0n);
      st = v.state;
      noteDut(pendingObserved);
      const obs = bindCapture(step, pendingObserved, captured);
      for (const p of pending) st = bind(st, p, obs ?? pendingObserved[0]).state;
      pending = [];
      pendingObserved = [];
    }
    for (const call of probe.before ?? []) {
      const bad = await playCall(call);
      if (bad) return bad;
    }
    // The mutated packet.
    const b = bindingsFor(probe, captured);
    const bytes = probePacketBytes(probe, probe.mutated, b, ends());
    if (probe.mutated.flags & 0x02 && !probe.mutated.icmp) synSeq = resolveSeq(probe.mutated.seq, b);
    const t = nowMs();
    const r = api.apply(env, st, { type: 'segment', seg: decodeIp(bytes) }, t);
    const predicted = r.responses.filter((p) => p.atMs <= t + JUDGED_WITHIN_MS);
    const { frames, sentNs } = await exchange(lab, ip, bytes, inFlow, closedPort, deferredCount(predicted, t));
    feed(r);
    const observed = frames.map((f) => toPacketJson(decodeEthernet(f.bytes))!);
    noteDut(observed);
    const v = judge(predicted, observed, r.state, r.reasons);
    if (v.ok && probe.after?.length) {
      st = v.state;
      mutatedBytes = bytes;
      later = r.responses.filter((p) => p.atMs > t + JUDGED_WITHIN_MS);
      for (const call of probe.after) {
        const bad = await playCall(call);
        if (bad) return bad;
      }
    }
    return fail('mutated', v, observed, predicted, frames, sentNs, bytes);
  } finally {
    if (acceptedFd !== undefined) {
      await lab.agent.call('setsockopt', { fd: acceptedFd, name: 'SO_LINGER', value: { onoff: 1, linger: 0 } });
      await lab.agent.call('close', { fd: acceptedFd });
    }
    if (deferSet && ctx.listenFds) await lab.agent.call('setsockopt', { fd: ctx.listenFds[ip], name: 'TCP_DEFER_ACCEPT', value: 0 });
    // Clean up: an abortive close for an active socket; a RST at the peer's ISN+1 for a passive flow
    // (kills a request socket; an established child that took data stays and is drained later).
    // An IPv4 frag_needed may have lowered the path MTU for the next probes (a route exception): forget it.
    if (probe.ip === 4 && probe.mutated.icmp?.mtu !== undefined) await lab.agent.call('linkSetup', { script: 'route flush cache\n' });
    /** A RST from the peer (port `sport`) at `seq`, to the DUT's `dport`. */
    const resetAt = (sport: number, dport: number, seq: number): void =>
      lab.injector.send(buildIp({ ip, src: a.peer, dst: a.dut, sport, dport, flags: 'R', seq: seq >>> 0, window: 0 }), 'link');
    for (const e of earlierFds) await lab.agent.call('close', { fd: e });
    if (fd !== undefined) await lab.agent.call('close', { fd });
    else if (ctx.listen && !closed) {
      resetAt(probe.sport, ctx.listen.port, probe.peerIsn + 1);
      // A setup SYN with data (setup.data) may have made a Fast Open child, whose rcv_nxt is past the data.
      const synData = probe.setup.find((x) => x.kind === 'send' && x.what === 'syn');
      const len = synData?.kind === 'send' ? synData.packet.payload.length : 0;
      if (len) resetAt(probe.sport, ctx.listen.port, probe.peerIsn + 1 + len);
    }
    // Other flows (other-syn, other-handshake): a RST at rcv_nxt ends a request or a child (a child stays
    // in the accept queue, which the campaign drains).
    for (const o of others) resetAt(o.port, localPort, o.isn + 1);
    if (closed && localPort) {
      // A closed connection lingers as a FIN_WAIT2 or TIME_WAIT socket (rcv_nxt peer.isn+1 or +2): an
      // in-window RST at either ends it (tcp_rfc1337=0) instead of leaving it for 60 s.
      // A SYN the timewait socket let through made a request socket whose rcv_nxt is its seq + 1: a
      // RST there ends it, or request sockets pile up into the SYN queue until syncookies start.
      const seqs = [probe.peerIsn + 1, probe.peerIsn + 2, ...(synSeq !== undefined ? [synSeq + 1] : [])];
      for (const s of seqs) resetAt(probe.sport, localPort, s);
    }
  }
}

/**
 * A listener with SO_REUSEADDR, as the sequential campaigns open theirs: a close-listener call opens
 * a new one while the old one's children (accepted, FIN_WAIT, TIME_WAIT) still hold the port, which
 * bind() allows only when they too were made with SO_REUSEADDR (children inherit it). Nothing on the
 * wire depends on it.
 */
export async function openReusableListener(lab: Lab, ip: 4 | 6, port: number, backlog: number, sockopts?: CampaignSockopts): Promise<number> {
  const a = ip === 4 ? lab.addr.v4 : lab.addr.v6;
  const fd = (await lab.agent.must('socket', { family: ip })).fd;
  await lab.agent.must('setsockopt', { fd, name: 'SO_REUSEADDR', value: 1 });
  if (sockopts) await applySockopts(lab, fd, a.peer, sockopts);
  await lab.agent.must('bind', { fd, addr: a.dut, port });
  await lab.agent.must('listen', { fd, backlog });
  return fd;
}

/** Accept and abort every child waiting in the listeners' accept queues (keeps them from filling), in one agent round trip. */
export async function drainAcceptQueue(lab: Lab, listenFds: number[]): Promise<number> {
  return (await lab.agent.must('acceptAbortAll', { fds: listenFds })).n;
}
