// A lab: one DUT network namespace (a namespace slot held by an agent process), joined by a veth pair
// to the tester namespace (owned by this process's main thread), where the tester end is the only
// port of the lab's bridge; capture and injection are on the bridge. Several labs can share one agent
// (LabOptions.agent): each gets its own slot.
//
//   tester netns (this process)                             DUT netns (a slot of the agent)
//   bridge synt<i> 02:00:00:00:ii:02                         dut0 02:00:00:00:ii:01
//     └ port syp<i>-<n>  <────────── veth ──────────>         198.18.i.1/24, 2001:2:0:i::1/64
//   198.18.i.3/32, 2001:2:0:i::3/128 (own use only)           kernel sockets under test, sysctls per run
//   routes + permanent neighbours; capture + injection
//
// The peer addresses (198.18.i.2, 2001:2:0:i::2) are owned by no stack: a permanent neighbour entry on
// the DUT side points them at the bridge's MAC, so only the harness answers for them and no kernel RSTs
// the DUT's SYN-ACKs. Forwarding is off in the tester namespace, so frames for the peer address are
// dropped there without an ICMP. Offloads are off on every link. When the agent dies (normally, or with
// the harness under kill -9 through PR_SET_PDEATHSIG), its namespaces and the veth pairs go with them;
// the bridge lives in the tester namespace, which dies with this process.
//
// Reset (a fresh DUT for the next case): the agent gives the slot a brand-new namespace and a new veth
// pair into it, whose tester end becomes the bridge's port; the previous port is set down, and the old
// namespace with its pair is left to the kernel's batched namespace clean-up. Why never delete or move
// a link on this path: creating one takes ~1 ms, deleting or moving one waits for an RCU grace period
// while holding RTNL (20-40 ms measured here), which would serialise every lab on the machine. Why the
// bridge: the capture stays open across resets (opening and closing a packet socket with a ring waits
// for RCU grace periods too, ~30 ms, blocking the event loop). ~3 ms per reset, no process spawned.
import { captureBufferKnob } from '../runner/test-knobs';
import * as fs from 'fs';
import { Agent, AgentSlot } from '../agent/client';
import type { DutWiring } from '../agent/protocol';
import { Capture } from '../capture/capture';
import { buildIp } from '../../lib/wire/build';
import { Injector } from '../inject/injector';
import { PacketSender } from '../inject/packet-sender';
import { offloadsOff } from '../sys/ethtool';
import { ifNameToIndex } from '../sys/libc';
import {
  addrAddMsg,
  bridgeCreateMsg,
  linkDelMsg,
  linkEnslaveUpMsg,
  linkMtuMsg,
  linkUpMsg,
  neighPermanentMsg,
  NetlinkError,
  routeReplaceMsg,
  RtNetlink,
} from '../sys/rtnetlink';
import { run } from './commands';
import { LabAddresses, labAddresses } from './plan';
import { enterTesterNetns } from './tester-ns';

/** The DUT link's MTU unless a case asks for another. */
export const DEFAULT_MTU = 1500;

export interface LabOptions {
  /** Lab number 0..255 (address block and interface name); default: the lowest free one. */
  index?: number;
  /** MTU of the veth pair (default DEFAULT_MTU). */
  mtu?: number;
  /** DUT sysctls to set before anything listens, e.g. { 'net.ipv4.tcp_syncookies': 2 }. */
  sysctls?: Record<string, string | number>;
  /** Capture filter: 'both' directions (default; case runs, pcapng) or only what the 'dut' sends (bulk). */
  capture?: 'both' | 'dut';
  /**
   * An agent to share: the lab takes a new namespace slot in it and drops only that slot on close.
   * Otherwise the lab spawns an agent of its own (its namespace is the agent's own) and kills it on close.
   */
  agent?: Agent;
}

const used = new Set<number>();
let portSerial = 0;

function mac(index: number, host: 1 | 2): string {
  return `02:00:00:00:${index.toString(16).padStart(2, '0')}:0${host}`;
}

/** How long a freshly wired lab may take to pass packets both ways (linkwatch, a loaded machine). */
const PATH_DEADLINE_MS = 6000;

/** A lab that did not pass packets in time: the topology is broken, or the machine too slow (a case re-runs, rerun.ts). */
export class LabNotReady extends Error {}

export class Lab {
  readonly dutMac: string;
  readonly testerMac: string;
  injector: Injector;
  private port = 0;
  /** The bridge port of the current wiring (the tester end of the veth pair). */
  portIf = '';
  private closed = false;

  private constructor(
    readonly addr: LabAddresses,
    /** The DUT: every call runs in this lab's namespace. */
    readonly agent: AgentSlot,
    private readonly ownsAgent: boolean,
    private readonly bridge: number,
    public capture: Capture,
    public mtu: number,
    private readonly opts: LabOptions,
  ) {
    this.dutMac = mac(addr.index, 1);
    this.testerMac = mac(addr.index, 2);
    this.injector = newInjector(addr, capture, this.testerMac, this.dutMac, opts);
  }

  static async create(opts: LabOptions = {}): Promise<Lab> {
    enterTesterNetns();
    const index = opts.index ?? firstFree();
    if (used.has(index)) throw new Error(`lab ${index} is already in use in this process`);
    used.add(index);
    const a = labAddresses(index);
    const mtu = opts.mtu ?? DEFAULT_MTU;
    const owns = !opts.agent;
    let agent: Agent | undefined = opts.agent;
    let slot: AgentSlot | undefined;
    try {
      agent ??= await Agent.spawn();
      slot = owns ? agent.ownSlot() : await agent.newSlot();
      const bridge = makeBridge(a, mac(index, 2), mac(index, 1), mtu);
      const lab = new Lab(a, slot, owns, bridge, openCapture(a, mtu, opts), mtu, opts);
      await lab.rewire(opts.sysctls);
      return lab;
    } catch (e) {
      used.delete(index);
      if (owns) await agent?.kill().catch(() => undefined);
      else if (slot) await slot.call('nsDrop', {}).catch(() => undefined);
      deleteLink(a.testerIf);
      throw e;
    }
  }

  /**
   * A fresh DUT for the next case, clean by construction: the agent closes every socket of the lab's
   * namespace slot and gives the slot a brand-new network namespace (default sysctls, no sockets, no
   * routes, no neighbours, no counters), joined to the bridge by a new veth pair. The capture stays;
   * its queue and counters start afresh.
   */
  async reset(opts: Pick<LabOptions, 'sysctls' | 'mtu'> = {}): Promise<void> {
    if (this.closed) throw new Error('lab is closed');
    if (opts.mtu !== undefined && opts.mtu !== this.mtu) {
      // Rare (no case of the suite does it): the bridge follows, the capture is reopened for the new size.
      this.mtu = opts.mtu;
      bridgeMtu(this.bridge, this.addr.testerIf, this.mtu);
      this.capture.close();
      this.injector.close();
      this.capture = openCapture(this.addr, this.mtu, this.opts);
      this.injector = newInjector(this.addr, this.capture, this.testerMac, this.dutMac, this.opts);
    }
    await this.rewire(opts.sysctls);
  }

  /**
   * A new DUT namespace on the bridge: the agent renews the slot and creates the veth pair from it
   * (DUT end dut0, configured over rtnetlink, offloads off by ioctl), with the tester end put into our
   * namespace; we make that end the bridge's port, set the previous port down (its old namespace may
   * linger a moment in the clean-up queue; down, it gets no frame of ours), and prove the path.
   */
  private async rewire(sysctls: Record<string, string | number> | undefined): Promise<void> {
    // Unique in the process: the port of a closed lab with the same index may still be in clean-up.
    const portName = `syp${this.addr.index}-${(portSerial++).toString(36)}`;
    const r = await this.agent.must('freshNetns', {
      veth: { name: this.addr.dutIf, mac: this.dutMac, mtu: this.mtu, peer: { name: portName, netns: testerNetnsPath() } },
      wire: dutWiring(this.addr, this.testerMac, sysctls),
    });
    this.agent.netnsPath = r.path;
    const old = this.port;
    this.port = attachPort(portName, this.bridge, old);
    this.portIf = portName;
    await this.awaitPath();
  }

  /**
   * Wait until packets really flow both ways, in both families. Bringing a veth pair up changes its
   * carrier, which the kernel's linkwatch worker processes asynchronously; until it has activated the
   * devices' queueing discipline, transmits are dropped. So each wiring ends with a SYN to a closed
   * DUT port (port 9, from peer port 65533) per family, which must draw its RST, before the lab is used.
   * The capture is emptied afterwards; counters are baselined by their users after this.
   */
  private async awaitPath(): Promise<void> {
    const deadline = Date.now() + PATH_DEADLINE_MS;
    for (const ip of [4, 6] as const) {
      const a = ip === 4 ? this.addr.v4 : this.addr.v6;
      for (let attempt = 0; ; attempt++) {
        const seq = (0x5eed0000 + attempt) >>> 0;
        const syn = buildIp({ ip, src: a.peer, dst: a.dut, sport: 65533, dport: 9, flags: 'S', seq, window: 0 });
        this.injector.send(syn, 'raw');
        const got = await this.capture.waitFor((f) => {
          // This family's RST only: the other family's is still queued (taken below).
          if (f.bytes[14] >> 4 !== ip) return false;
          const off = 14 + (ip === 6 ? 40 : (f.bytes[14] & 0x0f) * 4);
          return ((f.bytes[off + 2] << 8) | f.bytes[off + 3]) === 65533 && (f.bytes[off + 13] & 0x04) !== 0;
        }, 20);
        if (got) break;
        if (Date.now() > deadline)
          throw new LabNotReady(
            `lab ${this.addr.index}: no answer from the DUT over IPv${ip} within ${PATH_DEADLINE_MS / 1000} s of wiring the link — the topology is broken (check \`synh doctor\`), or the machine too loaded to bring it up in time`,
          );
      }
    }
    this.capture.rebase();
  }

  /** Set DUT sysctls (names as in /proc/sys, dotted). */
  setSysctls(values: Record<string, string | number>): void {
    setSysctls(this.agent.netnsPath, values);
  }

  /** Run a command inside the DUT namespace (read-only inspection: ip, ss, ethtool -k, nstat). */
  inDut(cmd: string, args: string[]): string {
    return run('nsenter', [`--net=${this.agent.netnsPath}`, cmd, ...args]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.capture.close();
    this.injector.close();
    if (this.ownsAgent) await this.agent.agent.kill();
    else if (this.agent.alive) await this.agent.call('nsDrop', {}).catch(() => undefined);
    // The veth pair dies with the DUT namespace; the bridge is ours to remove before the index is reused
    // (it would die with this process's tester namespace anyway).
    deleteLink(this.addr.testerIf);
    used.delete(this.addr.index);
  }
}

/** The DUT end's configuration: quiet link, the case's sysctls, addresses, permanent neighbours. */
function dutWiring(a: LabAddresses, tmac: string, sysctls: Record<string, string | number> = {}): DutWiring {
  assertNetSysctls(sysctls);
  return {
    ifname: a.dutIf,
    // Let the DUT's IPv6 address work at once and keep the link quiet (the namespace's defaults say
    // the same; these make it explicit for the link), then the case's own.
    sysctls: { [`net.ipv6.conf.${a.dutIf}.accept_dad`]: 0, [`net.ipv6.conf.${a.dutIf}.router_solicitations`]: 0, ...sysctls },
    addrs: [
      { addr: a.v4.dut, prefixLen: 24 },
      { addr: a.v6.dut, prefixLen: 64 },
    ],
    neighbours: [
      { addr: a.v4.peer, mac: tmac },
      { addr: a.v6.peer, mac: tmac },
    ],
  };
}

/** This process's tester namespace, as a path the agent can open (the main thread leads the process). */
function testerNetnsPath(): string {
  return `/proc/${process.pid}/ns/net`;
}

let testerNl: RtNetlink | undefined;

function nl(): RtNetlink {
  return (testerNl ??= RtNetlink.open());
}

/**
 * The lab's bridge, once per lab: its MAC is the tester's (the DUT's neighbour entries point at it),
 * its own addresses (the IPv6 one without DAD), offloads off, up, routes to the lab's prefixes,
 * permanent neighbours for the DUT. A leftover of the same name (an earlier lab) is removed first.
 */
function makeBridge(a: LabAddresses, testerMac: string, dutMac: string, mtu: number): number {
  testerDefaults();
  deleteLink(a.testerIf);
  const n = nl();
  n.request(`link add ${a.testerIf} type bridge`, bridgeCreateMsg(a.testerIf, testerMac, mtu));
  const index = ifNameToIndex(a.testerIf);
  if (!index) throw new Error(`bridge ${a.testerIf} did not appear in the tester namespace`);
  // The IPv6 route lookup for a raw send needs a usable source address on the device, even though
  // the header we send carries its own: the tester end gets ::3 (nodad); .3 serves libpcap's netmask.
  n.request(`addr add ${a.v4.tester}/32 dev ${a.testerIf}`, addrAddMsg(index, a.v4.tester, 32));
  n.request(`addr add ${a.v6.tester}/128 dev ${a.testerIf} nodad`, addrAddMsg(index, a.v6.tester, 128));
  offloadsOff(a.testerIf);
  n.request(`link set ${a.testerIf} up`, linkUpMsg(index));
  n.request(`route replace ${a.v4.prefix} dev ${a.testerIf}`, routeReplaceMsg(a.v4.prefix, index));
  n.request(`route replace ${a.v6.prefix} dev ${a.testerIf}`, routeReplaceMsg(a.v6.prefix, index));
  n.request(`neigh replace ${a.v4.dut} lladdr ${dutMac} dev ${a.testerIf} nud permanent`, neighPermanentMsg(index, a.v4.dut, dutMac));
  n.request(`neigh replace ${a.v6.dut} lladdr ${dutMac} dev ${a.testerIf} nud permanent`, neighPermanentMsg(index, a.v6.dut, dutMac));
  return index;
}

/** Remove a link of the tester namespace if it exists. */
function deleteLink(name: string): void {
  try {
    nl().request(`link del ${name}`, linkDelMsg(name));
  } catch (e) {
    if (!(e instanceof NetlinkError && e.errno === 19)) throw e; // ENODEV: nothing to remove
  }
}

function bridgeMtu(bridge: number, name: string, mtu: number): void {
  nl().request(`link set ${name} mtu ${mtu}`, linkMtuMsg(bridge, mtu));
}

/** Our end of a new pair becomes the bridge's port (offloads off, up); the previous port goes down. */
function attachPort(name: string, bridge: number, previous: number): number {
  const index = ifNameToIndex(name);
  if (!index) throw new Error(`the tester end ${name} did not appear in the tester namespace`);
  offloadsOff(name);
  nl().request(`link set ${name} master <bridge> up`, linkEnslaveUpMsg(index, bridge));
  if (previous) {
    try {
      nl().request('link set <previous port> down', linkUpMsg(previous, false));
    } catch (e) {
      // Already gone with its namespace: nothing can reach it.
      if (!(e instanceof NetlinkError && e.errno === 19)) throw e;
    }
  }
  return index;
}

function openCapture(a: LabAddresses, mtu: number, opts: LabOptions): Capture {
  // 'both' also takes what the peer sends to a broadcast or multicast address (send steps' `to:`), and
  // the ICMP errors it sends (icmp steps; ICMPv6 types < 128 only: no neighbour discovery).
  const filter =
    opts.capture === 'dut'
      ? `tcp and (src host ${a.v4.dut} or src host ${a.v6.dut})`
      : `(tcp and (host ${a.v4.dut} or host ${a.v6.dut} or src host ${a.v4.peer} or src host ${a.v6.peer})) or (icmp and src host ${a.v4.peer}) or (icmp6 and src host ${a.v6.peer} and ip6[40] < 128)`;
  // Frames are at most MTU + Ethernet header; the buffer is sized to that (truncation is an error).
  const testBufferBytes = captureBufferKnob();
  return new Capture(a.testerIf, filter, { snaplen: mtu + 14 + 4, ...(testBufferBytes !== undefined ? { testBufferBytes } : {}) });
}

/**
 * With a capture of both directions (case runs), link-path frames go out through a packet socket of
 * their own, so the capture sees and stamps them as they leave (PacketSender); the bulk paths ('dut')
 * send through the capture's handle and never look at their own frames.
 */
function newInjector(a: LabAddresses, capture: Capture, testerMac: string, dutMac: string, opts: LabOptions): Injector {
  if (opts.capture === 'dut') return new Injector(capture, testerMac, dutMac);
  return new Injector(new PacketSender(a.testerIf), testerMac, dutMac, true);
}

let testerDefaultsSet = false;

/** Tester-namespace defaults, written from the main thread (which is in that namespace). */
function testerDefaults(): void {
  if (testerDefaultsSet) return;
  for (const [k, v] of [
    ['accept_dad', '0'],
    ['router_solicitations', '0'],
  ]) {
    fs.writeFileSync(`/proc/sys/net/ipv6/conf/default/${k}`, v);
  }
  testerDefaultsSet = true;
}

/** Only net.* sysctls belong to a network namespace: anything else would change the host. */
function assertNetSysctls(values: Record<string, string | number>): void {
  for (const k of Object.keys(values)) {
    if (!k.startsWith('net.')) throw new Error(`sysctl ${k}: only net.* sysctls are per-namespace; refusing to touch it`);
  }
}

function sysctlArgs(values: Record<string, string | number>): string[] {
  assertNetSysctls(values);
  return Object.entries(values).map(([k, v]) => `${k}=${v}`);
}

function firstFree(): number {
  for (let i = 0; i < 256; i++) if (!used.has(i)) return i;
  throw new Error('all 256 lab slots of this process are in use');
}

function setSysctls(netns: string, values: Record<string, string | number>): void {
  const args = sysctlArgs(values);
  if (args.length) run('nsenter', [`--net=${netns}`, 'sysctl', '-q', '-w', ...args]);
}
