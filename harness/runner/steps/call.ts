// `call`: one socket call on the DUT through the agent, checked against the case's ok / ret / err /
// value / data (lib/match/call-check.ts); what it means to the model (accept, close, setsockopt on the
// listener, listen, shutdown; a send of data leaves the model behind on that connection) is
// lib/match/model-events.ts's. The syscall's own time (the agent's) is the `at` reference.
import type { CallStep } from '../../../lib/case';
import { callOutcome } from '../../../lib/match/call-check';
import { modelCall } from '../../../lib/match/model-events';
import type { FieldDiff, StepOutcome } from '../../../lib/match/verdict';
import type { Reply } from '../../agent/protocol';
import type { CaseContext } from '../case-context';
import { openConnection, openListener, openSocket } from '../case-setup';
import { msToNs, now, nsToMs } from '../clock';

export async function runCall(cx: CaseContext, s: CallStep): Promise<StepOutcome> {
  const agent = cx.lab.agent;
  const asked = now();
  cx.stimulus(asked);
  let r: Reply;
  let value: unknown;
  let data: Uint8Array | undefined;
  let accepted = false;
  /** a blocking call that returned after its window (ms after it; undefined: still blocked after the grace) */
  let late: { windowMs: number; afterMs: number | undefined } | undefined;
  switch (s.op) {
    case 'accept': {
      const x = await agent.accept(cx.fdOf('listener'), s.timeout);
      r = x;
      if (x.ok && x.result) {
        cx.connFd = x.result.fd;
        cx.connFlow = cx.flowByPort.get(x.result.port);
        accepted = true;
      }
      break;
    }
    case 'connect':
      r = await agent.connectWait(cx.fdOf('conn'), s.timeout);
      break;
    case 'close':
      r = await agent.close(cx.fdOf(s.on));
      break;
    case 'shutdown':
      r = await agent.shutdown(cx.fdOf(s.on), s.how);
      break;
    case 'send': {
      // sendto(MSG_FASTOPEN) names the peer, as the script's does
      const to = s.fastopen ? { flags: ['MSG_FASTOPEN' as const], addr: cx.peerAddr, port: cx.connection()?.sport ?? cx.c.setup.port } : {};
      if (s.blocking) {
        const x = await agent.sendBlocking(cx.fdOf(s.on), Buffer.from(s.data), to);
        if (x.ok && x.result) cx.blockingCall = { id: x.result.id, on: s.on };
        r = x;
      } else r = await agent.send(cx.fdOf(s.on), Buffer.from(s.data), to);
      break;
    }
    case 'complete': {
      const b = cx.blockingCall;
      if (!b || b.on !== s.on) throw new Error(`complete: no blocking call in flight on the ${s.on === 'listener' ? 'listener' : 'connection'}`);
      const x = await agent.callWait(b.id, s.timeout);
      if (!x.result?.pending) cx.blockingCall = undefined;
      r = x;
      if (x.result?.pending) {
        // Still blocked when the window closed — or returned in time on a thread (or an agent loop) the
        // loaded machine had not run yet. Ask again: the call's own return time, not how soon we heard
        // of it, is what the window judges.
        const y = await agent.callWait(b.id, COMPLETE_GRACE_MS);
        if (!y.result?.pending) cx.blockingCall = undefined;
        const lateMs = !y.result?.pending && y.at !== undefined ? y.at - nsToMs(asked) - s.timeout : undefined;
        if (lateMs !== undefined) r = y;
        if (lateMs === undefined || lateMs > 0) {
          late = { windowMs: s.timeout, afterMs: lateMs };
          // the grace is the harness's choice, not its lateness: an on-time harness would have ended
          // the step with the window (lateness.ts must not count the grace against it)
          cx.tookEffect(asked, asked + msToNs(s.timeout), s.timeout);
        }
      }
      break;
    }
    case 'recv': {
      const x = await agent.recv(cx.fdOf(s.on), s.len, s.timeout);
      r = x;
      if (x.ok && x.result) data = Buffer.from(x.result.hex, 'hex');
      break;
    }
    case 'setsockopt':
      r = await agent.setsockopt(cx.fdOf(s.on), s.name, cx.agentValue(s.value));
      break;
    case 'getsockopt': {
      const x = await agent.getsockopt(cx.fdOf(s.on), s.name);
      r = x;
      if (x.ok && x.result) value = x.result.value;
      break;
    }
    case 'poll': {
      const x = await agent.poll(cx.fdOf(s.on), s.events, s.timeout);
      r = x;
      if (x.ok && x.result) value = x.result.revents;
      break;
    }
    case 'listen':
      r = await agent.listen(cx.fdOf('listener'), s.backlog);
      break;
    case 'open-listener':
      if (cx.listenerFd !== undefined) throw new Error('open-listener: the previous listener is still open (close it first)');
      r = await openListener(cx, { port: cx.dutPort, backlog: s.backlog, sockopts: s.sockopts });
      break;
    case 'open-socket':
      r = await openSocket(cx, s.sockopts);
      break;
    case 'open-connection': {
      const f = cx.flows.get(s.flow);
      if (!f) throw new Error(`open-connection: no flow ${s.flow}`);
      r = await openConnection(cx, {
        port: f.sport,
        sockopts: s.sockopts,
        flow: f.name,
        fastopen: s.fastopen,
        blocking: s.blocking,
        unspec: s.unspec,
        ...(s.existing ? { fd: cx.fdOf('conn') } : {}),
      });
      break;
    }
  }
  // When the agent made the syscall (what the kernel's packets follow), else when we asked.
  const at = r.at !== undefined ? msToNs(r.at) : asked;
  const conn = cx.connection();
  const deferred = s.op === 'send' && s.on === 'conn' ? cx.deferredConnect : undefined;
  if (deferred && conn && s.op === 'send') {
    // the write a TCP_FASTOPEN_CONNECT connect() deferred its SYN to: the model's connect happens now
    cx.deferredConnect = undefined;
    if (r.ok || r.err === 'EINPROGRESS')
      cx.model.event(
        {
          type: 'connect',
          dport: deferred.port,
          sport: cx.dutPort,
          opts: deferred.opts,
          fastopen: { len: s.data.length, ...(s.blocking ? { blocking: true } : {}) },
        },
        nsToMs(at),
        conn.name,
      );
  } else
    modelCall(cx.model, s, r, {
      atMs: nsToMs(at),
      listenPort: cx.c.setup.kind === 'listen' ? cx.c.setup.port : undefined,
      dutPort: cx.dutPort,
      conn,
      accepted,
      peerAddr: cx.peerAddr,
    });
  if (s.op === 'close') {
    if (s.on === 'listener') cx.listenerFd = undefined;
    else {
      cx.connFd = undefined;
      cx.deferredConnect = undefined;
    }
  }
  // `at` windows of later expectations count from the syscall; the next step is due when it returned.
  if (s.op === 'complete') {
    // a blocking call's return: `at` is when it returned (the script's reference after it), which may
    // be well before this step waited for it
    if (r.ok || !(r as Reply<'callWait'>).result?.pending) cx.stimulus(at);
  } else if (r.at !== undefined) {
    cx.stimulus(at);
    cx.tookEffect(at, msToNs(r.at + r.ms), r.ms);
  }
  const out = callOutcome(s, r, value, data);
  if (late === undefined) return out;
  // a miss on time by a call's thread: the machine's scheduling as much as the kernel's (re-run, lateness.ts)
  const when: FieldDiff = {
    field: 'at',
    expected: `returned within ${late.windowMs} ms`,
    observed: late.afterMs !== undefined ? `returned ${Math.round(late.afterMs)} ms after that` : `still blocked ${COMPLETE_GRACE_MS} ms after that`,
  };
  return { ...out, ok: false, message: out.message ?? `complete ok (ret ${r.ret}) ${when.observed}`, diffs: [...(out.diffs ?? []), when], blockedThread: true };
}

/** How long a `complete` step waits past its window for a blocked call (whose return time it then judges). */
export const COMPLETE_GRACE_MS = 1000;
