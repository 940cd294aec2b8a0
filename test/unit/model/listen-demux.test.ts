// §3.1–§3.5: pre-checks, the LISTEN flag table, closed-port RSTs and the RST/stateless-ACK format.
import { expect } from 'chai';
import { env, listening, only, pkt, rules, run, seg } from './helpers';

describe('model §3.3 LISTEN flag table', () => {
  const e = env();
  const L = listening(e);
  it('ACK → RST seq=SEG.ACK (verified t2: ACK → R seq=777)', () => {
    const p = only(seg(e, L, { flags: 'A', ack: 777 }));
    expect(p.tcp).to.include({ flags: 'R', seq: 777, ack: 0, window: 0 });
  });
  it('SYN|ACK → R seq=SEG.ACK (t2: seq=0)', () => {
    expect(only(seg(e, L, { flags: 'SA', ack: 0 })).tcp).to.include({ flags: 'R', seq: 0 });
  });
  it('SYN|FIN|ACK → R', () => {
    expect(only(seg(e, L, { flags: 'FSA', ack: 5 })).tcp.flags).to.equal('R');
  });
  it('ACK+RST → nothing', () => {
    const r = seg(e, L, { flags: 'RA', ack: 5 });
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('listen.ack-with-rst');
  });
  it('RST → drop', () => expect(rules(seg(e, L, { flags: 'R' }))).to.include('listen.rst-drop'));
  it('SYN+FIN → drop', () => {
    const r = seg(e, L, { flags: 'FS' });
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('listen.syn-fin-drop');
  });
  it('SYN+RST → drop (RST test first)', () => {
    const r = seg(e, L, { flags: 'SR' });
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('listen.syn-rst-drop');
  });
  for (const f of ['S', 'SP', 'SU', 'SE', 'SC', 'SEC']) {
    it(`${f} → SYN-ACK`, () => expect(only(seg(e, L, { flags: f })).tcp.flags).to.match(/^SA/));
  }
  it('SYN with payload → SYN-ACK, payload not acked', () => {
    expect(only(seg(e, L, { flags: 'S', payload: new Uint8Array(10) })).tcp.ack).to.equal(1001);
  });
  for (const f of ['F', '', 'P']) {
    it(`"${f}" (no SYN/ACK/RST) → drop`, () => {
      const r = seg(e, L, { flags: f, payload: f === 'P' ? new Uint8Array(3) : undefined });
      expect(r.responses).to.deep.equal([]);
      expect(rules(r)).to.include('listen.no-syn-no-ack');
    });
  }
});

describe('model §3.1 pre-checks and §3.2 MD5 gate', () => {
  const e = env();
  const L = listening(e);
  it('bad checksum to a listener → silence + TcpInCsumErrors', () => {
    const r = seg(e, L, { flags: 'S', mistakes: { tcpChecksum: 'bad' } });
    expect(r.responses).to.deep.equal([]);
    expect(r.counters.TcpInCsumErrors).to.equal(1);
  });
  it('bad checksum to a closed port → silence', () => {
    expect(seg(e, run(e, L, { type: 'close', port: 80 }).state, { flags: 'S', mistakes: { tcpChecksum: 'bad' } }).responses).to.deep.equal([]);
  });
  it('checksumOk:false on the event → silence', () => {
    expect(run(e, L, { type: 'segment', seg: pkt(e, { flags: 'S' }), checksumOk: false }).responses).to.deep.equal([]);
  });
  it('doff=4 → silence (t6)', () => {
    const r = seg(e, L, { flags: 'S', mistakes: { dataOffset: 4 } });
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('demux.bad-doff');
  });
  it('doff past the packet → silence', () => {
    expect(rules(seg(e, L, { flags: 'S', mistakes: { dataOffset: 15 } }))).to.include('demux.bad-doff');
  });
  it('SYN to the directed broadcast 10.0.0.255 → silence (t15)', () => {
    const r = seg(e, L, { flags: 'S', dst: '10.0.0.255' });
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('demux.broadcast');
  });
  it('MD5 option to a listener without a key → drop, TCPMD5Unexpected', () => {
    const r = seg(e, L, { flags: 'S', options: [{ kind: 'md5', digest: new Uint8Array(16) }] });
    expect(r.responses).to.deep.equal([]);
    expect(r.counters.TcpExtTCPMD5Unexpected).to.equal(1);
  });
  it('two MD5 options → drop', () => {
    const m = { kind: 'md5' as const, digest: new Uint8Array(16) };
    expect(rules(seg(e, L, { flags: 'S', options: [m, m] }))).to.include('auth.malformed');
  });
  it('listener with a key, SYN without MD5 → drop [inferred]', () => {
    const K = listening(e, { md5Peers: [e.peer] });
    expect(rules(seg(e, K, { flags: 'S' }))).to.include('md5.required');
  });
  it('listener with a key, SYN with MD5 → SYN-ACK with the MD5 block, TS dropped when SACK on', () => {
    const K = listening(e, { md5Peers: [e.peer] });
    const p = only(
      seg(e, K, {
        flags: 'S',
        options: [{ kind: 'md5', digest: new Uint8Array(16) }, { kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 1, ecr: 0 }],
      }),
    );
    expect(p.tcp.options).to.deep.equal([['nop'], ['nop'], ['md5', '*'], ['mss', 1460], ['nop'], ['nop'], ['sackOK']]);
  });
  it('TCP-AO option (kind 29) ignored on a build without AO (t15)', () => {
    // 8 option bytes: below the 18-byte bound of the auth pre-parse, so not even located (C1).
    const r = seg(e, L, { flags: 'S', options: [{ kind: 'unknown', type: 29, data: new Uint8Array(6) }] });
    expect(only(r).tcp.flags).to.equal('SA');
    // Located (20 option bytes): accepted unchecked.
    const r2 = seg(e, L, {
      flags: 'S',
      options: [
        { kind: 'unknown', type: 29, data: new Uint8Array(4) },
        { kind: 'mss', value: 1460 },
        { kind: 'bytes', bytes: new Uint8Array(10) },
      ],
    });
    expect(only(r2).tcp.flags).to.equal('SA');
    expect(rules(r2)).to.include('ao.ignored');
  });
  it('not addressed to the DUT → drop', () => {
    expect(rules(seg(e, L, { flags: 'S', dst: '10.0.1.7' }))).to.include('demux.not-local');
  });
});

describe('model §3.4 closed-port RST arithmetic (all 8 verified examples)', () => {
  const e = env();
  const C = run(e, listening(e), { type: 'close', port: 80 }).state;
  const cases: Array<[string, Parameters<typeof seg>[2], Record<string, unknown>]> = [
    ['SYN seq=100 → RA ack=101', { flags: 'S', seq: 100 }, { flags: 'RA', seq: 0, ack: 101 }],
    ['SYN + 10 B → ack=111', { flags: 'S', seq: 100, payload: new Uint8Array(10) }, { flags: 'RA', ack: 111 }],
    ['FIN seq=5 → ack=6', { flags: 'F', seq: 5 }, { flags: 'RA', ack: 6 }],
    ['SYN+FIN seq=5 → ack=7', { flags: 'FS', seq: 5 }, { flags: 'RA', ack: 7 }],
    ['null flags seq=5 → ack=5', { flags: '', seq: 5 }, { flags: 'RA', ack: 5 }],
    ['3 B data, no ACK, seq=5 → ack=8', { flags: 'P', seq: 5, payload: new Uint8Array(3) }, { flags: 'RA', ack: 8 }],
    ['ACK ack=777 → R seq=777', { flags: 'A', ack: 777 }, { flags: 'R', seq: 777, ack: 0 }],
    ['FIN+ACK ack=99 → R seq=99', { flags: 'FA', ack: 99 }, { flags: 'R', seq: 99, ack: 0 }],
  ];
  for (const [name, s, want] of cases) {
    it(name, () => {
      const r = seg(e, C, s);
      expect(only(r).tcp).to.include(want);
      expect(r.counters.TcpOutRsts).to.equal(1);
    });
  }
  it('RST to a closed port → nothing', () => expect(seg(e, C, { flags: 'R' }).responses).to.deep.equal([]));
  it('SYN with MD5 to a closed port → no RST (t15)', () => {
    expect(seg(e, C, { flags: 'S', options: [{ kind: 'md5', digest: new Uint8Array(16) }] }).responses).to.deep.equal([]);
  });
});

describe('model §3.5 RST format', () => {
  it('window 0, no options, DF, ID 0, TTL ip_default_ttl, TOS 0x2b → 0x28 (t2)', () => {
    const e = env({ sysctls: { ip_default_ttl: 99 } });
    const p = only(seg(e, listening(e, { ttl: 33 }), { flags: 'A', ack: 1, tos: 0x2b }));
    expect(p.ip).to.deep.equal({ ttl: 99, tos: 0x28, df: true, id: 0 });
    expect(p.tcp).to.include({ window: 0, urg: 0 });
    expect(p.tcp.options).to.deep.equal([]);
  });
  it('6.1: RST TOS ECN bits cleared too (measured on 6.1.192; §10 said reflected — correction C-ECN61)', () => {
    const e = env({ release: '6.1.0-28-cloud-amd64' });
    expect(only(seg(e, listening(e), { flags: 'A', ack: 1, tos: 0x2b })).ip).to.include({ tos: 0x28 });
  });
});
