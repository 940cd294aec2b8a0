import { expect } from 'chai';
import { dutSysctlNames } from '../../../harness/engine/dut-sysctls';
import { applySysctls, defaultSysctls } from '../../../lib/model/core/sysctls';
import { PROFILES, SYSCTL_SINCE, sysctlKey } from '../../../lib/model';

describe('DUT sysctls read for the model', () => {
  it('reads every sysctl the model knows on a kernel that has them all (6.18)', () => {
    const read = new Set(dutSysctlNames('6.18.44-fc-v1300', '#1 SMP').map(sysctlKey));
    const known = Object.keys(defaultSysctls(PROFILES['6.18']));
    expect(
      known.filter((k) => !read.has(k as never)),
      'known to the model, not read from the DUT',
    ).to.deep.equal([]);
    expect(read.size).to.equal(known.length);
    for (const k of ['tcp_ecn_option', 'tcp_tw_reuse', 'tcp_challenge_ack_limit', 'tcp_base_mss', 'txrehash']) expect(read.has(k as never), k).to.equal(true);
  });

  it('leaves out the sysctls a kernel predates, and only those (6.1, 6.12 by uname -v)', () => {
    const on61 = dutSysctlNames('6.1.0-57-cloud-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)');
    expect(on61).to.not.include('net.ipv4.tcp_syn_linear_timeouts');
    expect(on61).to.not.include('net.ipv4.tcp_ecn_option');
    expect(on61).to.include('net.ipv4.tcp_tw_reuse');
    const on612 = dutSysctlNames('6.12.118+deb12-cloud-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.12.118-1~deb12u1');
    expect(on612).to.include('net.ipv4.tcp_syn_linear_timeouts');
    expect(on612).to.include('net.ipv4.tcp_rto_min_us');
    for (const n of ['tcp_ecn_option', 'tcp_ecn_option_beacon', 'tcp_rto_max_ms', 'tcp_tw_reuse_delay']) expect(on612).to.not.include(`net.ipv4.${n}`);
    const all = dutSysctlNames('6.18.44', '#1 SMP').length;
    expect(all - on61.length).to.equal(Object.keys(SYSCTL_SINCE).length);
  });

  it('names each one so the model takes it back (sysctlKey round trip, a read-back value applies)', () => {
    const p = PROFILES['6.1'];
    const names = dutSysctlNames('6.1.0-57-cloud-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)');
    const d = defaultSysctls(p) as unknown as Record<string, unknown>;
    const readBack = Object.fromEntries(names.map((n) => [n, [d[sysctlKey(n)]].flat().join(' ')]));
    expect(applySysctls(defaultSysctls(p), readBack, p)).to.deep.equal(defaultSysctls(p));
  });
});
