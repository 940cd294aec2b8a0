// `sysctl`: a sysctl of the DUT's namespace changed mid-case (packetdrill scripts' shell lines after
// their first call). The model's environment follows from then on, with the value the kernel reports.
// With flushTcpMetrics, then `ip tcp_metrics flush all` in the DUT's namespace (tcp_metrics are per
// namespace: the host's are untouched); the model empties its Fast Open cache at the same time.
import type { SysctlStep } from '../../../lib/case';
import type { StepOutcome } from '../../../lib/match/verdict';
import type { CaseContext } from '../case-context';
import { now, nsToMs } from '../clock';

export async function runSysctl(cx: CaseContext, s: SysctlStep): Promise<StepOutcome> {
  for (const { name, value } of s.sysctls) {
    const r = await cx.lab.agent.sysctlSet(name, value);
    if (!r.ok || !r.result) {
      return { index: s.index, kind: 'sysctl', ok: false, message: `sysctl ${name}=${value}: ${r.err ?? 'failed'}${r.msg ? ` — ${r.msg}` : ''}` };
    }
    cx.modelSysctls = { ...cx.modelSysctls, [name]: r.result.value };
  }
  if (cx.envFor) cx.model.setEnv(cx.envFor(cx.modelSysctls), nsToMs(now()));
  if (s.flushTcpMetrics) {
    const r = await cx.lab.agent.linkSetup('tcp_metrics flush all\n');
    if (!r.ok)
      return { index: s.index, kind: 'sysctl', ok: false, message: `ip tcp_metrics flush all: ${r.err || `exit ${r.ret}`}${r.msg ? ` — ${r.msg}` : ''}` };
    cx.model.event({ type: 'flush-metrics' }, r.at ?? nsToMs(now()));
  }
  return { index: s.index, kind: 'sysctl', ok: true };
}
