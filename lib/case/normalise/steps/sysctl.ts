// sysctl steps: DUT sysctls changed at this point of the case (the model follows). Pure.
import type { SysctlStep } from '../../types';
import type { CaseContext, Path, RawStep } from '../context';
import { sysctlEntries } from '../../sysctl-check';

export function normaliseSysctlStep(ctx: CaseContext, map: NonNullable<RawStep['sysctl']>, yp: Path, i: number): SysctlStep {
  const sysctls = sysctlEntries(map, yp, ctx.problem, () => 'only net.* sysctls belong to the DUT network namespace, e.g. net.ipv4.tcp_ecn');
  if (!Object.keys(map).length) ctx.problem(yp, 'sysctl sets nothing — write e.g. sysctl: { net.ipv4.tcp_ecn: 2 }', 'key');
  return { kind: 'sysctl', index: i, pos: ctx.posOf(yp, true), sysctls };
}
