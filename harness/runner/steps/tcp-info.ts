// AssertStep.tcpInfo: read TCP_INFO of the case's socket through the agent and judge each check.
import { evalInfo, infoFields, tcpInfoKey } from '../../../lib/case/tcp-info';
import type { TcpInfoCheck } from '../../../lib/case/types';
import type { FieldDiff } from '../../../lib/match/verdict';
import type { AgentApi } from '../../agent/client';

/** One diff per failed check: the check as written, and the values of the fields it read. */
export async function tcpInfoDiffs(agent: AgentApi, fd: number | undefined, what: string, checks: readonly TcpInfoCheck[]): Promise<FieldDiff[]> {
  if (fd === undefined) return [{ field: 'tcp_info', expected: checks.map((c) => c.text).join('; '), observed: `no ${what} socket is open` }];
  const r = await agent.getsockopt(fd, 'TCP_INFO');
  if (!r.ok || !r.result || typeof r.result.value !== 'object') {
    return [{ field: 'tcp_info', expected: checks.map((c) => c.text).join('; '), observed: `getsockopt(TCP_INFO) failed: ${r.err ?? 'no value'}` }];
  }
  const info = r.result.value as unknown as Record<string, number>;
  const read = (f: string): number => info[tcpInfoKey(f)] ?? NaN;
  const out: FieldDiff[] = [];
  for (const c of checks) {
    if (evalInfo(c.expr, read)) continue;
    out.push({
      field: `tcp_info (line ${c.pos.line})`,
      expected: c.text,
      observed:
        infoFields(c.expr)
          .map((f) => `${f}=${read(f)}`)
          .join(' ') || 'false',
    });
  }
  return out;
}
