import { expect } from 'chai';
import { parseCaseText } from '../../../lib/case';
import { GLOBAL_SYSCTLS, globalSysctlMismatch, isGlobalSysctl } from '../../../lib/kernel/global-sysctls';
import { planJobs } from '../../../harness/runner/suite';
import { sysctlPath, sysctlWritePath } from '../../../harness/sys/sysctl';
import { runScript } from '../../../harness/guest/run-in-guest';

const needsRmemMax = parseCaseText(
  [
    'name: g',
    'description: t',
    'spec: "§1"',
    'sysctls:',
    '  net.core.rmem_max: 4194304',
    'setup: { listen: { port: 8080 } }',
    'steps:',
    '  - send: { flags: S }',
    '  - expect: { flags: SA }',
  ].join('\n'),
  'g.yaml',
);

describe('kernel-wide sysctls: never written, a case that needs one runs only where the kernel has it', () => {
  it('names them by dotted name or /proc path; per-namespace ones are not', () => {
    expect(GLOBAL_SYSCTLS).to.include('net.core.rmem_max');
    expect(isGlobalSysctl('net.core.rmem_max')).to.equal(true);
    expect(isGlobalSysctl('/proc/sys/net/core/wmem_default')).to.equal(true);
    expect(isGlobalSysctl('net.core.somaxconn')).to.equal(false);
    expect(isGlobalSysctl('net.ipv4.tcp_rmem')).to.equal(false);
  });

  it('a mismatch says the value here, the value needed, and what to do', () => {
    expect(globalSysctlMismatch('net.core.rmem_max', 4194304, '4194304')).to.equal(undefined);
    expect(globalSysctlMismatch('net.core.rmem_max', 4194304, ' 4194304\n')).to.equal(undefined);
    const why = globalSysctlMismatch('net.core.rmem_max', 4194304, '212992')!;
    expect(why).to.match(/net\.core\.rmem_max is kernel-wide.*is 212992 here; the case needs 4194304/);
    expect(why).to.include('sysctl -w net.core.rmem_max=4194304');
    expect(globalSysctlMismatch('net.core.rmem_max', 1, undefined)).to.match(/is unreadable here/);
  });

  it('the plan skips the case with that reason on a kernel with another value, runs it where the value matches', () => {
    const skipped = planJobs([needsRmemMax], { seed: 1, kernel: '6.12.118', readGlobalSysctl: () => '212992' });
    expect(skipped.every((p) => /kernel-wide.*212992/.test(p.skip ?? ''))).to.equal(true);
    const runs = planJobs([needsRmemMax], { seed: 1, kernel: '6.12.118', readGlobalSysctl: (n) => (n === 'net.core.rmem_max' ? '4194304' : undefined) });
    expect(runs.map((p) => p.skip)).to.deep.equal([undefined]);
  });

  it('a write path is refused for them (the write would change the host); reads stay allowed', () => {
    expect(sysctlPath('net.core.rmem_max')).to.equal('/proc/sys/net/core/rmem_max');
    expect(() => sysctlWritePath('net.core.rmem_max')).to.throw(/kernel-wide.*change the host/);
    expect(() => sysctlWritePath('net/core/wmem_max')).to.throw(/kernel-wide/);
    expect(sysctlWritePath('net.core.somaxconn')).to.equal('/proc/sys/net/core/somaxconn');
  });

  it("a guest's run script gives its kernel this machine's values before the command", () => {
    const s = runScript({ cwd: '/w', resultsRoot: '/w/results', argv: ['run'], env: {}, globalSysctls: { 'net.core.rmem_max': '4194304' } });
    const lines = s.split('\n');
    const set = lines.indexOf(`echo '4194304' > '/proc/sys/net/core/rmem_max'`);
    expect(set).to.be.greaterThan(-1);
    expect(set).to.be.lessThan(lines.findIndex((l) => l.startsWith('node ')));
  });
});
