/**
 * Client side of the DUT agent: spawns the agent in a fresh network namespace and talks to it
 * over its stdin/stdout (JSON lines, see protocol.ts).
 *
 *   const agent = await Agent.spawn();
 *   const { result } = await agent.socket(4);           // Reply<'socket'>: ok/ret/errno/err/ms
 *   const fd = (await agent.must('socket', { family: 4 })).fd;   // throws AgentCallError unless ok
 *   await agent.kill();
 *
 * Replies with ok:false are normal results (ECONNREFUSED is an answer, not an exception); calls
 * reject only when the agent is gone or the reply cannot be parsed (AgentDiedError).
 * An idle agent does not keep the harness's event loop alive.
 */
import { ChildProcess, spawn } from 'child_process';
import { performance } from 'perf_hooks';
import type { Family, SockAddr } from '../sys/sockaddr';
import type { AgentSockoptValue } from '../sys/sockopts';
import { LaunchMode, launchSpec } from './launch';
import { Args, ENV_PARENT_PID, Endpoint, MsgFlag, Op, ReadyLine, Reply, Result, ShutdownHow } from './protocol';

export interface SpawnOptions {
  /** node binary for the agent (default: process.execPath) */
  nodePath?: string;
  /** spawn-to-ready timeout, ms (default 15000) */
  timeoutMs?: number;
  /** 'compiled' (default; precompiled JS, fastest) or 'ts-node' */
  mode?: LaunchMode;
  /** extra environment for the agent */
  env?: NodeJS.ProcessEnv;
}

const STDERR_KEEP = 16 * 1024;

export class AgentDiedError extends Error {
  constructor(
    msg: string,
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${msg}\n--- agent stderr (tail) ---\n${stderrTail}` : msg);
    this.name = 'AgentDiedError';
  }
}

export class AgentCallError extends Error {
  constructor(
    readonly op: string,
    readonly args: unknown,
    readonly reply: Reply,
  ) {
    super(`${op}(${briefArgs(args)}) failed: ret=${reply.ret} ${reply.err || `errno ${reply.errno}`}${reply.msg ? ` — ${reply.msg}` : ''}`);
    this.name = 'AgentCallError';
  }
}

/** A call's arguments in a failure message: scalars as key=value (cut at 40 characters), nested ones as {…}. */
export function briefArgs(args: unknown): string {
  if (args === null || typeof args !== 'object') return String(args);
  return Object.entries(args as Record<string, unknown>)
    .map(([k, v]) => {
      if (Array.isArray(v)) return `${k}=[…]`;
      if (v !== null && typeof v === 'object') return `${k}={…}`;
      const t = String(v);
      return `${k}=${t.length > 40 ? `${t.slice(0, 39)}…` : t}`;
    })
    .join(' ');
}

interface Pending {
  op: string;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

type Refable = { ref?: () => void; unref?: () => void };

/**
 * The agent's calls, with typed conveniences; `call` decides where they run (the whole agent, or one
 * of its namespace slots).
 */
export abstract class AgentApi {
  abstract call<O extends Op>(op: O, args: Args<O>): Promise<Reply<O>>;

  /** call() that returns the result when ok and throws AgentCallError otherwise. */
  async must<O extends Op>(op: O, args: Args<O>): Promise<Result<O>> {
    const r = await this.call(op, args);
    if (!r.ok) throw new AgentCallError(op, args, r);
    return r.result as Result<O>;
  }

  ping(): Promise<Reply<'ping'>> {
    return this.call('ping', {});
  }
  uname(): Promise<Reply<'uname'>> {
    return this.call('uname', {});
  }
  /** agent's CLOCK_MONOTONIC in ms */
  async nowMs(): Promise<number> {
    return (await this.must('nowMs', {})).ms;
  }
  socket(family: Family): Promise<Reply<'socket'>> {
    return this.call('socket', { family });
  }
  bind(fd: number, addr: string, port: number): Promise<Reply<'bind'>> {
    return this.call('bind', { fd, addr, port });
  }
  listen(fd: number, backlog: number): Promise<Reply<'listen'>> {
    return this.call('listen', { fd, backlog });
  }
  accept(fd: number, timeoutMs = 0): Promise<Reply<'accept'>> {
    return this.call('accept', { fd, timeoutMs });
  }
  connect(fd: number, addr: string, port: number): Promise<Reply<'connect'>> {
    return this.call('connect', { fd, addr, port });
  }
  connectWait(fd: number, timeoutMs = 0): Promise<Reply<'connectWait'>> {
    return this.call('connectWait', { fd, timeoutMs });
  }
  setsockopt(fd: number, name: string, value: AgentSockoptValue): Promise<Reply<'setsockopt'>> {
    return this.call('setsockopt', { fd, name, value });
  }
  getsockopt(fd: number, name: string): Promise<Reply<'getsockopt'>> {
    return this.call('getsockopt', { fd, name });
  }
  close(fd: number): Promise<Reply<'close'>> {
    return this.call('close', { fd });
  }
  shutdown(fd: number, how: ShutdownHow): Promise<Reply<'shutdown'>> {
    return this.call('shutdown', { fd, how });
  }
  send(
    fd: number,
    data: Buffer | string,
    opts: { flags?: MsgFlag[]; addr?: string; port?: number; unspec?: boolean; timeoutMs?: number } = {},
  ): Promise<Reply<'send'>> {
    const hex = typeof data === 'string' ? data : data.toString('hex');
    return this.call('send', { fd, hex, ...opts });
  }
  /** A blocking send()/sendto() on an agent thread: replies once it is under way; callWait collects it. */
  sendBlocking(
    fd: number,
    data: Buffer | string,
    opts: { flags?: MsgFlag[]; addr?: string; port?: number; unspec?: boolean } = {},
  ): Promise<Reply<'sendBlocking'>> {
    const hex = typeof data === 'string' ? data : data.toString('hex');
    return this.call('sendBlocking', { fd, hex, ...opts });
  }
  warmCalls(): Promise<Reply<'warmCalls'>> {
    return this.call('warmCalls', {});
  }
  callWait(id: number, timeoutMs = 0): Promise<Reply<'callWait'>> {
    return this.call('callWait', { id, timeoutMs });
  }
  recv(fd: number, max = 65536, timeoutMs = 0, peek = false): Promise<Reply<'recv'>> {
    return this.call('recv', { fd, max, timeoutMs, peek });
  }
  getsockname(fd: number): Promise<Reply<'getsockname'>> {
    return this.call('getsockname', { fd });
  }
  poll(fd: number, events: number, timeoutMs = 0): Promise<Reply<'poll'>> {
    return this.call('poll', { fd, events, timeoutMs });
  }
  getpeername(fd: number): Promise<Reply<'getpeername'>> {
    return this.call('getpeername', { fd });
  }
  /** TCP state name of the socket with these endpoints ('none' if absent) */
  async sockState(local: Partial<Endpoint>, remote?: Partial<Endpoint>): Promise<string> {
    return (await this.must('sockState', remote ? { local, remote } : { local })).state;
  }
  listenQueue(port: number, addr?: string): Promise<Reply<'listenQueue'>> {
    return this.call('listenQueue', addr === undefined ? { port } : { port, addr });
  }
  async sockets(): Promise<Result<'sockets'>['rows']> {
    return (await this.must('sockets', {})).rows;
  }
  counters(): Promise<Record<string, number>> {
    return this.must('counters', {});
  }
  sysctlSet(name: string, value: string | number | number[]): Promise<Reply<'sysctlSet'>> {
    return this.call('sysctlSet', { name, value });
  }
  async sysctlGet(name: string): Promise<string> {
    return (await this.must('sysctlGet', { name })).value;
  }
  procNet(files: string[]): Promise<Reply<'procNet'>> {
    return this.call('procNet', { files });
  }
  linkSetup(script: string): Promise<Reply<'linkSetup'>> {
    return this.call('linkSetup', { script });
  }
  ethtool(args: string[]): Promise<Reply<'ethtool'>> {
    return this.call('ethtool', { args });
  }
}

export class Agent extends AgentApi {
  /** agent pid (also the pid of the process owning the namespace) */
  readonly pid: number;
  /** /proc/<pid>/ns/net */
  readonly netnsPath: string;
  /** readlink of the namespace, e.g. 'net:[4026532601]' */
  readonly netns: string;
  /** kernel release (uname -r) */
  readonly release: string;
  /** kernel version string (uname -v) */
  readonly version: string;
  /** spawn-to-ready time, ms */
  readonly spawnMs: number;

  private readonly child: ChildProcess;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail: string;
  private stdoutBuf: string;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;

  private constructor(child: ChildProcess, ready: ReadyLine, spawnMs: number, stdoutRest: string, stderrTail: string, exited: Promise<void>) {
    super();
    this.child = child;
    this.pid = ready.pid;
    this.netnsPath = `/proc/${ready.pid}/ns/net`;
    this.netns = ready.netns;
    this.release = ready.release;
    this.version = ready.version;
    this.spawnMs = spawnMs;
    this.stdoutBuf = stdoutRest;
    this.stderrTail = stderrTail;
    this.exited = exited;

    child.stdout!.on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_KEEP);
    });
    child.stdin!.on('error', () => {
      /* reported via exit */
    });
    void exited.then(() => this.onExit());
    this.onStdout('');
    this.updateRef();
  }

  /** Start an agent in a fresh network namespace and wait for its ready line. */
  static spawn(opts: SpawnOptions = {}): Promise<Agent> {
    const t0 = performance.now();
    const timeoutMs = opts.timeoutMs ?? 15000;
    const env = { ...process.env, ...opts.env, [ENV_PARENT_PID]: String(process.pid) };
    let child: ChildProcess;
    try {
      const spec = launchSpec(opts.mode ?? 'compiled', opts.nodePath ?? process.execPath, env);
      child = spawn(spec.cmd, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (e) {
      return Promise.reject(e);
    }
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let spawnError: Error | null = null;
    const exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      child.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        // let stdio drain so the stderr tail is complete, but don't wait forever
        child.once('close', finish);
        setTimeout(finish, 100).unref();
      });
      child.once('error', (e) => {
        spawnError = e;
        if (child.exitCode !== null || child.pid === undefined) finish();
      });
    });

    return new Promise<Agent>((resolve, reject) => {
      let out = '';
      let err = '';
      let settled = false;
      const cleanup = () => {
        settled = true;
        clearTimeout(timer);
        child.stdout!.off('data', onOut);
        child.stderr!.off('data', onErr);
      };
      const failWith = (msg: string) => {
        if (settled) return;
        cleanup();
        child.kill('SIGKILL');
        reject(new AgentDiedError(msg, err.slice(-STDERR_KEEP)));
      };
      const onErr = (c: string) => {
        err = (err + c).slice(-STDERR_KEEP);
      };
      const onOut = (c: string) => {
        out += c;
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        const line = out.slice(0, nl);
        let ready: ReadyLine;
        try {
          ready = JSON.parse(line);
          if (!ready.ready) throw new Error('not a ready line');
        } catch {
          failWith(`agent printed ${JSON.stringify(line.slice(0, 200))} instead of its ready line`);
          return;
        }
        cleanup();
        const agent = new Agent(child, ready, performance.now() - t0, out.slice(nl + 1), err, exited);
        agent.exitInfo = exitInfo;
        resolve(agent);
      };
      const timer = setTimeout(() => failWith(`agent not ready within ${timeoutMs} ms`), timeoutMs);
      child.stdout!.on('data', onOut);
      child.stderr!.on('data', onErr);
      void exited.then(() => {
        const why = spawnError ? `agent spawn failed: ${spawnError.message}` : `agent exited before ready (code ${exitInfo?.code}, signal ${exitInfo?.signal})`;
        failWith(why);
      });
    });
  }

  /** true until the agent process has exited */
  get alive(): boolean {
    return this.exitInfo === null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** last bytes of the agent's stderr */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Send one request; resolves with the reply (ok or not), rejects only if the agent is gone. */
  call<O extends Op>(op: O, args: Args<O>): Promise<Reply<O>> {
    return this.callIn(undefined, op, args);
  }

  /** call() in namespace slot `ns` (undefined: the agent's own namespace, slot 0). */
  callIn<O extends Op>(ns: number | undefined, op: O, args: Args<O>): Promise<Reply<O>> {
    if (!this.alive) return Promise.reject(this.diedError(`agent ${this.pid} is not running (${op})`));
    const id = this.nextId++;
    return new Promise<Reply<O>>((resolve, reject) => {
      this.pending.set(id, { op, resolve: resolve as (r: Reply) => void, reject });
      this.updateRef();
      this.child.stdin!.write(`${JSON.stringify(ns === undefined ? { id, op, args } : { id, op, args, ns })}\n`);
    });
  }

  /**
   * A new namespace slot in this agent (a fresh DUT namespace, held by the agent), and a handle whose
   * calls run in it. One agent can serve many labs this way.
   */
  async newSlot(): Promise<AgentSlot> {
    const r = await this.callIn(undefined, 'nsCreate', {});
    if (!r.ok) throw new AgentCallError('nsCreate', {}, r);
    return new AgentSlot(this, r.result!.ns, r.result!.path);
  }

  /** A handle on slot 0, the agent's own namespace. */
  ownSlot(): AgentSlot {
    return new AgentSlot(this, 0, this.netnsPath);
  }

  /** SIGKILL the agent and wait until it has exited (its namespace goes with it). */
  async kill(): Promise<void> {
    if (this.alive) {
      // Wait for the exit itself while the child handle is ref'd (it keeps the event loop alive until
      // the exit is reaped). `exited` also waits for stdio to drain behind an unref'd timer: awaited
      // alone, with the pipes unref'd too, nothing held the loop and the process could end mid-run.
      this.child.ref();
      const exit = new Promise<void>((r) => {
        if (this.child.exitCode !== null || this.child.signalCode !== null) r();
        else this.child.once('exit', () => r());
      });
      this.child.kill('SIGKILL');
      await exit;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((r) => (timer = setTimeout(r, 250)))]);
    clearTimeout(timer);
  }

  // ---- internals ---------------------------------------------------------------------------

  private onStdout(chunk: string): void {
    this.stdoutBuf += chunk;
    let nl: number;
    while ((nl = this.stdoutBuf.indexOf('\n')) >= 0) {
      const line = this.stdoutBuf.slice(0, nl);
      this.stdoutBuf = this.stdoutBuf.slice(nl + 1);
      if (!line.trim()) continue;
      let reply: Reply;
      try {
        reply = JSON.parse(line);
      } catch {
        this.stderrTail = (this.stderrTail + `[unparseable stdout line] ${line}\n`).slice(-STDERR_KEEP);
        continue;
      }
      const p = this.pending.get(reply.id);
      if (!p) continue;
      this.pending.delete(reply.id);
      p.resolve(reply);
    }
    this.updateRef();
  }

  private onExit(): void {
    this.exitInfo = this.exitInfo ?? { code: this.child.exitCode, signal: this.child.signalCode };
    const err = this.diedError(`agent ${this.pid} exited (code ${this.exitInfo.code}, signal ${this.exitInfo.signal})`);
    for (const [, p] of this.pending) p.reject(new AgentDiedError(`${err.message.split('\n')[0]} while waiting for ${p.op}`, this.stderrTail));
    this.pending.clear();
  }

  private diedError(msg: string): AgentDiedError {
    return new AgentDiedError(msg, this.stderrTail);
  }

  /** Keep the harness alive only while replies are outstanding. */
  private updateRef(): void {
    const busy = this.pending.size > 0;
    const streams = [this.child.stdout, this.child.stderr, this.child.stdin] as unknown as Refable[];
    for (const s of streams) (busy ? s?.ref : s?.unref)?.call(s);
    if (busy) this.child.ref();
    else this.child.unref();
  }
}

export type { SockAddr };

/**
 * One namespace slot of an agent: every call runs in that namespace. `path` names the namespace for
 * other processes (nsenter --net=PATH, `ip link … netns PATH`); it changes when freshNetns renews
 * the slot.
 */
export class AgentSlot extends AgentApi {
  constructor(
    readonly agent: Agent,
    readonly ns: number,
    public netnsPath: string,
  ) {
    super();
  }

  get pid(): number {
    return this.agent.pid;
  }

  get alive(): boolean {
    return this.agent.alive;
  }

  /** kernel release (uname -r) */
  get release(): string {
    return this.agent.release;
  }

  /** kernel version string (uname -v) */
  get version(): string {
    return this.agent.version;
  }

  /** last bytes of the agent's stderr */
  get stderr(): string {
    return this.agent.stderr;
  }

  call<O extends Op>(op: O, args: Args<O>): Promise<Reply<O>> {
    return this.agent.callIn(this.ns, op, args);
  }
}
