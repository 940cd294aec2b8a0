/**
 * DUT agent control protocol: JSON lines over the agent's stdin (requests) and stdout (replies).
 * Never carried over the test link.
 *
 *   -> {"id":7,"op":"connect","args":{"fd":5,"addr":"10.0.0.1","port":80}}
 *   <- {"id":7,"ok":false,"ret":-1,"errno":115,"err":"EINPROGRESS","ms":0.03,"result":{}}
 *
 * Every reply carries the syscall's return value and errno (`ret`, `errno`, `err` = errno name,
 * '' when 0). Ops that are not a single syscall report ret 0 / errno 0 on success. `msg` carries a
 * human-readable explanation for failures that are not plain syscall errors (bad arguments,
 * unknown socket option…). `ms` is the time the agent spent on the request.
 *
 * The first line the agent prints is the ready line (ReadyLine), before any reply.
 */
import type { ListenQueue, TcpRow } from '../sys/procnet';
import type { Family, SockAddr } from '../sys/sockaddr';
import type { AgentSockoptValue } from '../sys/sockopts';

export interface Endpoint {
  addr: string;
  port: number;
}
export type ShutdownHow = 'rd' | 'wr' | 'rdwr' | 0 | 1 | 2;
export type MsgFlag = 'MSG_OOB' | 'MSG_PEEK' | 'MSG_DONTWAIT' | 'MSG_MORE' | 'MSG_FASTOPEN' | 'MSG_NOSIGNAL';

export interface ExecResult {
  code: number;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** How a lab's DUT end is set up in its namespace: sysctls (net.* only, written first), addresses, link up, permanent neighbours. */
export interface DutWiring {
  ifname: string;
  sysctls?: Record<string, string | number | number[]>;
  addrs: Array<{ addr: string; prefixLen: number }>;
  neighbours: Array<{ addr: string; mac: string }>;
}

/** A veth pair from the DUT namespace (end `name`) to another namespace (peer, by /proc path). */
export interface DutVeth {
  name: string;
  mac: string;
  mtu: number;
  /** mac: default random */
  peer: { name: string; mac?: string; netns: string };
}

/** Every op: its args and its result. */
export interface OpMap {
  ping: { args: Record<string, never>; result: { pong: true; pid: number } };
  /**
   * Close every socket made in the request's namespace slot and give the slot a brand-new network
   * namespace (the old one is released, with whatever links it had). veth: then create a veth pair
   * from it to another namespace (offloads off on this end); wire: then configure the new namespace
   * (sysctls, addresses, link up, neighbours). result.path names the slot's namespace for other processes.
   */
  freshNetns: { args: { veth?: DutVeth; wire?: DutWiring }; result: { netns: string; closed: number; ns: number; path: string } };
  /** A new namespace slot (fresh namespace, lo up, no DAD, no router solicitations); use its ns in later requests. */
  nsCreate: { args: Record<string, never>; result: { ns: number; path: string; netns: string } };
  /** Close the slot's sockets and release its namespace (not slot 0). */
  nsDrop: { args: Record<string, never>; result: { closed: number } };
  /** Configure the slot's namespace for a lab's DUT end (see DutWiring). */
  wire: { args: DutWiring; result: Record<string, never> };
  uname: { args: Record<string, never>; result: { sysname: string; release: string; version: string; machine: string; nodename: string } };
  /** CLOCK_MONOTONIC of the agent in ms (float, µs resolution) */
  nowMs: { args: Record<string, never>; result: { ms: number } };

  /** non-blocking, CLOEXEC TCP socket */
  socket: { args: { family: Family }; result: { fd: number } };
  /** IPv4 addresses given for an AF_INET6 socket are bound as ::ffff:a.b.c.d */
  bind: { args: { fd: number; addr: string; port: number }; result: Record<string, never> };
  listen: { args: { fd: number; backlog: number }; result: Record<string, never> };
  /** timeoutMs 0 (default) = one non-blocking try (EAGAIN if empty); > 0 = wait up to that long (ETIMEDOUT) */
  accept: { args: { fd: number; timeoutMs?: number }; result: { fd: number; family: Family; addr: string; port: number } };
  /** accept(2) every connection waiting on these listeners and close each with SO_LINGER 0 (a RST, no TIME_WAIT), in one round trip; n = how many */
  acceptAbortAll: { args: { fds: number[] }; result: { n: number } };
  /** returns at once: normally ret -1 / EINPROGRESS (or 0 with TCP_FASTOPEN_CONNECT) */
  connect: { args: { fd: number; addr: string; port: number }; result: Record<string, never> };
  /**
   * Waits up to timeoutMs (default 0) for a pending connect to complete: ok with err '' when
   * connected; the SO_ERROR name (ECONNREFUSED, ETIMEDOUT…) when it failed; still pending (or a
   * TCP_FASTOPEN_CONNECT connect deferred until the first send) → ok false, err 'EINPROGRESS',
   * result.pending true; never connected → ENOTCONN. result.state: TCP state from TCP_INFO.
   */
  connectWait: { args: { fd: number; timeoutMs?: number }; result: { pending: boolean; state: string } };
  setsockopt: { args: { fd: number; name: string; value: AgentSockoptValue }; result: Record<string, never> };
  getsockopt: { args: { fd: number; name: string }; result: { value: AgentSockoptValue } };
  close: { args: { fd: number }; result: Record<string, never> };
  shutdown: { args: { fd: number; how: ShutdownHow }; result: Record<string, never> };
  /**
   * send(2) (sendto(2) when addr/port given, e.g. with MSG_FASTOPEN). MSG_NOSIGNAL is always
   * added. timeoutMs > 0: wait for writability if the first try gives EAGAIN. One send call:
   * result.sent may be short.
   */
  /** unspec: the sockaddr is an AF_UNSPEC one (family 0, the socket's sockaddr size) instead of addr/port */
  send: { args: { fd: number; hex: string; flags?: MsgFlag[]; addr?: string; port?: number; unspec?: boolean; timeoutMs?: number }; result: { sent: number } };
  /**
   * send(2) / sendto(2) as a blocking call (the socket's O_NONBLOCK cleared while it runs), made on a
   * thread of the agent: replies once the syscall is under way (`at`: when it was made) with the
   * call's id; callWait collects what it returns. For a script's blocking sendto(MSG_FASTOPEN) or
   * first write after a deferred TCP_FASTOPEN_CONNECT, which block in the kernel while the handshake
   * completes (and send the rest of the data after it).
   */
  sendBlocking: { args: { fd: number; hex: string; flags?: MsgFlag[]; addr?: string; port?: number; unspec?: boolean }; result: { id: number } };
  /** A call thread idle and ready for sendBlocking (started now if none is), so that the call starts at once. */
  warmCalls: { args: Record<string, never>; result: Record<string, never> };
  /**
   * Waits up to timeoutMs for blocking call `id` (sendBlocking) to return: its ret and errno
   * (result.sent on success; `at` is when it returned); still blocked → ok false, err ETIMEDOUT,
   * result.pending true (wait again, or close the socket: that wakes it).
   */
  callWait: { args: { id: number; timeoutMs?: number }; result: { pending: boolean; sent?: number } };
  /** recv(2) of up to max (default 65536) bytes; timeoutMs as for accept; ret 0 / eof true at EOF */
  recv: { args: { fd: number; max?: number; timeoutMs?: number; peek?: boolean }; result: { hex: string; eof: boolean } };
  /** poll(2) on one fd for `events` (POLL* bits), up to timeoutMs (default 0); ret = the number of ready fds; result.revents. Runs on a pool thread: the agent's loop goes on */
  poll: { args: { fd: number; events: number; timeoutMs?: number }; result: { revents: number } };
  getsockname: { args: { fd: number }; result: SockAddr };
  getpeername: { args: { fd: number }; result: SockAddr };

  /** TCP state from /proc/net/tcp{,6}: 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'LISTEN', … or 'none' */
  sockState: { args: { local: Partial<Endpoint>; remote?: Partial<Endpoint> }; result: { state: string; states: string[] } };
  /**
   * Listener on port (and addr): acceptq = current accept-queue length, max = sk_max_ack_backlog
   * (both via NETLINK_SOCK_DIAG; /proc/net/tcp does not carry the max). ENOENT if no listener.
   */
  listenQueue: { args: { port: number; addr?: string }; result: ListenQueue };
  sockets: { args: Record<string, never>; result: { rows: TcpRow[] } };
  /** the text of /proc/net/tcp or /proc/net/tcp6 of the request's namespace, in the order asked (a script's grep of them) */
  procNet: { args: { files: string[] }; result: { texts: string[] } };
  /** every field of /proc/net/snmp, /proc/net/netstat, /proc/net/snmp6: { TcpExtListenDrops: n, TcpInSegs: n, … } */
  counters: { args: Record<string, never>; result: Record<string, number> };

  /** net.* only; value arrays are written space-separated; result.old = previous value */
  sysctlSet: { args: { name: string; value: string | number | number[] }; result: { old: string; value: string } };
  sysctlGet: { args: { name: string }; result: { value: string } };
  /** several at once, in one round trip (the model reads ~50 per case): the values read, and for each name that could not be read its errno name */
  sysctlGetMany: { args: { names: string[] }; result: { values: Record<string, string>; missing: Record<string, string> } };
  /** `ip -batch -` with this script, in the agent's namespace (ok iff exit code 0) */
  linkSetup: { args: { script: string }; result: ExecResult };
  /** `ethtool <args>` in the agent's namespace (ok iff exit code 0) */
  ethtool: { args: { args: string[] }; result: ExecResult };
}

export type Op = keyof OpMap;
export type Args<O extends Op> = OpMap[O]['args'];
export type Result<O extends Op> = OpMap[O]['result'];

/** Discriminated union of every request. */
/** ns: the namespace slot the request runs in (default 0, the agent's own namespace). */
export type Request = { [O in Op]: { id: number; op: O; args: Args<O>; ns?: number } }[Op];
export type RequestOf<O extends Op> = { id: number; op: O; args: Args<O>; ns?: number };

export interface Reply<O extends Op = Op> {
  id: number;
  ok: boolean;
  result?: Result<O>;
  /** syscall return value (-1 on failure) */
  ret?: number;
  errno?: number;
  /** errno name ('EAGAIN'); '' when errno is 0 */
  err?: string;
  /** explanation for non-syscall failures */
  msg?: string;
  /** time spent in the agent, ms */
  ms: number;
  /**
   * When the agent took the request up, on CLOCK_MONOTONIC in ms (µs resolution) — the clock of the
   * harness's process.hrtime and of its capture timestamps: the time of the syscall, not of the call.
   */
  at?: number;
}

export interface ReadyLine {
  ready: true;
  pid: number;
  /** readlink of /proc/self/ns/net, e.g. 'net:[4026532601]' */
  netns: string;
  /** uname -r */
  release: string;
  /** uname -v: the upstream sublevel a distribution release hides ("… Debian 6.1.192-3"), for the model's profile */
  version: string;
}

export const OPS: readonly Op[] = [
  'ping',
  'freshNetns',
  'nsCreate',
  'nsDrop',
  'wire',
  'uname',
  'nowMs',
  'socket',
  'bind',
  'listen',
  'accept',
  'acceptAbortAll',
  'connect',
  'connectWait',
  'setsockopt',
  'getsockopt',
  'close',
  'shutdown',
  'send',
  'sendBlocking',
  'warmCalls',
  'callWait',
  'recv',
  'getsockname',
  'getpeername',
  'sockState',
  'listenQueue',
  'sockets',
  'procNet',
  'counters',
  'sysctlSet',
  'sysctlGet',
  'sysctlGetMany',
  'linkSetup',
  'ethtool',
];

/** Environment variable through which the spawner tells the agent its pid (checked against getppid()). */
export const ENV_PARENT_PID = 'SYNH_AGENT_PARENT_PID';
