import { expect } from 'chai';
import { parseCaseText } from '../../../lib/case';
import { missingName, readKernelNames, type KernelNames } from '../../../harness/runner/kernel-names';
import { planJobs } from '../../../harness/runner/suite';

const NAMES: KernelNames = {
  sysctls: new Set(['net.ipv4.tcp_syncookies', 'net.ipv4.tcp_sack', 'net.core.somaxconn']),
  counters: new Set(['TcpExtListenDrops', 'TcpExtPAWSEstab', 'TcpInSegs']),
};

function kase(extra: string[], steps: string[] = []): ReturnType<typeof parseCaseText> {
  return parseCaseText(
    [
      'name: k',
      'description: t',
      'spec: "§1"',
      ...extra,
      'setup: { listen: { port: 8080 } }',
      'steps:',
      '  - send: { flags: S }',
      '  - expect: { flags: SA }',
      ...steps.map((s) => `  - ${s}`),
    ].join('\n'),
    'k.yaml',
  );
}

describe('runner/kernel-names: a name the kernel under test lacks skips the case, with did-you-mean', () => {
  it('a sysctl the kernel lacks (set up front or mid-case)', () => {
    expect(missingName(kase(['sysctls: { net.ipv4.tcp_syncookies: 2 }']), '6.1.192', NAMES)).to.equal(undefined);
    expect(missingName(kase(['sysctls: { net.ipv4.tcp_fack: 1 }']), '6.1.192', NAMES)).to.match(/^kernel 6\.1\.192 has no sysctl net\.ipv4\.tcp_fack/);
    expect(missingName(kase([], ['sysctl: { net.ipv4.tcp_dsack: 1 }']), '6.1.192', NAMES)).to.equal(
      'kernel 6.1.192 has no sysctl net.ipv4.tcp_dsack (did you mean net.ipv4.tcp_sack?)',
    );
  });
  it('per-interface and other trees are left to the write', () => {
    expect(missingName(kase(['sysctls: { net.ipv4.conf.all.rp_filter: 0 }']), '6.1.192', NAMES)).to.equal(undefined);
    expect(missingName(kase(['sysctls: { net.ipv6.conf.all.forwarding: 0 }']), '6.1.192', NAMES)).to.equal(undefined);
  });
  it('a counter the kernel lacks', () => {
    expect(missingName(kase([], ['assert: { counters: { TcpExtPAWSEstab: "+1" } }']), '6.1.192', NAMES)).to.equal(undefined);
    expect(missingName(kase([], ['assert: { counters: { TcpExtPAWSOldAck: "+1" } }']), '6.1.192', NAMES)).to.match(
      /^kernel 6\.1\.192 has no counter TcpExtPAWSOldAck/,
    );
  });
  it('the plan turns it into a skip; unknown names (no /proc) check nothing', () => {
    const c = kase([], ['assert: { counters: { TcpExtPAWSOldAck: "+1" } }']);
    const [p] = planJobs([c], { seed: 1, kernel: '6.1.192', kernelNames: NAMES });
    expect(p).to.include({ skip: 'kernel 6.1.192 has no counter TcpExtPAWSOldAck', notice: true }); // printed by synh run: about this machine
    // a version gate wins and is quiet
    const gated = planJobs(
      [
        parseCaseText(
          [
            'name: g',
            'description: t',
            'spec: "§1"',
            'kernel: ">=6.13"',
            'setup: { listen: { port: 8080 } }',
            'steps:',
            '  - send: { flags: S }',
            '  - assert: { counters: { TcpExtPAWSOldAck: "+1" } }',
          ].join('\n'),
          'g.yaml',
        ),
      ],
      { seed: 1, kernel: '6.1.192', kernelNames: NAMES },
    );
    expect(gated[0].skip).to.match(/^kernel 6\.1\.192 is not in >=6\.13/);
    expect(gated[0].notice).to.equal(undefined);
    expect(planJobs([c], { seed: 1, kernel: '6.1.192' }).map((p) => p.skip)).to.deep.equal([undefined]);
  });
  it("this machine's lists hold what every suite case uses", () => {
    const n = readKernelNames()!;
    expect(n.sysctls.has('net.ipv4.tcp_syncookies')).to.equal(true);
    expect(n.counters.has('TcpExtListenDrops')).to.equal(true);
    expect(n.counters.has('TcpInSegs')).to.equal(true);
  });
});
