// A lab: one DUT network namespace (owned by its agent process), joined by a veth pair to the tester
// namespace (owned by this process's main thread), with capture and injection on the tester end.
//
//   tester netns (this process)                 DUT netns (the agent process)
//   synt<i> 02:00:00:00:ii:02  <─── veth ───>   dut0 02:00:00:00:ii:01
//   no address; routes + permanent neighbours    198.18.i.1/24, 2001:2:0:i::1/64
//   capture (libpcap) + injection (raw/link)     kernel sockets under test, sysctls per run
//
// The peer addresses (198.18.i.2, 2001:2:0:i::2) are owned by no stack: a permanent neighbour entry on
// the DUT side points them at the tester's MAC, so only the harness answers for them and no kernel RSTs
// the DUT's SYN-ACKs. Forwarding is off in the tester namespace, so frames for the peer address are
// dropped there without an ICMP. Offloads are off on both ends. When the agent dies (normally, or with
// the harness under kill -9 through PR_SET_PDEATHSIG), its namespace and the veth pair go with it.
import * as fs from 'fs';
import { Agent } from '../agent/client';
import { Capture } from '../capture/capture';
import { buildIp } from '../../lib/wire/build';
import { Injector } from '../inject/injector';
import { OFFLOADS_OFF, run } from './commands';
import { LabAddresses, labAddresses } from './plan';
import { enterTesterNetns } from './tester-ns';

export interface LabOptions {
  /** Lab number 0..255 (address block and interface name); default: the lowest free one. */
  index?: number;
  /** MTU of the veth pair (default 1500). */
  mtu?: number;
  /** DUT sysctls to set before anything listens, e.g. { 'net.ipv4.tcp_syncookies': 2 }. */
  sysctls?: Record<string, string | number>;
  /** Capture filter: 'both' directions (default; case runs, pcapng) or only what the 'dut' sends (bulk). */
  capture?: 'both' | 'dut';
  /** An agent already started (e.g. from a pool); otherwise one is spawned. */
  agent?: Agent;
}

const used = new Set<number>();

function mac(index: number, host: 1 | 2): string {
  return `02:00:00:00:${index.toString(16).padStart(2, '0')}:0${host}`;
}

export class Lab {
  readonly dutMac: string;
  readonly testerMac: string;
  injector: Injector;
  private closed = false;

  private constructor(
    readonly addr: LabAddresses,
    readonly agent: Agent,
    public capture: Capture,
    public mtu: number,
    private readonly opts: LabOptions,
  ) {
    this.dutMac = mac(addr.index, 1);
    this.testerMac = mac(addr.index, 2);
    this.injector = new Injector(capture, this.testerMac, this.dutMac);
  }

  static async create(opts: LabOptions = {}): Promise<Lab> {
    enterTesterNetns();
    const index = opts.index ?? firstFree();
    if (used.has(index)) throw new Error(`lab ${index} is already in use in this process`);
    used.add(index);
    const a = labAddresses(index);
    const mtu = opts.mtu ?? 1500;
    let agent: Agent | undefined = opts.agent;
    try {
      agent ??= await Agent.spawn();
      // A leftover tester interface from an earlier lab with this index (its agent still dying).
      run('ip', ['link', 'del', a.testerIf], undefined, true);
      const capture = wire(a, agent.pid, mtu, opts);
      const lab = new Lab(a, agent, capture, mtu, opts);
      await lab.awaitPath();
      return lab;
    } catch (e) {
      used.delete(index);
      await agent?.kill().catch(() => undefined);
      throw e;
    }
  }

  /**
   * A fresh DUT for the next case, clean by construction: the link is removed, the agent closes every
   * socket and moves into a brand-new network namespace (default sysctls, no sockets, no neighbours,
   * no counters), and the topology is wired again. Much cheaper than a new agent process.
   */
  async reset(opts: Pick<LabOptions, 'sysctls' | 'mtu'> = {}): Promise<void> {
    if (this.closed) throw new Error('lab is closed');
    this.capture.close();
    // Remove the pair ourselves, synchronously: left to the old namespace's (asynchronous) teardown,
    // the old tester end could still hold the name when the new pair is created.
    run('ip', ['link', 'del', this.addr.testerIf], undefined, true);
    await this.agent.must('freshNetns', {});
    this.mtu = opts.mtu ?? this.mtu;
    this.capture = wire(this.addr, this.agent.pid, this.mtu, { ...this.opts, sysctls: opts.sysctls });
    this.injector = new Injector(this.capture, this.testerMac, this.dutMac);
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
    const deadline = Date.now() + 3000;
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
        if (Date.now() > deadline) throw new Error(`lab ${this.addr.index}: no answer from the DUT over IPv${ip} within 3 s of wiring the link — the topology is broken (check \`synh doctor\`)`);
      }
    }
    this.capture.take();
  }

  /** Set DUT sysctls (names as in /proc/sys, dotted). */
  setSysctls(values: Record<string, string | number>): void {
    setSysctls(this.agent.pid, values);
  }

  /** Read DUT sysctls. */
  getSysctls(names: string[]): Record<string, string> {
    return getSysctls(this.agent.pid, names);
  }

  /** Run a command inside the DUT namespace (read-only inspection: ip, ss, ethtool -k, nstat). */
  inDut(cmd: string, args: string[]): string {
    return run('nsenter', [`--net=/proc/${this.agent.pid}/ns/net`, cmd, ...args]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.capture.close();
    this.injector.close();
    await this.agent.kill();
    // The veth pair dies with the DUT namespace; make sure our end is gone before reusing the index.
    run('ip', ['link', 'del', this.addr.testerIf], undefined, true);
    used.delete(this.addr.index);
  }
}

/**
 * Create and configure the veth pair between the tester namespace and the agent's, and open the
 * capture: one shell per side (ip -batch, sysctl, ethtool), since process spawns dominate the cost.
 */
function wire(a: LabAddresses, pid: number, mtu: number, opts: LabOptions): Capture {
  const tmac = mac(a.index, 2);
  const dmac = mac(a.index, 1);
  // Tester side. The IPv6 route lookup for a raw send needs a usable source address on the device,
  // even though the header we send carries its own: the tester end gets ::3 (nodad), and new
  // interfaces come up without DAD.
  testerDefaults();
  const tester = [
    `link add ${a.testerIf} address ${tmac} mtu ${mtu} type veth peer name ${a.dutIf} address ${dmac} mtu ${mtu} netns ${pid}`,
    `addr add ${a.v4.tester}/32 dev ${a.testerIf}`,
    `addr add ${a.v6.tester}/128 dev ${a.testerIf} nodad`,
    `link set ${a.testerIf} up`,
    `route replace ${a.v4.prefix} dev ${a.testerIf}`,
    `route replace ${a.v6.prefix} dev ${a.testerIf}`,
    `neigh replace ${a.v4.dut} lladdr ${dmac} dev ${a.testerIf} nud permanent`,
    `neigh replace ${a.v6.dut} lladdr ${dmac} dev ${a.testerIf} nud permanent`,
  ];
  run('sh', ['-c', `ip -batch - && ethtool -K ${a.testerIf} ${OFFLOADS_OFF.join(' ')}`], tester.join('\n') + '\n');
  // DUT side: sysctls first (the IPv6 ones before the link comes up), then addresses and neighbours.
  const sysctls = sysctlArgs({
    // Let the DUT's IPv6 address work at once and keep the link quiet.
    [`net.ipv6.conf.${a.dutIf}.accept_dad`]: 0,
    [`net.ipv6.conf.${a.dutIf}.router_solicitations`]: 0,
    ...opts.sysctls,
  });
  const dut = [
    'link set lo up',
    `addr add ${a.v4.dut}/24 dev ${a.dutIf}`,
    `addr add ${a.v6.dut}/64 dev ${a.dutIf} nodad`,
    `link set ${a.dutIf} up`,
    `neigh replace ${a.v4.peer} lladdr ${tmac} dev ${a.dutIf} nud permanent`,
    `neigh replace ${a.v6.peer} lladdr ${tmac} dev ${a.dutIf} nud permanent`,
  ];
  run('nsenter', [`--net=/proc/${pid}/ns/net`, 'sh', '-c',
    `sysctl -q -w ${sysctls.map(shellQuote).join(' ')} && ip -batch - && ethtool -K ${a.dutIf} ${OFFLOADS_OFF.join(' ')}`], dut.join('\n') + '\n');
  const filter = opts.capture === 'dut'
    ? `tcp and (src host ${a.v4.dut} or src host ${a.v6.dut})`
    : `tcp and (host ${a.v4.dut} or host ${a.v6.dut})`;
  // Frames are at most MTU + Ethernet header; the buffer is sized to that (truncation is an error).
  return new Capture(a.testerIf, filter, { snaplen: mtu + 14 + 4 });
}

let testerDefaultsSet = false;

/** Tester-namespace defaults, written from the main thread (which is in that namespace). */
function testerDefaults(): void {
  if (testerDefaultsSet) return;
  for (const [k, v] of [['accept_dad', '0'], ['router_solicitations', '0']]) {
    fs.writeFileSync(`/proc/sys/net/ipv6/conf/default/${k}`, v);
  }
  testerDefaultsSet = true;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function sysctlArgs(values: Record<string, string | number>): string[] {
  return Object.entries(values).map(([k, v]) => {
    if (!k.startsWith('net.')) throw new Error(`sysctl ${k}: only net.* sysctls are per-namespace; refusing to touch it`);
    return `${k}=${v}`;
  });
}

function firstFree(): number {
  for (let i = 0; i < 256; i++) if (!used.has(i)) return i;
  throw new Error('all 256 lab slots of this process are in use');
}

function setSysctls(pid: number, values: Record<string, string | number>): void {
  const args = sysctlArgs(values);
  if (args.length) run('nsenter', [`--net=/proc/${pid}/ns/net`, 'sysctl', '-q', '-w', ...args]);
}

function getSysctls(pid: number, names: string[]): Record<string, string> {
  if (!names.length) return {};
  const out = run('nsenter', [`--net=/proc/${pid}/ns/net`, 'sysctl', '-e', ...names]);
  const res: Record<string, string> = {};
  for (const line of out.trim().split('\n')) {
    const m = /^(\S+)\s*=\s*(.*)$/.exec(line);
    if (m) res[m[1]] = m[2].replace(/\s+/g, ' ').trim();
  }
  return res;
}
