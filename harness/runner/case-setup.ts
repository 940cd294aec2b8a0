// The DUT's socket before the first step, as the case's `setup` says: a listener (socket options,
// bind, listen), a connecting socket (socket options, bind, non-blocking connect: its SYN goes out at
// the agent's syscall time), or a closed port. The model is told the same, at the same times.
import type { SockOpt } from '../../lib/case';
import { modelSockopts } from '../../lib/match/model-events';
import type { Reply } from '../agent/protocol';
import type { CaseContext } from './case-context';
import { msToNs, now, nsToMs } from './clock';

export async function setupDut(cx: CaseContext): Promise<void> {
  const s = cx.c.setup;
  // a blocking call starts on a thread of the agent: have one ready before the case's clock starts
  if (cx.c.steps.some((x) => x.kind === 'call' && 'blocking' in x && x.blocking)) await cx.must(cx.lab.agent.warmCalls(), 'a thread for blocking calls');
  cx.refNs = now();
  if (s.kind === 'closed') {
    cx.dutPort = s.port;
    return;
  }
  if (s.kind === 'listen') {
    cx.dutPort = s.port;
    await cx.must(openListener(cx, s), `listen(${s.backlog})`);
    return;
  }
  if (s.open === 'step') return;
  const r = await openConnection(cx, { port: s.port, bind: s.bind, sockopts: s.sockopts, flow: cx.c.flows[0].name });
  if (!r.ok && r.err !== 'EINPROGRESS') throw new Error(`connect to port ${s.port}: ${r.err}${r.msg ? ` — ${r.msg}` : ''}`);
  // The first step is due when connect() returned, not when the getsockname after it came back.
  if (r.at !== undefined) cx.dueNs = msToNs(r.at + r.ms);
}

/**
 * A connecting socket (socket, options, bind, then a non-blocking connect() to `port` — or, with
 * `fastopen`, sendto(MSG_FASTOPEN) of that many bytes): at set-up, or a later connection (call
 * `open-connection`). It becomes the case's `conn` socket on `flow`; the model is told at the agent's
 * syscall time. A connect() that returns 0 with TCP_FASTOPEN_CONNECT has sent nothing: its SYN leaves
 * with the first write (the runner tells the model then, steps/call.ts). Returns the connecting call's reply.
 */
export async function openConnection(
  cx: CaseContext,
  o: {
    port: number;
    bind?: number;
    sockopts: SockOpt[];
    flow: string;
    fastopen?: number;
    blocking?: true;
    unspec?: true;
    /** an openSocket's socket: its options are set already */ fd?: number;
  },
): Promise<Reply<'connect'> | Reply<'send'> | Reply<'sendBlocking'>> {
  const agent = cx.lab.agent;
  const fd = o.fd ?? (await cx.must(agent.socket(cx.ip), 'socket')).result!.fd;
  if (o.fd === undefined) for (const x of o.sockopts) await cx.must(agent.setsockopt(fd, x.name, cx.agentValue(x.value)), `setsockopt ${x.name}`);
  if (o.bind !== undefined) await cx.must(agent.bind(fd, cx.dutAddr, o.bind), `bind ${o.bind}`);
  const fo = { flags: ['MSG_FASTOPEN' as const], ...(o.unspec ? { unspec: true } : { addr: cx.peerAddr, port: o.port }) };
  const r =
    o.fastopen === undefined
      ? await agent.connect(fd, cx.peerAddr, o.port)
      : o.blocking
        ? await agent.sendBlocking(fd, Buffer.alloc(o.fastopen), fo)
        : await agent.send(fd, Buffer.alloc(o.fastopen), fo);
  if (o.blocking && r.ok) cx.blockingCall = { id: (r as Reply<'sendBlocking'>).result!.id, on: 'conn' };
  // The SYN leaves when the agent makes the syscall, which can be well after we asked (the agent
  // serves every lab of this worker): its own timestamp, on our clock, is when the model's SYN goes.
  const at = r.at !== undefined ? msToNs(r.at) : now();
  const name = await agent.getsockname(fd);
  cx.connFd = fd;
  cx.connFlow = o.flow;
  cx.stimulus(at);
  if (!name.ok || (!r.ok && r.err !== 'EINPROGRESS')) {
    // nothing went out (refused before the SYN): the model is not told
    cx.deferredConnect = undefined;
    return r;
  }
  cx.dutPort = name.result!.port;
  const opts = modelSockopts(o.sockopts, cx.peerAddr);
  cx.model.event(
    {
      type: 'connect',
      dport: o.port,
      sport: cx.dutPort,
      opts,
      ...(o.fastopen !== undefined ? { fastopen: { len: o.fastopen, ...(o.blocking ? { blocking: true } : {}) } } : {}),
    },
    nsToMs(at),
    o.flow,
  );
  // connect() = 0 without data: TCP_FASTOPEN_CONNECT deferred the SYN to the first write
  cx.deferredConnect = o.fastopen === undefined && r.ok ? { port: o.port, opts } : undefined;
  return r;
}

/**
 * A socket before its connect (call open-socket): socket and options, nothing sent; it is the case's
 * `conn` socket for the calls before open-connection connects it. Returns socket()'s reply.
 */
export async function openSocket(cx: CaseContext, sockopts: SockOpt[]): Promise<Reply<'socket'>> {
  const agent = cx.lab.agent;
  const r = await cx.must(agent.socket(cx.ip), 'socket');
  for (const x of sockopts) await cx.must(agent.setsockopt(r.result!.fd, x.name, cx.agentValue(x.value)), `setsockopt ${x.name}`);
  cx.connFd = r.result!.fd;
  cx.connFlow = undefined;
  return r;
}

/**
 * A listening socket on `port` (socket, options, bind, listen) — at set-up, or a new one once the
 * previous listener is closed (call `open-listener`); the model is told when it listens. Returns
 * listen()'s reply; the steps before it must succeed.
 */
export async function openListener(cx: CaseContext, l: { port: number; backlog: number; sockopts: SockOpt[]; any?: true }): Promise<Reply<'listen'>> {
  const agent = cx.lab.agent;
  const fd = (await cx.must(agent.socket(cx.ip), 'socket')).result!.fd;
  for (const o of l.sockopts) await cx.must(agent.setsockopt(fd, o.name, cx.agentValue(o.value)), `setsockopt ${o.name}`);
  await cx.must(agent.bind(fd, l.any ? (cx.ip === 4 ? '0.0.0.0' : '::') : cx.dutAddr, l.port), `bind ${l.port}`);
  const r = await agent.listen(fd, l.backlog);
  if (!r.ok) {
    await agent.close(fd);
    return r;
  }
  cx.listenerFd = fd;
  cx.model.event({ type: 'listen', port: l.port, backlog: l.backlog, opts: modelSockopts(l.sockopts, cx.peerAddr) }, r.at ?? nsToMs(now()));
  return r;
}
