// Model environment, state and the per-step accumulator. State is immutable from the caller's view:
// a step copies only the maps it writes (copy-on-write), never the whole state.
import type { Decoded, PacketJson } from '../../wire/types';
import type { Profile } from './profile';
import type { Reason, RuleId } from './reasons';
import { ArgReason, reason } from './reasons';
import type { RouteFacts } from './route';
import type { SockOpts } from './sockopts';
import type { Sysctls } from './sysctls';
import type { Num, Sym } from './symbols';
import type { TimerSlack } from './timer-wheel';
import { EMPTY_TABLE, ReadonlyTable, Table } from './table';

export interface FixedDraws {
  isn?: number;
  /** Cookie ISN (defaults to `isn` when that is fixed). */
  cookieIsn?: number;
  tsOff?: number;
  flow?: number;
  /** Ephemeral port connect() picks. */
  sport?: number;
  tfoKeyCookie?: (src: string, dst: string) => Uint8Array;
}

export interface ModelEnv {
  readonly release: string;
  readonly profile: Profile;
  readonly sysctls: Sysctls;
  readonly ip: 4 | 6;
  readonly dut: string;
  readonly peer: string;
  readonly route: RouteFacts;
  /** IPv4 prefix length of the DUT's subnet (for the directed broadcast address). */
  readonly prefixLen: number;
  /** The DUT address itself is a broadcast/multicast address (predict CLI: DUT = packet's dst). */
  readonly dutIsBroadcast: boolean;
  readonly fixed?: FixedDraws;
  /** Tolerance for TSval ≈ clock checks, ms. */
  readonly tsTolMs: number;
  /** Decisions taken while building the env (profile choice). */
  readonly notes: Reason[];
}

export type FieldExpect =
  | number
  | Sym
  | { range: [number, number]; bindAs?: string }
  | { even: true; range?: [number, number] }
  | { low6: number }
  /** bindAs: record the observed TSval itself under this name (the kernel compares TSecrs with exact TSvals it sent). */
  | { tsval: { off: Num; approxMs: number; tolMs: number; low6?: number; bindAs?: string } }
  | { hex: string }
  | { symHex: string; bytes: number };

/** Per field path ('tcp.seq', 'tcp.ack', 'tcp.sport', 'tcp.window', 'ip.flow', 'ip.id', 'opt.ts.val', 'opt.ts.ecr', 'opt.tfo', 'opt.md5'). */
export type Expectation = Record<string, FieldExpect>;

export interface Prediction {
  packet: PacketJson;
  expect: Expectation;
  reason: Reason;
  atMs: number;
  /** A delayed ACK of this socket (key): a later step's `cancels` withdraws it if it is not due yet (C37). */
  delack?: string;
}

export interface TimerInfo {
  what: 'synack-rtx' | 'syn-rtx' | 'req-expire' | 'tfo-synack-rtx' | 'tw-expire' | 'syn-timeout' | 'fin-rtx' | 'probe0';
  atMs: number;
  key: string;
}

export interface StepResult {
  responses: Prediction[];
  state: ModelState;
  timers: TimerInfo[];
  counters: Record<string, number>;
  reasons: Reason[];
  /**
   * Sockets (keys) whose delayed ACK predicted by an earlier step will not be sent: an ACK went out
   * first, or the socket closed (tcp_event_ack_sent / tcp_clear_xmit_timers clear the timer; C37).
   */
  cancels?: string[];
}

export type ModelEvent =
  | { type: 'listen'; port: number; backlog: number; opts?: SockOpts }
  | { type: 'setsockopt'; port: number; opts: Partial<SockOpts> }
  | { type: 'accept'; port: number }
  /** Closes the listener on `port`; with `peerPort`, the connection (local port, peer port) instead. */
  | { type: 'close'; port: number; peerPort?: number }
  /** The application read everything queued on the connection (local port, peer port). */
  | { type: 'recv'; port: number; peerPort: number }
  /** fastopen: sendto(MSG_FASTOPEN) of `len` bytes, or the first write of a deferred TCP_FASTOPEN_CONNECT (§8.7) */
  | { type: 'connect'; dport: number; sport?: number; opts?: SockOpts; fastopen?: { len: number; blocking?: boolean } }
  | { type: 'segment'; seg: Decoded; checksumOk?: boolean }
  /** `ip tcp_metrics flush`: the namespace's TCP metrics, and with them the Fast Open cache, are emptied */
  | { type: 'flush-metrics' }
  | { type: 'tick' };

export interface Listener {
  readonly port: number;
  readonly backlog: number;
  /** sk_max_ack_backlog = min(backlog, somaxconn). */
  readonly maxBacklog: number;
  readonly opts: SockOpts;
  /** Tuple keys of children waiting in the accept queue, oldest first. */
  readonly acceptq: readonly string[];
  /** Number of reqs in the SYN queue. */
  readonly qlen: number;
  /** Last time a syncookie was sent (ms), -Infinity if never. */
  readonly lastOverflowMs: number;
  /** TFO children not yet past the handshake. */
  readonly tfoQlen: number;
}

/** What a SYN-ACK carries, fixed when the req is created and reused for every retransmission. */
export interface SynAckTpl {
  readonly flags: number;
  readonly window: number;
  readonly mss: number;
  readonly ws: number; // -1 = no WS option
  readonly ts: boolean;
  readonly sack: boolean;
  readonly md5: boolean;
  /** TFO option: hex of a known cookie, or a symbol for the cookie; undefined = none. */
  readonly tfo?: { hex?: string; sym?: string; exp: boolean };
  readonly ttl: number;
  readonly tos: number; // v4 TOS byte / v6 traffic class
}

export interface Req {
  readonly key: string;
  readonly peer: string;
  readonly pport: number;
  readonly lport: number;
  readonly rcvIsn: number;
  readonly rcvNxt: number;
  readonly isn: Num;
  readonly tsOff: Num;
  readonly tsOk: boolean;
  readonly tsRecent: number;
  readonly sackOk: boolean;
  readonly wsOk: boolean;
  readonly sndWscale: number;
  readonly rcvWscale: number;
  readonly mssClamp: number;
  readonly ecnOk: boolean;
  readonly rcvWnd: number;
  readonly synTos: number;
  readonly tpl: SynAckTpl;
  readonly numTimeout: number;
  readonly numRetrans: number;
  readonly timerAt: number;
  /** How late the kernel's timer may really fire after timerAt (timer wheel, correction C5). */
  readonly timerSlack?: TimerSlack;
  /**
   * Binding-name stem of the SYN-ACK TSvals as sent: `${tsSym}/${n}` is the TSval of SYN-ACK n (0 = the
   * first, n = numRetrans the latest), i.e. snt_tsval_first / snt_tsval_last (correction C10).
   */
  readonly tsSym?: string;
  readonly firstTsMs: number;
  readonly lastTsMs: number;
  readonly lastOowMs: number;
  readonly acked: boolean;
  readonly flow: Num;
  readonly flowGen: number;
}

export type SockState = 'SYN_SENT' | 'SYN_RECV' | 'ESTABLISHED' | 'CLOSE_WAIT' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'CLOSING' | 'LAST_ACK' | 'TIME_WAIT';

export interface Sock {
  readonly key: string;
  readonly state: SockState;
  /**
   * 'FIN_WAIT2': the socket is a timewait mini-socket in its FIN_WAIT2 substate (an orphan whose FIN was
   * acknowledged: tcp_time_wait(TCP_FIN_WAIT2)); `state` still reads FIN_WAIT2 (correction C23).
   */
  readonly twSub?: 'FIN_WAIT2';
  readonly peer: string;
  readonly pport: number;
  /** Local port; a symbol while connect()'s ephemeral port is unobserved. */
  readonly lport: Num;
  readonly active: boolean;
  /** Listener port for passive children. */
  readonly listenPort?: number;
  readonly accepted: boolean;
  /** Payload bytes queued for the application and not read yet (close() then resets: C8). */
  readonly unread?: number;
  readonly isn: Num;
  /** snd_nxt − ISN. */
  readonly sndNxtOff: number;
  /** rcv_nxt (unknown in SYN_SENT). */
  readonly rcvNxt: number;
  readonly rcvIsn: number;
  readonly tsOk: boolean;
  readonly tsOff: Num;
  readonly tsRecent: number;
  readonly sackOk: boolean;
  readonly wsOk: boolean;
  readonly rcvWscale: number;
  readonly rcvWnd: number;
  readonly fullSpace: number;
  readonly ecnOk: boolean;
  /** Classic ECN: a CE mark was received and no CWR since (TCP_ECN_DEMAND_CWR): every segment carries ECE (C36). */
  readonly demandCwr?: boolean;
  readonly ttl: number;
  readonly tos: number;
  readonly flow: Num;
  readonly ipId: Num;
  /** Packets sent so far (IP ID offset of the next one). */
  readonly sent: number;
  readonly lastOowMs: number;
  readonly opts: SockOpts;
  readonly md5: boolean;
  /** SYN_SENT / TFO SYN_RECV / TIME_WAIT timer; after close(), the FIN's retransmission or zero-window probe timer. */
  readonly timerAt: number;
  /** How late the kernel's timer may really fire after timerAt (timer wheel, correction C5). */
  readonly timerSlack?: TimerSlack;
  readonly retransmits: number;
  /** total RTOs so far (tcp_syn_linear_timeouts accounting). */
  readonly totalRto: number;
  /** Current retransmission timeout, ms. */
  readonly rtoMs: number;
  /** ms time of the first SYN (retrans_stamp). */
  readonly firstSynMs: number;
  /** Original SYN (active) or SYN-ACK (TFO child) template. */
  readonly tpl?: SynAckTpl;
  /** Binding name of the first SYN's TSval as sent (retrans_stamp + ts_off exactly; correction C11). */
  readonly synTsSym?: string;
  /**
   * AccECN mode (correction C18): ect = segments are sent ECT(0); ace = the ACE value (AE CWR ECE) of the
   * next segment; ceRcv = CE-marked packets counted.
   */
  readonly accecn?: {
    readonly ect: boolean;
    readonly ace: number;
    readonly ceRcv: number;
    readonly opt?: boolean;
    /** The IP-ECN field of the last segment with data or FIN it received (undefined: none yet, the handshake's Not-ECT) — C46. */
    readonly lastEcn?: number;
  };
  /** When the delayed ACK this socket predicted goes out (the timer tcp_send_delayed_ack armed), if pending. */
  readonly delackAt?: number;
  /**
   * The handshake's RTT sample, ms (tcp_synack_rtt_meas / the SYN's ACK): undefined when the kernel
   * took none the model knows (a retransmitted SYN or SYN-ACK, a syncookie child). Sets the RTO (C39).
   */
  readonly rttMs?: number;
  /** After close(): the FIN's retransmissions (or zero-window probes) so far and the base RTO's range, ms (C39). */
  readonly finRtx?: { readonly n: number; readonly loMs: number; readonly hiMs: number };
  /** close() queued the FIN but the peer's window is 0: not sent yet (C27, C39). */
  readonly finHeld?: boolean;
  /** snd_una − ISN when it lags snd_nxt (our FIN not acked yet); undefined = snd_nxt. */
  readonly sndUnaOff?: number;
  /**
   * SACK blocks of the out-of-order data queued (tp->selective_acks, most recent first, at most 4):
   * every segment the socket sends carries them after its D-SACK (correction C27).
   */
  readonly ofo?: ReadonlyArray<readonly [number, number]>;
  /** The peer's window as the socket holds it (snd_wnd, scaled), snd_wl1, the largest window seen. */
  readonly sndWnd?: number;
  readonly sndWl1?: number;
  readonly maxWindow?: number;
  /** The peer's window-scale shift (snd_wscale; 0 without WS). */
  readonly sndWscale?: number;
  /** Binding name of the window field of the last ACK this socket sent (its receive window = field << rcv_wscale). */
  readonly rcvWndSym?: string;
  /** rcv_nxt when that ACK was sent (rcv_wup). */
  readonly rcvWup?: number;
  /**
   * rcv_wup and the window symbol before a delayed ACK that is not due yet: tcp_select_window moves
   * rcv_wup only when the ACK leaves, so until delackAt the kernel still tests segments against these (C44).
   */
  readonly wupBeforeDelack?: { rcvWup?: number; rcvWndSym?: string };
  readonly synEcn: boolean;
  /** TFO child: SYN-ACK timer count. */
  readonly numTimeout: number;
  /**
   * Client Fast Open (§8.7): the first SYN carried a TFO option (syn_fastopen, `exp` in the
   * experimental format) and `data` bytes (syn_data); retransmitted SYNs carry neither.
   */
  readonly tfoClient?: { readonly option: boolean; readonly exp: boolean; readonly data: number };
  /** The path MTU an ICMP frag_needed / packet_too_big lowered (undefined: the route's MTU), §3.6. */
  readonly pmtu?: number;
  /**
   * A blocking sendto(MSG_FASTOPEN) or first write waits for the handshake with this many bytes the SYN
   * did not carry (inet_wait_for_connect's sk_write_pending; tcp_send_syn_data clears it when the SYN
   * took them all). The writer sends them once established: the data path, not predicted packet by packet.
   */
  readonly writePending?: number;
}

export interface CookieRec {
  readonly peerIsn: number;
  readonly isn: Num;
  readonly sentMs: number;
  readonly mss: number;
  readonly tsOff: Num;
  readonly listenPort: number;
  /** Option bits encoded in the TSval low 6 bits (-1: SYN had no TS). */
  readonly low6: number;
}

/**
 * What the client side of TCP Fast Open keeps per destination address in the namespace's TCP metrics
 * (tcp_fastopen_cache_set / _get, §8.7): the peer's MSS, its cookie (hex) and whether it came in the
 * experimental option, and try_exp (1: ask in the experimental format next time).
 */
export interface TfoCacheEntry {
  readonly mss: number;
  readonly cookie?: string;
  readonly exp: boolean;
  readonly tryExp: number;
}

export interface ModelState {
  readonly listeners: ReadonlyTable<number, Listener>;
  readonly reqs: ReadonlyTable<string, Req>;
  readonly socks: ReadonlyTable<string, Sock>;
  readonly cookies: ReadonlyTable<string, readonly CookieRec[]>;
  /** Client TFO cache by destination address (§8.7). */
  readonly tfoCache: ReadonlyTable<string, TfoCacheEntry>;
  readonly bindings: Readonly<Record<string, number>>;
  /** Earliest armed timer (ms); may be early after removals, never late. */
  readonly nextDue: number;
  /** Counter for unique symbol names. */
  readonly gen: number;
}

/** The empty bindings object (frozen) of EMPTY_STATE. */
const EMPTY_DICT: Readonly<Record<string, never>> = Object.freeze(Object.create(null));

/** True when the bindings hold no entry; the shared empty object answers without enumerating. */
export function isEmptyDict(o: Readonly<Record<string, unknown>>): boolean {
  if (o === EMPTY_DICT) return true;
  for (const _ in o) return false;
  return true;
}

/**
 * A copy of the bindings as a dictionary-mode object (Object.create(null)): adding new symbol names
 * costs no hidden-class transitions.
 */
export function cloneDict<T>(o: Readonly<Record<string, T>>): Record<string, T> {
  const n = Object.create(null) as Record<string, T>;
  if (o !== EMPTY_DICT) for (const k in o) n[k] = o[k];
  return n;
}

/** What a step that sends nothing, arms nothing and counts nothing returns (shared, frozen). */
const NO_RESPONSES: Prediction[] = Object.freeze([]) as unknown as Prediction[];
const NO_TIMERS: TimerInfo[] = Object.freeze([]) as unknown as TimerInfo[];
const NO_COUNTERS: Record<string, number> = Object.freeze({}) as Record<string, number>;

export const EMPTY_STATE: ModelState = Object.freeze({
  listeners: EMPTY_TABLE,
  reqs: EMPTY_TABLE,
  socks: EMPTY_TABLE,
  cookies: EMPTY_TABLE,
  tfoCache: EMPTY_TABLE,
  bindings: EMPTY_DICT,
  nextDue: Infinity,
  gen: 0,
});

/**
 * `l` with a new SYN-queue length (a req added or gone). An explicit literal in listen()'s key order:
 * every SYN takes this path, and a spread with an override costs several times more.
 */
export function listenerWithQlen(l: Listener, qlen: number): Listener {
  return {
    port: l.port,
    backlog: l.backlog,
    maxBacklog: l.maxBacklog,
    opts: l.opts,
    acceptq: l.acceptq,
    qlen,
    lastOverflowMs: l.lastOverflowMs,
    tfoQlen: l.tfoQlen,
  };
}

export function tupleKey(peer: string, pport: number, lport: number): string {
  return peer + ':' + pport + '>' + lport;
}

/**
 * The accumulator for one apply(): responses, reasons, counters, timers and copy-on-write maps.
 * Fields are `declare`d and set in the constructor (no class-field initialiser per step; one shape).
 */
export class Step {
  declare readonly env: ModelEnv;
  declare readonly base: ModelState;
  declare now: number;
  declare responses: Prediction[];
  declare readonly reasons: Reason[];
  declare timers: TimerInfo[];
  declare counters: Record<string, number>;
  declare cancels: string[] | undefined;
  // Until the step's first write to a table, the base state's (read-only) table; then the step's copy.
  declare listeners: ReadonlyTable<number, Listener>;
  declare reqs: ReadonlyTable<string, Req>;
  declare socks: ReadonlyTable<string, Sock>;
  declare cookies: ReadonlyTable<string, readonly CookieRec[]>;
  declare tfoCache: ReadonlyTable<string, TfoCacheEntry>;
  declare bindings: Record<string, number>;
  declare nextDue: number;
  declare gen: number;
  /** Bit set of the maps this step has already copied (1 listeners, 2 reqs, 4 socks, 8 cookies, 16 bindings, 32 tfoCache). */
  declare private own: number;
  constructor(env: ModelEnv, base: ModelState, now: number) {
    this.env = env;
    this.base = base;
    this.now = now;
    this.responses = NO_RESPONSES;
    this.reasons = [];
    this.timers = NO_TIMERS;
    this.counters = NO_COUNTERS;
    this.cancels = undefined;
    this.own = 0;
    this.listeners = base.listeners;
    this.reqs = base.reqs;
    this.socks = base.socks;
    this.cookies = base.cookies;
    this.tfoCache = base.tfoCache ?? EMPTY_TABLE;
    this.bindings = base.bindings as Record<string, number>;
    this.nextDue = base.nextDue;
    this.gen = base.gen;
  }
  why(rule: RuleId, text: string | (() => string)): Reason {
    const r = reason(rule, text);
    this.reasons.push(r);
    return r;
  }
  /** why() with a module-level formatter of values at hand instead of a closure (the hot paths). */
  whyf<A, B = undefined, C = undefined, D = undefined>(rule: RuleId, f: (a: A, b: B, c: C, d: D) => string, a: A, b?: B, c?: C, d?: D): Reason {
    const r = new ArgReason<A, B, C, D>(rule, f, a, b as B, c as C, d as D);
    this.reasons.push(r);
    return r;
  }
  /** Records a prebuilt Reason (an immutable one shared between steps, e.g. of a cached SYN-ACK template). */
  note(r: Reason): Reason {
    this.reasons.push(r);
    return r;
  }
  count(name: string, n = 1): void {
    if (this.counters === NO_COUNTERS) this.counters = {};
    this.counters[name] = (this.counters[name] ?? 0) + n;
  }
  // Most steps send nothing or one packet and arm at most a timer or two: responses, timers and
  // counters start as shared frozen empties, and the first entry starts a one-element array rather
  // than growing an empty one to V8's default 17 slots.
  send(packet: PacketJson, expect: Expectation, r: Reason, atMs = this.now, delack?: string): void {
    const p: Prediction = delack === undefined ? { packet, expect, reason: r, atMs } : { packet, expect, reason: r, atMs, delack };
    if (this.responses.length === 0) this.responses = [p];
    else this.responses.push(p);
  }
  arm(what: TimerInfo['what'], atMs: number, key: string): void {
    const t: TimerInfo = { what, atMs, key };
    if (this.timers.length === 0) this.timers = [t];
    else this.timers.push(t);
    if (atMs < this.nextDue) this.nextDue = atMs;
  }
  setListener(port: number, l: Listener | undefined): void {
    if (!(this.own & 1)) {
      this.listeners = this.listeners.copy();
      this.own |= 1;
    }
    write(this.listeners as Table<number, Listener>, port, l);
  }
  setReq(key: string, r: Req | undefined): void {
    if (!(this.own & 2)) {
      this.reqs = this.reqs.copy();
      this.own |= 2;
    }
    write(this.reqs as Table<string, Req>, key, r);
  }
  setSock(key: string, s: Sock | undefined): void {
    if (!(this.own & 4)) {
      this.socks = this.socks.copy();
      this.own |= 4;
    }
    write(this.socks as Table<string, Sock>, key, s);
  }
  setCookies(key: string, c: readonly CookieRec[] | undefined): void {
    if (!(this.own & 8)) {
      this.cookies = this.cookies.copy();
      this.own |= 8;
    }
    write(this.cookies as Table<string, readonly CookieRec[]>, key, c);
  }
  /** Empties the Fast Open client cache (tcp_metrics flush). */
  clearTfoCache(): void {
    this.tfoCache = EMPTY_TABLE;
    this.own |= 32;
  }
  setTfoCache(peer: string, e: TfoCacheEntry | undefined): void {
    if (!(this.own & 32)) {
      this.tfoCache = this.tfoCache.copy();
      this.own |= 32;
    }
    write(this.tfoCache as Table<string, TfoCacheEntry>, peer, e);
  }
  bind(name: string, v: number): void {
    if (!(this.own & 16)) {
      this.bindings = cloneDict(this.bindings);
      this.own |= 16;
    }
    this.bindings[name] = v >>> 0;
  }
  /** The new state: the base state itself when the step changed nothing. */
  state(): ModelState {
    if (this.own === 0 && this.nextDue === this.base.nextDue && this.gen === this.base.gen) return this.base;
    return {
      listeners: this.listeners,
      reqs: this.reqs,
      socks: this.socks,
      cookies: this.cookies,
      tfoCache: this.tfoCache,
      bindings: this.bindings,
      nextDue: this.nextDue,
      gen: this.gen,
    };
  }
  /** The delayed ACK socket `key` predicted earlier will not be sent (StepResult.cancels). */
  cancel(key: string): void {
    (this.cancels ??= []).push(key);
  }
  result(): StepResult {
    const r: StepResult = { responses: this.responses, state: this.state(), timers: this.timers, counters: this.counters, reasons: this.reasons };
    if (this.cancels) r.cancels = this.cancels;
    return r;
  }
}

/** Sets or (undefined) removes an entry of a table the step owns. */
function write<K extends string | number, V>(t: Table<K, V>, key: K, v: V | undefined): void {
  if (v !== undefined) t.set(key, v);
  else t.delete(key);
}
