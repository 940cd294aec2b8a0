// Normalises a case's packets into the comparable form (types.ts): the values a kernel draws at random
// become symbols and relations, everything else stays as observed. Pure.
//
//   seq / ack     relative to the flow's ISNs: `dut.isn+1`, `peer.isn+1`; 0 stays 0. The first DUT SYN
//                 on a flow binds dut.isn; a later DUT SYN with another ISN binds dut.isn#2, noted as
//                 near the flow's previous dut.nxt (within 2^24: TIME_WAIT reuse, or the same 4-tuple's
//                 hash a moment later) or fresh.
//   tsval (DUT)   the flow's first DUT TSval is `dut.tsval` (fresh offset) or `dut.tsval@a+Δ` (the
//                 offset of flow a: per address pair); later ones `dut.tsval+Δ`, Δ (ms of TS clock)
//                 a number compared with a tolerance.
//   tsecr         the DUT's: `peer.tsval#k` (the k-th distinct TSval the peer sent on the flow) or 0;
//                 the peer's: `dut.tsval` (the DUT's latest TSval on the flow), `dut.tsval±N` near it
//                 (within 2^24), `dut.tsval#k` an older one exactly.
//   ports         the DUT's port is `dut.port` when it is ephemeral (active open); the peer's fixed.
//   IPv4 ID       0 or `nonzero` (per-socket random start, or hashed with a random increment).
//   flow label    0, `peer.flowlabel` when it reflects the peer's, else fl1, fl2… by first appearance.
//   TFO cookie    cookie1, cookie2… by first appearance (same symbol when the peer echoes it); an
//                 empty cookie (request) is `request`.
//   MD5 digest    `digest` (it covers the random ISN).
// Checksums are left out (a bad checksum the DUT sent shows as `csum: bad`).
import { flagsToString } from '../wire/flags';
import { decodeEthernet } from '../wire/decode';
import { SYN, FIN, type Decoded, type TcpOption } from '../wire/types';
import type { ComparableCase, ComparableModel, ComparablePacket, ComparableStep } from './types';

export interface NormaliseFlow {
  name: string;
  /** The flow's port on the peer (harness) side. */
  peerPort: number;
  /** The peer's ISN for the flow (the case's `isn`). */
  isn: number;
}

export interface NormalisePacket {
  dir: 'peer' | 'dut';
  /** The frame, from the Ethernet header on. */
  bytes: Uint8Array;
  /** 1-based step that sent or took it; undefined: no step took it. */
  step?: number;
  /** False for a packet outside the case's window (kept in the pcapng, not judged): left out. */
  judged: boolean;
  /** ms after the step's reference (DUT packets taken by a step). */
  tMs?: number;
  /** ms after the DUT's previous packet on the flow. */
  gapMs?: number;
  /** ms after the DUT's first packet on the flow. */
  firstMs?: number;
  /** ms after the harness's last packet on the flow (a reply's time as the kernel counts it). */
  peerMs?: number;
  model?: ComparableModel;
}

export interface NormaliseInput {
  flows: readonly NormaliseFlow[];
  /** The DUT's port is ephemeral (active open): shown as `dut.port`. */
  ephemeralDutPort?: boolean;
  /** In capture order. */
  packets: readonly NormalisePacket[];
}

const NEAR = 1 << 20;
const ISN_NEAR = 1 << 24;
/** A DUT TSval within this many ms of another flow's shares its offset. */
const TS_SHARED_MS = 600_000;
/** A peer TSecr this close to the DUT's latest TSval is written relative to it (cases write dut.tsval±N). */
const TSECR_NEAR = 1 << 24;

const sdiff = (a: number, b: number): number => (a - b) | 0;

interface FlowState {
  name: string;
  peerIsn: number;
  dutIsn?: number;
  dutIsnN: number;
  dutNxt?: number;
  dutTs0?: number;
  peerTsvals: number[];
  dutTsvals: number[];
}

/** Numbering of random values by first appearance: fl1, fl2… */
class Alpha {
  private readonly m = new Map<string, string>();
  constructor(private readonly prefix: string) {}
  of(key: string): string {
    let s = this.m.get(key);
    if (!s) this.m.set(key, (s = `${this.prefix}${this.m.size + 1}`));
    return s;
  }
}

function rel(v: number, bases: ReadonlyArray<[string, number | undefined]>): string {
  if (v === 0) return '0';
  for (const [name, b] of bases) {
    if (b === undefined) continue;
    const d = sdiff(v, b);
    if (Math.abs(d) <= NEAR) return d === 0 ? name : `${name}${d > 0 ? '+' : ''}${d}`;
  }
  return String(v);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Normaliser {
  private readonly flows = new Map<number, FlowState>();
  private readonly labels = new Alpha('fl');
  private readonly cookies = new Alpha('cookie');
  private lastPeerLabel: number | undefined;

  constructor(private readonly input: Pick<NormaliseInput, 'flows' | 'ephemeralDutPort'>) {
    for (const f of input.flows) this.flows.set(f.peerPort, { name: f.name, peerIsn: f.isn >>> 0, dutIsnN: 0, peerTsvals: [], dutTsvals: [] });
  }

  private flow(port: number): FlowState {
    let s = this.flows.get(port);
    if (!s) this.flows.set(port, (s = { name: `port ${port}`, peerIsn: 0, dutIsnN: 0, peerTsvals: [], dutTsvals: [] }));
    return s;
  }

  /** One packet, in capture order (the symbol tables grow as packets come). */
  packet(dir: 'peer' | 'dut', d: Decoded): ComparablePacket {
    const t = d.tcp;
    const f: Record<string, string> = {};
    const n: Record<string, number> = {};
    const ip = d.ip;
    if (ip?.version === 4) {
      f.ttl = String(ip.ttl);
      f.tos = String(ip.tos);
      f.df = ip.flags & 2 ? '1' : '0';
      if (dir === 'dut') f.id = ip.id === 0 ? '0' : 'nonzero';
    } else if (ip?.version === 6) {
      f.hlim = String(ip.hlim);
      f.tclass = String(ip.tclass);
      f.flowlabel = this.label(dir, ip.flow);
    } else {
      f.raw = hex(d.bytes.subarray(14));
    }
    if (!t) {
      if (ip) f.proto = String(ip.version === 4 ? ip.protocol : ip.nextHeader);
      return { dir, flow: '?', f };
    }
    const peerPort = dir === 'peer' ? t.sport : t.dport;
    const dutPort = dir === 'peer' ? t.dport : t.sport;
    const st = this.flow(peerPort);
    f.dutPort = this.input.ephemeralDutPort ? 'dut.port' : String(dutPort);
    f.flags = flagsToString(t.flags) || '(none)';
    if (dir === 'dut') {
      if (t.flags & SYN && t.seq !== st.dutIsn) {
        if (st.dutIsn === undefined) f.isn = 'bound';
        else f.isn = st.dutNxt !== undefined && Math.abs(sdiff(t.seq, st.dutNxt)) < ISN_NEAR ? 'near dut.nxt' : 'fresh';
        st.dutIsn = t.seq;
        st.dutIsnN++;
      }
      const isn = st.dutIsnN > 1 ? `dut.isn#${st.dutIsnN}` : 'dut.isn';
      f.seq = rel(t.seq, [
        [isn, st.dutIsn],
        ['peer.isn', st.peerIsn],
      ]);
      f.ack =
        t.flags & 0x10 || t.ack
          ? rel(t.ack, [
              ['peer.isn', st.peerIsn],
              [isn, st.dutIsn],
            ])
          : '0';
      const end = (t.seq + t.payload.length + (t.flags & SYN ? 1 : 0) + (t.flags & FIN ? 1 : 0)) >>> 0;
      if (st.dutNxt === undefined || sdiff(end, st.dutNxt) > 0) st.dutNxt = end;
    } else {
      const isn = st.dutIsnN > 1 ? `dut.isn#${st.dutIsnN}` : 'dut.isn';
      f.seq = rel(t.seq, [
        ['peer.isn', st.peerIsn],
        [isn, st.dutIsn],
      ]);
      f.ack = rel(t.ack, [
        [isn, st.dutIsn],
        ['peer.isn', st.peerIsn],
      ]);
    }
    f.win = String(t.window);
    if (t.urg) f.urg = String(t.urg);
    f.len = String(t.payload.length);
    if (dir === 'dut' && t.payload.length && t.payload.length <= 64) f.payload = hex(t.payload);
    if (dir === 'dut' && d.tcpChecksumOk === false) f.csum = 'bad';
    this.options(dir, t.options, st, f, n);
    return { dir, flow: st.name, f, ...(Object.keys(n).length ? { n } : {}) };
  }

  private label(dir: 'peer' | 'dut', v: number): string {
    if (dir === 'peer') {
      this.lastPeerLabel = v;
      return String(v);
    }
    if (v === 0) return '0';
    if (v === this.lastPeerLabel) return 'peer.flowlabel';
    return this.labels.of(String(v));
  }

  private options(dir: 'peer' | 'dut', opts: readonly TcpOption[], st: FlowState, f: Record<string, string>, n: Record<string, number>): void {
    const kinds: string[] = [];
    for (const o of opts) {
      kinds.push(o.kind === 'unknown' ? `kind${o.type}` : o.kind);
      switch (o.kind) {
        case 'mss':
          f.mss = String(o.value);
          break;
        case 'wscale':
          f.wscale = String(o.shift);
          break;
        case 'sack':
          f.sack = o.blocks.map(([l, r]) => `${this.seqRel(dir, l, st)}-${this.seqRel(dir, r, st)}`).join(' ');
          break;
        case 'ts':
          this.ts(dir, o.val, o.ecr, st, f, n);
          break;
        case 'tfo':
          f.tfo = o.cookie.length ? this.cookies.of(hex(o.cookie)) : 'request';
          break;
        case 'md5':
          f.md5 = 'digest';
          break;
        case 'unknown':
          f[`kind${o.type}`] = hex(o.data);
          break;
        case 'bytes':
          f.optBytes = hex(o.bytes);
          break;
        default:
          break;
      }
    }
    f.options = kinds.join(',');
  }

  private seqRel(dir: 'peer' | 'dut', v: number, st: FlowState): string {
    const isn = st.dutIsnN > 1 ? `dut.isn#${st.dutIsnN}` : 'dut.isn';
    return dir === 'dut'
      ? rel(v, [
          ['peer.isn', st.peerIsn],
          [isn, st.dutIsn],
        ])
      : rel(v, [
          [isn, st.dutIsn],
          ['peer.isn', st.peerIsn],
        ]);
  }

  /**
   * The peer's TSecr, as the case wrote it: relative to the DUT's latest TSval on the flow (what
   * `dut.tsval` binds to), `dut.tsval+1000`; an older DUT TSval exactly, `dut.tsval#k`.
   */
  private peerTsecr(ecr: number, st: FlowState): string {
    if (ecr === 0) return '0';
    const last = st.dutTsvals[st.dutTsvals.length - 1];
    if (last === undefined) return String(ecr);
    const d = sdiff(ecr, last);
    if (d === 0) return 'dut.tsval';
    const k = st.dutTsvals.lastIndexOf(ecr);
    if (k >= 0) return `dut.tsval#${k + 1}`;
    if (Math.abs(d) <= TSECR_NEAR) return `dut.tsval${d > 0 ? '+' : ''}${d}`;
    return String(ecr);
  }

  private ts(dir: 'peer' | 'dut', val: number, ecr: number, st: FlowState, f: Record<string, string>, n: Record<string, number>): void {
    if (dir === 'peer') {
      if (!st.peerTsvals.includes(val)) st.peerTsvals.push(val);
      f.tsval = String(val);
      f.tsecr = this.peerTsecr(ecr, st);
      return;
    }
    if (st.dutTs0 === undefined || Math.abs(sdiff(val, st.dutTs0)) > TS_SHARED_MS) {
      let shared: FlowState | undefined;
      for (const o of this.flows.values()) {
        if (o !== st && o.dutTs0 !== undefined && Math.abs(sdiff(val, o.dutTs0)) <= TS_SHARED_MS) shared = o;
      }
      const again = st.dutTs0 !== undefined;
      if (shared) {
        f.tsval = `dut.tsval@${shared.name}+Δ`;
        n.tsval = sdiff(val, shared.dutTs0!);
      } else {
        f.tsval = again ? 'dut.tsval (new offset)' : 'dut.tsval';
      }
      st.dutTs0 = val;
    } else {
      f.tsval = 'dut.tsval+Δ';
      n.tsval = sdiff(val, st.dutTs0);
    }
    if (!st.dutTsvals.includes(val)) st.dutTsvals.push(val);
    const k = st.peerTsvals.lastIndexOf(ecr);
    f.tsecr = ecr === 0 ? '0' : k >= 0 ? `peer.tsval#${k + 1}` : String(ecr);
  }
}

/**
 * Packets in step order (stable): the harness stamps a packet it sends after the send returns, so the
 * DUT's answer, captured with the kernel's clock, can sort before it; a step's packets go after the
 * earlier steps' ones. A packet no step took keeps the step of the packet captured before it.
 */
function stepOrder(packets: readonly NormalisePacket[]): NormalisePacket[] {
  let last = 0;
  const keyed = packets.map((p, i) => {
    if (p.step !== undefined) last = p.step;
    return { p, i, step: p.step ?? last };
  });
  keyed.sort((a, b) => a.step - b.step || a.i - b.i);
  return keyed.map((k) => k.p);
}

/** The comparable form of one case: its judged packets, normalised, grouped by step. */
export function normaliseCase(input: NormaliseInput): ComparableCase {
  const norm = new Normaliser(input);
  const bySteps = new Map<number, ComparablePacket[]>();
  for (const p of stepOrder(input.packets)) {
    if (!p.judged) continue;
    const c = norm.packet(p.dir, decodeEthernet(p.bytes));
    if (p.tMs !== undefined) c.n = { ...c.n, t: round1(p.tMs) };
    if (p.gapMs !== undefined) c.n = { ...c.n, gap: round1(p.gapMs) };
    if (p.firstMs !== undefined) c.n = { ...c.n, first: round1(p.firstMs) };
    if (p.peerMs !== undefined) c.n = { ...c.n, peer: round1(p.peerMs) };
    if (p.model) c.model = p.model;
    const step = p.step ?? 0;
    let list = bySteps.get(step);
    if (!list) bySteps.set(step, (list = []));
    list.push(c);
  }
  const steps: ComparableStep[] = [...bySteps].sort((a, b) => a[0] - b[0]).map(([step, packets]) => ({ step, packets }));
  return { steps };
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
