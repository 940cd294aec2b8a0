/**
 * Op handlers of the DUT agent. Runs inside the agent process (its own network namespace).
 * Nothing here blocks the event loop: sockets are non-blocking, waits go through fdwatch.
 */
import type * as ChildProcessModule from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import { E, errnoName } from '../sys/errno';
import * as libc from '../sys/libc';
import { lookupListenQueue, lookupState, parseProcNetTcp, parseSnmp6, parseSnmpPairs, sameAddr, TCP_STATES, TcpRow } from '../sys/procnet';
import { decodeSockaddr, encodeSockaddr, Family } from '../sys/sockaddr';
import { isGlobalSysctl } from '../../lib/kernel/global-sysctls';
import { sysctlPath, sysctlWritePath } from '../sys/sysctl';
import { decodeSockoptValue, encodeSockoptValue, IPPROTO_TCP, lookupSockopt, SOL_SOCKET, UnknownSockoptError } from '../sys/sockopts';
import { AF_NETLINK } from '../sys/netlink';
import { buildDumpRequest, DiagSock, NETLINK_SOCK_DIAG, parseDiagMessages, stateMask } from '../sys/sockdiag';
import { offloadsOff } from '../sys/ethtool';
import { addrAddMsg, linkUpMsg, neighPermanentMsg, NetlinkError, RtNetlink, vethCreateMsg } from '../sys/rtnetlink';
import { forget, waitFd, Want } from './fdwatch';
import { startBlockingSend, waitBlocking, wakeBlocked, warmCallThread } from './blocking-calls';
import { createSlot, currentSlot, dropSlot, enterSlot, hasSlot, renewSlot, slotNetns, slotPath } from './netns-slots';
import type { Args, DutVeth, DutWiring, ExecResult, MsgFlag, Op, Result } from './protocol';

/** What a handler produces; the dispatcher adds id, err name and ms. */
export interface Outcome<O extends Op = Op> {
  ok: boolean;
  ret: number;
  errno: number;
  result?: Result<O>;
  msg?: string;
  /** when the syscall was made, if not when the agent took the request up (a call on another thread) */
  at?: number;
}

type Handler<O extends Op> = (args: Args<O>) => Outcome<O> | Promise<Outcome<O>>;
type Handlers = { [O in Op]: Handler<O> };

/** Bad request (reported as EINVAL with msg). */
export class BadArgs extends Error {}

// ---- helpers ---------------------------------------------------------------------------------

// Option numbers from the one socket-option table (harness/sys/sockopts.ts).
const SO_DOMAIN = lookupSockopt('SO_DOMAIN').opt;
const SO_ERROR = lookupSockopt('SO_ERROR').opt;
const TCP_INFO = lookupSockopt('TCP_INFO').opt;
const SOCK_FLAGS = libc.SOCK_NONBLOCK | libc.SOCK_CLOEXEC;

/** family of each fd the agent created (socket or accept) */
const families = new Map<number, Family>();
/** the namespace slot each of those fds was made in (accepted sockets: their listener's) */
const owners = new Map<number, number>();

function track(fd: number, family: Family, slot: number): void {
  families.set(fd, family);
  owners.set(fd, slot);
}

function untrack(fd: number): void {
  wakeBlocked(fd);
  forget(fd);
  families.delete(fd);
  owners.delete(fd);
}

/** Close every socket made in `slot` (whatever FIN or RST that sends stays in its namespace). */
function closeSlotSockets(slot: number): number {
  let closed = 0;
  for (const [fd, owner] of [...owners]) {
    if (owner !== slot) continue;
    untrack(fd);
    libc.close(fd);
    closed++;
  }
  return closed;
}

/**
 * Configure the slot's namespace the way a lab's DUT end needs it: sysctls first (the IPv6 ones
 * before the link comes up), then addresses, link up, permanent neighbours — over rtnetlink, without
 * spawning anything.
 */
function applyWiring(w: DutWiring): void {
  for (const [name, value] of Object.entries(w.sysctls ?? {})) {
    let p: string;
    try {
      p = sysctlWritePath(name);
    } catch (e) {
      throw new WiringError(E.EPERM, (e as Error).message);
    }
    try {
      fs.writeFileSync(p, `${Array.isArray(value) ? value.join(' ') : value}\n`);
    } catch (e) {
      throw new WiringError(
        fsErrno(e),
        `sysctl ${name}=${value}: ${(e as Error).message.split(',')[0]} — is the name right, and the value in range for this kernel?`,
      );
    }
  }
  const index = libc.ifNameToIndex(w.ifname);
  if (!index) throw new WiringError(E.ENODEV, `no link ${w.ifname} in the namespace`);
  const nl = RtNetlink.open();
  try {
    for (const a of w.addrs) nl.request(`addr add ${a.addr}/${a.prefixLen} dev ${w.ifname}`, addrAddMsg(index, a.addr, a.prefixLen));
    nl.request(`link set ${w.ifname} up`, linkUpMsg(index));
    for (const n of w.neighbours) nl.request(`neigh replace ${n.addr} lladdr ${n.mac} dev ${w.ifname} nud permanent`, neighPermanentMsg(index, n.addr, n.mac));
  } finally {
    nl.close();
  }
}

/**
 * A veth pair from this namespace to another one (the tester's): our end named v.name, the peer put
 * into the namespace at v.peer.netns; offloads off on our end (the peer's owner does its own).
 * Creating a pair is cheap (~1.5 ms); deleting or moving a link is not (an RCU grace period under
 * RTNL, ~20 ms, serialising every lab on the machine), so a reset never deletes: the old pair goes
 * with the old namespace, in the kernel's batched namespace clean-up.
 */
function makeVeth(v: DutVeth): void {
  if (!v || typeof v.name !== 'string' || !v.peer || typeof v.peer.netns !== 'string')
    throw new BadArgs('veth: expected {name, mac, mtu, peer: {name, mac, netns}}');
  const peerNs = fs.openSync(v.peer.netns, 'r');
  const nl = RtNetlink.open();
  try {
    nl.request(
      `link add ${v.name} type veth peer name ${v.peer.name} netns ${v.peer.netns}`,
      vethCreateMsg({ name: v.name, mac: v.mac }, { name: v.peer.name, mac: v.peer.mac, nsFd: peerNs }, v.mtu),
    );
  } finally {
    nl.close();
    fs.closeSync(peerNs);
  }
  offloadsOff(v.name);
}

class WiringError extends Error {
  constructor(
    readonly errno: number,
    msg: string,
  ) {
    super(msg);
  }
}

function wiringFailure<O extends Op>(e: unknown): Outcome<O> {
  if (e instanceof WiringError) return fail<O>(e.errno, e.message);
  if (e instanceof NetlinkError) return fail<O>(e.errno, e.message);
  throw e;
}

function sys<O extends Op>(res: libc.SysRet, result?: Result<O>): Outcome<O> {
  return res.ret < 0 ? { ok: false, ret: res.ret, errno: res.errno, result } : { ok: true, ret: res.ret, errno: 0, result };
}

function okOut<O extends Op>(result: Result<O>): Outcome<O> {
  return { ok: true, ret: 0, errno: 0, result };
}

function fail<O extends Op>(errno: number, msg?: string, result?: Result<O>): Outcome<O> {
  return { ok: false, ret: -1, errno, msg, result };
}

function int(args: unknown, key: string, dflt?: number): number {
  const v = (args as Record<string, unknown> | undefined)?.[key];
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new BadArgs(`${key}: expected an integer, got ${JSON.stringify(v)}`);
  return v;
}

function str(args: unknown, key: string): string {
  const v = (args as Record<string, unknown> | undefined)?.[key];
  if (typeof v !== 'string') throw new BadArgs(`${key}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function familyOfFd(fd: number): Family | undefined {
  const f = families.get(fd);
  if (f) return f;
  const r = libc.getsockoptInt(fd, SOL_SOCKET, SO_DOMAIN);
  if (r.value === libc.AF_INET) return 4;
  if (r.value === libc.AF_INET6) return 6;
  return undefined;
}

function sockaddrFor(fd: number, addr: string, port: number): Buffer {
  try {
    return encodeSockaddr(addr, port, familyOfFd(fd));
  } catch (e) {
    throw new BadArgs((e as Error).message);
  }
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

/**
 * Run `attempt` (a non-blocking syscall); while it fails with EAGAIN and time remains, wait for
 * the fd to become ready and retry. On timeout: ret -1, errno ETIMEDOUT.
 */
async function retrying<T extends libc.SysRet>(fd: number, want: Want, timeoutMs: number, attempt: () => T): Promise<T | libc.SysRet> {
  const deadline = performance.now() + timeoutMs;
  let lastWake = '';
  for (;;) {
    const res = attempt();
    if (res.ret >= 0 || res.errno !== E.EAGAIN || timeoutMs <= 0) return res;
    const left = deadline - performance.now();
    if (left <= 0) return { ret: -1, errno: E.ETIMEDOUT };
    if (lastWake === 'error') await sleep(Math.min(2, left)); // POLLERR without progress: don't spin
    const why = await waitFd(fd, want, left);
    if (why === 'timeout') {
      const last = attempt(); // one last try: readiness may have raced the timer
      return last.ret >= 0 || last.errno !== E.EAGAIN ? last : { ret: -1, errno: E.ETIMEDOUT };
    }
    if (why === 'closed') return { ret: -1, errno: E.EBADF };
    lastWake = why;
  }
}

const MSG_FLAGS: Record<MsgFlag, number> = {
  MSG_OOB: libc.MSG_OOB,
  MSG_PEEK: libc.MSG_PEEK,
  MSG_DONTWAIT: libc.MSG_DONTWAIT,
  MSG_MORE: libc.MSG_MORE,
  MSG_FASTOPEN: libc.MSG_FASTOPEN,
  MSG_NOSIGNAL: libc.MSG_NOSIGNAL,
};

function fsErrno(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code;
  const n = code ? (os.constants.errno as Record<string, number>)[code] : undefined;
  return n ?? 5; // EIO
}

function run(cmd: string, argv: string[], input?: string): Promise<{ out: ExecResult; errno: number }> {
  return new Promise((resolve) => {
    // loaded lazily: child_process costs ~10 ms of agent start-up
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { spawn } = require('child_process') as typeof ChildProcessModule;
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnErr = 0;
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      spawnErr = fsErrno(e);
    });
    child.on('close', (code, signal) => {
      resolve({
        out: {
          code: code ?? -1,
          signal: signal ?? null,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8') || (spawnErr ? `${cmd}: ${errnoName(spawnErr)}` : ''),
        },
        errno: spawnErr,
      });
    });
    child.stdin.on('error', () => {
      /* child exited early */
    });
    child.stdin.end(input ?? '');
  });
}

function execOutcome<O extends 'linkSetup' | 'ethtool'>(r: { out: ExecResult; errno: number }): Outcome<O> {
  if (r.errno) return { ok: false, ret: -1, errno: r.errno, result: r.out as Result<O>, msg: r.out.stderr };
  return { ok: r.out.code === 0, ret: r.out.code, errno: 0, result: r.out as Result<O>, msg: r.out.code === 0 ? undefined : r.out.stderr.trim() };
}

function readTcpRows(): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const f of ['/proc/thread-self/net/tcp', '/proc/thread-self/net/tcp6']) {
    try {
      rows.push(...parseProcNetTcp(fs.readFileSync(f, 'utf8')));
    } catch {
      /* tcp6 absent when IPv6 is disabled */
    }
  }
  return rows;
}

function readCounters(): Record<string, number> {
  const c: Record<string, number> = {};
  for (const f of ['/proc/thread-self/net/snmp', '/proc/thread-self/net/netstat']) {
    try {
      parseSnmpPairs(fs.readFileSync(f, 'utf8'), c);
    } catch {
      /* absent */
    }
  }
  try {
    parseSnmp6(fs.readFileSync('/proc/thread-self/net/snmp6', 'utf8'), c);
  } catch {
    /* IPv6 disabled */
  }
  return c;
}

/** inet_diag dump of the TCP sockets in `states` (both families) over NETLINK_SOCK_DIAG. */
export async function diagDump(states: number): Promise<{ socks: DiagSock[]; errno: number }> {
  const socks: DiagSock[] = [];
  const slot = currentSlot();
  for (const fam of [4, 6] as const) {
    enterSlot(slot); // the netlink socket must be made in this request's namespace, also after an await
    const s = libc.socket(AF_NETLINK, libc.SOCK_DGRAM | SOCK_FLAGS, NETLINK_SOCK_DIAG);
    if (s.ret < 0) return { socks, errno: s.errno };
    const fd = s.ret;
    try {
      const snd = libc.send(fd, buildDumpRequest(fam, states, fam), 0);
      if (snd.ret < 0) return { socks, errno: snd.errno };
      for (;;) {
        const r = await retrying(fd, 'r', 2000, () => libc.recv(fd, 65536, 0));
        if (r.ret < 0) return { socks, errno: r.errno };
        const p = parseDiagMessages((r as libc.BufRet).buf ?? Buffer.alloc(0), socks);
        if (p.errno) {
          if (fam === 6) break; // IPv6 disabled / not loaded
          return { socks, errno: p.errno };
        }
        if (p.done || r.ret === 0) break;
      }
    } finally {
      forget(fd);
      libc.close(fd);
    }
  }
  return { socks, errno: 0 };
}

/** TCP state of a socket via TCP_INFO ('' if it cannot be read). */
function tcpStateOf(fd: number): string {
  const r = libc.getsockopt(fd, IPPROTO_TCP, TCP_INFO, 8);
  if (r.ret < 0 || !r.buf || r.buf.length < 1) return '';
  return TCP_STATES[r.buf[0]] ?? `STATE_${r.buf[0]}`;
}

function nowMs(): number {
  const ns = process.hrtime.bigint();
  return Number(ns / 1000n) / 1000;
}

/** send / sendBlocking arguments: the fd, the bytes, the MSG_* flags (MSG_NOSIGNAL always) and the sockaddr of a sendto. */
function sendArgs(a: Args<'send'>): { fd: number; data: Buffer; flags: number; to: Buffer | null } {
  const fd = int(a, 'fd');
  const hex = str(a, 'hex');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new BadArgs('hex: expected an even-length hex string');
  let flags = libc.MSG_NOSIGNAL;
  for (const f of a.flags ?? []) {
    const v = MSG_FLAGS[f];
    if (v === undefined) throw new BadArgs(`flags: unknown ${JSON.stringify(f)}; known: ${Object.keys(MSG_FLAGS).join(', ')}`);
    flags |= v;
  }
  // an AF_UNSPEC sockaddr: all zeros (sa_family 0), the size of the socket's own
  const to = a.unspec ? Buffer.alloc(familyOfFd(fd) === 6 ? 28 : 16) : a.addr !== undefined ? sockaddrFor(fd, str(a, 'addr'), int(a, 'port')) : null;
  return { fd, data: Buffer.from(hex, 'hex'), flags, to };
}

// ---- handlers --------------------------------------------------------------------------------

export const handlers: Handlers = {
  ping: () => okOut<'ping'>({ pong: true, pid: process.pid }),

  // A clean DUT for the next case, by construction: every socket of the slot closed, then a new
  // namespace for the slot (unshare(CLONE_NEWNET) on this, the main, thread: the sockets we create,
  // the /proc/thread-self/net files we read and the children we spawn all follow it). A FIN or RST
  // those closes send stays on the old namespace's link, whose tester end the lab sets down right
  // after (what crossed before is discarded with the capture's queue at the end of the reset); the old
  // namespace dies once released (slot 0's first namespace lingers while the agent's other
  // threads still reference it, and dies with the agent).
  freshNetns: (a) => {
    const slot = currentSlot();
    const closed = closeSlotSockets(slot);
    try {
      renewSlot(slot);
      if (a?.veth) makeVeth(a.veth);
      if (a?.wire) applyWiring(a.wire);
    } catch (e) {
      return wiringFailure<'freshNetns'>(e);
    }
    return okOut<'freshNetns'>({ netns: slotNetns(), closed, ns: slot, path: slotPath(slot) });
  },

  nsCreate: () => {
    const ns = createSlot();
    return okOut<'nsCreate'>({ ns, path: slotPath(ns), netns: slotNetns() });
  },

  nsDrop: () => {
    const slot = currentSlot();
    if (slot === 0) throw new BadArgs("slot 0 is the agent's own namespace; kill the agent to drop it");
    const closed = closeSlotSockets(slot);
    dropSlot(slot);
    return okOut<'nsDrop'>({ closed });
  },

  wire: (a) => {
    if (!a || typeof a.ifname !== 'string' || !Array.isArray(a.addrs) || !Array.isArray(a.neighbours))
      throw new BadArgs('expected {ifname, addrs, neighbours, sysctls?}');
    try {
      applyWiring(a);
    } catch (e) {
      return wiringFailure<'wire'>(e);
    }
    return okOut<'wire'>({});
  },

  uname: () =>
    okOut<'uname'>({
      sysname: os.type(),
      release: os.release(),
      version: os.version(),
      machine: os.machine(),
      nodename: os.hostname(),
    }),

  nowMs: () => okOut<'nowMs'>({ ms: nowMs() }),

  socket: (a) => {
    const family = a?.family;
    if (family !== 4 && family !== 6) throw new BadArgs(`family: expected 4 or 6, got ${JSON.stringify(family)}`);
    const res = libc.socket(family === 4 ? libc.AF_INET : libc.AF_INET6, libc.SOCK_STREAM | SOCK_FLAGS, libc.IPPROTO_TCP);
    if (res.ret >= 0) track(res.ret, family, currentSlot());
    return sys<'socket'>(res, res.ret >= 0 ? { fd: res.ret } : undefined);
  },

  bind: (a) => {
    const fd = int(a, 'fd');
    return sys<'bind'>(libc.bind(fd, sockaddrFor(fd, str(a, 'addr'), int(a, 'port'))), {});
  },

  listen: (a) => sys<'listen'>(libc.listen(int(a, 'fd'), int(a, 'backlog')), {}),

  accept: async (a) => {
    const fd = int(a, 'fd');
    const slot = currentSlot();
    const timeoutMs = int(a, 'timeoutMs', 0);
    const res = await retrying(fd, 'r', timeoutMs, () => libc.accept4(fd, SOCK_FLAGS));
    if (res.ret < 0) return sys<'accept'>(res);
    const sa = decodeSockaddr((res as libc.AddrRet).addr!);
    track(res.ret, sa.family, owners.get(fd) ?? slot);
    return sys<'accept'>(res, { fd: res.ret, family: sa.family, addr: sa.addr, port: sa.port });
  },

  acceptAbortAll: (a) => {
    if (!Array.isArray(a?.fds) || !a.fds.every((n: unknown) => Number.isInteger(n))) throw new BadArgs('expected {fds: number[]}');
    const linger = lookupSockopt('SO_LINGER');
    let n = 0;
    for (const lfd of a.fds as number[]) {
      for (;;) {
        const res = libc.accept4(lfd, SOCK_FLAGS);
        if (res.ret < 0 && res.errno !== E.EAGAIN) return sys<'acceptAbortAll'>(res);
        if (res.ret < 0) break;
        const enc = encodeSockoptValue(linger, { onoff: 1, linger: 0 }, familyOfFd(lfd));
        libc.setsockopt(res.ret, linger.level, enc.opt, enc.buf);
        libc.close(res.ret);
        n++;
      }
    }
    return okOut<'acceptAbortAll'>({ n });
  },

  connect: (a) => {
    const fd = int(a, 'fd');
    return sys<'connect'>(libc.connect(fd, sockaddrFor(fd, str(a, 'addr'), int(a, 'port'))), {});
  },

  connectWait: async (a) => {
    const fd = int(a, 'fd');
    const timeoutMs = int(a, 'timeoutMs', 0);
    const writable = () => {
      const p = libc.pollOne(fd, libc.POLLOUT, 0);
      if (p.ret < 0) return p;
      if (p.revents & libc.POLLNVAL) return { ret: -1, errno: E.EBADF };
      return p.revents & (libc.POLLOUT | libc.POLLERR | libc.POLLHUP) ? { ret: 0, errno: 0 } : { ret: -1, errno: E.EAGAIN };
    };
    const w = await retrying(fd, 'w', timeoutMs, writable);
    const state = tcpStateOf(fd);
    if (w.ret < 0) {
      if (w.errno === E.EAGAIN || w.errno === E.ETIMEDOUT) return fail<'connectWait'>(E.EINPROGRESS, 'connect still pending', { pending: true, state });
      return sys<'connectWait'>(w, { pending: false, state });
    }
    const so = libc.getsockoptInt(fd, SOL_SOCKET, SO_ERROR);
    if (so.ret < 0) return sys<'connectWait'>(so, { pending: false, state });
    if (so.value) return { ok: false, ret: -1, errno: so.value, result: { pending: false, state: tcpStateOf(fd) } };
    // writable without error: connected, or never connected (CLOSE), or a deferred
    // TCP_FASTOPEN_CONNECT (SYN_SENT, no SYN sent until the first send)
    if (state === 'SYN_SENT')
      return fail<'connectWait'>(E.EINPROGRESS, 'connect deferred (TCP_FASTOPEN_CONNECT: SYN goes out with the first send)', { pending: true, state });
    if (state === 'CLOSE' || state === 'LISTEN') return fail<'connectWait'>(E.ENOTCONN, `socket is in ${state}, not connecting`, { pending: false, state });
    return okOut<'connectWait'>({ pending: false, state });
  },

  setsockopt: (a) => {
    const fd = int(a, 'fd');
    const def = lookupSockopt(str(a, 'name'));
    let enc: { buf: Buffer; opt: number };
    try {
      enc = encodeSockoptValue(def, a.value, familyOfFd(fd));
    } catch (e) {
      throw new BadArgs((e as Error).message);
    }
    return sys<'setsockopt'>(libc.setsockopt(fd, def.level, enc.opt, enc.buf), {});
  },

  getsockopt: (a) => {
    const fd = int(a, 'fd');
    const def = lookupSockopt(str(a, 'name'));
    const res = libc.getsockopt(fd, def.level, def.opt, def.size);
    if (res.ret < 0 || !res.buf) return sys<'getsockopt'>(res);
    return sys<'getsockopt'>(res, { value: decodeSockoptValue(def, res.buf, res.buf.length) });
  },

  close: (a) => {
    const fd = int(a, 'fd');
    untrack(fd);
    return sys<'close'>(libc.close(fd), {});
  },

  shutdown: (a) => {
    const how = a?.how;
    const h = how === 'rd' ? 0 : how === 'wr' ? 1 : how === 'rdwr' ? 2 : how;
    if (h !== 0 && h !== 1 && h !== 2) throw new BadArgs(`how: expected 'rd' | 'wr' | 'rdwr' | 0 | 1 | 2, got ${JSON.stringify(how)}`);
    return sys<'shutdown'>(libc.shutdown(int(a, 'fd'), h), {});
  },

  send: async (a) => {
    const { fd, data, flags, to } = sendArgs(a);
    const res = await retrying(fd, 'w', int(a, 'timeoutMs', 0), () => (to ? libc.sendto(fd, data, flags, to) : libc.send(fd, data, flags)));
    return sys<'send'>(res, res.ret >= 0 ? { sent: res.ret } : undefined);
  },

  sendBlocking: async (a) => {
    const { fd, data, flags, to } = sendArgs(a);
    const r = await startBlockingSend(fd, data, flags, to);
    if ('errno' in r) return fail<'sendBlocking'>(r.errno, r.msg);
    return { ...okOut<'sendBlocking'>({ id: r.id }), at: r.startedMs };
  },

  warmCalls: async () => ((await warmCallThread()) ? okOut<'warmCalls'>({}) : fail<'warmCalls'>(E.ETIMEDOUT, 'the call thread did not start within 10 s')),

  callWait: async (a) => {
    const r = await waitBlocking(int(a, 'id'), int(a, 'timeoutMs', 0));
    if (!r) return fail<'callWait'>(E.ENOENT, `no blocking call ${a.id} (never started, already collected, or its socket was closed)`);
    if ('pending' in r) return fail<'callWait'>(E.ETIMEDOUT, 'the call is still blocked', { pending: true });
    return { ...sys<'callWait'>({ ret: r.ret, errno: r.errno }, { pending: false, ...(r.ret >= 0 ? { sent: r.ret } : {}) }), at: r.endedMs };
  },

  recv: async (a) => {
    const fd = int(a, 'fd');
    const max = int(a, 'max', 65536);
    const flags = a.peek ? libc.MSG_PEEK : 0;
    const res = await retrying(fd, 'r', int(a, 'timeoutMs', 0), () => libc.recv(fd, max, flags));
    if (res.ret < 0) return sys<'recv'>(res);
    const buf = (res as libc.BufRet).buf ?? Buffer.alloc(0);
    return sys<'recv'>(res, { hex: buf.toString('hex'), eof: res.ret === 0 && max > 0 });
  },

  poll: async (a) => {
    const x = await libc.pollOneAsync(int(a, 'fd'), int(a, 'events'), int(a, 'timeoutMs', 0));
    return sys<'poll'>({ ret: x.ret, errno: 0 }, { revents: x.revents });
  },

  getsockname: (a) => {
    const res = libc.getsockname(int(a, 'fd'));
    return sys<'getsockname'>(res, res.addr ? decodeSockaddr(res.addr) : undefined);
  },

  getpeername: (a) => {
    const res = libc.getpeername(int(a, 'fd'));
    return sys<'getpeername'>(res, res.addr ? decodeSockaddr(res.addr) : undefined);
  },

  sockState: (a) => {
    if (!a || typeof a.local !== 'object') throw new BadArgs('local: expected {addr?, port?}');
    const r = lookupState(readTcpRows(), a.local, a.remote);
    return okOut<'sockState'>({ state: r.state, states: r.states });
  },

  listenQueue: async (a) => {
    const port = int(a, 'port');
    const slot = currentSlot();
    if (a.addr !== undefined) str(a, 'addr');
    // inet_diag gives both the accept-queue length and sk_max_ack_backlog
    const d = await diagDump(stateMask('LISTEN'));
    if (d.errno === 0) {
      const l = d.socks.filter((x) => x.local.port === port && (a.addr === undefined || sameAddr(x.local.addr, a.addr)));
      if (l.length === 0) return fail<'listenQueue'>(E.ENOENT, `no LISTEN socket on port ${port}`);
      return okOut<'listenQueue'>({
        acceptq: l[0].rqueue,
        max: l[0].wqueue,
        listeners: l.map((x) => ({ addr: x.local.addr, port: x.local.port, acceptq: x.rqueue, max: x.wqueue, family: x.family })),
      });
    }
    // fallback: /proc/net/tcp has the accept-queue length but not the maximum
    enterSlot(slot);
    const q = lookupListenQueue(readTcpRows(), port, a.addr);
    if (!q) return fail<'listenQueue'>(E.ENOENT, `no LISTEN socket on port ${port}`);
    return okOut<'listenQueue'>({ ...q, max: -1 });
  },

  sockets: () => okOut<'sockets'>({ rows: readTcpRows() }),

  procNet: (a) => {
    const files = a?.files;
    if (!Array.isArray(files) || !files.every((f) => f === '/proc/net/tcp' || f === '/proc/net/tcp6'))
      throw new BadArgs('files: expected a list of /proc/net/tcp, /proc/net/tcp6');
    const texts: string[] = [];
    for (const f of files) {
      try {
        // this thread's namespace (the request's slot), not the process's first one
        texts.push(fs.readFileSync(f.replace('/proc/net/', '/proc/thread-self/net/'), 'utf8'));
      } catch (e) {
        return fail<'procNet'>(fsErrno(e), `${f}: ${(e as Error).message}`);
      }
    }
    return okOut<'procNet'>({ texts });
  },

  counters: () => okOut<'counters'>(readCounters()),

  sysctlGet: (a) => {
    const p = sysctlPath(a?.name);
    try {
      return okOut<'sysctlGet'>({ value: fs.readFileSync(p, 'utf8').trim() });
    } catch (e) {
      return fail<'sysctlGet'>(fsErrno(e), (e as Error).message);
    }
  },

  sysctlGetMany: (a) => {
    if (!Array.isArray(a?.names) || !a.names.every((n: unknown) => typeof n === 'string')) throw new BadArgs('expected {names: string[]}');
    const values: Record<string, string> = {};
    const missing: Record<string, string> = {};
    for (const name of a.names as string[]) {
      try {
        values[name] = fs.readFileSync(sysctlPath(name), 'utf8').trim();
      } catch (e) {
        missing[name] = errnoName(fsErrno(e));
      }
    }
    return okOut<'sysctlGetMany'>({ values, missing });
  },

  sysctlSet: (a) => {
    let p: string;
    try {
      p = sysctlWritePath(a?.name);
    } catch (e) {
      if (isGlobalSysctl(String(a?.name))) return fail<'sysctlSet'>(E.EPERM, (e as Error).message);
      throw e;
    }
    const v = a.value;
    let text: string;
    if (Array.isArray(v)) text = v.join(' ');
    else if (typeof v === 'number' || typeof v === 'string') text = String(v);
    else throw new BadArgs(`value: expected a string, number or number[], got ${JSON.stringify(v)}`);
    let old: string;
    try {
      old = fs.readFileSync(p, 'utf8').trim();
    } catch (e) {
      return fail<'sysctlSet'>(fsErrno(e), (e as Error).message);
    }
    try {
      fs.writeFileSync(p, `${text}\n`);
    } catch (e) {
      return fail<'sysctlSet'>(fsErrno(e), (e as Error).message, { old, value: old });
    }
    return okOut<'sysctlSet'>({ old, value: fs.readFileSync(p, 'utf8').trim() });
  },

  linkSetup: async (a) => execOutcome<'linkSetup'>(await run('ip', ['-batch', '-'], str(a, 'script'))),

  ethtool: async (a) => {
    const argv = a?.args;
    if (!Array.isArray(argv) || !argv.every((x) => typeof x === 'string')) throw new BadArgs('args: expected string[]');
    return execOutcome<'ethtool'>(await run('ethtool', argv));
  },
};

/** Run one request; never throws. */
export async function dispatch(op: string, args: unknown, ns = 0): Promise<Outcome> {
  const h = (handlers as Record<string, Handler<Op>>)[op];
  if (!h) return fail(E.EINVAL, `unknown op ${JSON.stringify(op)}; known: ${Object.keys(handlers).join(', ')}`);
  if (!Number.isInteger(ns) || !hasSlot(ns)) return fail(E.ENOENT, `${op}: no namespace slot ${JSON.stringify(ns)} in this agent`);
  try {
    // nsCreate makes its own namespace; everything else runs in the request's slot.
    if (op !== 'nsCreate') enterSlot(ns);
    return await h((args ?? {}) as Args<Op>);
  } catch (e) {
    if (e instanceof BadArgs || e instanceof UnknownSockoptError || e instanceof TypeError) {
      return fail(E.EINVAL, `${op}: ${(e as Error).message}`);
    }
    return fail(fsErrno(e), `${op}: ${(e as Error).stack ?? String(e)}`);
  }
}
