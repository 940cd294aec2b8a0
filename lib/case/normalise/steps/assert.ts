// assert steps: checks of the DUT's state — listener queues, socket states per flow, nstat counters,
// TCP_INFO expressions (parsed here, so a bad one names its character). Pure.
import { closest } from '../../../yaml-kit/suggest';
import { InfoExprError, parseInfoExpr } from '../../tcp-info';
import type { AssertStep, TcpInfoCheck } from '../../types';
import { COUNTER_RE, KNOWN_COUNTERS } from '../../vocab';
import type { CaseContext, Path, RawStep } from '../context';
import { flowRef } from '../flows';

type RawAssert = NonNullable<RawStep['assert']>;

export function normaliseAssert(ctx: CaseContext, a: RawAssert, ap: Path, i: number): AssertStep {
  const { setup, problem } = ctx;
  if (a.acceptq === undefined && a.synq === undefined && a.state === undefined && a.counters === undefined && a.tcp_info === undefined) {
    problem(ap, 'assert checks nothing — give acceptq, synq, state, counters or tcp_info', 'key');
  }
  for (const k of ['acceptq', 'synq'] as const) {
    if (a[k] !== undefined && setup.kind !== 'listen') {
      problem([...ap, k], `${k} is a listener's queue, but this case has setup: ${setup.kind} — use setup: { listen: … }`, 'key');
    }
  }
  const step: AssertStep = { kind: 'assert', index: i, pos: ctx.posOf(ap, true), states: [], counters: [] };
  if (a.acceptq !== undefined) step.acceptq = a.acceptq;
  if (a.synq !== undefined) step.synq = a.synq;
  if (a.state !== undefined) {
    const list = Array.isArray(a.state) ? a.state : [a.state];
    list.forEach((st, k) => {
      const p = Array.isArray(a.state) ? [...ap, 'state', k] : [...ap, 'state'];
      step.states.push({ flow: flowRef(ctx, st.flow, [...p, 'flow']), is: st.is });
    });
  }
  for (const [name, cmp] of Object.entries(a.counters ?? {})) {
    if (!COUNTER_RE.test(name)) {
      problem(
        [...ap, 'counters', name],
        `'${name}' is not an nstat counter name — write it as nstat prints it, e.g. TcpExtListenDrops, TcpInCsumErrors`,
        'key',
      );
    } else if (!KNOWN_COUNTERS.has(name)) {
      const g = closest(name, [...KNOWN_COUNTERS]);
      if (g) problem([...ap, 'counters', name], `unknown counter '${name}' — did you mean '${g}'? (names as nstat prints them)`, 'key');
    }
    step.counters.push({ name, expect: cmp });
  }
  if (a.tcp_info !== undefined) {
    const tp = [...ap, 'tcp_info'];
    const list = Array.isArray(a.tcp_info.check) ? a.tcp_info.check : [a.tcp_info.check];
    const checks: TcpInfoCheck[] = [];
    list.forEach((text, k) => {
      const cp = Array.isArray(a.tcp_info!.check) ? [...tp, 'check', k] : [...tp, 'check'];
      try {
        checks.push({ text, expr: parseInfoExpr(text), pos: ctx.posOf(cp, false) });
      } catch (e) {
        if (!(e instanceof InfoExprError)) throw e;
        problem(cp, `${e.message} at character ${e.offset + 1} of ${JSON.stringify(text)}`);
      }
    });
    step.tcpInfo = { on: a.tcp_info.on ?? 'conn', checks };
  }
  return step;
}
