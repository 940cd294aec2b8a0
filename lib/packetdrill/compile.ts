// compileScript: a parsed packetdrill script → the normalised case (lib/case/types.ts) the runner
// executes, or a ScriptError at the first construct it cannot express ("unsupported: …").
//
// How a script maps onto a case:
//   - `shell` lines before the first system call → the case's sysctls (defaults.sh is read through
//     `include`; sysctls this kernel does not have are dropped, as `sysctl -q` would);
//   - socket/setsockopt/bind/listen → setup: listen (port 8080, the options set before listen);
//     socket/…/connect → setup: connect to the peer's port 8080;
//   - each inbound SYN to the listener is a new connection: a new flow (peer port 40000, 40001, …);
//   - inbound packets → send steps, outbound → expect steps with an `at` window: the script's time
//     since the latest inbound packet or call, ± the tolerance (4 ms unless --tolerance_usecs, plus
//     the harness's slack);
//   - a blocking call with a time range (`+0...0.200 accept(…)`) runs after the events scheduled
//     before it returns, with the rest of the range as its timeout;
//   - time between events → wait steps.
// Pure.
import type { AssertStep, CallExpect, CallStep, CaseFile, CmpMatcher, Flow, GrepPipeline, SockOpt, CaseSockoptValue, SourcePos, Step } from '../case/types';
import { SYN, ACK } from '../wire/types';
import { toHex } from '../wire/bytes';
import type { Arg, IcmpEvent, PdEvent, Script, SyscallEvent } from './ast';
import { icmpStep, nstatAssert } from './icmp';
import { ScriptError, unsupported } from './errors';
import { flagBits, inboundStep, outboundPattern, synackCookies, type FlowSpace, type PacketCtx } from './packets';
import { parseCodeBlock } from './code';
import { shellActions, type ShellAction } from './shell';
import { PD_LOCAL_IP, PD_REMOTE_IP, scriptCookie } from './tfo-cookie';
import { wheelGranuleMs } from '../model/core/timer-wheel';
import { POLL_EVENTS } from '../case/vocab';

export interface CompileOptions {
  /** -D NAME=VALUE */
  defines?: Record<string, string>;
  /** from the command line (--ip_version); the script's own --ip_version wins over the default */
  ipVersion?: 4 | 6 | 'both';
  /** outbound time tolerance in ms (default: the script's --tolerance_usecs, else 4) */
  toleranceMs?: number;
  /** added to the tolerance: the harness's own latency between a stimulus and the capture */
  slackMs?: number;
  /** the text of a file a shell line runs, relative to the script; undefined when absent */
  include?: (path: string) => string | undefined;
  /**
   * Why this kernel cannot take the sysctl setting (it lacks the sysctl, or refuses the value in a
   * namespace), or undefined when it can. The setting is then skipped with a note, as a `sysctl -q`
   * line of a shell script fails without stopping it. Default: every setting is taken.
   */
  sysctlSkip?: (name: string, value: string) => string | undefined;
  /** packets after the script's last line fail the case (default: reported only, as packetdrill) */
  strict?: boolean;
  /** the case name (default: from the file name) */
  name?: string;
}

/** packetdrill's port for the socket under test (its --bind_port / --connect_port defaults). */
export const PD_PORT = 8080;
/** The harness's latency allowance on top of the script's tolerance (capture and event-loop delays). */
export const PD_SLACK_MS = 6;
const FIRST_PEER_PORT = 40000;
/** The link MTU packetdrill's run_all.py gives IPv6 runs (--mtu=1520). */
export const PD_IPV6_MTU = 1520;

const KNOWN_OPTIONS = new Set([
  'ip_version',
  'tolerance_usecs',
  'local_ip',
  'remote_ip',
  'gateway_ip',
  'netmask_ip',
  'mtu',
  'tcp_ts_tick_usecs',
  'tcp_ts_ecr_scaled',
  'bind_port',
  'connect_port',
  'speed',
  'init_delay_usecs',
  'verbose',
  'define',
  'D',
]);
/** Options that change nothing here: our addresses are the lab's (cookies are recomputed for them). */
const IGNORED_OPTIONS = new Set(['gateway_ip', 'netmask_ip', 'verbose', 'init_delay_usecs', 'speed']);

type SockRole = { role: 'new' | 'listener' | 'conn'; pos: SourcePos };

export function compileScript(s: Script, o: CompileOptions = {}): CaseFile {
  return new Compiler(s, o).run();
}

class Compiler {
  private readonly file: string;
  private readonly notes = new Set<string>();
  private readonly defines: Record<string, string>;
  private families: Array<4 | 6>;
  private tolMs: number;
  private readonly sysctls: Array<{ name: string; value: string }> = [];
  private setup: CaseFile['setup'] | undefined;
  private readonly sockopts: SockOpt[] = [];
  private readonly fds = new Map<number, SockRole>();
  private listenerFd: number | undefined;
  private connFd: number | undefined;
  private readonly flows: FlowSpace[] = [];
  private cur: FlowSpace | undefined;
  private readonly steps: Step[] = [];
  /** script time (s) of the previous event's start, and of the latest stimulus (inbound packet / call) */
  private tPrev = 0;
  private tStimulus = 0;
  /** script time the runner has reached with its waits */
  private tClock = 0;
  private started = false;
  private readonly deferred: Array<{ ev: PdEvent & SyscallEvent; start: number; end: number }> = [];
  /** sockets whose TCP_FASTOPEN_CONNECT connect() returned 0: the first write sends their SYN */
  private readonly deferredFds = new Set<number>();
  /** the socket an early call made (openSocket) before its connect; -1 once connected */
  private openedFd: number | undefined;
  /** blocking calls started (blockingSendStart) whose return is still to check */
  private readonly blocking = new Set<PdEvent & SyscallEvent>();
  private readonly ctx: PacketCtx;
  /** packetdrill's run_all.py runs IPv6 with --mtu=1520, so that both families advertise MSS 1460 */
  private mtu: Partial<Record<4 | 6, number>> = { 6: PD_IPV6_MTU };
  /** packetdrill's addresses for the script (its cookies were computed for them) */
  private localIp = PD_LOCAL_IP;
  private remoteIp = PD_REMOTE_IP;

  constructor(
    private readonly s: Script,
    private readonly o: CompileOptions,
  ) {
    this.file = s.file;
    this.defines = { ...o.defines };
    this.families = o.ipVersion === 4 ? [4] : o.ipVersion === 6 ? [6] : [4, 6];
    this.tolMs = o.toleranceMs ?? 4;
    this.ctx = {
      tsTickUs: undefined,
      file: this.file,
      defines: this.defines,
      notes: this.notes,
      scriptCookie: () => scriptCookie(this.sysctls.find((x) => x.name === 'net.ipv4.tcp_fastopen_key')?.value, this.remoteIp, this.localIp),
    };
  }

  private fail(pos: SourcePos, msg: string): never {
    throw new ScriptError(this.file, pos, msg);
  }

  run(): CaseFile {
    this.scriptOptions();
    for (const ev of this.s.events) this.event(ev);
    this.flushDeferred(Infinity);
    if (!this.setup) this.fail({ line: 1, column: 1 }, 'the script opens no socket (socket() then listen() or connect())');
    const flows: Flow[] = this.flows.map((f) => ({ name: f.name, sport: f.sport, isn: Math.max(0, f.peerIsn) }));
    if (!flows.length) flows.push({ name: 'a', sport: this.setup.kind === 'connect' ? PD_PORT : FIRST_PEER_PORT, isn: 0 });
    return {
      file: this.file,
      name: this.o.name ?? caseName(this.file),
      description: `packetdrill script ${this.file}`,
      spec: [],
      kernel: { text: '*', anyOf: [] },
      families: this.families,
      sysctls: this.sysctls.map((x) => ({ name: x.name, value: /^-?\d+$/.test(x.value) ? Number(x.value) : x.value })),
      setup: this.setup,
      flows,
      steps: this.steps,
      mtu: this.mtu,
      trailing: this.o.strict ? 'fail' : 'report',
      source: { kind: 'packetdrill', notes: [...this.notes] },
    };
  }

  private scriptOptions(): void {
    for (const opt of this.s.options) {
      if (!KNOWN_OPTIONS.has(opt.name)) unsupported(this.file, opt.pos, `the option --${opt.name}`);
      if (IGNORED_OPTIONS.has(opt.name)) continue;
      const v = opt.value ?? '';
      switch (opt.name) {
        case 'ip_version':
          if (this.o.ipVersion !== undefined) break;
          if (v === 'ipv4') this.families = [4];
          else if (v === 'ipv6') this.families = [6];
          else unsupported(this.file, opt.pos, `--ip_version=${v} (ipv4 and ipv6 are supported)`);
          break;
        case 'tolerance_usecs':
          if (this.o.toleranceMs === undefined) this.tolMs = Number(v) / 1000;
          break;
        case 'mtu':
          if (!/^\d+$/.test(v) || Number(v) < 1280 || Number(v) > 9000) unsupported(this.file, opt.pos, `--mtu=${v} (1280 to 9000 are supported)`);
          this.mtu = { 4: Number(v), 6: Number(v) };
          break;
        case 'tcp_ts_ecr_scaled':
          break;
        case 'tcp_ts_tick_usecs':
          if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000000) unsupported(this.file, opt.pos, `--tcp_ts_tick_usecs=${v} (1 to 1000000 µs)`);
          this.ctx.tsTickUs = Number(v);
          break;
        case 'local_ip':
          this.localIp = v;
          break;
        case 'remote_ip':
          this.remoteIp = v;
          break;
        case 'define':
        case 'D': {
          const [k, val] = v.split('=');
          if (this.defines[k] === undefined) this.defines[k] = val ?? '';
          break;
        }
        default:
          unsupported(this.file, opt.pos, `the option --${opt.name}${opt.value !== undefined ? `=${opt.value}` : ''}`);
      }
    }
    this.ctx.tsTolMs = this.tolMs + (this.o.slackMs ?? PD_SLACK_MS);
  }

  // ---- time

  /** The event's scheduled start (s). */
  private start(ev: PdEvent): number {
    switch (ev.time.kind) {
      case 'rel':
        return this.tPrev + ev.time.value;
      case 'abs':
        return ev.time.value;
      case 'any':
        return this.tPrev;
    }
  }

  /** Wait steps up to script time t (from the time reached so far). */
  /** A step's note: the script line it came from, as file:line: text. */
  private lineNote(ev: PdEvent): string {
    return `${this.file}:${ev.pos.line}: ${ev.line}`;
  }

  private waitUntil(t: number, pos: SourcePos): void {
    const ms = Math.round((t - this.tClock) * 1000);
    if (ms > 0) this.steps.push({ kind: 'wait', ms, index: this.steps.length, pos });
    if (t > this.tClock) this.tClock = t;
  }

  private stimulus(t: number): void {
    this.tStimulus = t;
  }

  // ---- events

  private event(ev: PdEvent): void {
    const t = this.start(ev);
    if (ev.time.kind === 'abs' && t + 1e-9 < this.tPrev)
      this.fail(ev.time.pos, `the absolute time ${ev.time.value} is before the previous event (${this.tPrev.toFixed(3)} s)`);
    // a system call waits for a blocking one that returns at its time (packetdrill runs them one at a
    // time); packets at that time come first (they made it return)
    if (ev.kind !== 'shell' || this.started) this.flushDeferred(ev.kind === 'syscall' || ev.kind === 'code' ? t + 2e-9 : t);
    switch (ev.kind) {
      case 'shell':
        return this.shell(ev, t);
      case 'code':
        this.code(ev, t);
        break;
      case 'packet':
        this.started = true;
        this.packet(ev, t);
        break;
      case 'icmp':
        this.started = true;
        this.icmp(ev, t);
        break;
      case 'syscall':
        this.started = true;
        if (ev.time.end !== undefined) {
          this.syscallStart(ev, t);
          // the end counts from the same point as the start: the previous event (relative) or 0
          this.deferred.push({ ev, start: t, end: (ev.time.kind === 'abs' ? 0 : this.tPrev) + ev.time.end });
        } else this.syscall(ev, t, undefined);
        break;
    }
    if (ev.time.kind !== 'any') this.tPrev = t;
  }

  /** Blocking calls that returned before script time t run now (events at their return time come first: they made it return). */
  private flushDeferred(t: number): void {
    while (this.deferred.length && this.deferred[0].end < t - 1e-9) {
      const d = this.deferred.shift()!;
      this.syscall(d.ev, this.tClock, d.end, false, d.start);
    }
  }

  /** An inbound ICMP error (lib/packetdrill/icmp.ts): a step on the current connection. */
  private icmp(ev: PdEvent & IcmpEvent, t: number): void {
    const f = this.cur;
    if (!f) unsupported(this.file, ev.pos, 'an ICMP error before any connection exists');
    const { step, families } = icmpStep(ev, f, { file: this.file, defines: this.defines, notes: this.notes, families: this.families });
    this.families = families;
    this.waitUntil(t, ev.pos);
    this.steps.push({ kind: 'icmp', index: this.steps.length, pos: ev.pos, note: this.lineNote(ev), ...step });
    this.stimulus(t);
  }

  private shell(ev: PdEvent & { kind: 'shell' }, t: number): void {
    const nstat = this.started ? nstatAssert(ev.text, ev.pos, this.file) : undefined;
    if (nstat) {
      // an event at its time, like a call (other shell lines take no time of their own)
      this.waitUntil(t, ev.pos);
      if (ev.time.kind !== 'any') this.tPrev = t;
      if (nstat === 'reset') return;
      this.notes.add('nstat | grep NAME: the counter moved since the case started (counters are read per case, so the nstat reset before it is implied)');
      this.steps.push({ ...nstat, index: this.steps.length, note: this.lineNote(ev) });
      return;
    }
    const ctx = { file: this.file, pos: ev.pos, include: (p: string) => this.o.include?.(p), defines: this.defines };
    const plan = this.shellPlan(shellActions(ev.text, ctx), ev.pos);
    if (plan.greps.length) {
      // grep of the DUT's socket tables: an assert step at the line's time (packetdrill fails the script when grep exits non-zero)
      if (!this.started || !this.setup || plan.set.length || plan.flush)
        unsupported(this.file, ev.pos, 'a grep of /proc/net/tcp before the first call, or with other commands on its line');
      this.waitUntil(t, ev.pos);
      for (const g of plan.greps) this.pushAssert(ev, { procGrep: g });
      return;
    }
    // a flush before any connection changes nothing (the DUT's namespace is fresh); after one it empties the Fast Open cache
    const flush = this.started && plan.flush;
    const set = plan.set;
    if (!set.length && !flush) return;
    // after the first call: a sysctl step at the line's time
    if (this.started) this.waitUntil(t, ev.pos);
    const mid: Array<{ name: string; value: number | string }> = [];
    for (const x of set) {
      if (!x.name.startsWith('net.')) unsupported(this.file, ev.pos, `the sysctl ${x.name} (only net.* sysctls live in the DUT's namespace)`);
      const skip = this.o.sysctlSkip?.(x.name, x.value);
      if (skip !== undefined) {
        this.notes.add(`sysctl ${x.name}=${x.value} skipped: ${skip}`);
        continue;
      }
      const value = x.value.trim().replace(/\s+/g, ' ');
      if (this.started) {
        mid.push({ name: x.name, value: /^-?\d+$/.test(value) ? Number(value) : value });
        continue;
      }
      const i = this.sysctls.findIndex((y) => y.name === x.name);
      if (i >= 0) this.sysctls.splice(i, 1);
      this.sysctls.push({ name: x.name, value });
    }
    if (mid.length || flush)
      this.steps.push({
        kind: 'sysctl',
        index: this.steps.length,
        pos: ev.pos,
        note: this.lineNote(ev),
        sysctls: mid,
        ...(flush ? { flushTcpMetrics: true as const } : {}),
      });
  }

  /**
   * The sysctls and flushes a shell line makes, in order. `A || B`: B too when A fails — when a sysctl A
   * sets is one this kernel cannot take (sysctlSkip: `sysctl -q` then exits non-zero); a setting that
   * fails only when run fails the case (its sysctl step), never silently.
   */
  private shellPlan(
    actions: ShellAction[],
    pos: SourcePos,
  ): { set: Array<{ name: string; value: string }>; flush: boolean; greps: Array<GrepPipeline & { text: string }> } {
    const set: Array<{ name: string; value: string }> = [];
    const greps: Array<GrepPipeline & { text: string }> = [];
    let flush = false;
    for (const a of actions) {
      if ('name' in a) set.push(a);
      else if ('flush' in a) flush = true;
      else if ('grep' in a) greps.push({ ...a.grep, text: a.text });
      else {
        const first = this.shellPlan(a.first, pos);
        const orElse = this.shellPlan(a.orElse, pos);
        if (first.greps.length || orElse.greps.length) unsupported(this.file, pos, 'a grep in a shell line with ||');
        set.push(...first.set);
        flush ||= first.flush;
        if (first.set.some((x) => this.o.sysctlSkip?.(x.name, x.value) !== undefined)) {
          set.push(...orElse.set);
          flush ||= orElse.flush;
        }
      }
    }
    return { set, flush, greps };
  }

  /** %{ assert … }%: TCP_INFO checks on the socket the script works with (the connection, else the listener). */
  private code(ev: PdEvent & { kind: 'code' }, t: number): void {
    const checks = parseCodeBlock(ev.text, { line: ev.pos.line, column: ev.pos.column + 2 }, this.file);
    if (!checks.length) return;
    const on = this.connFd !== undefined ? 'conn' : this.listenerFd !== undefined ? 'listener' : undefined;
    if (!on) unsupported(this.file, ev.pos, '%{ }% before the socket under test is listening or connecting');
    this.waitUntil(t, ev.pos);
    this.pushAssert(ev, { tcpInfo: { on, checks } });
  }

  /** An assert step at this script line: what it checks besides socket states and counters (none). */
  private pushAssert(ev: PdEvent, check: Pick<AssertStep, 'procGrep' | 'tcpInfo'>): void {
    this.steps.push({ kind: 'assert', index: this.steps.length, pos: ev.pos, note: this.lineNote(ev), states: [], counters: [], ...check });
  }

  private packet(ev: PdEvent & { kind: 'packet' }, t: number): void {
    if (!this.setup) unsupported(this.file, ev.pos, 'a packet before the socket under test is listening or connecting');
    const flags = flagBits(ev.flags);
    if (ev.dir === 'in') {
      if (this.setup.kind === 'listen' && flags & SYN && !(flags & ACK)) this.newFlow(ev.seq);
      else if (this.setup.kind === 'connect' && this.cur && this.cur.peerIsn === -1) {
        // the peer's ISN is the script's: its SYN-ACK's (or, in a simultaneous open, its SYN's) seq; a
        // RST before any SYN writes absolute numbers (packetdrill's ISN for the peer is 0 until then)
        if (flags & SYN) this.cur.peerIsn = ev.seq;
      }
      const f = this.cur;
      if (!f) unsupported(this.file, ev.pos, 'an inbound packet that is not a SYN while no connection exists (a packet to a listener without a SYN)');
      this.waitUntil(t, ev.pos);
      this.steps.push({
        kind: 'send',
        index: this.steps.length,
        pos: ev.pos,
        note: this.lineNote(ev),
        ...inboundStep(ev, f, this.ctx),
      });
      this.stimulus(t);
      return;
    }
    const f = this.cur;
    if (!f) unsupported(this.file, ev.pos, 'an outbound packet before any connection exists');
    const cookies = synackCookies(ev);
    const pat = outboundPattern(ev, f, ev.pos, this.ctx);
    if (ev.time.kind === 'any') {
      pat.within = 5000;
    } else {
      const tol = this.tolMs + (this.o.slackMs ?? PD_SLACK_MS);
      const lo = (t - this.tStimulus) * 1000;
      const hi = ((ev.time.upto !== undefined ? (ev.time.kind === 'rel' ? this.tPrev + ev.time.upto : ev.time.upto) : t) - this.tStimulus) * 1000;
      // An answer cannot come before its stimulus: a lower bound within the tolerance of it would only
      // judge when the runner noted its own send (the capture stamps a reply before a late runner does),
      // so there is none; a packet due later (a timer) must not come more than the tolerance early.
      const min = lo > tol ? Math.round((lo - tol) * 1000) / 1000 : -Infinity;
      // a packet a kernel timer sends (due well after its stimulus) may come a wheel granule late
      const wheel = this.timerWheelMs(lo, tol);
      const max = Math.round((hi + tol + wheel) * 1000) / 1000;
      pat.at = { min, max, text: `${fmtMs(lo)}${hi !== lo ? `~${fmtMs(hi)}` : ''} ±${fmtMs(tol)}${wheel ? ` (+${fmtMs(wheel)} timer wheel)` : ''}` };
    }
    const index = this.steps.length;
    this.steps.push({ kind: 'expect', index, pos: ev.pos, byModel: false, packets: [pat], note: this.lineNote(ev) });
    for (const c of cookies) f.cookies.set(c, { step: index, packet: 0, text: String(index + 1) });
    if (t > this.tClock) this.tClock = t;
  }

  private newFlow(isn: number): void {
    const f: FlowSpace = {
      name: `c${this.flows.length + 1}`,
      sport: FIRST_PEER_PORT + this.flows.length,
      peerIsn: isn,
      cookies: new Map(this.cur?.cookies ?? []),
    };
    this.flows.push(f);
    this.cur = f;
  }

  // ---- system calls

  private fdArg(ev: SyscallEvent & { pos: SourcePos }, i = 0): number {
    const a = ev.args[i];
    if (!a || a.kind !== 'num') this.fail(a?.pos ?? ev.pos, `${ev.name}(): the first argument is a file descriptor number`);
    return a.value;
  }

  private role(ev: SyscallEvent & { pos: SourcePos }, fd: number): SockRole {
    const r = this.fds.get(fd);
    if (!r) this.fail(ev.args[0]?.pos ?? ev.pos, `${ev.name}(${fd}, …): no socket has fd ${fd} at this point of the script`);
    if (r.role === 'conn' && fd !== this.connFd)
      unsupported(this.file, ev.args[0]?.pos ?? ev.pos, `${ev.name}() on an earlier connection while a newer one is open (several sockets per case)`);
    return r;
  }

  /** The part of a blocking call that happens when it starts (connect sends its SYN then). */
  private syscallStart(ev: PdEvent & SyscallEvent, t: number): void {
    if (ev.name === 'connect') this.syscall(ev, t, undefined, true);
    else if (['write', 'send', 'sendto', 'sendmsg'].includes(ev.name) && this.blockingSendStart(ev, t)) return;
    else if (!['accept', 'read', 'recv', 'recvfrom', 'write', 'poll'].includes(ev.name))
      unsupported(this.file, ev.time.pos, `a blocking ${ev.name}() with a time range`);
  }

  /**
   * A blocking write()/send()/sendto()/sendmsg() that connects: sendto(MSG_FASTOPEN) on a new socket, or
   * the first write on a socket whose TCP_FASTOPEN_CONNECT connect() deferred its SYN. It starts here (the
   * SYN leaves now) and blocks in the kernel while the handshake's packets flow — its ACK waits for the
   * data (sk_write_pending), the rest of the data follows — and a `complete` step at the end of its range
   * checks what it returns (blockingSendEnd). False: not such a call (a write on a connected socket runs
   * at the end of its range, as before).
   */
  private blockingSendStart(ev: PdEvent & SyscallEvent, t: number): boolean {
    const fd = this.fdArg(ev);
    const r = this.role(ev, fd);
    const deferred = this.deferredFds.has(fd);
    const sendto = ev.name === 'sendto' || ev.name === 'sendmsg';
    const { len, fastopen, unspec } = sendto ? this.sendArgs(ev) : { len: this.lenArg(ev), fastopen: false, unspec: false };
    if (r.role === 'new' && fastopen) {
      if (this.setup && this.setup.kind !== 'connect')
        unsupported(this.file, ev.pos, `${ev.name}(MSG_FASTOPEN) while the script has a listener (several sockets per case)`);
      this.waitUntil(t, ev.pos);
      this.openConnection(ev, fd, t, len, {}, true, unspec);
    } else if (deferred && r.role === 'conn' && !unspec) {
      this.deferredFds.delete(fd);
      this.waitUntil(t, ev.pos);
      this.call(ev, { op: 'send', on: 'conn', data: new Uint8Array(len), ...(fastopen ? { fastopen: true as const } : {}), blocking: true }, {});
      this.stimulus(t);
    } else return false;
    this.blocking.add(ev);
    return true;
  }

  /** The end of a blocking call blockingSendStart started: wait for it to return, check what it returns. */
  private blockingSendEnd(ev: PdEvent & SyscallEvent, end: number, timeout: number): void {
    this.blocking.delete(ev);
    this.call(ev, { op: 'complete', on: 'conn', timeout }, this.expectOf(ev));
    this.stimulus(end);
  }

  private lenArg(ev: PdEvent & SyscallEvent): number {
    const len = ev.args[2];
    if (!len || len.kind !== 'num') this.fail(ev.pos, `${ev.name}(fd, ..., LEN): the length is missing`);
    return len.value;
  }

  private expectOf(ev: SyscallEvent, okRet?: 'any'): CallExpect {
    if (ev.ret === '...') return {};
    if (ev.ret === -1) {
      if (!ev.errno) return { ok: false };
      return { err: ev.errno };
    }
    if (okRet === 'any') return { ok: true };
    const m: CmpMatcher = { op: '=', value: ev.ret, text: String(ev.ret) };
    return { ok: true, ret: m };
  }

  private call(ev: PdEvent & SyscallEvent, body: CallBody, expect: CallExpect): void {
    this.steps.push({ kind: 'call', index: this.steps.length, pos: ev.pos, note: this.lineNote(ev), expect, ...body } as CallStep);
  }

  /**
   * What a kernel timer may add to a time `delayMs` after its stimulus — a packet it sends, or a blocked
   * call it makes return (a SYN_SENT give-up): up to the timer wheel's granule for that delay (HZ=250:
   * 32 ms for 1 s; spec §8.3, correction C5). packetdrill's scripts allow only their tolerance; that much
   * later is a documented kernel difference, not a failure. 0 within the tolerance (no timer).
   */
  private timerWheelMs(delayMs: number, tolMs: number): number {
    const wheel = delayMs > tolMs ? wheelGranuleMs(delayMs) : 0;
    if (wheel)
      this.notes.add(
        "a packet a kernel timer sends, or a blocked call it ends, may come up to the timer wheel's granule late (HZ=250: 32 ms after 1 s): its window is that much wider than the script's tolerance",
      );
    return wheel;
  }

  private syscall(ev: PdEvent & SyscallEvent, t: number, end: number | undefined, starting = false, start = t): void {
    const name = ev.name;
    const tolMs = this.tolMs + (this.o.slackMs ?? PD_SLACK_MS);
    // A blocking call's timeout: until its range ends, + the tolerance (else the tolerance alone). A range
    // that ends after the script's last event (by more than the tolerance) ends by a kernel timer (a
    // SYN_SENT give-up), which may fire a wheel granule late, as a packet it sends would.
    const byTimer = end !== undefined && (end - this.tClock) * 1000 > tolMs;
    const timeout = Math.round(end !== undefined ? (end - this.tClock) * 1000 + tolMs + (byTimer ? this.timerWheelMs((end - start) * 1000, tolMs) : 0) : tolMs);
    if (end === undefined) this.waitUntil(t, ev.pos);
    if (end !== undefined && this.blocking.has(ev)) return this.blockingSendEnd(ev, end, timeout);
    switch (name) {
      case 'socket': {
        // a listener closed and opened again is one case (call open-listener); other second sockets are not
        const reopen = this.setup?.kind === 'listen' && this.listenerFd === undefined && ![...this.fds.values()].some((x) => x.role === 'new');
        // another client socket is another connection (call open-connection), whether or not the earlier one is closed
        const client = this.setup?.kind === 'connect' && ![...this.fds.values()].some((x) => x.role === 'new');
        if (this.setup ? !(reopen || client) : this.fds.size)
          unsupported(this.file, ev.pos, 'a second socket() while the first is open (several sockets per case)');
        this.sockopts.length = 0;
        if (typeof ev.ret !== 'number' || ev.ret < 0) unsupported(this.file, ev.retPos, 'a socket() that fails');
        const ty = ev.args[1];
        if (ty && !(ty.kind === 'word' && ty.name === 'SOCK_STREAM')) unsupported(this.file, ty.pos, 'sockets other than SOCK_STREAM');
        this.fds.set(ev.ret, { role: 'new', pos: ev.pos });
        return;
      }
      case 'fcntl':
        // the agent's sockets are non-blocking; blocking calls are those the script gives a time range
        this.role(ev, this.fdArg(ev));
        return;
      case 'bind': {
        const fd = this.fdArg(ev);
        if (this.role(ev, fd).role !== 'new') unsupported(this.file, ev.pos, 'bind() after listen()/connect()');
        if (ev.ret !== 0) unsupported(this.file, ev.retPos, 'a bind() that fails');
        return;
      }
      case 'setsockopt': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        const opt = this.sockopt(ev);
        if (r.role === 'new') {
          // on a socket already made for an earlier call (openSocket), or one that must fail: a call now
          if (this.openedFd === fd || ev.ret !== 0) {
            this.openSocket(ev, fd, t, 'a setsockopt() that fails');
            this.call(ev, { op: 'setsockopt', on: 'conn', name: opt.name, value: opt.value }, this.expectOf(ev));
            if (ev.ret === 0) this.sockopts.push(opt);
            this.stimulus(t);
            return;
          }
          this.sockopts.push(opt);
          return;
        }
        this.call(ev, { op: 'setsockopt', on: r.role, name: opt.name, value: opt.value }, this.expectOf(ev));
        this.stimulus(t);
        return;
      }
      case 'getsockopt': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        if (r.role === 'new') this.openSocket(ev, fd, t, 'getsockopt()');
        const optName = ev.args[2];
        if (!optName || optName.kind !== 'word') this.fail(ev.pos, 'getsockopt(fd, level, NAME, [value], [len]): the option name is missing');
        const v = ev.args[3];
        const expect = this.expectOf(ev, 'any');
        if (v && v.kind === 'list' && v.items.length === 1 && v.items[0].kind === 'num') expect.value = v.items[0].value;
        else if (v && v.kind !== 'ellipsis') unsupported(this.file, v.pos, `getsockopt(${optName.name}) of a value that is not [integer]`);
        this.call(ev, { op: 'getsockopt', on: r.role === 'new' ? 'conn' : r.role, name: optName.name }, expect);
        this.stimulus(t);
        return;
      }
      case 'listen': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        if (this.openedFd === fd) unsupported(this.file, ev.pos, 'listen() on a socket a getsockopt()/failing setsockopt() made before it');
        const backlog = ev.args[1]?.kind === 'num' ? ev.args[1].value : 128;
        if (r.role === 'listener') {
          this.call(ev, { op: 'listen', on: 'listener', backlog }, this.expectOf(ev));
          this.stimulus(t);
          return;
        }
        if (r.role !== 'new') unsupported(this.file, ev.pos, 'listen() on a connected socket');
        if (ev.ret !== 0) unsupported(this.file, ev.retPos, 'a listen() that fails');
        if (this.setup) {
          // the previous listener was closed (socket() checked it): a new one on the same port
          this.call(ev, { op: 'open-listener', on: 'listener', backlog, sockopts: [...this.sockopts] }, this.expectOf(ev));
          this.fds.set(fd, { role: 'listener', pos: ev.pos });
          this.listenerFd = fd;
          this.stimulus(t);
          return;
        }
        this.setup = { kind: 'listen', port: PD_PORT, backlog, sockopts: [...this.sockopts] };
        this.fds.set(fd, { role: 'listener', pos: ev.pos });
        this.listenerFd = fd;
        this.tClock = t;
        this.stimulus(t);
        return;
      }
      case 'connect': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        if (end !== undefined && !starting) {
          // the blocking connect() returns: wait for it
          this.call(ev, { op: 'connect', on: 'conn', timeout }, this.expectOf(ev, 'any'));
          this.stimulus(this.tClock);
          return;
        }
        if (r.role !== 'new') unsupported(this.file, ev.pos, 'connect() twice on a socket');
        if (this.setup && this.setup.kind !== 'connect') unsupported(this.file, ev.pos, 'connect() while the script has a listener (several sockets per case)');
        // TCP_FASTOPEN_CONNECT with a cookie at hand: connect() returns 0 and the SYN waits for the first write
        const deferrable = this.sockopts.some((o) => o.name === 'TCP_FASTOPEN_CONNECT' && o.value !== 0) && ev.ret === 0;
        if (end === undefined && !starting && !(ev.ret === -1 && ev.errno === 'EINPROGRESS') && !deferrable) {
          unsupported(
            this.file,
            ev.retPos,
            `a connect() = ${ev.ret}${ev.errno ? ` ${ev.errno}` : ''} without a time range (a non-blocking connect returns -1 EINPROGRESS; a blocking one needs start...end)`,
          );
        }
        // a blocking connect starts as the agent's non-blocking one (EINPROGRESS); a connect step waits for it at its end
        this.openConnection(ev, fd, t, undefined, starting ? { err: 'EINPROGRESS' } : this.expectOf(ev));
        if (deferrable && !starting) this.deferredFds.add(fd);
        return;
      }
      case 'accept': {
        const fd = this.fdArg(ev);
        if (this.role(ev, fd).role !== 'listener') this.fail(ev.args[0].pos, `accept(${fd}): fd ${fd} is not the listener`);
        this.call(ev, { op: 'accept', on: 'listener', timeout }, this.expectOf(ev, 'any'));
        if (typeof ev.ret === 'number' && ev.ret >= 0) {
          // an earlier accepted socket still open stays so, unreachable: a later call on it is refused (role())
          this.fds.set(ev.ret, { role: 'conn', pos: ev.pos });
          this.connFd = ev.ret;
        }
        this.stimulus(end ?? t);
        return;
      }
      case 'close': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        if (r.role === 'new') unsupported(this.file, ev.pos, 'close() of a socket before listen()/connect()');
        this.call(ev, { op: 'close', on: r.role }, this.expectOf(ev));
        this.fds.delete(fd);
        if (fd === this.listenerFd) this.listenerFd = undefined;
        if (fd === this.connFd) this.connFd = undefined;
        this.stimulus(t);
        return;
      }
      case 'shutdown': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        const how = ev.args[1];
        const map: Record<string, 'rd' | 'wr' | 'rdwr'> = { SHUT_RD: 'rd', SHUT_WR: 'wr', SHUT_RDWR: 'rdwr' };
        if (!how || how.kind !== 'word' || !map[how.name] || r.role === 'new')
          unsupported(this.file, ev.pos, 'this shutdown() (SHUT_RD, SHUT_WR or SHUT_RDWR on a connected socket)');
        this.call(ev, { op: 'shutdown', on: r.role as 'conn', how: map[how.name] }, this.expectOf(ev));
        this.stimulus(t);
        return;
      }
      case 'write':
      case 'send': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        this.deferredFds.delete(fd);
        if (name === 'send' && ev.args[3] && !(ev.args[3].kind === 'num' && ev.args[3].value === 0))
          unsupported(this.file, ev.args[3].pos, 'send() with flags');
        const len = ev.args[2];
        if (!len || len.kind !== 'num') this.fail(ev.pos, `${name}(fd, ..., LEN): the length is missing`);
        if (r.role === 'new') unsupported(this.file, ev.pos, `${name}() on an unconnected socket`);
        this.call(ev, { op: 'send', on: r.role, data: new Uint8Array(len.value) }, this.expectOf(ev));
        this.stimulus(t);
        return;
      }
      case 'read':
      case 'recv': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        const len = ev.args[2];
        if (!len || len.kind !== 'num') this.fail(ev.pos, `${name}(fd, ..., LEN): the length is missing`);
        if (r.role === 'new') unsupported(this.file, ev.pos, `${name}() on an unconnected socket`);
        const ex = this.expectOf(ev);
        this.call(ev, { op: 'recv', on: r.role, len: len.value, timeout }, ex);
        this.stimulus(end ?? t);
        return;
      }
      case 'poll': {
        // poll([{fd=N, events=…, revents=…}], 1, TIMEOUT) = RET, on one socket
        const list = ev.args[0];
        const one = list?.kind === 'list' && list.items.length === 1 ? list.items[0] : undefined;
        if (!one || one.kind !== 'struct') unsupported(this.file, list?.pos ?? ev.pos, 'poll() of other than one {fd=…, events=…, revents=…}');
        const field = (n: string): Arg | undefined => one.fields.find((x) => x.name === n)?.value;
        const fdA = field('fd');
        if (!fdA || fdA.kind !== 'num') this.fail(one.pos, 'poll(): {fd=N, …} is missing its fd');
        const r = this.role(ev, fdA.value);
        if (r.role === 'new') unsupported(this.file, ev.pos, 'poll() on a socket before listen()/connect()');
        const bits = (a: Arg | undefined): number => {
          if (!a) return 0;
          if (a.kind === 'num') return a.value;
          if (a.kind === 'word') return POLL_EVENTS[a.name] ?? unsupported(this.file, a.pos, `the poll event ${a.name}`);
          if (a.kind === 'or') return a.items.reduce((m, x) => m | bits(x), 0);
          return unsupported(this.file, a.pos, 'a poll event that is not a POLL* name or a number');
        };
        const tArg = ev.args[2];
        const own = tArg?.kind === 'num' ? tArg.value : 0;
        const expect = this.expectOf(ev);
        const rev = field('revents');
        if (rev) expect.value = bits(rev);
        this.call(ev, { op: 'poll', on: r.role, events: bits(field('events')), timeout: own < 0 ? timeout : Math.min(own, timeout) }, expect);
        this.stimulus(end ?? t);
        return;
      }
      case 'sendto':
      case 'sendmsg': {
        const fd = this.fdArg(ev);
        const r = this.role(ev, fd);
        this.deferredFds.delete(fd);
        const { len, fastopen, unspec } = this.sendArgs(ev);
        if (r.role === 'new') {
          if (!fastopen) unsupported(this.file, ev.pos, `${name}() without MSG_FASTOPEN on a socket that is not connected`);
          if (this.setup && this.setup.kind !== 'connect')
            unsupported(this.file, ev.pos, `${name}(MSG_FASTOPEN) while the script has a listener (several sockets per case)`);
          this.openConnection(ev, fd, t, len, this.expectOf(ev), false, unspec);
          return;
        }
        if (unspec) unsupported(this.file, ev.args[4].pos, `${name}() to AF_UNSPEC on a connected socket`);
        this.call(ev, { op: 'send', on: r.role, data: new Uint8Array(len), ...(fastopen ? { fastopen: true as const } : {}) }, this.expectOf(ev));
        this.stimulus(t);
        return;
      }
      default:
        return unsupported(this.file, ev.pos, `the system call ${name}()`);
    }
  }

  /**
   * A connecting socket: the script's first connect() is the case's set-up (as before); a later one,
   * or one made by sendto(MSG_FASTOPEN), is a call open-connection on a new flow — peer port 8080,
   * 8081, … (the Fast Open cache is per destination address, so the ports do not matter to it).
   */
  /**
   * A call on a socket before it connects (getsockopt, a setsockopt that fails): the socket is made
   * then, as the script's is (call open-socket: socket and the options set so far), so the call acts on
   * it; its connect is then an open-connection of that socket (existing). Only for connecting scripts'
   * first socket: a listener's set-up makes its socket whole.
   */
  private openSocket(ev: PdEvent & SyscallEvent, fd: number, t: number, what: string): void {
    if (this.openedFd === fd) return;
    if (this.setup || this.openedFd !== undefined)
      unsupported(this.file, ev.pos, `${what} on a socket before listen()/connect(), other than the script's first one`);
    this.setup = { kind: 'connect', port: PD_PORT, sockopts: [], open: 'step' };
    this.tClock = t;
    this.openedFd = fd;
    this.call(ev, { op: 'open-socket', on: 'conn', sockopts: [...this.sockopts] }, {});
  }

  private openConnection(
    ev: PdEvent & SyscallEvent,
    fd: number,
    t: number,
    fastopen: number | undefined,
    expect: CallExpect,
    blocking = false,
    unspec = false,
  ): void {
    const f: FlowSpace = { name: `c${this.flows.length + 1}`, sport: PD_PORT + this.flows.length, peerIsn: -1, cookies: new Map() };
    const existing = this.openedFd === fd;
    if (existing) this.openedFd = -1; // connected: later sockets are new ones
    if (!this.setup && fastopen === undefined) {
      this.setup = { kind: 'connect', port: PD_PORT, sockopts: [...this.sockopts] };
      this.tClock = t;
    } else {
      if (!this.setup) {
        this.setup = { kind: 'connect', port: PD_PORT, sockopts: [], open: 'step' };
        this.tClock = t;
      }
      this.call(
        ev,
        {
          op: 'open-connection',
          on: 'conn',
          flow: f.name,
          sockopts: [...this.sockopts],
          ...(fastopen !== undefined ? { fastopen } : {}),
          ...(blocking ? { blocking: true as const } : {}),
          ...(unspec ? { unspec: true as const } : {}),
          ...(existing ? { existing: true as const } : {}),
        },
        expect,
      );
    }
    this.flows.push(f);
    this.stimulus(t);
    // refused before any SYN (EOPNOTSUPP, …): the script's socket is still unconnected (the next
    // connecting call on it is another open-connection, on a fresh socket with the same options)
    if (expect.err !== undefined && expect.err !== 'EINPROGRESS') return;
    this.fds.set(fd, { role: 'conn', pos: ev.pos });
    this.connFd = fd;
    this.cur = f;
  }

  /** sendto(fd, ..., LEN, FLAGS, ..., ...) / sendmsg(fd, {msg_iov(n)=[{..., LEN}, …], …}, FLAGS): the bytes and whether MSG_FASTOPEN is set. */
  private sendArgs(ev: PdEvent & SyscallEvent): { len: number; fastopen: boolean; unspec: boolean } {
    const buf = ev.args[1];
    if (buf?.kind === 'word' && buf.name === 'NULL') unsupported(this.file, buf.pos, `${ev.name}() with a NULL buffer (the agent passes real buffers)`);
    const addr = ev.name === 'sendto' ? ev.args[4] : undefined;
    if (addr?.kind === 'word' && addr.name !== 'AF_UNSPEC')
      unsupported(this.file, addr.pos, `sendto() to an ${addr.name} address (the agent sends to the peer's address, or to AF_UNSPEC)`);
    let len = 0;
    let flagsArg: Arg | undefined;
    if (ev.name === 'sendto') {
      const l = ev.args[2];
      if (!l || l.kind !== 'num') this.fail(l?.pos ?? ev.pos, 'sendto(fd, ..., LEN, FLAGS, ...): the length is missing');
      len = l.value;
      flagsArg = ev.args[3];
    } else {
      const m = ev.args[1];
      const iov = m?.kind === 'struct' ? m.fields.find((x) => x.name === 'msg_iov') : undefined;
      if (!iov || iov.value.kind !== 'list') this.fail(m?.pos ?? ev.pos, 'sendmsg(fd, {msg_iov(N)=[{..., LEN}, …], …}, FLAGS): msg_iov is missing');
      for (const v of iov.value.items) {
        const n = v.kind === 'struct' ? v.fields.map((x) => x.value).find((x) => x.kind === 'num') : undefined;
        if (!n || n.kind !== 'num') this.fail(v.pos, 'sendmsg(): each iovec is {..., LEN}');
        len += n.value;
      }
      flagsArg = ev.args[2];
    }
    const numeric = (n: number): string[] => {
      const known: Array<[number, string]> = [
        [0x20000000, 'MSG_FASTOPEN'],
        [0x40, 'MSG_DONTWAIT'],
        [0x4000, 'MSG_NOSIGNAL'],
      ];
      const rest = known.reduce((r, [b]) => r & ~b, n >>> 0);
      return [...known.filter(([b]) => n & b).map(([, x]) => x), ...(rest ? [`0x${rest.toString(16)}`] : [])];
    };
    const names = !flagsArg
      ? []
      : flagsArg.kind === 'word'
        ? [flagsArg.name]
        : flagsArg.kind === 'or'
          ? flagsArg.items.flatMap((x) => (x.kind === 'word' ? [x.name] : x.kind === 'num' ? numeric(x.value) : ['?']))
          : flagsArg.kind === 'num'
            ? numeric(flagsArg.value)
            : ['?'];
    const other = names.filter((x) => !['MSG_FASTOPEN', 'MSG_DONTWAIT', 'MSG_NOSIGNAL'].includes(x));
    if (other.length)
      unsupported(
        this.file,
        flagsArg?.pos ?? ev.pos,
        `${ev.name}() with the flags ${other.join('|')} (MSG_FASTOPEN, MSG_DONTWAIT and MSG_NOSIGNAL are supported)`,
      );
    return { len, fastopen: names.includes('MSG_FASTOPEN'), unspec: addr?.kind === 'word' };
  }

  private sockopt(ev: SyscallEvent & { pos: SourcePos }): SockOpt {
    const [, level, nameArg, val] = ev.args;
    if (!nameArg || nameArg.kind !== 'word') this.fail(ev.pos, 'setsockopt(fd, level, NAME, value, len): the option name is missing');
    if (!level || level.kind !== 'word') this.fail(ev.pos, 'setsockopt(fd, LEVEL, …): the level is missing');
    const name = nameArg.name;
    let value: CaseSockoptValue;
    if (val?.kind === 'list' && val.items.length === 1 && val.items[0].kind === 'num') value = val.items[0].value;
    else if (val?.kind === 'num') value = val.value;
    else if (val?.kind === 'string' && name === 'TCP_FASTOPEN_KEY') {
      // optlen bytes of the string (zeros past its end): a length other than 16 or 32 is the kernel's EINVAL to give
      const lenArg = ev.args[4];
      const n = lenArg?.kind === 'num' ? lenArg.value : val.value.length;
      if (n > 64) unsupported(this.file, lenArg?.pos ?? val.pos, `a TCP_FASTOPEN_KEY of ${n} bytes (at most 64)`);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n && i < val.value.length; i++) bytes[i] = val.value.charCodeAt(i);
      value = toHex(bytes);
    } else if (val?.kind === 'string') value = val.value;
    else if (val?.kind === 'struct' && name === 'SO_LINGER') value = { onoff: fieldNum(val, 'l_onoff'), linger: fieldNum(val, 'l_linger') };
    else return unsupported(this.file, val?.pos ?? ev.pos, `the value of setsockopt(${name}) (integers in [N], strings and SO_LINGER are supported)`);
    return { name, value };
  }
}

/** A call step's operation and arguments (distributes over the CallStep union). */
type CallBody = CallStep extends infer C ? (C extends CallStep ? Omit<C, 'index' | 'pos' | 'kind' | 'expect' | 'note'> : never) : never;

function fieldNum(a: Arg, name: string): number {
  if (a.kind !== 'struct') return 0;
  const f = a.fields.find((x) => x.name === name);
  return f && f.value.kind === 'num' ? f.value.value : 0;
}

function fmtMs(ms: number): string {
  return `${Math.round(ms * 1000) / 1000}ms`;
}

/** A case name from the script's path: its last folders and name, kebab-case ("pd-fastopen-server-simple1"). */
export function caseName(file: string): string {
  const parts = file
    .replace(/\\/g, '/')
    .replace(/\.pkt$/i, '')
    .split('/')
    .filter((p) => p && p !== '.' && p !== '..');
  const tail = parts.slice(-3);
  const kebab = tail
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `pd-${kebab || 'script'}`;
}
