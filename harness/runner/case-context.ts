// What every step of one case (in one address family) shares: the case, the lab and its addresses,
// the flows and their expression bindings, the DUT's sockets, the model running alongside, the DUT
// packet ledger and the `at` reference. Built once the case has its lab (see run-case.ts).
import type { CaseFile, Flow, PacketRef, CaseSockoptValue } from '../../lib/case';
import { Prng } from '../../lib/util/prng';
import { FlowBindings } from '../../lib/match/bindings';
import type { ModelTrack } from '../../lib/match/model-track';
import type { ModelEnv, SockOpts } from '../../lib/model';
import { emitEthernet, ETH_HEADER, ipEthertype } from '../../lib/wire/ethernet';
import { macFromBytes } from '../../lib/wire/addr';
import type { Decoded } from '../../lib/wire/types';
import type { Reply } from '../agent/protocol';
import type { AgentSockoptValue } from '../sys/sockopts';
import { caseLabel } from '../report/types';
import type { Lab } from '../topology/lab';
import { CaseTrace } from './comparable';
import type { DutLedger } from './dut-ledger';

export class CaseContext {
  readonly flows = new Map<string, Flow>();
  readonly flowByPort = new Map<number, string>();
  readonly bindings: FlowBindings;
  /** Everything the runner chooses itself (IPv4 IDs of our packets) comes from here. */
  readonly rng: Prng;
  /** Packets of earlier steps, for `same:` and `tfo=@label`: step index → packets in order. */
  readonly stepPackets = new Map<number, Decoded[]>();
  /** The DUT socket's port (the listener's, the connecting socket's, or the closed one). */
  dutPort = 0;
  listenerFd: number | undefined;
  connFd: number | undefined;
  connFlow: string | undefined;
  /** The conn socket's connect() returned 0 under TCP_FASTOPEN_CONNECT: its SYN leaves with the first write (§8.7). */
  deferredConnect: { port: number; opts: SockOpts } | undefined;
  /** A blocking call in flight (a send or open-connection with blocking): what a `complete` step waits for. */
  blockingCall: { id: number; on: 'listener' | 'conn' } | undefined;
  /** nstat counters at the start, when an assert step reads their changes. */
  counterBase: Record<string, number> | undefined;
  /** The `at` reference of expectations: the latest send or call. */
  refNs = 0n;
  /** The latest stimulus (send or call): the case observes the link until SETTLE_MS after it. */
  lastStimulusNs = 0n;
  /** Step, timing and model prediction of each frame, for the comparable form (comparable.ts). */
  readonly trace = new CaseTrace();
  /** When the last packet an expectation took arrived (`trailing: report` looks past it). */
  lastExpectedNs = 0n;
  /** Per flow: the index of the case's last expect step on it, and when the packet it took arrived (`trailing: report` looks past that too). */
  readonly lastExpectStep = new Map<string, number>();
  readonly flowEndNs = new Map<string, bigint>();
  /** The DUT namespace's sysctls as the model reads them (the Fast Open key for `{ kernel: true }` cookies). */
  modelSysctls: Record<string, string> = {};
  /** The model's environment for other sysctls (a sysctl step): set by run-case.ts. */
  envFor: ((sysctls: Record<string, string>) => ModelEnv) | undefined;
  /**
   * What the running step's runner says about its timing (lib/match/lateness.ts): when it took effect
   * on the kernel (default: when it began) and when an on-time harness would run the next step
   * (default: when it returned). Reset before each step.
   */
  effect: { startNs?: bigint; nextDueNs?: bigint; idealMs?: number } = {};
  /** When the running step was due: the previous step's end as the kernel saw it (lateness.ts). */
  dueNs = 0n;
  /** Test-only: how late a `wait` step wakes (test-knobs.ts). */
  lateWakeMs: ((step: number) => number) | undefined;

  constructor(
    readonly c: CaseFile,
    readonly ip: 4 | 6,
    readonly lab: Lab,
    readonly ledger: DutLedger,
    readonly model: ModelTrack,
    readonly dutAddr: string,
    readonly peerAddr: string,
    seed: number,
    /** Throws when the case has been aborted (its timeout): called after every wait. */
    readonly check: () => void,
  ) {
    for (const f of c.flows) {
      this.flows.set(f.name, f);
      this.flowByPort.set(f.sport, f.name);
    }
    this.bindings = new FlowBindings(c.flows);
    for (const st of c.steps) if (st.kind === 'expect') for (const p of st.packets) this.lastExpectStep.set(p.flow, st.index);
    this.rng = new Prng(seedFor(seed, c.name, ip));
  }

  /** A stimulus at `t` (a send, a call's syscall): the `at` reference of later expectations. */
  stimulus(t: bigint): void {
    this.refNs = t;
    this.lastStimulusNs = t;
  }

  /**
   * The running step took effect at `startNs` (undefined: when it began); the next is due at
   * `nextDueNs` (undefined: when this one returns); on time it takes `idealMs` (default 0; see
   * lib/match/lateness.ts's Drift).
   */
  tookEffect(startNs: bigint | undefined, nextDueNs: bigint | undefined, idealMs?: number): void {
    if (startNs !== undefined) this.effect.startNs = startNs;
    if (nextDueNs !== undefined) this.effect.nextDueNs = nextDueNs;
    if (idealMs !== undefined) this.effect.idealMs = idealMs;
  }

  packetAt = (ref: Pick<PacketRef, 'step' | 'packet'>): Decoded | undefined => this.stepPackets.get(ref.step)?.[ref.packet];

  fdOf(on: 'listener' | 'conn'): number {
    const fd = on === 'listener' ? this.listenerFd : this.connFd;
    if (fd === undefined) throw new Error(`no ${on === 'listener' ? 'listener' : 'connection'} socket`);
    return fd;
  }

  /** The DUT connection's flow, if it has one. */
  connection(): Flow | undefined {
    return this.connFlow !== undefined ? this.flows.get(this.connFlow) : undefined;
  }

  /** A case's socket option value as the agent takes it (an MD5 key is for the peer's address). */
  agentValue(v: CaseSockoptValue): AgentSockoptValue {
    if (typeof v === 'object' && !('onoff' in v)) return { ...v, addr: this.peerAddr };
    return v;
  }

  /** The reply, or an error saying what failed. */
  async must<R extends Reply>(r: Promise<R>, what: string): Promise<R> {
    const x = await r;
    if (!x.ok) throw new Error(`${what}: ${x.err || 'failed'}${x.msg ? ` — ${x.msg}` : ''}`);
    return x;
  }

  /** An IP packet we sent, as a frame for the pcapng (from the tester's MAC to the DUT's, or `dstMac`). */
  frame(ip: Uint8Array, dstMac?: Uint8Array): Uint8Array {
    const f = new Uint8Array(ETH_HEADER + ip.length);
    emitEthernet({ dst: dstMac ? macFromBytes(dstMac, 0) : this.lab.dutMac, src: this.lab.testerMac, type: ipEthertype(this.ip) }, f);
    f.set(ip, ETH_HEADER);
    return f;
  }
}

/** A case's own seed: the run's seed, the case and the family (FNV-1a). */
function seedFor(seed: number, name: string, ip: 4 | 6): number {
  let h = 0x811c9dc5 ^ seed;
  for (const ch of caseLabel({ name, ip })) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return h >>> 0;
}
