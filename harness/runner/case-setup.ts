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
  const agent = cx.lab.agent;
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
  const fd = (await cx.must(agent.socket(cx.ip), 'socket')).result!.fd;
  for (const o of s.sockopts) await cx.must(agent.setsockopt(fd, o.name, cx.agentValue(o.value)), `setsockopt ${o.name}`);
  if (s.bind !== undefined) await cx.must(agent.bind(fd, cx.dutAddr, s.bind), `bind ${s.bind}`);
  const r = await agent.connect(fd, cx.peerAddr, s.port);
  // The SYN leaves when the agent makes the syscall, which can be well after we asked (the agent
  // serves every lab of this worker): its own timestamp, on our clock, is when the model's SYN goes.
  const at = r.at !== undefined ? msToNs(r.at) : now();
  if (!r.ok && r.err !== 'EINPROGRESS') throw new Error(`connect to port ${s.port}: ${r.err}${r.msg ? ` — ${r.msg}` : ''}`);
  const name = await cx.must(agent.getsockname(fd), 'getsockname');
  cx.dutPort = name.result!.port;
  cx.connFd = fd;
  cx.connFlow = cx.c.flows[0].name;
  cx.stimulus(at);
  // The first step is due when connect() returned, not when the getsockname above came back.
  if (r.at !== undefined) cx.dueNs = msToNs(r.at + r.ms);
  cx.model.event({ type: 'connect', dport: s.port, sport: cx.dutPort, opts: modelSockopts(s.sockopts, cx.peerAddr) }, nsToMs(at), cx.connFlow);
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
