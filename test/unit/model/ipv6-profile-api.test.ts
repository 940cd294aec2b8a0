// §9 IPv6 values, §10 profile differences, sysctl handling, the public API (bind, matchPrediction, predict).
import { expect } from 'chai';
import { buildIp } from '../../../lib/wire/build';
import { toHex } from '../../../lib/wire/bytes';
import {
  applySysctl,
  bind,
  defaultSysctls,
  factsBetween,
  kernelVersionOf,
  matchPrediction,
  profileFor,
  PROFILES,
  RULES,
  sysctlExists,
  VERSION_FACTS,
} from '../../../lib/model';
import { predictLines, predictPacket } from '../../../lib/model/predict';
import { env, FULL, listening, only, run, seg } from './helpers';

describe('model §9 IPv6', () => {
  const e = env({ ip: 6 });
  it('SYN-ACK: MSS 1440, window 64260 (TS), hop limit 64, flow label symbol, tclass 0', () => {
    const r = seg(e, listening(e), { flags: 'S', options: FULL });
    const p = only(r);
    expect(p.ip).to.deep.equal({ hlim: 64, tclass: 0, flow: '*' });
    expect(r.responses[0].expect['ip.flow']).to.have.property('sym');
    expect(p.tcp.window).to.equal(64260);
    expect(p.tcp.options[0]).to.deep.equal(['mss', 1440]);
  });
  it('tclass = listener IPV6_TCLASS; reflect_tos: tc 0xb9 → 0xb8', () => {
    expect(only(seg(e, listening(e, { tclass: 0x20 }), { flags: 'S' })).ip).to.include({ tclass: 0x20 });
    const e2 = env({ ip: 6, sysctls: { tcp_reflect_tos: 1 } });
    expect(only(seg(e2, listening(e2), { flags: 'S', tclass: 0xb9 })).ip).to.include({ tclass: 0xb8 });
  });
  it('closed port SYN seq 77 → RA ack 78, a hash-derived flow label (any 20 bits, 0 included: C45)', () => {
    const r = seg(e, run(e, listening(e), { type: 'close', port: 80 }).state, { flags: 'S', seq: 77 });
    expect(only(r).tcp).to.include({ flags: 'RA', ack: 78 });
    expect(r.responses[0].expect['ip.flow']).to.deep.equal({ range: [0, 0xfffff] });
  });
  it('mss_clamp 1220 without an MSS option (the SYN-ACK MSS is still 1440)', () => {
    const r = seg(e, listening(e), { flags: 'S' });
    expect(r.reasons.map(String).join()).to.match(/mss_clamp 1220/);
  });
  it('multicast destination → silence', () => {
    expect(seg(e, listening(e), { flags: 'S', dst: 'ff02::1' }).responses).to.deep.equal([]);
  });
});

describe('model §10 profiles', () => {
  it('6.1 defaults: WS 7 and window 65160 for the same SYN', () => {
    const e = env({ release: '6.1.0-28-cloud-amd64' });
    const p = only(seg(e, listening(e), { flags: 'S', options: FULL }));
    expect(p.tcp.window).to.equal(65160);
    expect(p.tcp.options).to.deep.include(['wscale', 7]);
  });
  it('6.1: rmem defaults and no tcp_syn_linear_timeouts', () => {
    const s = defaultSysctls(PROFILES['6.1']);
    expect(s.tcp_rmem[2]).to.equal(6291456);
    expect(s.rmem_max).to.equal(212992);
    expect(() => applySysctl(s, 'tcp_syn_linear_timeouts', 4, PROFILES['6.1'])).to.throw(/does not exist on kernel 6.1/);
  });
  it('TS offset per 4-tuple on 6.18, per address pair on 6.1', () => {
    const e18 = env();
    const e61 = env({ release: '6.1' });
    const off = (e: typeof e18, sport: number) =>
      (seg(e, listening(e), { flags: 'S', sport, options: FULL }).responses[0].expect['opt.ts.val'] as { tsval: { off: { sym: string } } }).tsval.off.sym;
    expect(off(e18, 1)).to.not.equal(off(e18, 2));
    expect(off(e61, 1)).to.equal(off(e61, 2));
  });
  it('tcp_timestamps=2 → ts_off 0', () => {
    const e = env({ sysctls: { tcp_timestamps: 2 } });
    expect((seg(e, listening(e), { flags: 'S', options: FULL }).responses[0].expect['opt.ts.val'] as { tsval: object }).tsval).to.include({
      off: 0,
      approxMs: 1000,
      tolMs: 50,
    });
  });
  it('unknown releases get the version facts and name the nearest measured kernel with its distance', () => {
    const p17 = profileFor('6.17.2');
    expect(p17.profile.name).to.equal('6.17');
    expect(p17.profile).to.include({ accecn: false, tsecrCheck: true, authParse: 'auth', twIsnReuse: true, linearSynTimeouts: true });
    expect(p17.reason.rule).to.equal('profile.nearest');
    expect(String(p17.reason)).to.match(/version 6\.17\.2: flags from version facts \(nearest measured 6\.18\.44, 1 minor release\(s\) away\)/);
    expect(profileFor('6.6.30').profile).to.include({ name: '6.6', authParse: 'md5sig', linearSynTimeouts: true, twIsnReuse: false });
    expect(profileFor('5.15.0').reason.rule).to.equal('profile.nearest');
    expect(profileFor('6.18.44-fc-v657').reason.rule).to.equal('profile.exact');
    expect(String(profileFor('6.12.100').reason)).to.match(/nearest measured 6\.12\.118, 18 stable release\(s\) newer/);
  });
  it('a distribution release takes its upstream sublevel from uname -v (backported facts)', () => {
    const v = '#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-26)';
    expect(kernelVersionOf('6.1.0-57-cloud-amd64', v)).to.deep.equal([6, 1, 192]);
    expect(kernelVersionOf('6.12.118+deb12-cloud-amd64', '#1 SMP PREEMPT_DYNAMIC Debian 6.12.118-1~deb12u1')).to.deep.equal([6, 12, 118]);
    expect(kernelVersionOf('6.18.44-fc-v1300', '#1 SMP')).to.deep.equal([6, 18, 44]);
    expect(profileFor('6.1.0-57-cloud-amd64', v).profile.tsOffPerTuple).to.equal(true);
    expect(profileFor('6.1.0-57-cloud-amd64').profile.tsOffPerTuple).to.equal(false);
    expect(String(profileFor('6.1.0-57-cloud-amd64', v).reason)).to.match(/version 6\.1\.192: flags from version facts \(measured\)/);
  });
  it('the measured kernels differ by the facts found on them', () => {
    expect(
      factsBetween([6, 12, 118], [6, 18, 44])
        .map((f) => f.flag)
        .sort(),
    ).to.deep.equal(['accecn', 'pawsOldAckSilent', 'rtoSysctls', 'tsecrCheck', 'unsentAckChallenge']);
    expect(
      factsBetween([6, 1, 192], [6, 12, 118])
        .map((f) => f.flag)
        .sort(),
    ).to.deep.equal(['authParse', 'linearSynTimeouts', 'twIsnReuse']);
    for (const f of VERSION_FACTS) expect(f.evidence, f.flag).to.not.equal('');
  });
  it('a sysctl younger than the kernel does not exist there', () => {
    expect(sysctlExists('tcp_syn_linear_timeouts', [6, 1, 192])).to.equal(false);
    expect(sysctlExists('tcp_syn_linear_timeouts', [6, 12, 118])).to.equal(true);
    expect(sysctlExists('tcp_ecn_option', [6, 12, 118])).to.equal(false);
    expect(sysctlExists('tcp_syncookies', [4, 19, 0])).to.equal(true);
    expect(() => applySysctl(defaultSysctls(PROFILES['6.12']), 'tcp_ecn_option', 1, PROFILES['6.12'])).to.throw(
      /does not exist on kernel 6\.12\.118 \(added in 6\.18\)/,
    );
  });
});

describe('model sysctls', () => {
  const s = defaultSysctls(PROFILES['6.18']);
  it('names with or without prefixes', () => {
    expect(applySysctl(s, 'net.ipv4.tcp_syncookies', 2).tcp_syncookies).to.equal(2);
    expect(applySysctl(s, 'tcp_syncookies', '0').tcp_syncookies).to.equal(0);
    expect(applySysctl(s, 'net.core.somaxconn', 16).somaxconn).to.equal(16);
    expect(applySysctl(s, 'tcp_rmem', '4096 131072 6291456').tcp_rmem).to.deep.equal([4096, 131072, 6291456]);
  });
  it('clear errors for unknown names and refused values', () => {
    expect(() => applySysctl(s, 'tcp_bogus', 1)).to.throw(/unknown sysctl "tcp_bogus"/);
    expect(() => applySysctl(s, 'tcp_ecn', 4)).to.throw(/EINVAL/);
    expect(() => applySysctl(s, 'tcp_sack', 'x')).to.throw(/not an integer/);
  });
  it('somaxconn caps the listen backlog', () => {
    const e = env({ sysctls: { somaxconn: 3 } });
    expect(listening(e, {}, 100).listeners.get(80)!.maxBacklog).to.equal(3);
  });
});

describe('model API: bind / matchPrediction / RULES', () => {
  const e = env();
  const r = seg(e, listening(e), { flags: 'S', options: FULL }, 5000);
  const pred = r.responses[0];
  const observed = () => {
    const o = JSON.parse(JSON.stringify(pred.packet));
    o.tcp.seq = 123456;
    o.tcp.options[2] = ['ts', 777000, 100];
    return o;
  };
  it('first sight binds ISN and ts_off; later sights must agree', () => {
    const b = bind(r.state, pred, observed());
    expect(b.mismatches).to.deep.equal([]);
    expect(b.state.bindings[`isn@${e.peer}:40000>80`]).to.equal(123456);
    expect(b.state.bindings[`tsoff@${e.peer}:40000>80`]).to.equal(777000 - 5000);
    const o2 = observed();
    o2.tcp.seq = 1;
    expect(bind(b.state, pred, o2).mismatches[0]).to.match(/tcp.seq/);
  });
  it('a bound ISN drives §6 step 3', () => {
    const b = bind(r.state, pred, observed());
    expect(only(seg(e, b.state, { flags: 'A', seq: 1001, ack: 5 }, 5100)).tcp.flags).to.equal('R');
    expect(seg(e, b.state, { flags: 'A', seq: 1001, ack: 123457 }, 5100).responses).to.deep.equal([]);
  });
  it('matchPrediction lists field diffs with the rule', () => {
    const o = observed();
    o.tcp.window = 1;
    o.ip.ttl = 1;
    const d = matchPrediction(pred, o, r.state);
    expect(d.map((x) => x.field)).to.deep.equal(['ip.ttl', 'tcp.window']);
    expect(d[0].reason).to.match(/tcp_make_synack/);
  });
  it('TSval far from the clock after binding → mismatch', () => {
    const b = bind(r.state, pred, observed());
    const r2 = apply2(b.state);
    const o = JSON.parse(JSON.stringify(r2.responses[0].packet));
    o.tcp.seq = 123456;
    o.tcp.options[2] = ['ts', 777000 + 5000, 100]; // should be ≈ +1000
    expect(bind(b.state, r2.responses[0], o).mismatches.join()).to.match(/TSval/);
  });
  function apply2(s: typeof r.state) {
    return run(e, s, { type: 'tick' }, 6000);
  }
  it('RULES: unique stable ids, each with fn, kernel source file and spec', () => {
    const ids = RULES.map((x) => x.rule);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const x of RULES) {
      expect(x.fn).to.be.a('string').and.not.equal('');
      expect(x.spec).to.match(/^§\d/);
      // A kernel function names the kernel file defining it; the model's own rules ('(timers)', …) none.
      if (x.fn.startsWith('(')) expect(x.file, x.rule).to.equal('');
      else expect(x.file, x.rule).to.match(/^(net\/(ipv4|ipv6|core)\/[a-z0-9_]+\.c|include\/net\/[a-z0-9_]+\.h)$/);
    }
    const fileOf = (fn: string) => new Set(RULES.filter((x) => x.fn === fn).map((x) => x.file));
    expect([...fileOf('tcp_check_req')]).to.deep.equal(['net/ipv4/tcp_minisocks.c']);
    expect([...fileOf('tcp_timewait_state_process')]).to.deep.equal(['net/ipv4/tcp_minisocks.c']);
    expect([...fileOf('tcp_oow_rate_limited')]).to.deep.equal(['net/ipv4/tcp_input.c']);
    expect([...fileOf('tcp_v4_rcv')]).to.deep.equal(['net/ipv4/tcp_ipv4.c']);
  });
});

describe('model predict CLI contract', () => {
  const syn = buildIp({
    ip: 4,
    src: '198.18.0.2',
    dst: '198.18.0.1',
    sport: 40000,
    dport: 80,
    seq: 1000,
    flags: 'S',
    options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 100, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
  });
  it('fresh listener: the documented JSON', () => {
    const out = predictPacket({ listen: { port: 80, backlog: 128 }, sysctls: {}, sockopts: {} }, syn);
    expect(JSON.stringify(out.responses)).to.equal(
      '[{"ip":{"ttl":64,"tos":0,"df":true,"id":0},"tcp":{"sport":80,"dport":40000,"seq":"*","ack":1001,"flags":"SA","window":65160,"urg":0,"options":[["mss",1460],["sackOK"],["ts","*",100],["nop"],["wscale",10]]}}]',
    );
    expect(out.reasons.every((x) => /^[\w()]+: /.test(x))).to.equal(true);
  });
  it('closed port → RA; sockopts by name', () => {
    expect(predictPacket({ sysctls: {}, sockopts: {} }, syn).responses[0].tcp.flags).to.equal('RA');
    const o = predictPacket(
      { listen: { port: 80, backlog: 1 }, sysctls: { 'net.ipv4.tcp_timestamps': '0' }, sockopts: { TCP_MAXSEG: '1000', IP_TTL: '33' } },
      syn,
    );
    expect(o.responses[0].ip).to.include({ ttl: 33 });
    expect(o.responses[0].tcp.options[0]).to.deep.equal(['mss', 1000]);
  });
  it('predictLines: one output line per input line, bad hex → {"error"} and a file:line:column problem', () => {
    const lines = [
      ...predictLines({ listen: { port: 80, backlog: 8 }, sysctls: {}, sockopts: {} }, [toHex(syn), 'zz', '', toHex(syn.subarray(0, 10))], 'syns.hex'),
    ];
    expect(lines.length).to.equal(4);
    expect(JSON.parse(lines[0].out)).to.include({ line: 1 });
    expect(JSON.parse(lines[0].out).responses.length).to.equal(1);
    expect(JSON.parse(lines[1].out)).to.include({ line: 2 }).and.to.have.property('error');
    expect(lines[1].problem).to.match(/^syns\.hex:2:1: invalid hex "zz": 'z' is not a hex digit$/);
    expect(lines[2]).to.deep.equal({ out: '' });
    expect(JSON.parse(lines[3].out).responses).to.deep.equal([]);
    expect(lines[3].problem).to.equal(undefined);
  });
  it('unknown sysctl → a clear error', () => {
    expect(() => predictPacket({ sysctls: { tcp_nonsense: '1' }, sockopts: {} }, syn)).to.throw(/unknown sysctl/);
  });
});
