// The probe: what the fuzz engine executes for one campaign index. A probe says how to reach the
// target state (setup steps) and which mutated packet to send there. Sequence, ack and timestamp
// fields are *relative* where it matters (peer ISN, DUT ISN, the DUT's window, the last TSvals), so
// one probe means the same thing whatever ISN the kernel draws; `probePacketSpec` turns them into
// numbers once the engine has captured the DUT's values. Pure.
import { buildLength, type PacketMistakes, type PacketSpec } from '../wire/build';
import { fromHex, toHex } from '../wire/bytes';
import { stableStringify } from '../util/stable-hash';
import type { TcpOption } from '../wire/types';
import { tfoCookieUnder } from '../model/kernel/fastopen';
import { buildIp } from '../wire/build';
import { buildIcmp, quotePacket } from '../wire/build-icmp';

/** The four states a campaign can aim at. */
export type Target = 'listener' | 'request' | 'synsent' | 'established' | 'timewait';
export const TARGETS: readonly Target[] = ['listener', 'request', 'synsent', 'established', 'timewait'];

/**
 * A 32-bit sequence/ack value: `base + offset (+ the DUT's window when win)` modulo 2^32.
 *  - `peer.isn` the peer's ISN (the probe's `peerIsn`): rcv_isn of the DUT; peer.isn+1 = rcv_nxt;
 *  - `dut.isn`  the DUT's ISN, from its SYN-ACK (passive) or SYN (active); dut.isn+1 = snd_nxt;
 *  - `abs`      the offset itself.
 * `win` adds `dutWindow` (the window field of the DUT's SYN-ACK / SYN captured in the setup): with
 * base peer.isn, offset 1 and win it is the right edge of the DUT's receive window.
 */
export interface SeqRef {
  base: 'peer.isn' | 'dut.isn' | 'abs';
  offset: number;
  win?: boolean;
}

/**
 * A TSval/TSecr: `base + offset` modulo 2^32.
 *  - `peer.tsval` the TSval the peer sent in the setup (the probe's `peerTsval`);
 *  - `dut.tsval`  the TSval of the DUT's last TS option in the setup (its SYN-ACK or SYN);
 *  - `abs`        the offset itself.
 * A base that is unbound when the packet is resolved (the DUT sent no TS) counts as 0.
 */
export interface TsRef {
  base: 'peer.tsval' | 'dut.tsval' | 'abs';
  offset: number;
}

/**
 * A TCP option as it will be sent; the TS option's values may be relative. `tfo-valid` is the Fast
 * Open cookie the DUT computes for the probe's address pair under `keyHex` (the namespace key of the
 * probe's profile, primary or backup: `which`), resolved when the addresses are known.
 */
export type ProbeOption =
  | Exclude<TcpOption, { kind: 'ts' }>
  | { kind: 'ts'; val: TsRef; ecr: TsRef }
  | { kind: 'tfo-valid'; keyHex: string; which: 'primary' | 'backup'; exp?: boolean };

/** Deliberate errors (a subset of lib/wire PacketMistakes that the case format can also carry). */
export interface ProbeMistakes {
  tcpChecksum?: 'bad';
  /** IPv4 only; ignored for IPv6 */
  ipChecksum?: 'bad';
  /** TCP data offset in 32-bit words (0..15) instead of the right one */
  dataOffset?: number;
  /** the three reserved bits left of AE (1..7) */
  reservedBits?: number;
  /**
   * Listener probes: a packet TCP never gets, or gets for no socket (generator mistakes.ip_layer):
   * truncated (IP length 8 bytes beyond the packet), short-tcp (IP length ending 10 bytes into the
   * TCP header), fragment (IPv4 fragment offset 8 bytes; IPv6: as truncated), broadcast (to a
   * multicast address: 224.0.0.1, ff02::1), not-local (to a neighbour's address), closed-port (to the
   * listener's port + 1).
   */
  ipLayer?: IpLayerMistake;
}

export type IpLayerMistake = 'truncated' | 'short-tcp' | 'fragment' | 'broadcast' | 'not-local' | 'closed-port';
export const IP_LAYER_MISTAKES: readonly IpLayerMistake[] = ['truncated', 'short-tcp', 'fragment', 'broadcast', 'not-local', 'closed-port'];

/** A neighbour of `addr` on its subnet that is nobody's (last byte + 100). */
function neighbourOf(addr: string): string {
  if (addr.includes(':')) {
    const i = addr.lastIndexOf(':');
    return `${addr.slice(0, i + 1)}${((parseInt(addr.slice(i + 1) || '0', 16) + 0x64) & 0xffff).toString(16)}`;
  }
  const parts = addr.split('.');
  parts[3] = String((Number(parts[3]) + 100) % 256);
  return parts.join('.');
}

/**
 * An ICMP error in place of the mutated segment (generator mistakes.icmp): sent by the peer as a router
 * on the path would, quoting a segment the DUT sent on the probe's flow — `flags`, `seq` (relative,
 * usually dut.isn + 0/1), `len` bytes of data — or, with `otherPort`, one to the peer port + 1 (no
 * socket). `badChecksum`: an ICMP checksum that never verifies.
 */
export interface ProbeIcmp {
  type: number;
  code: number;
  mtu?: number;
  quote: { flags: number; seq: SeqRef; len: number; otherPort?: boolean };
  badChecksum?: boolean;
}

/** The packet a probe sends (mutated, or a setup packet). */
export interface ProbePacket {
  /** TCP flag bits F S R P A U E C N (0..0x1ff); reserved bits go in mistakes.reservedBits */
  flags: number;
  seq: SeqRef;
  ack: SeqRef;
  window: number;
  urg: number;
  options: ProbeOption[];
  payload: Uint8Array;
  /** IPv4 TOS / IPv6 traffic class, ECN bits included */
  tos: number;
  mistakes: ProbeMistakes;
  /** the mutated packet is this ICMP error instead (the TCP fields above are unused) */
  icmp?: ProbeIcmp;
}

/** Values the DUT chose, captured in the setup: names of what a capture step binds. */
export type BindName = 'dutIsn' | 'dutTsval' | 'dutWindow';

/**
 * What the engine does before sending the mutated packet, in order:
 *  - send:    inject this packet on the probe's flow (`what` says what it is, for logs and repros);
 *  - capture: wait for the DUT's `what` on the flow and bind the listed values from it
 *             (dutIsn = its seq, dutTsval = its TS option's TSval, dutWindow = its window field);
 *             the engine compares it with the model like any reply;
 *  - connect: the DUT agent calls non-blocking connect() to the peer's port (`Probe.sport`); with `tfo`
 *             a client Fast Open connect: sendto(MSG_FASTOPEN) of `len` bytes, or TCP_FASTOPEN_CONNECT
 *             then connect() (which may defer the SYN to the first write). A second connect step opens
 *             a second connection to the same peer port (the first stays open); the flow follows it;
 *  - write:   the first write (`len` bytes) on the last connection, when its connect() was deferred
 *             (TCP_FASTOPEN_CONNECT with a cookie at hand): its SYN leaves now; otherwise nothing;
 *  - flush-metrics: `ip tcp_metrics flush all` in the DUT's namespace (the client Fast Open cookie
 *             cache starts empty, as the model's does);
 *  - close:   the DUT closes the connection (a passive one accepted first): its FIN follows.
 */
export type SetupStep =
  | { kind: 'send'; what: 'syn' | 'synack' | 'ack' | 'finack'; packet: ProbePacket }
  | { kind: 'capture'; what: 'syn' | 'synack' | 'ack' | 'fin'; bind: readonly BindName[] }
  | { kind: 'connect'; tfo?: { via: 'sendto' | 'fastopen-connect'; len: number } }
  | { kind: 'write'; len: number }
  | { kind: 'flush-metrics' }
  | { kind: 'close' };

/**
 * A socket call or a pause interleaved with the probe's packets (the generator's `calls`; the
 * sequence engine judges what each makes the kernel send, like a packet's answer):
 *  - again:          the mutated packet once more, at once (rate limits: tcp_oow_rate_limited, TIME_WAIT's);
 *  - wait:           until the model's next timer is due (at most WAIT_CAP_MS away; none due: no wait) —
 *                    SYN-ACK / SYN retransmissions, request expiry, deferred-accept re-sends;
 *  - accept:         accept() on the listener: the probe's connection if the kernel queued it (others aborted);
 *  - recv:           accept() if not yet, then read what is queued on the connection;
 *  - close:          accept() if not yet, then close() the connection (RST with unread data, else FIN);
 *  - close-listener: close() the listener (requests dropped, unaccepted children reset), then a new one;
 *  - listen-in-use:  a second socket binds the listener's port: EADDRINUSE, nothing sent;
 *  - defer-accept:   setsockopt(TCP_DEFER_ACCEPT, 1 s) on the listener (played before the mutated packet;
 *                    cleared after the probe);
 *  - peer-ack:       the peer acknowledges everything the DUT has sent on the flow, at its rcv_nxt: ACK
 *                    seq = the ack of the DUT's last segment, ack = the end of the furthest one (SYN and
 *                    FIN counted), window 502, TS (when the DUT's segments carry it) echoing the DUT's
 *                    last TSval with the TSval the DUT last echoed — a simultaneous open's or a LAST_ACK's
 *                    last ACK, a window update for a FIN held by a zero window;
 *  - other-syn:      the campaign's setup SYN from another peer port (a fresh ISN): a request socket of
 *                    its own on the listener, or a cookie or a drop when the queues are full;
 *  - other-handshake: the same, then the third ACK of its SYN-ACK: a child in the accept queue.
 *                    (Both played before the mutated packet; the other flows' answers are judged with
 *                    the probe's, and they are reset after the probe.)
 */
export const PROBE_CALLS = [
  'again',
  'wait',
  'accept',
  'recv',
  'close',
  'close-listener',
  'listen-in-use',
  'defer-accept',
  'peer-ack',
  'other-syn',
  'other-handshake',
] as const;
export type ProbeCall = (typeof PROBE_CALLS)[number];
/** Calls added after the first campaigns: left out of a campaign's weights when 0 (its hash stays). */
export const LATER_CALLS: ReadonlySet<ProbeCall> = new Set(['peer-ack', 'other-syn', 'other-handshake']);
/**
 * The order of a probe's calls when its campaign says calls.ordered: what the application does first
 * (read, close), then the timers and the peer's answer, the listener's own calls last.
 */
export const CALL_ORDER: readonly ProbeCall[] = [
  'defer-accept',
  'other-syn',
  'other-handshake',
  'again',
  'accept',
  'recv',
  'close',
  'wait',
  'peer-ack',
  'close-listener',
  'listen-in-use',
];
/** Calls played before the mutated packet (the others come after it). */
export const CALLS_BEFORE: ReadonlySet<ProbeCall> = new Set(['defer-accept', 'other-syn', 'other-handshake']);
/** Calls that need the DUT's listener (passive request and established targets only). */
export const LISTENER_CALLS: ReadonlySet<ProbeCall> = new Set([
  'accept',
  'recv',
  'close',
  'close-listener',
  'listen-in-use',
  'defer-accept',
  'other-syn',
  'other-handshake',
]);
/** The k-th other flow's peer port of a probe (other-syn, other-handshake): 30000 above the probe's, wrapping below 65000. */
export function otherPort(probe: Pick<Probe, 'sport'>, k: number): number {
  return 1024 + ((probe.sport + 30000 + 7 * (k + 1) - 1024) % (65000 - 1024));
}
/** The k-th other flow's ISN. */
export function otherIsn(probe: Pick<Probe, 'peerIsn'>, k: number): number {
  return (probe.peerIsn + 0x10000000 * (k + 1)) >>> 0;
}
/** The longest a wait call waits for the model's next timer. */
export const WAIT_CAP_MS = 3500;

export interface Probe {
  /** campaign index: probeAt(campaign, index) gives this probe again */
  index: number;
  /** the per-probe PRNG seed derived from (campaign seed, index) */
  seed: number;
  target: Target;
  /** the generator class that produced `mutated`, e.g. 'syn', 'window_edge', 'dup_syn' */
  kind: string;
  /** sysctl profile name (Campaign.profiles) */
  profile: string;
  ip: 4 | 6;
  /**
   * The peer's port. Passive targets: a port from the campaign's range, cycled by index (unique among
   * nearby indices). Active targets: the port the DUT connects to. The engine may remap it.
   */
  sport: number;
  /** the peer's ISN (base of peer.isn) */
  peerIsn: number;
  /** the TSval the peer uses in its setup packets (base of peer.tsval) */
  peerTsval: number;
  setup: SetupStep[];
  mutated: ProbePacket;
  /** calls played after the setup, before the mutated packet (absent: none) */
  before?: ProbeCall[];
  /** calls played after the mutated packet, in order (absent: none) */
  after?: ProbeCall[];
}

/** Values `probePacketSpec` needs. dutIsn is required as soon as a field refers to it. */
export interface ProbeBindings {
  peerIsn: number;
  peerTsval?: number;
  dutIsn?: number;
  dutTsval?: number;
  dutWindow?: number;
}

/** The bindings of a probe, given what the setup captured from the DUT. */
export function bindingsFor(probe: Probe, captured: { dutIsn?: number; dutTsval?: number; dutWindow?: number } = {}): ProbeBindings {
  return { peerIsn: probe.peerIsn, peerTsval: probe.peerTsval, ...captured };
}

export function resolveSeq(r: SeqRef, b: ProbeBindings): number {
  let v = r.offset;
  if (r.base === 'peer.isn') v += b.peerIsn;
  else if (r.base === 'dut.isn') {
    if (b.dutIsn === undefined) throw new Error('probe packet refers to dut.isn, which is not bound (no SYN-ACK/SYN captured)');
    v += b.dutIsn;
  }
  if (r.win) {
    if (b.dutWindow === undefined) throw new Error("probe packet refers to the DUT's window, which is not bound (no SYN-ACK/SYN captured)");
    v += b.dutWindow;
  }
  return v >>> 0;
}

export function resolveTs(r: TsRef, b: ProbeBindings): number {
  const base = r.base === 'peer.tsval' ? (b.peerTsval ?? 0) : r.base === 'dut.tsval' ? (b.dutTsval ?? 0) : 0;
  return (base + r.offset) >>> 0;
}

export function resolveOptions(opts: readonly ProbeOption[], b: ProbeBindings, ends?: { src: string; dst: string }): TcpOption[] {
  const out: TcpOption[] = new Array(opts.length);
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i];
    if (o.kind === 'tfo-valid') {
      if (!ends) throw new Error("probe option tfo-valid needs the probe's addresses");
      out[i] = { kind: 'tfo', cookie: fromHex(tfoCookieUnder(fromHex(o.keyHex), ends.src, ends.dst)), ...(o.exp ? { exp: true } : {}) };
      continue;
    }
    out[i] = o.kind === 'ts' ? { kind: 'ts', val: resolveTs(o.val, b), ecr: resolveTs(o.ecr, b) } : o;
  }
  return out;
}

/** The builder's mistakes for a probe packet's, or undefined when it has none. */
function packetMistakes(m: ProbePacket['mistakes']): PacketMistakes | undefined {
  if (m.tcpChecksum === undefined && m.ipChecksum === undefined && m.dataOffset === undefined && m.reservedBits === undefined) return undefined;
  const pm: PacketMistakes = {};
  if (m.tcpChecksum !== undefined) pm.tcpChecksum = m.tcpChecksum;
  if (m.ipChecksum !== undefined) pm.ipChecksum = m.ipChecksum;
  if (m.dataOffset !== undefined) pm.dataOffset = m.dataOffset;
  if (m.reservedBits !== undefined) pm.reservedBits = m.reservedBits;
  return pm;
}

/** A whole PacketSpec for a probe packet on the probe's flow. `dport` is the DUT's port. */
export function probePacketSpec(probe: Probe, p: ProbePacket, b: ProbeBindings, ends: { src: string; dst: string; dport: number }): PacketSpec {
  // This runs once per probe a campaign sends: no spreads, no intermediate objects. Options
  // without a TS item have nothing to resolve and are passed as they are (the builder only reads them).
  let hasTs = false;
  for (let i = 0; i < p.options.length; i++) if (p.options[i].kind === 'ts' || p.options[i].kind === 'tfo-valid') hasTs = true;
  const spec: PacketSpec = {
    ip: probe.ip,
    src: ends.src,
    dst: ends.dst,
    sport: probe.sport,
    dport: ends.dport,
    seq: resolveSeq(p.seq, b),
    ack: resolveSeq(p.ack, b),
    flags: p.flags,
    window: p.window,
    urg: p.urg,
    options: hasTs ? resolveOptions(p.options, b, ends) : (p.options as TcpOption[]),
    payload: p.payload,
    tos: p.tos,
    tclass: p.tos,
  };
  // (an IPv4 header checksum mistake on an IPv6 probe is ignored by the builder)
  const pm = packetMistakes(p.mistakes);
  if (pm) spec.mistakes = pm;
  const il = p.mistakes.ipLayer;
  if (il !== undefined) {
    const m: PacketMistakes = (spec.mistakes ??= {});
    if (il === 'broadcast') spec.dst = probe.ip === 4 ? '224.0.0.1' : 'ff02::1';
    else if (il === 'not-local') spec.dst = neighbourOf(ends.dst);
    else if (il === 'closed-port') spec.dport = (ends.dport + 1) & 0xffff;
    else if (il === 'fragment' && probe.ip === 4) m.fragOffset = 1;
    else if (il === 'short-tcp') m.ipTotalLength = (probe.ip === 4 ? 20 : 0) + 10;
    else m.ipTotalLength = buildLength(spec) - (probe.ip === 4 ? 0 : 40) + 8;
  }
  return spec;
}

/**
 * The bytes of a probe packet on the probe's flow, IP header first: the TCP segment, or the ICMP error
 * it stands for (its quote built from the DUT's side of the flow). `ends.dport` is the DUT's port.
 */
export function probePacketBytes(probe: Probe, p: ProbePacket, b: ProbeBindings, ends: { src: string; dst: string; dport: number }): Uint8Array {
  const i = p.icmp;
  if (!i) return buildIp(probePacketSpec(probe, p, b, ends));
  const quoted = buildIp({
    ip: probe.ip,
    src: ends.dst,
    dst: ends.src,
    sport: ends.dport,
    dport: i.quote.otherPort ? (probe.sport + 1) & 0xffff : probe.sport,
    seq: resolveSeq(i.quote.seq, b),
    ack: i.quote.flags & 0x10 ? (b.peerIsn + 1) >>> 0 : 0,
    flags: i.quote.flags,
    window: 64240,
    payload: new Uint8Array(i.quote.len),
  });
  return buildIcmp({
    ip: probe.ip,
    src: ends.src,
    dst: ends.dst,
    type: i.type,
    code: i.code,
    ...(i.mtu !== undefined ? { mtu: i.mtu } : {}),
    quote: quotePacket(quoted),
    ...(i.badChecksum ? { mistakes: { icmpChecksum: 'bad' as const } } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// JSON form (replay files, logs): byte arrays as hex strings, everything else as is.

type Jsonish = null | boolean | number | string | Jsonish[] | { [k: string]: Jsonish };

function toJsonish(v: unknown): Jsonish {
  if (v instanceof Uint8Array) return { $hex: toHex(v) };
  if (Array.isArray(v)) return v.map(toJsonish);
  if (v && typeof v === 'object') {
    const o: { [k: string]: Jsonish } = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = toJsonish(x);
    return o;
  }
  return v as Jsonish;
}

function fromJsonish(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJsonish);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$hex === 'string' && Object.keys(o).length === 1) return fromHex(o.$hex);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = fromJsonish(x);
    return out;
  }
  return v;
}

/** A probe as plain JSON (Uint8Array → { $hex }); `probeFromJson` reverses it exactly. */
export function probeToJson(p: Probe): unknown {
  return toJsonish(p);
}

export function probeFromJson(j: unknown): Probe {
  const p = fromJsonish(j) as Probe;
  if (!p || typeof p !== 'object' || typeof p.index !== 'number' || !p.mutated || !Array.isArray(p.setup)) {
    throw new Error('not a probe: expected an object with index, setup and mutated');
  }
  return p;
}

/** Deep copy of a probe packet (byte arrays shared: they are never mutated in place). */
export function clonePacket(p: ProbePacket): ProbePacket {
  return {
    ...p,
    seq: { ...p.seq },
    ack: { ...p.ack },
    options: p.options.map((o) => (o.kind === 'ts' ? { kind: 'ts', val: { ...o.val }, ecr: { ...o.ecr } } : o)),
    mistakes: { ...p.mistakes },
  };
}

/** A stable text key of a probe packet (used for equality and caching). */
export function packetKey(p: ProbePacket): string {
  return stableStringify(p);
}
