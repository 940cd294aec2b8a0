// The reference model's public API: makeEnv, initialState, apply (pure; never throws on any segment),
// bind / matchPrediction (match.ts), RULES (reasons.ts).
import { ipv6FromBytes, ipv6ToBytes } from '../wire/addr';
import { connect } from './kernel/connect';
import { closeSock, resetChild } from './kernel/established';
import { broadcastCheck, tcpRcv } from './kernel/v4-rcv';
import { profileFor, withKconfig } from './core/profile';
import { fireReqTimer, fireTfoChildTimer } from './kernel/reqsk-timer';
import { advmssFor } from './core/route';
import type { SockOpts } from './core/sockopts';
import { Listener, ModelEnv, ModelEvent, ModelState, Req, Sock, Step, StepResult, EMPTY_STATE, FixedDraws } from './core/state';
import { fireSynTimer } from './kernel/syn-timer';
import { fireRetransmitTimer } from './kernel/retransmit-timer';
import { applySysctls, defaultSysctls } from './core/sysctls';

export type {
  ModelEnv,
  ModelEvent,
  ModelState,
  StepResult,
  Prediction,
  Expectation,
  FieldExpect,
  TimerInfo,
  FixedDraws,
  Listener,
  Req,
  Sock,
} from './core/state';
export type { Reason, RuleId, RuleInfo } from './core/reasons';
export { RULES, isRule } from './core/reasons';
export type { SockOpts } from './core/sockopts';
export { bind, matchPrediction } from './core/match';
export type { FieldDiff } from './core/match';
export type { Sym, Num } from './core/symbols';
export type { Sysctls } from './core/sysctls';
export { applySysctl, defaultSysctls, modelSysctlNames, SYSCTL_SINCE, sysctlExists, sysctlKey, sysctlName } from './core/sysctls';
export { factsBetween, kernelVersionOf, MEASURED_KERNELS, profileFor, profileForVersion, PROFILES, VERSION_FACTS, withKconfig } from './core/profile';
export type { KernelVersion, Profile, ProfileFlags, VersionFact } from './core/profile';
export { parseAuthBytes, authWalkMinLen } from './kernel/auth-options';
export type { AuthOpts, AuthError } from './kernel/auth-options';
export { parseKernelOptions, parseOptionBytes } from './kernel/parse-options';
export { selectInitialWindow } from './kernel/select-window';
export { cookieLow6, cookieTsvalRaw, cookieMss } from './kernel/syncookies';
export { advmssFor } from './core/route';

export interface MakeEnvOptions {
  release?: string;
  /** `uname -v` of the kernel: carries the upstream sublevel a distribution release may hide ("Debian 6.1.192-3"). */
  version?: string;
  ip: 4 | 6;
  dut: string;
  peer: string;
  mtu?: number;
  sysctls?: Record<string, number | string>;
  fixed?: FixedDraws;
  /** IPv4 prefix length of the DUT subnet (directed broadcast), default 24 [inferred]. */
  prefixLen?: number;
  /** TSval tolerance, ms (default 50). */
  tsTolMs?: number;
  /** Route metrics / features (§4.5, §4.7). */
  route?: { window?: number; initrwnd?: number; ecn?: boolean; ecnCa?: boolean };
  /** Congestion control; 'dctcp' needs ECN. Default bbr. */
  cc?: string;
  /** Kernel build options that change behaviour. tcpAo: CONFIG_TCP_AO (default off, as measured). */
  kconfig?: { tcpAo?: boolean };
}

function canon(ip: 4 | 6, a: string): string {
  if (ip === 4) return a.trim();
  return ipv6FromBytes(ipv6ToBytes(a.trim()));
}

export function makeEnv(o: MakeEnvOptions): ModelEnv {
  const picked = profileFor(o.release, o.version);
  const profile = withKconfig(picked.profile, o.kconfig);
  const reason = picked.reason;
  const sysctls = applySysctls(defaultSysctls(profile), o.sysctls, profile);
  const mtu = o.mtu ?? 1500;
  const ccEcn = (o.cc ?? 'bbr').toLowerCase() === 'dctcp';
  const dut = canon(o.ip, o.dut);
  const prefixLen = o.prefixLen ?? 24;
  return {
    release: o.release ?? '6.18',
    profile,
    sysctls,
    ip: o.ip,
    dut,
    peer: canon(o.ip, o.peer),
    route: {
      mtu,
      advmss: advmssFor(o.ip, mtu),
      window: o.route?.window ?? 0,
      initrwnd: o.route?.initrwnd ?? 0,
      ecn: !!o.route?.ecn,
      ecnCa: !!o.route?.ecnCa || ccEcn,
      ccEcn,
    },
    prefixLen,
    dutIsBroadcast: broadcastCheck({ dut, prefixLen }, dut),
    fixed: o.fixed,
    tsTolMs: o.tsTolMs ?? 50,
    notes: [reason],
  };
}

/** Empty: no listener, no sockets (every port closed). */
export function initialState(_env?: ModelEnv): ModelState {
  return EMPTY_STATE;
}

/** Fires every timer due at or before `upto`, each at its own time, in time order. */
function runTimers(st: Step, upto: number): number {
  let fired = 0;
  for (let guard = 0; guard < 100000; guard++) {
    let bestAt = Infinity;
    let bestReq: Req | undefined;
    let bestSock: Sock | undefined;
    for (const r of st.reqs.values()) {
      if (r.timerAt < bestAt) {
        bestAt = r.timerAt;
        bestReq = r;
      }
    }
    for (const s of st.socks.values()) {
      if (s.timerAt < bestAt) {
        bestAt = s.timerAt;
        bestSock = s;
        bestReq = undefined;
      }
    }
    if (bestAt > upto) {
      st.nextDue = bestAt;
      break;
    }
    fired++;
    st.now = bestAt;
    if (bestReq) fireReqTimer(st, bestReq, bestAt);
    else if (bestSock) {
      const s = bestSock;
      if (s.state === 'TIME_WAIT' || s.twSub === 'FIN_WAIT2') {
        st.why('tw.expire', () => `${s.key}: ${s.state} (timewait socket) over`);
        st.setSock(s.key, undefined);
      } else if (s.state === 'SYN_SENT' || (s.state === 'SYN_RECV' && s.active)) fireSynTimer(st, s, bestAt);
      else if (s.state === 'SYN_RECV') fireTfoChildTimer(st, s, bestAt);
      else if (s.finRtx && (s.state === 'FIN_WAIT1' || s.state === 'CLOSING' || s.state === 'LAST_ACK')) fireRetransmitTimer(st, s, bestAt);
      else st.setSock(s.key, { ...s, timerAt: Infinity });
    }
  }
  st.now = upto;
  return fired;
}

function listen(st: Step, port: number, backlog: number, opts: SockOpts): void {
  if (st.listeners.get(port)) {
    st.why('event.listen-in-use', () => `port ${port} already listens`);
    return;
  }
  const maxBacklog = Math.max(0, Math.min(backlog, st.env.sysctls.somaxconn));
  const l: Listener = { port, backlog, maxBacklog, opts, acceptq: [], qlen: 0, lastOverflowMs: -Infinity, tfoQlen: 0 };
  st.setListener(port, l);
  st.why(
    'event.listen',
    () => `listen(${port}, ${backlog}) → max_ack_backlog ${maxBacklog}${Object.keys(opts).length ? `, opts ${JSON.stringify(opts)}` : ''}`,
  );
}

function closePort(st: Step, port: number, peerPort?: number): void {
  const l = st.listeners.get(port);
  if (l && peerPort === undefined) {
    st.why('event.close-listener', () => `listener ${port} closed: ${l.qlen} req(s) dropped, ${l.acceptq.length} unaccepted child(ren) reset`);
    for (const [k, r] of st.reqs) if (r.lport === port) st.setReq(k, undefined);
    for (const k of l.acceptq) {
      const s = st.socks.get(k);
      if (s && !s.accepted) resetChild(st, s);
    }
    st.setListener(port, undefined);
    return;
  }
  let any = false;
  for (const s of st.socks.values()) {
    const lp = typeof s.lport === 'number' ? s.lport : st.bindings[s.lport.sym];
    if (lp === port && (peerPort === undefined || s.pport === peerPort) && (s.accepted || s.active || peerPort !== undefined)) {
      any = true;
      closeSock(st, s);
    }
  }
  if (!any) st.why('event.close-nothing', () => `close(${port}): no listener or accepted connection`);
}

/** One step of the model. Pure: the input state is not modified. Never throws. */
export function apply(env: ModelEnv, state: ModelState, ev: ModelEvent, nowMs: number): StepResult {
  const st = new Step(env, state, nowMs);
  try {
    // Segments, the hot path, take no closure (no per-call context); every other event goes to applyEvent.
    if (ev.type === 'segment') {
      if (state.nextDue <= nowMs) runTimers(st, nowMs);
      tcpRcv(st, ev.seg, ev.checksumOk);
    } else applyEvent(st, state, ev, nowMs);
  } catch (e) {
    modelError(st, e);
  }
  return st.result();
}

function modelError(st: Step, e: unknown): void {
  st.why('event.bad', () => `model error (please report): ${(e as Error).stack ?? String(e)}`);
}

function applyEvent(st: Step, state: ModelState, ev: Exclude<ModelEvent, { type: 'segment' }>, nowMs: number): void {
  if (state.nextDue <= nowMs) {
    const n = runTimers(st, nowMs);
    if (ev.type === 'tick') st.why('event.tick', () => `${n} timer(s) fired up to ${nowMs} ms`);
  } else if (ev.type === 'tick') {
    st.why('event.tick', () => `no timer due at ${nowMs} ms`);
  }
  switch (ev.type) {
    case 'tick':
      break;
    case 'listen':
      listen(st, ev.port, ev.backlog, ev.opts ?? {});
      break;
    case 'setsockopt': {
      const l = st.listeners.get(ev.port);
      if (!l) st.why('event.setsockopt-no-socket', () => `no listener on ${ev.port}`);
      else {
        st.setListener(ev.port, { ...l, opts: { ...l.opts, ...ev.opts } });
        st.why('event.setsockopt', () => `listener ${ev.port}: ${JSON.stringify(ev.opts)}`);
      }
      break;
    }
    case 'accept': {
      const l = st.listeners.get(ev.port);
      if (!l || l.acceptq.length === 0) {
        st.why('event.accept-empty', () => `accept(${ev.port}): nothing queued`);
        break;
      }
      const [k, ...rest] = l.acceptq;
      st.setListener(ev.port, { ...l, acceptq: rest });
      const s = st.socks.get(k);
      if (s) st.setSock(k, { ...s, accepted: true });
      st.why('event.accept', () => `accept(${ev.port}) → ${k}${s ? ` (${s.state})` : ' (already gone)'}`);
      break;
    }
    case 'close':
      closePort(st, ev.port, ev.peerPort);
      break;
    case 'recv': {
      let hit = false;
      for (const [k, s] of st.socks) {
        const lp = typeof s.lport === 'number' ? s.lport : st.bindings[s.lport.sym];
        if (lp === ev.port && s.pport === ev.peerPort) {
          hit = true;
          st.setSock(k, { ...s, unread: 0 });
          st.why('event.recv', () => `recv() on ${k}: ${s.unread ?? 0} byte(s) read`);
        }
      }
      if (!hit) st.why('event.recv', () => `recv() on ${ev.port}/${ev.peerPort}: no such connection`);
      break;
    }
    case 'connect':
      connect(st, ev.dport, ev.sport, ev.opts ?? {}, ev.fastopen);
      break;
    case 'flush-metrics': {
      const n = st.tfoCache.size;
      st.clearTfoCache();
      st.why(
        'event.flush-metrics',
        () => `tcp_metrics flush: ${n} Fast Open cache entr${n === 1 ? 'y' : 'ies'} (cookie, MSS, experimental-format try) dropped`,
      );
      break;
    }
    default:
      st.why('event.bad', () => `unknown event ${JSON.stringify(ev)}`);
  }
}
