// `assert`: the accept queue (sock_diag), the SYN queue and socket states (/proc/net/tcp), TCP_INFO
// checks on a socket (tcp-info.ts), and nstat counter changes since the start of the case.
import { closest } from '../../../lib/yaml-kit/suggest';
import type { AssertStep } from '../../../lib/case';
import { cmpMatches } from '../../../lib/case/expr';
import type { FieldDiff, StepOutcome } from '../../../lib/match/verdict';
import type { CaseContext } from '../case-context';
import { tcpInfoDiffs } from './tcp-info';
import { grepLines } from '../../../lib/packetdrill/grep';

export async function runAssert(cx: CaseContext, s: AssertStep): Promise<StepOutcome> {
  const agent = cx.lab.agent;
  const diffs: FieldDiff[] = [];
  const port = cx.dutPort;
  if (s.acceptq) {
    const q = await agent.listenQueue(port);
    const n = q.ok && q.result ? q.result.acceptq : undefined;
    if (n === undefined || !cmpMatches(s.acceptq, n))
      diffs.push({ field: 'acceptq', expected: s.acceptq.text, observed: n === undefined ? `no listener (${q.err})` : String(n) });
  }
  if (s.synq) {
    const rows = await agent.sockets();
    const n = rows.filter((r) => r.state === 'SYN_RECV' && r.local.port === port).length;
    if (!cmpMatches(s.synq, n)) diffs.push({ field: 'synq', expected: s.synq.text, observed: String(n) });
  }
  for (const st of s.states) {
    const f = cx.flows.get(st.flow)!;
    const got = await agent.sockState({ port }, { addr: cx.peerAddr, port: f.sport });
    if (got.toUpperCase() !== st.is.toUpperCase()) diffs.push({ field: `state ${st.flow}`, expected: st.is, observed: got });
  }
  if (s.procGrep) {
    // a script's grep of the DUT's socket tables: read there, grepped here (lib/packetdrill/grep.ts)
    const r = await agent.procNet(s.procGrep.files);
    const lines = r.ok && r.result ? grepLines(s.procGrep, r.result.texts) : undefined;
    if (!lines?.length)
      diffs.push({
        field: 'shell',
        expected: `a line through ${s.procGrep.text}`,
        observed: lines ? 'none (grep exits 1)' : `${s.procGrep.files.join(' ')}: ${r.err} ${r.msg ?? ''}`,
      });
  }
  if (s.tcpInfo) diffs.push(...(await tcpInfoDiffs(agent, s.tcpInfo.on === 'listener' ? cx.listenerFd : cx.connFd, s.tcpInfo.on, s.tcpInfo.checks)));
  if (s.counters.length) {
    const cur = await agent.counters();
    for (const { name, expect } of s.counters) {
      if (!(name in cur)) {
        const g = closest(name, Object.keys(cur));
        diffs.push({ field: name, expected: expect.text, observed: `no such counter on this kernel${g ? ` — did you mean ${g}?` : ''}` });
        continue;
      }
      const delta = cur[name] - (cx.counterBase?.[name] ?? 0);
      if (!cmpMatches(expect, delta)) diffs.push({ field: name, expected: expect.text, observed: `${delta >= 0 ? '+' : ''}${delta}` });
    }
  }
  // Reading state takes an on-time harness no time: the next step is due when this one was, and the
  // agent round trips spent here (long on a loaded machine) count as lateness, not as the case's time.
  cx.tookEffect(undefined, cx.dueNs);
  if (diffs.length) return { index: s.index, kind: 'assert', ok: false, message: `${diffs.length} assertion(s) failed`, diffs };
  return { index: s.index, kind: 'assert', ok: true };
}
