// The DUT's socket before the first step, as the case's `setup` says: a listener (socket options,
// bind, listen), a connecting socket (socket options, bind, non-blocking connect: its SYN goes out at
// the agent's syscall time), or a closed port. The model is told the same, at the same times.
import { modelSockopts } from '../../lib/match/model-events';
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
  const fd = (await cx.must(agent.socket(cx.ip), 'socket')).result!.fd;
  for (const o of s.sockopts) await cx.must(agent.setsockopt(fd, o.name, cx.agentValue(o.value)), `setsockopt ${o.name}`);
  if (s.kind === 'listen') {
    cx.dutPort = s.port;
    await cx.must(agent.bind(fd, s.any ? (cx.ip === 4 ? '0.0.0.0' : '::') : cx.dutAddr, s.port), `bind ${s.port}`);
    await cx.must(agent.listen(fd, s.backlog), `listen(${s.backlog})`);
    cx.listenerFd = fd;
    cx.model.event({ type: 'listen', port: s.port, backlog: s.backlog, opts: modelSockopts(s.sockopts, cx.peerAddr) }, nsToMs(now()));
    return;
  }
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
  cx.model.event({ type: 'connect', dport: s.port, sport: cx.dutPort, opts: modelSockopts(s.sockopts, cx.peerAddr) }, nsToMs(at), cx.connFlow);
}
