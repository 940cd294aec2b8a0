// The normalised case a runner consumes: what `parseCaseText` / `loadCaseFile` return.
// Every default is filled in, durations are milliseconds, flags are bit masks (lib/wire/types.ts),
// expressions are small ASTs, and every step carries the position of its action key in the file.
// The YAML syntax itself is described in cases/README.md and by lib/case/schema.ts.
import type { TcpOption } from '../wire/types';
import type { SourcePos } from '../yaml-kit/yaml-source';

/** 1-based line and column of a token in the case file (the kit's, part of the case's own vocabulary). */
export type { SourcePos };

// ---------------------------------------------------------------------------------------------
// Values and expressions

/**
 * What an expression is relative to, per flow:
 *  - `peer.isn`   the flow's `isn` (known before the run);
 *  - `dut.isn`    the DUT's ISN, bound by the first SYN or SYN-ACK the DUT sends on the flow;
 *  - `peer.tsval` the TSval of the most recent TS option the peer sent on the flow;
 *  - `dut.tsval`  the TSval of the most recent TS option the DUT sent on the flow.
 */
export type ExprBase = 'peer.isn' | 'dut.isn' | 'peer.tsval' | 'dut.tsval';
export const EXPR_BASES: readonly ExprBase[] = ['peer.isn', 'dut.isn', 'peer.tsval', 'dut.tsval'];

/** `base + offset` modulo 2^32 (offset may be negative), evaluated in `flow`'s bindings. */
export interface Expr {
  base: ExprBase;
  offset: number;
  /** the flow whose bindings are used: the step's flow */
  flow: string;
  /** as written, e.g. "dut.isn+1" */
  text: string;
}

/** A 32-bit field value: a literal or an expression evaluated when the step runs. */
export type Value = number | Expr;

/** A time window in ms, e.g. "1s±200ms" → { min: 800, max: 1200 }. */
export interface TimeWindow {
  min: number;
  max: number;
  text: string;
}

/** A kernel release range: any of the groups matches when all its comparators do. */
export interface KernelRange {
  text: string;
  /** Why the case is gated: the comment on the `kernel:` line (the release and the evidence). */
  why?: string;
  /** [] = any kernel ("*") */
  anyOf: KernelComparator[][];
}
export interface KernelComparator {
  op: '>=' | '>' | '<=' | '<' | '=';
  major: number;
  minor: number;
}

/** Comparison against a count: counters (deltas), queue lengths, call return values. */
export type CmpMatcher = { op: '=' | '>=' | '>' | '<=' | '<'; value: number; text: string } | { op: 'range'; lo: number; hi: number; text: string };

// ---------------------------------------------------------------------------------------------
// Packet references (labels, `same:`, `tfo=@label`)

/** An earlier packet: a send step, or packet `packet` of an expect step. */
export interface PacketRef {
  /** 0-based index of the step in `steps` */
  step: number;
  /** 0-based index of the packet within an expect step (always 0 for a send) */
  packet: number;
  /** the label, when the reference was written as a label */
  label?: string;
  /** as written, e.g. "first-synack" or "3" */
  text: string;
}

/** Fields that `same:` can compare. tsval/tsecr/mss/wscale read the packet's options. */
export type SameField = 'seq' | 'ack' | 'window' | 'urg' | 'flags' | 'len' | 'ttl' | 'tos' | 'id' | 'flowlabel' | 'tsval' | 'tsecr' | 'mss' | 'wscale';
export const SAME_FIELDS: readonly SameField[] = [
  'seq',
  'ack',
  'window',
  'urg',
  'flags',
  'len',
  'ttl',
  'tos',
  'id',
  'flowlabel',
  'tsval',
  'tsecr',
  'mss',
  'wscale',
];

// ---------------------------------------------------------------------------------------------
// Matchers (expect)

/**
 * One numeric field of an expected packet.
 *  - any:   "*"
 *  - value: exact; an Expr on `dut.isn` of a flow whose DUT ISN is not bound yet is bound first by
 *           the matched packet when it is a SYN (so `seq: dut.isn` on the first SYN-ACK always holds)
 *  - range: [lo, hi] inclusive (seq/ack: modulo 2^32, walking forward from lo)
 *  - same:  equal to `field` of an earlier packet
 */
export type NumMatcher =
  | { kind: 'any'; text: string }
  | { kind: 'value'; value: Value; text: string }
  | { kind: 'range'; lo: Value; hi: Value; text: string }
  | { kind: 'same'; ref: PacketRef; field: SameField; text: string };

/** TCP flags: exact bits (letters), has/lacks masks, any, or same as an earlier packet. */
export type FlagsMatcher =
  | { kind: 'any'; text: string }
  | { kind: 'exact'; flags: number; text: string }
  | { kind: 'mask'; has: number; lacks: number; text: string }
  | { kind: 'same'; ref: PacketRef; text: string };

/** One option of an expected packet. Matchers here are only 'any' or 'value'. */
export type OptionPattern = { text: string } & (
  | { kind: 'eol' }
  | { kind: 'nop' }
  | { kind: 'sackOK' }
  | { kind: 'mss'; value: NumMatcher }
  | { kind: 'wscale'; shift: NumMatcher }
  | { kind: 'ts'; val: NumMatcher; ecr: NumMatcher }
  | { kind: 'sack'; blocks: Array<[NumMatcher, NumMatcher]> | 'any' }
  /** cookie 'any' = a TFO option with any cookie; an empty Uint8Array = a cookie request */
  | { kind: 'tfo'; exp: boolean; cookie: Uint8Array | 'any' }
  | { kind: 'md5'; digest: Uint8Array | 'any' }
  | { kind: 'unknown'; type: number; data: Uint8Array | 'any' }
  | { kind: 'bytes'; bytes: Uint8Array }
);

/**
 * The options of an expected packet:
 *  - exact: the option list, in order, item for item;
 *  - some:  every `contains` item occurs somewhere (any order), and no option matches a `lacks` item.
 */
export type OptionsMatcher = { kind: 'exact'; items: OptionPattern[] } | { kind: 'some'; contains: OptionPattern[]; lacks: OptionPattern[] };

/** One expected packet. Absent fields are not checked (unless `model` is true: then the model's). */
export interface PacketPattern {
  pos: SourcePos;
  flow: string;
  label?: string;
  /** the model must also predict this packet, and agree with it on every field */
  model: boolean;
  flags?: FlagsMatcher;
  seq?: NumMatcher;
  ack?: NumMatcher;
  window?: NumMatcher;
  urg?: NumMatcher;
  /** payload length */
  len?: NumMatcher;
  /** exact payload bytes */
  payload?: Uint8Array;
  options?: OptionsMatcher;
  /** the TS option's TSval / TSecr (the packet must carry TS) */
  tsval?: NumMatcher;
  tsecr?: NumMatcher;
  /** IPv4 TTL or IPv6 hop limit */
  ttl?: NumMatcher;
  /** IPv4 TOS byte or IPv6 traffic class (all 8 bits) */
  tos?: NumMatcher;
  /** ECN codepoint of tos (0 not-ect, 1 ect1, 2 ect0, 3 ce) */
  ecn?: number;
  /** IPv4 only */
  df?: boolean;
  /** IPv4 only */
  id?: NumMatcher;
  /** IPv6 only */
  flowlabel?: NumMatcher;
  /** arrival time relative to the reference point: the latest send or call step (or the case start) */
  at?: TimeWindow;
  /**
   * How long to wait for this packet, in ms, from when the runner starts waiting for it (the start
   * of the step for the first packet, the previous packet's arrival after that). Undefined only when
   * `at` is given without `within`: then wait until the `at` window closes.
   */
  within?: number;
}

/**
 * How long an expected packet is waited for when the case gives neither `within` nor `at` (ms): the
 * default a pattern gets when the case is read, and the wait of an `expect: model` step.
 */
export const DEFAULT_WITHIN_MS = 1000;

// ---------------------------------------------------------------------------------------------
// Steps

export interface StepBase {
  /** 0-based; reports say "step index+1" */
  index: number;
  /** the step's action key (send:, expect:, …) */
  pos: SourcePos;
  note?: string;
}

/** What the peer sends. Options may hold expressions (TS, SACK) or a cookie copied from a packet. */
export type SendOption =
  | Exclude<TcpOption, { kind: 'ts' } | { kind: 'sack' } | { kind: 'tfo' }>
  | { kind: 'ts'; val: Value; ecr: Value }
  | { kind: 'sack'; blocks: Array<[Value, Value]> }
  /** `{ kernel: true }`: the cookie the DUT's kernel makes for this peer and address pair (key known) */
  | { kind: 'tfo'; cookie: Uint8Array | { from: PacketRef } | { kernel: true }; exp?: boolean };

/** Deliberate errors in a sent packet. Absent = correct. */
export interface Mistakes {
  /** 'bad' = the correct checksum with its bits flipped; a number = that checksum value */
  tcpChecksum?: 'bad' | number;
  /** IPv4 only */
  ipChecksum?: 'bad' | number;
  /** TCP data offset in 32-bit words (0..15) */
  dataOffset?: number;
  /** IPv4 total length field; IPv4 only */
  ipTotalLength?: number;
  /** the three reserved bits left of AE (0..7) */
  reservedBits?: number;
}

export interface SendStep extends StepBase {
  kind: 'send';
  flow: string;
  label?: string;
  /** TCP flag bits (lib/wire/types.ts), AE included */
  flags: number;
  seq: Value;
  ack: Value;
  window: number;
  urg: number;
  options: SendOption[];
  payload: Uint8Array;
  /** IPv4 TOS / IPv6 traffic class, ECN bits included */
  tos: number;
  /** IPv4 TTL / IPv6 hop limit */
  ttl: number;
  mistakes: Mistakes;
  /** Destination: the DUT's address, or a broadcast / multicast one (IPv4 only for the broadcasts). */
  to: SendTarget;
}

export type SendTarget = 'dut' | 'broadcast' | 'limited-broadcast' | 'multicast';

/**
 * expect. With `byModel` (written `expect: model`) the model's prediction for the stimuli so far is
 * the expectation — any number of packets (none included), on any flow of the case — and
 * `packets` is empty. Otherwise exactly `packets.length` packets, in order.
 */
export interface ExpectStep extends StepBase {
  kind: 'expect';
  byModel: boolean;
  packets: PacketPattern[];
}

/** Nothing may arrive for `ms` (on `flow`, or on any flow of the case when undefined). */
export interface ExpectNoneStep extends StepBase {
  kind: 'expect_none';
  ms: number;
  flow?: string;
}

export interface WaitStep extends StepBase {
  kind: 'wait';
  ms: number;
}

/** Which socket a call acts on: the listener, or the connection (accepted or connecting) socket. */
export type SockRef = 'listener' | 'conn';

/** A socket option's value as a case file writes it (the case layer; the agent's is AgentSockoptValue): integers (booleans become 0/1), strings, and the two structured ones. */
export type CaseSockoptValue = number | string | { key?: string; keyHex?: string; prefixlen?: number } | { onoff: number; linger: number };

export interface SockOpt {
  name: string;
  value: CaseSockoptValue;
}

/** The expected outcome of a call. Default when not written: { ok: true }. */
export interface CallExpect {
  ok?: boolean;
  ret?: CmpMatcher;
  /** errno name, e.g. 'EAGAIN' */
  err?: string;
  /** getsockopt: the value read */
  value?: number | string;
  /** recv: the bytes read */
  data?: Uint8Array;
}

export type CallStep = StepBase & { kind: 'call'; expect: CallExpect } &
  /** wait up to timeout ms for a connection (0 = one non-blocking try) */
  (
    | { op: 'accept'; on: 'listener'; timeout: number }
    /** wait up to timeout ms for the connect() issued by `setup.connect` to complete */
    | { op: 'connect'; on: 'conn'; timeout: number }
    | { op: 'close'; on: SockRef }
    | { op: 'shutdown'; on: SockRef; how: 'rd' | 'wr' | 'rdwr' }
    /**
     * fastopen: sendto(MSG_FASTOPEN) (the data of a connect not made yet, or EALREADY on one in progress).
     * blocking: a blocking call, started here (it blocks in the kernel while later steps' packets flow);
     * a later `complete` step checks what it returns (this step's expect is empty).
     */
    | { op: 'send'; on: SockRef; data: Uint8Array; fastopen?: true; blocking?: true }
    | { op: 'recv'; on: SockRef; len: number; timeout: number }
    | { op: 'setsockopt'; on: SockRef; name: string; value: CaseSockoptValue }
    | { op: 'getsockopt'; on: SockRef; name: string }
    /** poll() for `events` (POLL* bits) up to timeout ms; expect: { ret, value: revents } */
    | { op: 'poll'; on: SockRef; events: number; timeout: number }
    /** listen() again on the listener (changes the backlog) */
    | { op: 'listen'; on: 'listener'; backlog: number }
    /** a new listener on the case's port once the previous one is closed: socket, options, bind, listen */
    | { op: 'open-listener'; on: 'listener'; backlog: number; sockopts: SockOpt[] }
    /**
     * A new connecting socket (active-open cases): socket, options, then connect() to the flow's sport —
     * or, with `fastopen`, sendto(MSG_FASTOPEN) of that many bytes (blocking: as a blocking call, see
     * send). It becomes the case's `conn`; an earlier connection is left as it is.
     */
    | {
        op: 'open-connection';
        on: 'conn';
        flow: string;
        sockopts: SockOpt[];
        fastopen?: number;
        blocking?: true;
        /** the sendto names an AF_UNSPEC address */
        unspec?: true;
        /** connect the socket an open-socket made (its options were set there and by later calls; `sockopts` tells the model) */
        existing?: true;
      }
    /** a socket before its connect (socket, options): calls act on it as `conn` until an open-connection with existing connects it */
    | { op: 'open-socket'; on: 'conn'; sockopts: SockOpt[] }
    /** wait up to timeout ms for the blocking call (send / open-connection with blocking) started on `on` to return; expect checks its return */
    | { op: 'complete'; on: SockRef; timeout: number }
  );
export type CallOp = CallStep['op'];

export interface StateAssert {
  flow: string;
  /** a /proc/net/tcp state name (ESTABLISHED, SYN_RECV, …) or 'none' (no socket for the 4-tuple) */
  is: string;
}

/**
 * An expression over the TCP_INFO of a socket (fields by their linux/tcp.h names, tcpi_*): numbers,
 * fields, & | + - *, comparisons (chained: a <= x <= b), not / and / or. packetdrill's %{ assert … }%.
 */
export type InfoExpr =
  | { kind: 'num'; value: number }
  | { kind: 'field'; name: string }
  | { kind: 'bin'; op: '&' | '|' | '+' | '-' | '*'; l: InfoExpr; r: InfoExpr }
  | { kind: 'cmp'; ops: Array<'==' | '!=' | '<' | '<=' | '>' | '>='>; items: InfoExpr[] }
  | { kind: 'not'; e: InfoExpr }
  | { kind: 'and' | 'or'; l: InfoExpr; r: InfoExpr };

/** One TCP_INFO assertion: holds when `expr` is true (non-zero). */
export interface TcpInfoCheck {
  /** as written */
  text: string;
  expr: InfoExpr;
  pos: SourcePos;
}

/** A grep pipeline over the DUT's /proc/net files: the first grep's files, then every pattern in order (fixed strings). */
export interface GrepPipeline {
  files: string[];
  patterns: string[];
}

export interface AssertStep extends StepBase {
  kind: 'assert';
  /** TCP_INFO of the listener or the connection socket, read by getsockopt */
  tcpInfo?: { on: SockRef; checks: TcpInfoCheck[] };
  /** accept-queue length of the listener */
  acceptq?: CmpMatcher;
  /** SYN-queue length (requests in SYN_RECV) of the listener */
  synq?: CmpMatcher;
  states: StateAssert[];
  /** nstat counters: change since the start of the case */
  counters: Array<{ name: string; expect: CmpMatcher }>;
  /** packetdrill's `grep P /proc/net/tcp… | grep P2` shell line: some line of the DUT namespace's socket tables gets through (grep exits 0) */
  procGrep?: GrepPipeline & { text: string };
}

/** Sysctls of the DUT's namespace changed mid-case (net.* only), in order; the model follows. */
export interface SysctlStep extends StepBase {
  kind: 'sysctl';
  sysctls: Array<{ name: string; value: number | string }>;
  /** then `ip tcp_metrics flush all` in the DUT's namespace: its TCP metrics and Fast Open cache emptied (packetdrill shell lines) */
  flushTcpMetrics?: true;
}

/**
 * An ICMP error the peer (as a router on the path would) sends to the DUT about a packet the DUT
 * sent: its type and code per family (ICMPv4 / ICMPv6 bytes), the MTU of frag_needed /
 * packet_too_big, and what it quotes — an earlier DUT packet, or a segment described by its seq.
 */
export interface IcmpStep extends StepBase {
  kind: 'icmp';
  flow: string;
  icmp: Partial<Record<4 | 6, { type: number; code: number }>>;
  /** type and code as written (names or numbers) */
  written: { type: string | number; code?: string | number };
  mtu?: number;
  quote: { ref: PacketRef } | { seq: Value; len: number; flags: number };
  mistakes: { icmpChecksum?: 'bad' | number; ipChecksum?: 'bad' | number };
}

export type Step = IcmpStep | SendStep | ExpectStep | ExpectNoneStep | CallStep | WaitStep | AssertStep | SysctlStep;

// ---------------------------------------------------------------------------------------------
// The case

/** The DUT's socket before the first step. */
export type Setup =
  | { kind: 'listen'; port: number; backlog: number; sockopts: SockOpt[]; /** bound to the wildcard address */ any?: true }
  /** the DUT connects to the peer's `port` (non-blocking connect() before the first step) */
  | {
      kind: 'connect';
      port: number;
      bind?: number;
      sockopts: SockOpt[];
      /** 'step': no socket at set-up; the first open-connection call makes it */ open?: 'step';
    }
  | { kind: 'closed'; port: number };

/** A peer endpoint: `sport` is the peer's port, `isn` its initial sequence number. */
export interface Flow {
  name: string;
  sport: number;
  isn: number;
}

export interface CaseFile {
  /** the path the case was loaded from, as given */
  file: string;
  name: string;
  description: string;
  /** spec sections, e.g. ['§5.3', '§4.7'] */
  spec: string[];
  kernel: KernelRange;
  /** the case runs once per family, in this order */
  families: Array<4 | 6>;
  /** in file order */
  sysctls: Array<{ name: string; value: number | string }>;
  setup: Setup;
  /** in file order; flows[0] is the default flow of every step */
  flows: Flow[];
  steps: Step[];
  /**
   * DUT packets no expectation took that arrive after the last expected packet: 'fail' (the default,
   * every case file) or 'report' (imported packetdrill scripts, as packetdrill never looks at them;
   * `--strict` turns them back to 'fail'). Earlier untaken packets always fail.
   */
  trailing?: 'fail' | 'report';
  /**
   * The DUT link's MTU per family when not the lab's default 1500 (imported packetdrill scripts run
   * IPv6 at 1520, as packetdrill's run_all.py does, so both families advertise MSS 1460).
   */
  mtu?: Partial<Record<4 | 6, number>>;
  /** Where the case came from when it was not written as YAML: the script and its tool. */
  source?: { kind: 'packetdrill'; notes: string[] };
}
