// §4.1 admission, §4.2 option parsing, §4.5 ECN, §4.6 IP fields, §4.7 window/wscale, §4.8 MSS, §5.3 blocks.
import { expect } from 'chai';
import type { TcpOption } from '../../../lib/wire/types';
import { parseOptionBytes } from '../../../lib/model';
import { defaultSysctls, PROFILES } from '../../../lib/model';
import { chain, env, FULL, listening, only, pkt, rules, run, seg } from './helpers';
import type { ModelEnv, ModelState } from '../../../lib/model';

function syns(e: ModelEnv, s: ModelState, n: number, t0 = 1000): { answered: number[]; state: ModelState; counters: Record<string, number>[] } {
  const answered: number[] = [];
  const counters: Record<string, number>[] = [];
  for (let i = 1; i <= n; i++) {
    const r = run(e, s, { type: 'segment', seg: pkt(e, { flags: 'S', sport: 41000 + i, options: FULL }) }, t0 + i);
    if (r.responses.length) answered.push(i);
    counters.push(r.counters);
    s = r.state;
  }
  return { answered, state: s, counters };
}

describe('model §4.1 admission (verified t8)', () => {
  it('backlog=2, syncookies=0: SYN #1–3 answered, #4–5 dropped', () => {
    const e = env({ sysctls: { tcp_syncookies: 0 } });
    const r = syns(e, listening(e, {}, 2), 5);
    expect(r.answered).to.deep.equal([1, 2, 3]);
    expect(r.counters[3]).to.include({ TcpExtListenDrops: 1, TcpExtTCPReqQFullDrop: 1 });
  });
  it('backlog=2, syncookies=1: all answered, #4 and later get cookies', () => {
    const e = env();
    const r = syns(e, listening(e, {}, 2), 6);
    expect(r.answered).to.deep.equal([1, 2, 3, 4, 5, 6]);
    expect(r.counters[2].TcpExtSyncookiesSent).to.equal(undefined);
    expect(r.counters[3].TcpExtSyncookiesSent).to.equal(1);
    expect(r.counters[3].TcpExtTCPReqQFullDoCookies).to.equal(1);
  });
  it('max_syn_backlog=4, syncookies=0: SYN #1–4 answered, #5–7 dropped', () => {
    const e = env({ sysctls: { tcp_syncookies: 0, tcp_max_syn_backlog: 4 } });
    const r = syns(e, listening(e, {}, 128), 7);
    expect(r.answered).to.deep.equal([1, 2, 3, 4]);
    expect(r.counters[4].TcpExtListenDrops).to.equal(1);
  });
  it('backlog=1, accept queue full: a new SYN is silently dropped (ListenOverflows)', () => {
    const e = env({ fixed: { isn: 5000 } });
    let s = listening(e, {}, 1);
    for (const sport of [41001, 41002]) {
      s = seg(e, s, { flags: 'S', sport, seq: 1000 }).state;
      s = seg(e, s, { flags: 'A', sport, seq: 1001, ack: 5001 }).state;
    }
    expect(s.listeners.get(80)!.acceptq.length).to.equal(2);
    const r = seg(e, s, { flags: 'S', sport: 41003 });
    expect(r.responses).to.deep.equal([]);
    expect(r.counters).to.include({ TcpExtListenOverflows: 1, TcpExtListenDrops: 1 });
    expect(rules(r)).to.include('conn_request.acceptq-full');
  });
  it('a duplicate SYN while a req exists goes to tcp_check_req, not tcp_conn_request', () => {
    const e = env();
    const s = seg(e, listening(e), { flags: 'S', options: FULL }).state;
    const r = seg(e, s, { flags: 'S', options: FULL }, 1200);
    expect(rules(r)).to.include('check_req.dup-syn');
    expect(rules(r)).to.not.include('listen.syn');
  });
});

describe('model §4.2 option parsing (kernel interpretation)', () => {
  const e = env();
  const L = listening(e);
  const sa = (o: TcpOption[]) => only(seg(e, L, { flags: 'S', options: o })).tcp.options;
  const raw = (hex: string) => [{ kind: 'bytes' as const, bytes: Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16))) }];
  it('EOL first → only our MSS in the SYN-ACK', () => {
    expect(sa(raw('00020405b4'))).to.deep.equal([['mss', 1460]]);
  });
  it('TS with silly length 1 → later SACK_PERM ignored', () => {
    expect(sa(raw('08010402'))).to.deep.equal([['mss', 1460]]);
  });
  it('TS with length 0 → parse stops', () => {
    expect(sa(raw('08000402'))).to.deep.equal([['mss', 1460]]);
  });
  it('truncated TS → ignored', () => {
    expect(sa(raw('0402080a0000'))).to.deep.equal([['mss', 1460], ['nop'], ['nop'], ['sackOK']]);
  });
  it('lone kind byte at the end → stop', () => {
    expect(parseOptionBytes(Uint8Array.of(4, 2, 8), defaultSysctls(PROFILES['6.18']), { syn: true, tfo: true, userMss: 0 }).sackOk).to.equal(true);
  });
  it('MSS 0 ignored (mss_clamp 536), SYN-ACK still MSS 1460', () => {
    const r = seg(e, L, { flags: 'S', options: [{ kind: 'mss', value: 0 }] });
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460]]);
    expect(rules(r)).to.include('parse_options.mss-zero');
  });
  for (const m of [1, 100, 536, 9000, 65535]) {
    it(`peer MSS ${m} → SYN-ACK MSS 1460`, () => expect(sa([{ kind: 'mss', value: m }])).to.deep.equal([['mss', 1460]]));
  }
  it('WS 15 → clamped to 14 (still offered back)', () => {
    const r = seg(e, L, { flags: 'S', options: [{ kind: 'wscale', shift: 15 }] });
    expect(rules(r)).to.include('parse_options.wscale-clamped');
    expect(only(r).tcp.options).to.deep.equal([['mss', 1460], ['nop'], ['wscale', 10]]);
  });
  it('WS len 4, TS len 9, SACK_PERM len 3 are skipped; later options still parsed', () => {
    const o = sa(raw('03040700' + '0809' + '00000000000000' + '040300' + '0402'));
    expect(o).to.deep.equal([['mss', 1460], ['nop'], ['nop'], ['sackOK']]);
  });
  it('option order does not matter (TS before MSS)', () => {
    expect(
      sa([
        { kind: 'ts', val: 5, ecr: 0 },
        { kind: 'mss', value: 1400 },
      ]),
    ).to.deep.equal([['mss', 1460], ['nop'], ['nop'], ['ts', '*', 5]]);
  });
  it('unknown kind 99 ignored', () => {
    expect(sa([{ kind: 'unknown', type: 99, data: new Uint8Array(2) }, { kind: 'sackOK' }])).to.deep.equal([['mss', 1460], ['nop'], ['nop'], ['sackOK']]);
  });
  it('duplicates: the last TS wins (TSecr echoes it)', () => {
    expect(
      sa([
        { kind: 'ts', val: 5, ecr: 0 },
        { kind: 'ts', val: 9, ecr: 0 },
      ]),
    ).to.deep.equal([['mss', 1460], ['nop'], ['nop'], ['ts', '*', 9]]);
  });
  it('tcp_sack=0 drops SACK_PERM; tcp_timestamps=0 → 01 01 04 02; tcp_window_scaling=0 drops WS (t4)', () => {
    const e2 = env({ sysctls: { tcp_sack: 0 } });
    expect(only(seg(e2, listening(e2), { flags: 'S', options: FULL })).tcp.options).to.deep.equal([
      ['mss', 1460],
      ['nop'],
      ['nop'],
      ['ts', '*', 100],
      ['nop'],
      ['wscale', 10],
    ]);
    const e3 = env({ sysctls: { tcp_timestamps: 0 } });
    expect(only(seg(e3, listening(e3), { flags: 'S', options: FULL })).tcp.options).to.deep.equal([
      ['mss', 1460],
      ['nop'],
      ['nop'],
      ['sackOK'],
      ['nop'],
      ['wscale', 10],
    ]);
    const e4 = env({ sysctls: { tcp_window_scaling: 0 } });
    expect(only(seg(e4, listening(e4), { flags: 'S', options: FULL })).tcp.options).to.deep.equal([['mss', 1460], ['sackOK'], ['ts', '*', 100]]);
  });
});

describe('model §4.5 ECN on the passive side', () => {
  const run1 = (ecn: number, flags: string, tos = 0) => {
    const e = env({ sysctls: { tcp_ecn: ecn } });
    return only(seg(e, listening(e), { flags, tos })).tcp.flags;
  };
  it('ECE only → plain SA', () => expect(run1(2, 'SE')).to.equal('SA'));
  it('CWR only → plain SA', () => expect(run1(2, 'SC')).to.equal('SA'));
  it('ECE|CWR, tcp_ecn=0 → no ECE', () => expect(run1(0, 'SEC')).to.equal('SA'));
  it('ECE|CWR, tcp_ecn=1 → ECE', () => expect(run1(1, 'SEC')).to.equal('SAE'));
  it('ECE|CWR, tcp_ecn=2 → ECE', () => expect(run1(2, 'SEC')).to.equal('SAE'));
  it('ECE|CWR on an ECT(0) SYN → no ECE (RFC 3168 6.1.1)', () => expect(run1(2, 'SEC', 0x02)).to.equal('SA'));
  for (const tos of [0, 1, 2, 3]) {
    it(`AE|CWR|ECE, IP ECN ${tos}, tcp_ecn 1/2 → classic ECE`, () => {
      expect(run1(1, 'SECN', tos)).to.equal('SAE');
      expect(run1(2, 'SECN', tos)).to.equal('SAE');
    });
  }
  it('SYN-ACK IP ECN field Not-ECT', () => {
    const e = env();
    expect(only(seg(e, listening(e), { flags: 'SEC' })).ip).to.include({ tos: 0 });
  });
  it('tcp_ecn=3 is refused (EINVAL)', () => expect(() => env({ sysctls: { tcp_ecn: 3 } })).to.throw(/EINVAL/));
});

describe('model §4.6 SYN-ACK IP fields', () => {
  it('IP_TTL=33 → 33; default_ttl=99 → 99; DF, ID 0', () => {
    let e = env();
    expect(only(seg(e, listening(e, { ttl: 33 }), { flags: 'S' })).ip).to.deep.equal({ ttl: 33, tos: 0, df: true, id: 0 });
    e = env({ sysctls: { 'net.ipv4.ip_default_ttl': 99 } });
    expect(only(seg(e, listening(e), { flags: 'S' })).ip).to.deep.equal({ ttl: 99, tos: 0, df: true, id: 0 });
  });
  it('IP_TOS 0x28 → 0x28', () => {
    const e = env();
    expect(only(seg(e, listening(e, { tos: 0x28 }), { flags: 'S', tos: 0x10 })).ip).to.include({ tos: 0x28 });
  });
  it('tcp_reflect_tos=1: SYN 0xb9 → 0xb8', () => {
    const e = env({ sysctls: { tcp_reflect_tos: 1 } });
    expect(only(seg(e, listening(e), { flags: 'S', tos: 0xb9 })).ip).to.include({ tos: 0xb8 });
  });
  it('ip_no_pmtu_disc has no effect on DF', () => {
    const e = env({ sysctls: { ip_no_pmtu_disc: 1 } });
    expect(only(seg(e, listening(e), { flags: 'S' })).ip).to.include({ df: true, id: 0 });
  });
});

describe('model §4.7 window and window scale (every verified row)', () => {
  const ts = FULL;
  const noTs: TcpOption[] = [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }];
  const wsOf = (o: unknown[][]) => (o.find((x) => x[0] === 'wscale') ?? [])[1];
  const go = (o: Parameters<typeof listening>[1], options: TcpOption[], sys?: Record<string, number>) => {
    const e = env({ sysctls: sys });
    return only(seg(e, listening(e, o), { flags: 'S', options }));
  };
  it('SYN with TS → 65160, WS 10', () => {
    const p = go({}, ts);
    expect(p.tcp.window).to.equal(65160);
    expect(wsOf(p.tcp.options)).to.equal(10);
  });
  it('SYN without TS → 64240, WS 10', () => {
    const p = go({}, noTs);
    expect(p.tcp.window).to.equal(64240);
    expect(wsOf(p.tcp.options)).to.equal(10);
  });
  it('SYN without WS → same window, no WS option', () => {
    const p = go({}, [
      { kind: 'mss', value: 1460 },
      { kind: 'ts', val: 1, ecr: 0 },
    ]);
    expect(p.tcp.window).to.equal(65160);
    expect(wsOf(p.tcp.options)).to.equal(undefined);
  });
  it('TCP_MAXSEG=1000 (TS) → 65208, MSS option 1000, WS 10', () => {
    const p = go({ maxseg: 1000 }, ts);
    expect(p.tcp.window).to.equal(65208);
    expect(p.tcp.options[0]).to.deep.equal(['mss', 1000]);
    expect(wsOf(p.tcp.options)).to.equal(10);
  });
  it('SO_RCVBUF=8192 → 7240, WS 0 (option present)', () => {
    const p = go({ rcvbuf: 8192 }, ts);
    expect(p.tcp.window).to.equal(7240);
    expect(wsOf(p.tcp.options)).to.equal(0);
  });
  it('SO_RCVBUF=1000000 → 65535, WS 4', () => {
    const p = go({ rcvbuf: 1000000 }, ts);
    expect(p.tcp.window).to.equal(65535);
    expect(wsOf(p.tcp.options)).to.equal(4);
  });
  it('TCP_WINDOW_CLAMP=20000 → 18824, WS 0', () => {
    const p = go({ windowClamp: 20000 }, ts);
    expect(p.tcp.window).to.equal(18824);
    expect(wsOf(p.tcp.options)).to.equal(0);
  });
  it('tcp_workaround_signed_windows=1, no WS → 32767', () => {
    expect(
      go(
        {},
        [
          { kind: 'mss', value: 1460 },
          { kind: 'ts', val: 1, ecr: 0 },
        ],
        { tcp_workaround_signed_windows: 1 },
      ).tcp.window,
    ).to.equal(32767);
  });
  it('IPv6 MTU 1500 (TS) → 64260, WS 10', () => {
    const e = env({ ip: 6 });
    const p = only(seg(e, listening(e), { flags: 'S', options: ts }));
    expect(p.tcp.window).to.equal(64260);
    expect(wsOf(p.tcp.options)).to.equal(10);
  });
  it('lo (MTU 65536), SYN without TS → 65495', () => {
    const e = env({ mtu: 65536 });
    const p = only(seg(e, listening(e), { flags: 'S', options: [{ kind: 'mss', value: 65495 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }] }));
    expect(p.tcp.window).to.equal(65495);
    expect(wsOf(p.tcp.options)).to.equal(10);
  });
});

describe('model §4.8 MSS option', () => {
  it('MTU 1500 → 1460; always present even with no SYN options', () => {
    const e = env();
    expect(only(seg(e, listening(e), { flags: 'S' })).tcp.options).to.deep.equal([['mss', 1460]]);
  });
  it('MTU 9000 → 8960; TCP_MAXSEG 1200 → 1200', () => {
    const e = env({ mtu: 9000 });
    expect(only(seg(e, listening(e), { flags: 'S' })).tcp.options).to.deep.equal([['mss', 8960]]);
    expect(only(seg(e, listening(e, { maxseg: 1200 }), { flags: 'S' })).tcp.options).to.deep.equal([['mss', 1200]]);
  });
});

describe('model §5.3 SYN-ACK option blocks (every row)', () => {
  const e = env();
  const L = listening(e);
  const M: TcpOption = { kind: 'mss', value: 1460 };
  const S: TcpOption = { kind: 'sackOK' };
  const T: TcpOption = { kind: 'ts', val: 100, ecr: 0 };
  const W: TcpOption = { kind: 'wscale', shift: 7 };
  const N: TcpOption = { kind: 'nop' };
  const rows: Array<[string, TcpOption[], unknown[]]> = [
    ['MSS,SACK,TS,WS', [M, S, T, N, W], [['mss', 1460], ['sackOK'], ['ts', '*', 100], ['nop'], ['wscale', 10]]],
    ['nothing', [], [['mss', 1460]]],
    ['MSS only', [M], [['mss', 1460]]],
    ['MSS,SACK', [M, S], [['mss', 1460], ['nop'], ['nop'], ['sackOK']]],
    ['MSS,WS', [M, N, W], [['mss', 1460], ['nop'], ['wscale', 10]]],
    ['TS only', [T], [['mss', 1460], ['nop'], ['nop'], ['ts', '*', 100]]],
    ['MSS,SACK,WS', [M, S, N, W], [['mss', 1460], ['nop'], ['nop'], ['sackOK'], ['nop'], ['wscale', 10]]],
    ['MSS,TS,WS', [M, T, N, W], [['mss', 1460], ['nop'], ['nop'], ['ts', '*', 100], ['nop'], ['wscale', 10]]],
  ];
  for (const [name, o, want] of rows) {
    it(name, () => expect(only(seg(e, L, { flags: 'S', options: o })).tcp.options).to.deep.equal(want));
  }
  it('full + TFO request → full block + tfo cookie + NOP NOP (doff 13)', () => {
    const e2 = env({ sysctls: { tcp_fastopen: 3 } });
    const p = only(seg(e2, listening(e2, { fastopen: 16 }), { flags: 'S', options: [M, S, T, N, W, { kind: 'tfo', cookie: new Uint8Array(0) }] }));
    expect(p.tcp.options).to.deep.equal([['mss', 1460], ['sackOK'], ['ts', '*', 100], ['nop'], ['wscale', 10], ['tfo', '*'], ['nop'], ['nop']]);
  });
  it('SYN-ACK header: ports swapped, ack = SEG.SEQ+1, urg 0, TSecr = SYN TSval', () => {
    const p = only(seg(e, L, { flags: 'S', seq: 4242, options: [T] }));
    expect(p.tcp).to.include({ sport: 80, dport: 40000, ack: 4243, urg: 0, seq: '*' });
  });
  void chain;
});
