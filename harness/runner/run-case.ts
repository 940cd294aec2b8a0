// Runs one case file, in one address family, against the real kernel in a freshly reset lab, next to the
// reference model, and accounts for every packet the DUT sent.
//
// How a step executes (times are CLOCK_MONOTONIC, the clock of the capture, the model and the kernel's
// TCP timestamps):
//   send         expressions evaluated in the flow's bindings → buildIp (mistakes included) → injected on
//                the path pathFor picks; the send time is taken right after the inject and is the `at`
//                reference; the same segment is applied to the model at that time and its predicted
//                answers join the model's queue (lib/match/model-track.ts).
//   expect       each pattern takes the next DUT packet on its flow that no earlier step took, waiting on
//                the capture (never a sleep) up to `within` or the end of the `at` window; the packet is
//                matched field by field (lib/match/pattern.ts); the model's oldest prediction on that
//                flow is claimed by it and, with `model: true`, must agree. `expect: model` takes
//                exactly the packets the model has predicted so far and judges them (lib/match/judge.ts).
//   expect_none  no untaken DUT packet (on the flow, or any) may be there or arrive during the span, and
//                the model, advanced to the end of the span, must have no unclaimed prediction there.
//   call         an agent call, checked against the case's ok/ret/err/value/data; accept, close,
//                setsockopt (listener), listen (backlog) and shutdown are applied to the model too; a
//                send of data leaves the model behind on that connection (it has no data path).
//   wait         time passes; the model's clock is advanced to its end, so timer packets due in it wait
//                in the queue for a following expect.
//   assert       accept queue (sock_diag), SYN queue and states (/proc/net/tcp), counter deltas.
// The first failing step ends the ladder. At the end every DUT packet that no expectation took is
// unexpected (the case fails), and a capture drop makes the result an error.
import { buildIp, type PacketSpec } from '../../lib/wire/build';
import { decodeEthernet, decodeIp } from '../../lib/wire/decode';
import { macToBytes } from '../../lib/wire/addr';
import { toPacketJson } from '../../lib/wire/summary';
import { flagsToString } from '../../lib/wire/flags';
import type { Decoded, TcpOption } from '../../lib/wire/types';
import {
  cmpMatches, evalValue, resolveSendOptions,
  type AssertStep, type CallStep, type CaseFile, type ExpectNoneStep, type ExpectStep, type Flow, type PacketPattern,
  type PacketRef, type SendStep, type SendTarget, type SockOpt, type SockoptValue as CaseSockoptValue, type Step, type WaitStep,
} from '../../lib/case';
import { Prng } from '../../lib/fuzz/prng';
import { FlowBindings } from '../../lib/match/bindings';
import { judge } from '../../lib/match/judge';
import { ModelTrack, type PendingPrediction } from '../../lib/match/model-track';
import { matchPattern, windowText } from '../../lib/match/pattern';
import { initialState, makeEnv, type Prediction, type SockOpts } from '../../lib/model';
import { parseFastopenKey, SOCKOPT_NAMES } from '../../lib/model/sockopts';
import type { Reply } from '../agent/protocol';
import type { CapturedFrame } from '../capture/capture';
import { readModelSysctls } from '../engine/dut-sysctls';
import { pathFor } from '../inject/injector';
import { summarizePacket } from '../report/packet-summary';
import type { CapturedPacket, CaseResult, FieldDiff, StepOutcome } from '../report/types';
import type { SockoptValue as AgentSockoptValue } from '../sys/sockopts';
import type { Lab } from '../topology/lab';
import { DEFAULT_WITHIN_MS } from './estimate';

/**
 * How long after a stimulus its immediate answers are surely in (veth round trip ~10 µs; this covers a
 * loaded machine). Used where the case asks for "nothing more" without giving a span: an `expect: model`
 * predicting silence, and the end of the ladder.
 */
export const SETTLE_MS = 25;
/**
 * The model's clock is advanced this far past an observed packet before its prediction is claimed:
 * kernel timers are armed in jiffies (4 ms at HZ=250), so a retransmission may leave a few ms before
 * the model's exact due time.
 */
export const MODEL_SLACK_MS = 20;

/** Model sysctls a fresh namespace copies from the host's (or that are global): they differ by machine. */
const HOST_INHERITED = ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.core.rmem_max'];

export type LabProvider = (sysctls: Record<string, string | number>) => Promise<Lab>;

export interface RunCaseOptions {
  seed: number;
  /** Called as each step starts (1-based step number). */
  onStep?: (step: number) => void;
  /** Set by the caller to stop the case (e.g. its timeout); see CaseExecution.abort. */
  onExecution?: (x: CaseExecution) => void;
}

const now = (): bigint => process.hrtime.bigint();
const nsToMs = (ns: bigint): number => Number(ns) / 1e6;
const msToNs = (ms: number): bigint => BigInt(Math.round(ms * 1e6));

class Aborted extends Error {}

/** A DUT packet seen during the case. */
interface Rx {
  d: Decoded;
  frame: Uint8Array;
  tNs: bigint;
  /** The case flow it belongs to (by destination port), undefined for a port no flow uses. */
  flow: string | undefined;
  taken: boolean;
  comment?: string;
  /** Why it is unexpected, when a step said so (expect_none). */
  during?: string;
}

interface Tx {
  frame: Uint8Array;
  tNs: bigint;
  comment: string;
}

interface Waiter {
  pred: (r: Rx) => boolean;
  finish: (r: Rx | undefined) => void;
}

export async function runCase(c: CaseFile, ip: 4 | 6, labFor: LabProvider, o: RunCaseOptions): Promise<CaseResult> {
  const x = new CaseExecution(c, ip, o);
  o.onExecution?.(x);
  return x.run(labFor);
}

export class CaseExecution {
  private lab!: Lab;
  private dutAddr = '';
  private peerAddr = '';
  private dutPort = 0;
  private readonly flows = new Map<string, Flow>();
  private readonly flowByPort = new Map<number, string>();
  private readonly bindings: FlowBindings;
  private modelTrack!: ModelTrack;
  /** Segments sent but not yet applied to the model (applied on first use: see send()). */
  private readonly modelBacklog: Array<{ seg: Decoded; atMs: number; flow: string }> = [];
  private readonly rx: Rx[] = [];
  private readonly tx: Tx[] = [];
  private readonly foreign: Rx[] = [];
  /** Our own frames as the raw path echoes them into the capture (tcp fingerprint → count). */
  private readonly echoes = new Map<string, number>();
  private readonly waiters = new Set<Waiter>();
  private readonly sleeps = new Set<() => void>();
  /** Packets of earlier steps, for `same:` and `tfo=@label`: step index → packets in order. */
  private readonly stepPackets = new Map<number, Decoded[]>();
  private refNs = 0n;
  private lastStimulusNs = 0n;
  private listenerFd: number | undefined;
  private connFd: number | undefined;
  private connFlow: string | undefined;
  private counterBase: Record<string, number> | undefined;
  private aborted: string | undefined;
  private stepNo = 0;
  /** Everything the runner chooses itself (IPv4 IDs of our packets) comes from here. */
  private readonly rng: Prng;

  constructor(readonly c: CaseFile, readonly ip: 4 | 6, private readonly o: RunCaseOptions) {
    for (const f of c.flows) {
      this.flows.set(f.name, f);
      this.flowByPort.set(f.sport, f.name);
    }
    this.bindings = new FlowBindings(c.flows);
    this.rng = new Prng(seedFor(o.seed, c.name, ip));
  }

  /**
   * The model, with every segment sent so far applied. A send only queues its segment: applying it at
   * once would keep the event loop from taking the DUT's answer off the capture for that long, and
   * the answer's arrival time would come out late by the model's work.
   */
  private get model(): ModelTrack {
    for (const b of this.modelBacklog.splice(0)) this.modelTrack.event({ type: 'segment', seg: b.seg }, b.atMs, b.flow);
    return this.modelTrack;
  }

  /** Stops the case as soon as possible: every wait ends now, and the run reports an error with `why`. */
  abort(why: string): void {
    if (this.aborted) return;
    this.aborted = why;
    for (const w of [...this.waiters]) w.finish(undefined);
    for (const wake of [...this.sleeps]) wake();
  }

  /** The step running now (1-based; 0 before the first). */
  get step(): number {
    return this.stepNo;
  }

  async run(labFor: LabProvider): Promise<CaseResult> {
    const c = this.c;
    const t0 = now();
    const epochOffsetNs = BigInt(Date.now()) * 1_000_000n - t0;
    const outcomes: StepOutcome[] = [];
    let status: CaseResult['status'] = 'pass';
    let message: string | undefined;
    let kernel = 'unknown';
    let sysctls: Record<string, string> = {};
    let profile = 'unknown';
    let drops = 0;
    const sysctlMap: Record<string, string | number> = {};
    for (const s of c.sysctls) sysctlMap[s.name] = s.value;
    try {
      this.lab = await labFor(sysctlMap);
      this.check();
      kernel = this.lab.agent.release;
      const a = this.ip === 4 ? this.lab.addr.v4 : this.lab.addr.v6;
      this.dutAddr = a.dut;
      this.peerAddr = a.peer;
      this.lab.capture.take();
      this.lab.capture.onFrame = (f) => this.onFrame(f);
      const modelSysctls = await readModelSysctls(this.lab);
      // Recorded with the result: what the case set, as the kernel reports it, and the values a new
      // namespace inherits from the host (so a result from another machine explains itself).
      for (const k of [...Object.keys(sysctlMap), ...HOST_INHERITED]) {
        if (modelSysctls[k] !== undefined) sysctls[k] = modelSysctls[k];
      }
      if (c.steps.some((s) => s.kind === 'assert' && s.counters.length)) this.counterBase = await this.lab.agent.counters();
      const env = makeEnv({ release: kernel, ip: this.ip, dut: this.dutAddr, peer: this.peerAddr, mtu: this.lab.mtu, sysctls: modelSysctls });
      profile = env.profile.name;
      this.modelTrack = new ModelTrack(env, initialState(env), nsToMs(now()), (port) => this.flowByPort.get(port));
      await this.setup();
      for (const s of c.steps) {
        this.stepNo = s.index + 1;
        this.o.onStep?.(this.stepNo);
        let out: StepOutcome;
        try {
          out = await this.exec(s);
        } catch (e) {
          if (this.aborted) throw new Aborted(this.aborted);
          status = 'error';
          out = { index: s.index, kind: s.kind, ok: false, message: `error: ${(e as Error).message}` };
        }
        this.check();
        outcomes.push(out);
        if (!out.ok) {
          if (status === 'pass') status = 'fail';
          message = `step ${s.index + 1} ${s.kind}${out.message ? `: ${out.message}` : ' failed'}`;
          if (s.index + 1 < c.steps.length) message += ` (${c.steps.length - s.index - 1} later step(s) not run)`;
          break;
        }
      }
      // Answers to the last stimulus are in by now; then everything the DUT sent must have been taken.
      await this.sleepUntil(this.lastStimulusNs + msToNs(SETTLE_MS));
      this.check();
      drops = this.lab.capture.counters().drops;
      try {
        this.lab.capture.assertNoDrops();
      } catch (e) {
        status = 'error';
        message = (e as Error).message;
      }
    } catch (e) {
      status = 'error';
      message = e instanceof Aborted ? e.message : `${this.stepNo ? `step ${this.stepNo}: ` : 'set-up: '}${(e as Error).message}`;
    } finally {
      if (this.lab) this.lab.capture.onFrame = undefined;
    }

    // The case observes the link until SETTLE_MS after its last stimulus. A frame the kernel stamped
    // after that (a timer the case never waited for, read late because the event loop was busy) is
    // outside the case: kept in the pcapng, not judged — on an idle machine the case would have ended
    // before it came.
    const windowEnd = this.lastStimulusNs + msToNs(SETTLE_MS);
    const inWindow = (r: Rx): boolean => r.tNs <= windowEnd;
    const unexpected = [...this.rx.filter((r) => !r.taken && inWindow(r)), ...this.foreign.filter(inWindow)];
    for (const r of this.rx) {
      if (!r.taken) {
        r.comment = inWindow(r)
          ? `UNEXPECTED: ${r.during ?? (r.flow === undefined ? 'to a port no flow of the case uses' : `no expectation took it (flow ${r.flow})`)}`
          : `after the case's window (+${nsToMs(r.tNs - this.lastStimulusNs).toFixed(1)} ms after its last stimulus): not judged`;
      }
    }
    const fromDut = (r: Rx): boolean => !!this.lab && r.d.eth?.src === this.lab.dutMac;
    for (const r of this.foreign) {
      r.comment = inWindow(r)
        ? `UNEXPECTED: ${fromDut(r) ? `from the DUT's other address ${r.d.ip?.src ?? ''}`.trimEnd() : 'not from the DUT and not sent by the harness'}`
        : `after the case's window (+${nsToMs(r.tNs - this.lastStimulusNs).toFixed(1)} ms after its last stimulus): not judged`;
    }
    if (unexpected.length && status === 'pass') {
      status = 'fail';
      message = `${unexpected.length} unexpected packet(s) from the DUT`;
    }
    const packets: CapturedPacket[] = [
      ...this.tx.map((t) => ({ tsNs: t.tNs + epochOffsetNs, dir: 'sent' as const, bytes: t.frame, comment: t.comment })),
      ...this.rx.map((r) => ({ tsNs: r.tNs + epochOffsetNs, dir: 'received' as const, bytes: r.frame, comment: r.comment ?? '' })),
      ...this.foreign.map((r) => ({ tsNs: r.tNs + epochOffsetNs, dir: fromDut(r) ? 'received' as const : 'sent' as const, bytes: r.frame, comment: r.comment ?? '' })),
    ].sort((p, q) => (p.tsNs < q.tsNs ? -1 : p.tsNs > q.tsNs ? 1 : 0));
    return {
      id: `${c.file}#${c.name}@ipv${this.ip}`,
      file: c.file,
      name: c.name,
      spec: [...c.spec],
      ip: this.ip,
      status,
      ...(message !== undefined ? { message } : {}),
      durationMs: nsToMs(now() - t0),
      steps: outcomes,
      packets,
      unexpected: unexpected.length,
      kernel,
      sysctls,
      modelProfile: profile,
      seed: this.o.seed,
      captureDrops: drops,
    };
  }

  private check(): void {
    if (this.aborted) throw new Aborted(this.aborted);
  }

  // ---------------------------------------------------------------------------------------------
  // Capture

  private onFrame(f: CapturedFrame): void {
    const d = decodeEthernet(f.bytes);
    const ipSrc = d.ip?.src;
    if (ipSrc === this.dutAddr) {
      const r: Rx = { d, frame: f.bytes, tNs: f.tNs, flow: d.tcp ? this.flowByPort.get(d.tcp.dport) : undefined, taken: false };
      this.rx.push(r);
      for (const w of this.waiters) {
        if (w.pred(r)) {
          w.finish(r);
          break;
        }
      }
      return;
    }
    if (ipSrc === this.peerAddr && d.tcp) {
      const k = fingerprint(d);
      const n = this.echoes.get(k) ?? 0;
      if (n > 0) {
        this.echoes.set(k, n - 1);
        return; // our own packet on its way out (raw path): recorded when sent
      }
    }
    this.foreign.push({ d, frame: f.bytes, tNs: f.tNs, flow: undefined, taken: false });
  }

  /**
   * The first untaken DUT packet satisfying `pred`, already captured or arriving before `deadline`.
   * When the deadline timer fires, frames already readable are let in first (setImmediate runs after
   * the poll phase), so a busy event loop never turns an arrived packet into a missing one.
   */
  private waitFor(pred: (r: Rx) => boolean, deadline: bigint): Promise<Rx | undefined> {
    const hit = this.rx.find(pred);
    if (hit || this.aborted) return Promise.resolve(hit);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const w: Waiter = {
        pred,
        finish: (r) => {
          if (!this.waiters.delete(w)) return;
          if (timer) clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.add(w);
      timer = setTimeout(() => {
        timer = undefined;
        setImmediate(() => w.finish(this.rx.find(pred)));
      }, Math.max(0, nsToMs(deadline - now())));
    });
  }

  private sleepUntil(t: bigint): Promise<void> {
    const ms = nsToMs(t - now());
    if (ms <= 0 || this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleeps.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleeps.add(wake);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Set-up

  private agentValue(v: CaseSockoptValue): AgentSockoptValue {
    if (typeof v === 'object' && !('onoff' in v)) return { ...v, addr: this.peerAddr };
    return v;
  }

  private modelOpts(list: readonly SockOpt[]): SockOpts {
    const out: SockOpts = {};
    for (const { name, value } of list) {
      if (name === 'TCP_MD5SIG') {
        out.md5Peers = [this.peerAddr];
        continue;
      }
      const key = SOCKOPT_NAMES[name];
      if (key === 'reuseport') out.reuseport = !!value;
      else if (key === 'fastopenKey' && typeof value === 'string') out.fastopenKey = parseFastopenKey(value);
      else if (key && key !== 'md5Peers' && typeof value === 'number') (out as Record<string, number>)[key] = value;
    }
    return out;
  }

  private async must<R extends Reply>(r: Promise<R>, what: string): Promise<R> {
    const x = await r;
    if (!x.ok) throw new Error(`${what}: ${x.err || 'failed'}${x.msg ? ` — ${x.msg}` : ''}`);
    return x;
  }

  private async setup(): Promise<void> {
    const s = this.c.setup;
    const agent = this.lab.agent;
    const t = now();
    this.refNs = t;
    if (s.kind === 'closed') {
      this.dutPort = s.port;
      return;
    }
    const fd = (await this.must(agent.socket(this.ip), 'socket')).result!.fd;
    for (const o of s.sockopts) await this.must(agent.setsockopt(fd, o.name, this.agentValue(o.value)), `setsockopt ${o.name}`);
    if (s.kind === 'listen') {
      this.dutPort = s.port;
      await this.must(agent.bind(fd, s.any ? (this.ip === 4 ? '0.0.0.0' : '::') : this.dutAddr, s.port), `bind ${s.port}`);
      await this.must(agent.listen(fd, s.backlog), `listen(${s.backlog})`);
      this.listenerFd = fd;
      this.model.event({ type: 'listen', port: s.port, backlog: s.backlog, opts: this.modelOpts(s.sockopts) }, nsToMs(now()));
      return;
    }
    if (s.bind !== undefined) await this.must(agent.bind(fd, this.dutAddr, s.bind), `bind ${s.bind}`);
    const r = await agent.connect(fd, this.peerAddr, s.port);
    // The SYN leaves when the agent makes the syscall, which can be well after we asked (the agent
    // serves every lab of this worker): its own timestamp, on our clock, is when the model's SYN goes.
    const at = r.at !== undefined ? msToNs(r.at) : now();
    if (!r.ok && r.err !== 'EINPROGRESS') throw new Error(`connect to port ${s.port}: ${r.err}${r.msg ? ` — ${r.msg}` : ''}`);
    const name = await this.must(agent.getsockname(fd), 'getsockname');
    this.dutPort = name.result!.port;
    this.connFd = fd;
    this.connFlow = this.c.flows[0].name;
    this.refNs = at;
    this.lastStimulusNs = at;
    this.model.event({ type: 'connect', dport: s.port, sport: this.dutPort, opts: this.modelOpts(s.sockopts) }, nsToMs(at), this.connFlow);
  }

  // ---------------------------------------------------------------------------------------------
  // Steps

  private exec(s: Step): Promise<StepOutcome> {
    switch (s.kind) {
      case 'send': return this.send(s);
      case 'expect': return s.byModel ? this.expectModel(s) : this.expect(s);
      case 'expect_none': return this.expectNone(s);
      case 'call': return this.call(s);
      case 'wait': return this.wait(s);
      case 'assert': return this.assert(s);
    }
  }

  private packetAt = (ref: Pick<PacketRef, 'step' | 'packet'>): Decoded | undefined => this.stepPackets.get(ref.step)?.[ref.packet];

  private async send(s: SendStep): Promise<StepOutcome> {
    const flow = this.flows.get(s.flow)!;
    const lookup = this.bindings.lookup;
    const options = resolveSendOptions(s.options, lookup, (ref) => {
      const o = this.packetAt(ref)?.tcp?.options.find((x): x is Extract<TcpOption, { kind: 'tfo' }> => x.kind === 'tfo');
      return o && o.cookie.length ? o.cookie : undefined;
    });
    const target = this.destination(s.to);
    const spec: PacketSpec = {
      ip: this.ip, src: this.peerAddr, dst: target.addr, sport: flow.sport, dport: this.dutPort,
      flags: s.flags, seq: evalValue(s.seq, lookup), ack: evalValue(s.ack, lookup), window: s.window, urg: s.urg,
      options, payload: s.payload, mistakes: s.mistakes,
      // IPv4 ID from the seed, never 0: the raw path would put a random one in place of a 0.
      ...(this.ip === 4 ? { tos: s.tos, ttl: s.ttl, id: 1 + (this.rng.u32() % 0xffff) } : { tclass: s.tos, hlim: s.ttl }),
    };
    const bytes = buildIp(spec);
    const seg = decodeIp(bytes);
    const k = fingerprint(seg);
    this.echoes.set(k, (this.echoes.get(k) ?? 0) + 1);
    if (target.mac) this.lab.injector.sendLink(bytes, target.mac);
    else this.lab.injector.send(bytes, pathFor(bytes));
    const t = now();
    this.refNs = t;
    this.lastStimulusNs = t;
    this.tx.push({ frame: this.frame(bytes, target.mac), tNs: t, comment: `step ${s.index + 1}: send on flow ${s.flow}${s.label ? ` (${s.label})` : ''}${s.note ? ` — ${s.note}` : ''}` });
    this.stepPackets.set(s.index, [seg]);
    this.bindings.sent(s.flow, options);
    this.modelBacklog.push({ seg, atMs: nsToMs(t), flow: s.flow });
    return { index: s.index, kind: 'send', ok: true };
  }

  /**
   * A send step's destination: the DUT's address, or a broadcast / multicast one with the matching
   * Ethernet destination (such frames go out on the link path: the tester's stack would not send them
   * to the DUT).
   */
  private destination(to: SendTarget): { addr: string; mac?: Uint8Array } {
    switch (to) {
      case 'dut':
        return { addr: this.dutAddr };
      case 'broadcast':
        return { addr: this.lab.addr.v4.broadcast, mac: macToBytes('ff:ff:ff:ff:ff:ff') };
      case 'limited-broadcast':
        return { addr: '255.255.255.255', mac: macToBytes('ff:ff:ff:ff:ff:ff') };
      case 'multicast':
        return this.ip === 4 ? { addr: '224.0.0.1', mac: macToBytes('01:00:5e:00:00:01') } : { addr: 'ff02::1', mac: macToBytes('33:33:00:00:00:01') };
    }
  }

  private frame(ip: Uint8Array, dstMac?: Uint8Array): Uint8Array {
    const f = new Uint8Array(14 + ip.length);
    f.set(dstMac ?? macToBytes(this.lab.dutMac), 0);
    f.set(macToBytes(this.lab.testerMac), 6);
    f[12] = this.ip === 4 ? 0x08 : 0x86;
    f[13] = this.ip === 4 ? 0x00 : 0xdd;
    f.set(ip, 14);
    return f;
  }

  private async expect(s: ExpectStep): Promise<StepOutcome> {
    const n = s.packets.length;
    let waitFrom = now();
    const got: Decoded[] = [];
    this.stepPackets.set(s.index, got);
    for (let i = 0; i < n; i++) {
      const p = s.packets[i];
      const what = n > 1 ? `#${i + 1} of ${n}: ` : '';
      const which = n > 1 ? ` #${i + 1}` : '';
      const deadline = p.within !== undefined ? waitFrom + msToNs(p.within) : this.refNs + msToNs(p.at!.max);
      const r = await this.waitFor((x) => !x.taken && x.flow === p.flow, deadline);
      this.check();
      if (!r) {
        this.model.advance(nsToMs(now()));
        const pend = this.model.due(p.flow)[0];
        const waited = p.within !== undefined ? `within ${p.within} ms` : `by the end of ${windowText(p.at!)}`;
        return {
          index: s.index, kind: 'expect', ok: false,
          message: `${what}${describePattern(p)} on flow ${p.flow} — nothing arrived ${waited}`,
          reasons: this.modelView(p.flow, pend),
        };
      }
      r.taken = true;
      waitFrom = r.tNs;
      this.bindings.beforeDut(p.flow, r.d);
      const diffs: FieldDiff[] = matchPattern(p, r.d, { lookup: this.bindings.lookup, packetAt: this.packetAt, atMs: nsToMs(r.tNs - this.refNs) });
      if (r.d.tcp && r.d.tcp.sport !== this.dutPort) diffs.push({ field: 'sport', expected: String(this.dutPort), observed: String(r.d.tcp.sport), reason: "the DUT socket's port" });
      got.push(r.d);
      // The model: its oldest prediction on this flow is what this packet answers.
      this.model.advance(nsToMs(r.tNs) + MODEL_SLACK_MS);
      const detached = this.model.detachedWhy(p.flow);
      const json = toPacketJson(r.d);
      const pend = detached ? undefined : p.model || !json ? this.model.take(p.flow) : this.model.claim(p.flow, json);
      let modelOk = true;
      if (p.model) {
        if (detached) {
          diffs.push({ field: 'model', expected: 'a prediction of this packet', observed: 'none', reason: `the model does not follow flow ${p.flow}: ${detached}` });
        } else if (!pend) {
          diffs.push({ field: 'model', expected: 'no packet (the model predicts silence here)', observed: summarizePacket(r.frame), reason: 'the model predicted nothing more on this flow' });
        } else if (json) {
          for (const d of this.model.agree(pend, json)) diffs.push({ ...d, field: `model ${d.field}` });
        }
        modelOk = !diffs.some((d) => d.field.startsWith('model'));
      }
      this.bindings.afterDut(p.flow, r.d);
      const label = p.label ? ` (${p.label})` : '';
      if (diffs.length) {
        r.comment = `step ${s.index + 1}: expect${which}${label} MISMATCH in ${[...new Set(diffs.map((d) => d.field))].join(', ')}`;
        return {
          index: s.index, kind: 'expect', ok: false,
          message: `${what}${describePattern(p)} on flow ${p.flow} — ${diffs.length} field(s) differ (${this.c.file}:${p.pos.line}:${p.pos.column})`,
          diffs,
          reasons: this.modelView(p.flow, pend),
        };
      }
      r.comment = `step ${s.index + 1}: expect${which}${label} matched${p.model && modelOk ? '; the model agrees' : ''}`;
    }
    return { index: s.index, kind: 'expect', ok: true };
  }

  /** The model's view for a report: its prediction (if any) and the reasons behind it. */
  private modelView(flow: string, pend: PendingPrediction | undefined): string[] {
    const detached = this.model.detachedWhy(flow);
    if (detached) return [`not following flow ${flow}: ${detached}`];
    if (pend) return [`predicted ${describePrediction(pend.pred)}`, ...pend.reasons.map(String)];
    const why = this.model.reasonsFor(flow);
    return why.length ? ['predicted nothing more on this flow', ...why.map(String)] : [];
  }

  private async expectModel(s: ExpectStep): Promise<StepOutcome> {
    const start = now();
    this.model.advance(nsToMs(start));
    const preds = this.model.due();
    const got: Decoded[] = [];
    this.stepPackets.set(s.index, got);
    const taken: Rx[] = [];
    for (const pend of preds) {
      const r = await this.waitFor((x) => !x.taken && x.flow === pend.flow, start + msToNs(DEFAULT_WITHIN_MS));
      this.check();
      if (!r) break;
      r.taken = true;
      taken.push(r);
    }
    // Anything else the DUT has sent by now is more than the model predicted.
    await this.sleepUntil(this.lastStimulusNs + msToNs(SETTLE_MS));
    this.check();
    const extra = this.rx.filter((x) => !x.taken);
    this.model.drop(preds);
    // Judge flow by flow (packets of one flow keep their order; flows interleave freely).
    const flows = [...new Set([...preds.map((p) => p.flow), ...taken.map((r) => r.flow), ...extra.map((r) => r.flow)])];
    let k = 0;
    for (const f of flows) {
      const ps = preds.filter((p) => p.flow === f);
      const obs = [...taken.filter((r) => r.flow === f), ...extra.filter((r) => r.flow === f)];
      const json = obs.map((r) => toPacketJson(r.d)!).filter(Boolean);
      const detached = f !== undefined ? this.model.detachedWhy(f) : undefined;
      if (detached && obs.length) {
        return {
          index: s.index, kind: 'expect', ok: false,
          message: `expect: model, flow ${f}: the DUT sent ${obs.length} packet(s), but the model does not follow this flow: ${detached}`,
          diffs: obs.map((r) => ({ field: 'model packet', expected: 'a prediction', observed: summarizePacket(r.frame) })),
        };
      }
      const reasons = ps.length ? ps[ps.length - 1].reasons : f !== undefined ? this.model.reasonsFor(f) : [];
      const v = judge(ps.map((p) => p.pred), json, this.model.state, reasons);
      this.model.adopt(v.state);
      for (const r of obs.filter((x) => x.taken)) {
        if (f !== undefined) {
          this.bindings.beforeDut(f, r.d);
          this.bindings.afterDut(f, r.d);
        }
        got.push(r.d);
        r.comment = `step ${s.index + 1}: expect: model #${++k}${v.ok ? ' matched' : ''}`;
      }
      if (!v.ok) {
        const div = v.divergence!;
        return {
          index: s.index, kind: 'expect', ok: false,
          message: `expect: model, flow ${f ?? '(none)'}: ${div.text}`,
          diffs: div.diffs.map((d) => ({ field: `model ${d.field}`, expected: d.expected, observed: d.observed, reason: d.reason })),
          reasons: [...(ps.length ? ps.map((p) => `predicted ${describePrediction(p.pred)}`) : ['predicted nothing']), ...reasons.map(String)],
        };
      }
    }
    return { index: s.index, kind: 'expect', ok: true };
  }

  private async expectNone(s: ExpectNoneStep): Promise<StepOutcome> {
    const start = now();
    const end = start + msToNs(s.ms);
    const span = `${s.ms} ms${s.flow ? ` on flow ${s.flow}` : ''}`;
    const hit = await this.waitFor((x) => !x.taken && (s.flow === undefined || x.flow === s.flow), end);
    this.check();
    if (hit) {
      hit.during = `arrived during step ${s.index + 1} (expect_none ${span})`;
      const t = nsToMs(hit.tNs - start);
      this.model.advance(nsToMs(hit.tNs) + MODEL_SLACK_MS);
      const pend = hit.flow !== undefined ? this.model.due(hit.flow)[0] : undefined;
      return {
        index: s.index, kind: 'expect_none', ok: false,
        message: `nothing expected for ${span}, but the DUT sent a packet ${t < 0 ? 'before the step began' : `at +${t.toFixed(1)} ms`}`,
        diffs: [{ field: 'packet', expected: `nothing for ${span}`, observed: summarizePacket(hit.frame) }],
        reasons: hit.flow !== undefined ? this.modelView(hit.flow, pend) : [],
      };
    }
    this.model.advance(nsToMs(end));
    const due = this.model.due().filter((p) => (s.flow === undefined ? true : p.flow === s.flow));
    if (due.length) {
      this.model.drop(due);
      const startMs = nsToMs(start);
      return {
        index: s.index, kind: 'expect_none', ok: false,
        message: `the model predicts ${due.length} packet(s) the kernel did not send`,
        diffs: due.map((p) => ({
          field: 'model packet',
          expected: `${describePrediction(p.pred)} at ${fmtRel(p.pred.atMs - startMs)}`,
          observed: 'nothing',
          reason: p.pred.reason.toString(),
        })),
        reasons: due[0].reasons.map(String),
      };
    }
    return { index: s.index, kind: 'expect_none', ok: true };
  }

  private async wait(s: WaitStep): Promise<StepOutcome> {
    const end = now() + msToNs(s.ms);
    await this.sleepUntil(end);
    this.model.advance(nsToMs(end));
    return { index: s.index, kind: 'wait', ok: true };
  }

  private fdOf(on: 'listener' | 'conn'): number {
    const fd = on === 'listener' ? this.listenerFd : this.connFd;
    if (fd === undefined) throw new Error(`no ${on === 'listener' ? 'listener' : 'connection'} socket`);
    return fd;
  }

  private async call(s: CallStep): Promise<StepOutcome> {
    const agent = this.lab.agent;
    const t = now();
    this.refNs = t;
    this.lastStimulusNs = t;
    const at = nsToMs(t);
    const listenPort = this.c.setup.kind === 'listen' ? this.c.setup.port : undefined;
    /** When the agent made the syscall (what the kernel's packets follow), else when we asked. */
    const when = (x: Reply): number => x.at ?? at;
    let r: Reply;
    let value: unknown;
    let data: Uint8Array | undefined;
    switch (s.op) {
      case 'accept': {
        const x = await agent.accept(this.fdOf('listener'), s.timeout);
        r = x;
        if (x.ok && x.result) {
          this.connFd = x.result.fd;
          this.connFlow = this.flowByPort.get(x.result.port);
          this.model.event({ type: 'accept', port: listenPort! }, when(x));
        }
        break;
      }
      case 'connect':
        r = await agent.connectWait(this.fdOf('conn'), s.timeout);
        break;
      case 'close': {
        r = await agent.close(this.fdOf(s.on));
        if (s.on === 'listener') {
          this.listenerFd = undefined;
          this.model.event({ type: 'close', port: listenPort! }, when(r));
        } else {
          this.connFd = undefined;
          const f = this.connFlow !== undefined ? this.flows.get(this.connFlow) : undefined;
          if (f) this.model.event({ type: 'close', port: this.dutPort, peerPort: f.sport }, when(r), f.name);
        }
        break;
      }
      case 'shutdown': {
        r = await agent.shutdown(this.fdOf(s.on), s.how);
        // shutdown(SHUT_WR) sends the FIN a close() would; the model knows close().
        const f = s.on === 'conn' && this.connFlow !== undefined ? this.flows.get(this.connFlow) : undefined;
        if (r.ok && f && s.how !== 'rd') this.model.event({ type: 'close', port: this.dutPort, peerPort: f.sport }, when(r), f.name);
        break;
      }
      case 'send':
        r = await agent.send(this.fdOf(s.on), Buffer.from(s.data));
        if (s.on === 'conn' && this.connFlow !== undefined) this.model.detach(this.connFlow, `step ${s.index + 1} sends data (the model has no data path)`);
        break;
      case 'recv': {
        const x = await agent.recv(this.fdOf(s.on), s.len, s.timeout);
        r = x;
        if (x.ok && x.result) data = Buffer.from(x.result.hex, 'hex');
        break;
      }
      case 'setsockopt': {
        r = await agent.setsockopt(this.fdOf(s.on), s.name, this.agentValue(s.value));
        const opts = this.modelOpts([{ name: s.name, value: s.value }]);
        if (r.ok && s.on === 'listener' && Object.keys(opts).length) this.model.event({ type: 'setsockopt', port: listenPort!, opts }, when(r));
        break;
      }
      case 'getsockopt': {
        const x = await agent.getsockopt(this.fdOf(s.on), s.name);
        r = x;
        if (x.ok && x.result) value = x.result.value;
        break;
      }
      case 'listen':
        r = await agent.listen(this.fdOf('listener'), s.backlog);
        if (r.ok) this.model.relisten(listenPort!, s.backlog);
        break;
    }
    if (r.at !== undefined) {
      // `at` windows of later expectations count from the syscall.
      this.refNs = msToNs(r.at);
      this.lastStimulusNs = this.refNs;
    }
    const diffs = checkCall(s, r, value, data);
    const got = r.ok ? `ok (ret ${r.ret})` : `failed: ${r.err || `ret ${r.ret}`}${r.msg ? ` — ${r.msg}` : ''}`;
    if (diffs.length) return { index: s.index, kind: 'call', ok: false, message: `${s.op} ${got}`, diffs };
    return { index: s.index, kind: 'call', ok: true };
  }

  private async assert(s: AssertStep): Promise<StepOutcome> {
    const agent = this.lab.agent;
    const diffs: FieldDiff[] = [];
    const port = this.dutPort;
    if (s.acceptq) {
      const q = await agent.listenQueue(port);
      const n = q.ok && q.result ? q.result.acceptq : undefined;
      if (n === undefined || !cmpMatches(s.acceptq, n)) diffs.push({ field: 'acceptq', expected: s.acceptq.text, observed: n === undefined ? `no listener (${q.err})` : String(n) });
    }
    if (s.synq) {
      const rows = await agent.sockets();
      const n = rows.filter((r) => r.state === 'SYN_RECV' && r.local.port === port).length;
      if (!cmpMatches(s.synq, n)) diffs.push({ field: 'synq', expected: s.synq.text, observed: String(n) });
    }
    for (const st of s.states) {
      const f = this.flows.get(st.flow)!;
      const got = await agent.sockState({ port }, { addr: this.peerAddr, port: f.sport });
      if (got.toUpperCase() !== st.is.toUpperCase()) {
        diffs.push({ field: `state ${st.flow}`, expected: st.is, observed: got });
      }
    }
    if (s.counters.length) {
      const cur = await agent.counters();
      for (const { name, expect } of s.counters) {
        if (!(name in cur)) {
          diffs.push({ field: name, expected: expect.text, observed: 'no such counter on this kernel' });
          continue;
        }
        const delta = cur[name] - (this.counterBase?.[name] ?? 0);
        if (!cmpMatches(expect, delta)) diffs.push({ field: name, expected: expect.text, observed: `${delta >= 0 ? '+' : ''}${delta}` });
      }
    }
    if (diffs.length) return { index: s.index, kind: 'assert', ok: false, message: `${diffs.length} assertion(s) failed`, diffs };
    return { index: s.index, kind: 'assert', ok: true };
  }
}

// -------------------------------------------------------------------------------------------------
// Helpers

/** A case's own seed: the run's seed, the case and the family (FNV-1a). */
function seedFor(seed: number, name: string, ip: 4 | 6): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of `${name}@ipv${ip}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

/** Identifies one of our packets in the capture (the raw path may rewrite IPv4 ID and checksum). */
function fingerprint(d: Decoded): string {
  const t = d.tcp;
  return t ? `${t.sport}:${t.dport}:${t.seq}:${t.ack}:${t.flags}:${t.checksum}:${t.payload.length}` : '';
}

function fmtRel(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(ms).toFixed(1)} ms`;
}

/** "SA seq=* ack=1001 win=65160 [mss 1460,…]" */
export function describePrediction(p: Prediction): string {
  const t = p.packet.tcp;
  const opts = t.options.map((o) => o.join(' ')).join(',');
  return `${t.flags || '(none)'} seq=${t.seq} ack=${t.ack} win=${t.window}${t.len ? ` len=${t.len}` : ''}${opts ? ` [${opts}]` : ''}`;
}

/** The written fields of a pattern, compactly: "SA seq=dut.isn ack=peer.isn+1 win=65160". */
export function describePattern(p: PacketPattern): string {
  const parts: string[] = [];
  if (p.flags) parts.push(p.flags.kind === 'exact' ? flagsToString(p.flags.flags) || '(no flags)' : `flags ${p.flags.text}`);
  for (const k of ['seq', 'ack', 'window', 'len', 'tsval', 'tsecr'] as const) {
    const m = p[k];
    if (m && m.kind !== 'any') parts.push(`${k === 'window' ? 'win' : k}=${m.text}`);
  }
  if (p.options?.kind === 'exact') parts.push(`[${p.options.items.map((i) => i.text).join(',')}]`);
  if (p.at) parts.push(`at ${p.at.text}`);
  return parts.join(' ') || 'any packet';
}

function checkCall(s: CallStep, r: Reply, value: unknown, data: Uint8Array | undefined): FieldDiff[] {
  const ex = s.expect;
  const out: FieldDiff[] = [];
  const outcome = r.ok ? 'ok' : `failed (${r.err || `ret ${r.ret}`})`;
  const wantOk = ex.ok ?? (ex.err !== undefined ? false : ex.ret === undefined && ex.value === undefined && ex.data === undefined ? true : undefined);
  if (wantOk !== undefined && r.ok !== wantOk) out.push({ field: 'ok', expected: wantOk ? 'ok' : 'failure', observed: outcome });
  if (ex.err !== undefined && r.err !== ex.err) out.push({ field: 'err', expected: ex.err, observed: r.ok ? 'ok (no error)' : r.err || `errno ${r.errno}` });
  if (ex.ret !== undefined && (r.ret === undefined || !cmpMatches(ex.ret, r.ret))) out.push({ field: 'ret', expected: ex.ret.text, observed: r.ret === undefined ? outcome : String(r.ret) });
  if (ex.value !== undefined && String(value) !== String(ex.value)) out.push({ field: 'value', expected: String(ex.value), observed: r.ok ? JSON.stringify(value) : outcome });
  if (ex.data !== undefined) {
    const want = Buffer.from(ex.data);
    const got = data ? Buffer.from(data) : undefined;
    if (!got || !want.equals(got)) out.push({ field: 'data', expected: bytesText(want), observed: got ? bytesText(got) : outcome });
  }
  return out;
}

function bytesText(b: Buffer): string {
  return b.length && b.every((c) => c >= 0x20 && c < 0x7f) ? JSON.stringify(b.toString('latin1')) : `hex:${b.toString('hex')}`;
}
