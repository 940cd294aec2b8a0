// §4.9 syncookies (low-6-bit encoding, cookie SYN-ACK, cookie-ACK validation) and §4.10 TFO server table.
import { expect } from 'chai';
import type { TcpOption } from '../../../lib/wire/types';
import { bind, cookieLow6, cookieTsvalRaw } from '../../../lib/model';
import { env, FULL, listening, only, rules, seg } from './helpers';
import { netnsKeys, tfoCookieUnder } from '../../../lib/model/kernel/fastopen';
import { parseFastopenKey } from '../../../lib/model/core/sockopts';
import { fromHex } from '../../../lib/wire/bytes';

describe('model §4.9 syncookie option bits (verified t17, tcp_timestamps=2)', () => {
  const cases: Array<[string, TcpOption[], number]> = [
    ['ws7+sack → 0x17', [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }, { kind: 'wscale', shift: 7 }], 0x17],
    [
      'ws3 → 0x03',
      [
        { kind: 'mss', value: 1460 },
        { kind: 'ts', val: 1, ecr: 0 },
        { kind: 'wscale', shift: 3 },
      ],
      0x03,
    ],
    ['no-ws+sack+ecn → 0x3f', [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }], 0x3f],
    ['ws14+sack → 0x1e', [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }, { kind: 'wscale', shift: 14 }], 0x1e],
  ];
  for (const [name, o, low6] of cases) {
    it(name, () => {
      const e = env({ sysctls: { tcp_syncookies: 2, tcp_timestamps: 2 } });
      const r = seg(e, listening(e), { flags: name.includes('ecn') ? 'SEC' : 'S', options: o }, 123456);
      const p = r.responses[0];
      expect(p.expect['opt.ts.val']).to.deep.include({ tsval: { off: 0, approxMs: cookieTsvalRaw(123456, low6), tolMs: 114, low6 } });
      // Observed TSval with those bits binds cleanly; other bits are a mismatch.
      const obs = JSON.parse(JSON.stringify(p.packet));
      obs.tcp.seq = 777;
      obs.tcp.options = obs.tcp.options.map((x: unknown[]) => (x[0] === 'ts' ? ['ts', (123440 & ~63) | low6, x[2]] : x));
      expect(bind(r.state, p, obs).mismatches).to.deep.equal([]);
      obs.tcp.options = obs.tcp.options.map((x: unknown[]) => (x[0] === 'ts' ? ['ts', (123440 & ~63) | (low6 ^ 1), x[2]] : x));
      expect(bind(r.state, p, obs).mismatches.join()).to.match(/cookie option bits/);
    });
  }
  it('cookieLow6 table values', () => {
    expect(cookieLow6(true, 7, true, false)).to.equal(0x17);
    expect(cookieLow6(true, 3, false, false)).to.equal(0x03);
    expect(cookieLow6(false, 0, true, true)).to.equal(0x3f);
    expect(cookieLow6(true, 14, true, false)).to.equal(0x1e);
  });
  it('TSval before ts_off: clock with low 6 bits replaced, minus 64 if in the future', () => {
    expect(cookieTsvalRaw(1000, 0x17)).to.equal(960 + 0x17);
    expect(cookieTsvalRaw(960, 0x3f)).to.equal(960 - 64 + 0x3f);
  });
});

describe('model §4.9 cookie SYN-ACK and cookie-ACK validation', () => {
  it('cookie SYN-ACK without TS = MSS option only, window 64240, no ECE (t4)', () => {
    const e = env({ sysctls: { tcp_syncookies: 2 } });
    const r = seg(e, listening(e), {
      flags: 'SEC',
      options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
    });
    const p = only(r);
    expect(p.tcp).to.include({ flags: 'SA', window: 64240 });
    expect(p.tcp.options).to.deep.equal([['mss', 1460]]);
    expect(r.counters.TcpExtSyncookiesSent).to.equal(1);
    expect(r.state.reqs.size).to.equal(0);
  });
  it('no retransmission of a cookie SYN-ACK; a duplicate SYN gets a fresh one', () => {
    const e = env({ sysctls: { tcp_syncookies: 2 } });
    let s = seg(e, listening(e), { flags: 'S', options: FULL }).state;
    const t = seg(e, s, { flags: '', seq: 0 }, 10000);
    expect(t.responses.filter((x) => x.packet.tcp.flags === 'SA')).to.deep.equal([]);
    s = t.state;
    expect(only(seg(e, s, { flags: 'S', options: FULL }, 11000)).tcp.flags).to.equal('SA');
  });
  it('good cookie ACK → child, no reply; bad ACK → R seq=SEG.ACK (t4)', () => {
    const e = env({ sysctls: { tcp_syncookies: 2 }, fixed: { isn: 9000, tsOff: 0 } });
    const s = seg(e, listening(e), { flags: 'S', seq: 500, options: FULL }).state;
    const good = seg(e, s, { flags: 'A', seq: 501, ack: 9001 }, 1100);
    expect(good.responses).to.deep.equal([]);
    expect(good.counters.TcpExtSyncookiesRecv).to.equal(1);
    expect(good.state.listeners.get(80)!.acceptq.length).to.equal(1);
    const bad = seg(e, s, { flags: 'A', seq: 501, ack: 12345 }, 1100);
    expect(only(bad).tcp).to.include({ flags: 'R', seq: 12345 });
    expect(bad.counters.TcpExtSyncookiesFailed).to.equal(1);
  });
  it('cookie 60–120 s old → assumed valid, with a reason [inferred]', () => {
    const e = env({ sysctls: { tcp_syncookies: 2 }, fixed: { isn: 9000 } });
    const s = seg(e, listening(e), { flags: 'S', seq: 500, options: FULL }, 1000).state;
    const r = seg(e, s, { flags: 'A', seq: 501, ack: 9001 }, 1000 + 90000);
    expect(rules(r)).to.include.members(['cookies.age-uncertain', 'cookies.valid']);
  });
  it('cookie older than 2 minutes → invalid → RST', () => {
    const e = env({ sysctls: { tcp_syncookies: 2 }, fixed: { isn: 9000 } });
    const s = seg(e, listening(e), { flags: 'S', seq: 500, options: FULL }, 1000).state;
    const r = seg(e, s, { flags: 'A', seq: 501, ack: 9001 }, 1000 + 121000);
    expect(r.responses.length).to.equal(1);
  });
  it('cookie ACK with TS whose bits need SACK after tcp_sack was turned off → RST', () => {
    const e = env({ sysctls: { tcp_syncookies: 2, tcp_timestamps: 2 }, fixed: { isn: 9000 } });
    const s = seg(e, listening(e), { flags: 'S', seq: 500, options: FULL }).state;
    const e2 = env({ sysctls: { tcp_syncookies: 2, tcp_timestamps: 2, tcp_sack: 0 }, fixed: { isn: 9000 } });
    const r = seg(e2, s, { flags: 'A', seq: 501, ack: 9001, options: [{ kind: 'ts', val: 200, ecr: (960 & ~63) | 0x17 }] }, 1100);
    expect(rules(r)).to.include('cookies.decode-failed');
    expect(only(r).tcp.flags).to.equal('R');
  });
  it('no cookie sent recently → no cookie check, plain RST', () => {
    const e = env();
    const r = seg(e, listening(e), { flags: 'A', ack: 5 });
    expect(rules(r)).to.include('cookies.no-recent-overflow');
  });
  it('cookie ISN is a symbol bound from the observed SYN-ACK, then validated', () => {
    const e = env({ sysctls: { tcp_syncookies: 2 } });
    const r = seg(e, listening(e), { flags: 'S', seq: 500 });
    const obs = JSON.parse(JSON.stringify(r.responses[0].packet));
    obs.tcp.seq = 424242;
    const b = bind(r.state, r.responses[0], obs);
    expect(b.mismatches).to.deep.equal([]);
    expect(seg(e, b.state, { flags: 'A', seq: 501, ack: 424243 }, 1100).state.listeners.get(80)!.acceptq.length).to.equal(1);
    expect(only(seg(e, b.state, { flags: 'A', seq: 501, ack: 424253 }, 1100)).tcp.flags).to.equal('R');
  });
  it('C26: an ACK off the cookie by d moves the MSS index by d — valid while it stays in the table', () => {
    const e = env({ sysctls: { tcp_syncookies: 2 } });
    const r = seg(e, listening(e), { flags: 'S', seq: 500 }); // no MSS option: 536, index 0
    const obs = JSON.parse(JSON.stringify(r.responses[0].packet));
    obs.tcp.seq = 424242;
    const s = bind(r.state, r.responses[0], obs).state;
    const up = seg(e, s, { flags: 'A', seq: 501, ack: 424244 }, 1100); // d = +1: index 1
    expect(rules(up)).to.include('cookies.valid');
    expect(up.reasons.map((x) => x.text).join(' ')).to.contain('mss 1300');
    const both = seg(e, s, { flags: 'A', seq: 502, ack: 424244 }, 1100); // ΔACK = ΔSEQ = 1: d = 0
    expect(both.state.listeners.get(80)!.acceptq.length).to.equal(1);
    expect(only(seg(e, s, { flags: 'A', seq: 501, ack: 424242 }, 1100)).tcp.flags).to.equal('R'); // index −1
    expect(only(seg(e, s, { flags: 'A', seq: 501, ack: 424247 }, 1100)).tcp.flags).to.equal('R'); // index 4
  });
});

describe('model §4.10 TFO server table (verified t7)', () => {
  const cookie = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const fixed = { tfoKeyCookie: () => cookie, isn: 7000 };
  const req: TcpOption = { kind: 'tfo', cookie: new Uint8Array(0) };
  it('empty TFO option, 0x3 + sockopt → cookie in the SYN-ACK; ack = SEG.SEQ+1', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [req] });
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460], ['tfo', '0102030405060708'], ['nop'], ['nop']]);
    expect(only(r).tcp.ack).to.equal(1001);
    expect(r.counters.TcpExtTCPFastOpenCookieReqd).to.equal(1);
  });
  it('experimental empty option → experimental cookie (254,12,F989,cookie)', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [{ kind: 'tfo', cookie: new Uint8Array(0), exp: true }] });
    expect(only(r).tcp.options).to.deep.equal([
      ['mss', 1460],
      ['tfo', '0102030405060708', 'exp'],
    ]);
  });
  it('valid cookie + 5 B data → child at once, ack = SEG.SEQ+1+5, no cookie echoed', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [{ kind: 'tfo', cookie }], payload: new Uint8Array(5) });
    expect(only(r).tcp.ack).to.equal(1006);
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460]]);
    expect(r.state.listeners.get(80)!.acceptq.length).to.equal(1);
    expect(r.counters.TcpExtTCPFastOpenPassive).to.equal(1);
  });
  it('valid cookie, no data → child, ack = SEG.SEQ+1', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [{ kind: 'tfo', cookie }] });
    expect(only(r).tcp.ack).to.equal(1001);
    expect(r.state.listeners.get(80)!.acceptq.length).to.equal(1);
  });
  it('invalid cookie + data → data not acked, correct cookie sent, normal req', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [{ kind: 'tfo', cookie: new Uint8Array(8) }], payload: new Uint8Array(5) });
    expect(only(r).tcp.ack).to.equal(1001);
    expect(only(r).tcp.options).to.deep.include(['tfo', '0102030405060708']);
    expect(r.state.reqs.keys().length).to.equal(1);
  });
  it('no TFO option + data, 0x3 → normal SYN-ACK, data dropped', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', payload: new Uint8Array(5) });
    expect(only(r).tcp).to.include({ ack: 1001 });
    expect(rules(r)).to.include('fastopen.data-no-option');
  });
  it('no option + data, 0x203 → child, data acked, no cookie option', () => {
    const e = env({ sysctls: { tcp_fastopen: 0x203 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', payload: new Uint8Array(5) });
    expect(only(r).tcp.ack).to.equal(1006);
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460]]);
  });
  it('cookie request, listener without sockopt, 0x403 → cookie issued', () => {
    const e = env({ sysctls: { tcp_fastopen: 0x403 }, fixed });
    expect(only(seg(e, listening(e), { flags: 'S', options: [req] })).tcp.options).to.deep.include(['tfo', '0102030405060708']);
  });
  it('0x1 (client only) → TFO option ignored', () => {
    const e = env({ sysctls: { tcp_fastopen: 1 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [req] });
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460]]);
    expect(rules(r)).to.include('fastopen.off');
  });
  it('odd cookie length → ignored (no cookie, t7)', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [{ kind: 'tfo', cookie: new Uint8Array(5) }] });
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460]]);
  });
  it('cookie per address pair: same cookie on another port; unknown key → symbol', () => {
    const e = env({ sysctls: { tcp_fastopen: 3 } });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [req] });
    expect(r.responses[0].expect['opt.tfo']).to.deep.equal({ symHex: `tfocookie@${e.peer}>${e.dut}`, bytes: 8 });
  });
  // Cookies under a listener key, as the kernel computes them (SipHash-2-4 of source then destination
  // address): the two values below were read from 6.18.44 SYN-ACKs for key 00…0f.
  it('TCP_FASTOPEN_KEY: the cookie is SipHash of the addresses under the key (verified on 6.18)', () => {
    const key = '000102030405060708090a0b0c0d0e0f';
    expect(tfoCookieUnder(fromHex(key), '198.18.0.2', '198.18.0.1')).to.equal('9837447bb6f2be02');
    expect(tfoCookieUnder(fromHex(key), '2001:2::2', '2001:2::1')).to.equal('6997202121ef4738');
    const e = env({ sysctls: { tcp_fastopen: 3 } });
    const r = seg(e, listening(e, { fastopen: 8, fastopenKey: key }), { flags: 'S', options: [req] });
    expect(only(r).tcp.options).to.deep.include(['tfo', tfoCookieUnder(fromHex(key), e.peer, e.dut)]);
  });
  it("a cookie under the backup key is valid: child at once, and the primary key's cookie is echoed", () => {
    const k1 = '000102030405060708090a0b0c0d0e0f';
    const k2 = '101112131415161718191a1b1c1d1e1f';
    const e = env({ sysctls: { tcp_fastopen: 3 } });
    const old = fromHex(tfoCookieUnder(fromHex(k1), e.peer, e.dut));
    const r = seg(e, listening(e, { fastopen: 8, fastopenKey: k2 + k1 }), { flags: 'S', options: [{ kind: 'tfo', cookie: old }], payload: new Uint8Array(5) });
    expect(only(r).tcp.ack).to.equal(1006);
    expect(only(r).tcp.options).to.deep.include(['tfo', tfoCookieUnder(fromHex(k2), e.peer, e.dut)]);
    expect(rules(r)).to.include('fastopen.cookie-valid-backup');
    // Without K1 as backup the same cookie is invalid: data not acked, K2's cookie sent.
    const bad = seg(e, listening(e, { fastopen: 8, fastopenKey: k2 }), { flags: 'S', options: [{ kind: 'tfo', cookie: old }], payload: new Uint8Array(5) });
    expect(only(bad).tcp.ack).to.equal(1001);
    expect(rules(bad)).to.include('fastopen.cookie-invalid');
  });
  it('net.ipv4.tcp_fastopen_key: words stored little-endian; all zeros is no key; a listener key wins (verified on 6.18)', () => {
    expect(Buffer.from(netnsKeys('00010203-04050607-08090a0b-0c0d0e0f')!.primary).toString('hex')).to.equal('03020100070605040b0a09080f0e0d0c');
    expect(netnsKeys('00000000-00000000-00000000-00000000')).to.equal(undefined);
    expect(netnsKeys('00010203-04050607-08090a0b-0c0d0e0f,10111213-14151617-18191a1b-1c1d1e1f')!.backup).to.have.length(16);
    const e = env({ sysctls: { tcp_fastopen: 3, tcp_fastopen_key: '00010203-04050607-08090a0b-0c0d0e0f' } });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [req] });
    const ours = tfoCookieUnder(netnsKeys('00010203-04050607-08090a0b-0c0d0e0f')!.primary, e.peer, e.dut);
    expect(only(r).tcp.options).to.deep.include(['tfo', ours]);
    // 198.18.0.2 → 198.18.0.1 under that namespace key: the cookie 6.18.44 sent.
    expect(tfoCookieUnder(netnsKeys('00010203-04050607-08090a0b-0c0d0e0f')!.primary, '198.18.0.2', '198.18.0.1')).to.equal('46a3b53c1e778b51');
    const own = seg(e, listening(e, { fastopen: 8, fastopenKey: '000102030405060708090a0b0c0d0e0f' }), { flags: 'S', options: [req] });
    expect(only(own).tcp.options).to.deep.include(['tfo', tfoCookieUnder(fromHex('000102030405060708090a0b0c0d0e0f'), e.peer, e.dut)]);
  });
  it('TCP_FASTOPEN_KEY values: 16 or 32 bytes of hex', () => {
    expect(parseFastopenKey('0x000102030405060708090A0B0C0D0E0F')).to.equal('000102030405060708090a0b0c0d0e0f');
    expect(() => parseFastopenKey('0001')).to.throw(/16 or 32 bytes/);
  });
  it('cookie mode ignores TFO', () => {
    const e = env({ sysctls: { tcp_fastopen: 3, tcp_syncookies: 2 }, fixed });
    const r = seg(e, listening(e, { fastopen: 8 }), { flags: 'S', options: [req] });
    expect(rules(r)).to.include('cookies.tfo-ignored');
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460]]);
  });
});
