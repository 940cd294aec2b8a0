// Corrections C9–C18 (docs/model-corrections.md), found by the multi-packet fuzz campaigns and measured
// on 6.18.44; each test feeds the model the packets of the measurement and checks its prediction.
import { expect } from 'chai';
import { apply, initialState } from '../../../lib/model';
import type { ModelEnv, ModelState, Prediction } from '../../../lib/model';
import type { TcpOption } from '../../../lib/wire/types';
import { matchPrediction } from '../../../lib/model/core/match';
import { env, listening, only, rules, run, seg } from './helpers';

const TSO = (val: number, ecr = 0): TcpOption[] => [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val, ecr }];
const SYNOPTS = (val: number): TcpOption[] => [
  { kind: 'mss', value: 1460 },
  { kind: 'sackOK' },
  { kind: 'ts', val, ecr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];
const data = (n: number) => new Uint8Array(n);

/** Record what the DUT's packet carried for a symbol the prediction binds (as judging an observed packet does). */
function bindTsval(s: ModelState, p: Prediction, tsval: number): ModelState {
  const e = p.expect['opt.ts.val'] as { tsval: { bindAs?: string } };
  expect(e.tsval.bindAs, 'the prediction binds its TSval').to.be.a('string');
  return { ...s, bindings: { ...s.bindings, [e.tsval.bindAs!]: tsval } };
}

/** Passive child: SYN (TSval tsval) → SYN-ACK (ISN 5000) → third ACK (window 502 << 7). */
function passive(e: ModelEnv, tsval = 100, withTs = true): ModelState {
  let s = seg(e, listening(e), { flags: 'S', seq: 1000, options: withTs ? SYNOPTS(tsval) : [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }] }, 0).state;
  s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, window: 502, options: withTs ? TSO(tsval) : [] }, 10).state;
  return s;
}

/** Active socket: connect() (ISN 1000, port 50000) → SYN-ACK seq 7000. */
function active(e: ModelEnv): ModelState {
  const c = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0).state;
  return seg(e, c, { sport: 9000, dport: 50000, flags: 'SA', seq: 7000, ack: 1001, window: 65160, options: [{ kind: 'mss', value: 1460 }] }, 5).state;
}

const E = () => env({ fixed: { isn: 5000, tsOff: 0 } });

describe('correction C9: ESTABLISHED, ACKs of unsent data and ACKs below snd_una', () => {
  it('ack = snd_nxt + 1 → challenge ACK (seq snd_nxt, ack rcv_nxt), then rate-limited', () => {
    const e = E();
    const r = seg(e, passive(e), { flags: 'A', seq: 1001, ack: 5002, window: 502, options: TSO(102) }, 100);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    expect(rules(r)).to.include('estab.unsent-ack');
    const again = seg(e, r.state, { flags: 'A', seq: 1001, ack: 5002, window: 502, options: TSO(103) }, 150);
    expect(again.responses).to.deep.equal([]);
    expect(rules(again)).to.include('estab.limited');
  });
  it('before 6.13 (profile unsentAckChallenge off: 6.12.118, 6.1.192 measured) the ACK of unsent data is dropped silently', () => {
    for (const release of ['6.12.118', '6.1.192']) {
      const e = env({ release, fixed: { isn: 5000, tsOff: 0 } });
      const r = seg(e, passive(e), { flags: 'A', seq: 1001, ack: 5002, window: 502, options: TSO(102) }, 100);
      expect(r.responses, release).to.deep.equal([]);
      expect(rules(r), release).to.include('estab.unsent-ack-silent');
      // the ACK below snd_una still draws its challenge ACK there
      const old = seg(e, r.state, { flags: 'PA', seq: 1001, ack: 5000, window: 502, payload: data(3), options: TSO(104) }, 700);
      expect(only(old).tcp, release).to.include({ flags: 'A', seq: 5001, ack: 1001 });
      expect(rules(old), release).to.include('estab.old-ack');
    }
  });
  it('passive child (bytes_acked 0): data with ack = snd_una − 1 → challenge ACK, the data is dropped', () => {
    const e = E();
    const r = seg(e, passive(e), { flags: 'PA', seq: 1001, ack: 5000, window: 502, payload: data(3), options: TSO(104) }, 100);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    expect(rules(r)).to.include('estab.old-ack');
  });
  it('active socket (bytes_acked 1, the SYN): ack = snd_una − 1 is an ignored old ACK, its data is queued; − 2 is challenged', () => {
    const e = env({ fixed: { isn: 1000, tsOff: 0 } });
    const s = active(e);
    const ok = seg(e, s, { sport: 9000, dport: 50000, flags: 'PA', seq: 7001, ack: 1000, payload: data(7) }, 100);
    expect(only(ok).tcp).to.include({ flags: 'A', ack: 7008 });
    expect(rules(ok)).to.include('estab.old-ack-ok');
    const bad = seg(e, s, { sport: 9000, dport: 50000, flags: 'PA', seq: 7001, ack: 999, payload: data(7) }, 100);
    expect(only(bad).tcp).to.include({ flags: 'A', ack: 7001 });
    expect(rules(bad)).to.include('estab.old-ack');
  });
});

describe('correction C10: request sockets compare TSecr with the SYN-ACK TSvals exactly', () => {
  it('TSecr = SYN-ACK TSval ± 1 → stateless ACK, req kept; = TSval → child', () => {
    const e = E();
    const r0 = seg(e, listening(e), { flags: 'S', seq: 1000, options: SYNOPTS(100) }, 0);
    const s = bindTsval(r0.state, r0.responses[0], 777777);
    for (const d of [-1, 1]) {
      const r = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: TSO(101, 777777 + d) }, 5);
      expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
      expect(rules(r)).to.include('check_req.tsecr-exact');
      expect(r.state.reqs.keys()).to.have.length(1);
    }
    const ok = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: TSO(101, 777777) }, 5);
    expect(ok.responses).to.deep.equal([]);
    expect(ok.state.socks.values()[0].state).to.equal('ESTABLISHED');
  });
  it('a SYN-ACK retransmission widens the range to [first, last]', () => {
    const e = E();
    const r0 = seg(e, listening(e), { flags: 'S', seq: 1000, options: SYNOPTS(100) }, 0);
    let s = bindTsval(r0.state, r0.responses[0], 1000);
    const t = apply(e, s, { type: 'tick' }, 1100);
    s = bindTsval(t.state, t.responses[0], 2030);
    expect(only(seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: TSO(101, 2031) }, 1200)).tcp.flags).to.equal('A');
    expect(seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: TSO(101, 1500) }, 1200).responses).to.deep.equal([]);
  });
  it('ts_recent 0 (the SYN carried TSval 0): the stateless ACK has no timestamp option', () => {
    const e = E();
    const s = seg(e, listening(e), { flags: 'S', seq: 1000, options: SYNOPTS(0) }, 0).state;
    const r = seg(e, s, { flags: 'A', seq: 1001 + 10000000, ack: 5001, options: TSO(1) }, 5);
    expect(only(r).tcp.options).to.deep.equal([]);
  });
});

describe('correction C11: SYN_SENT TSecr check', () => {
  const setup = () => {
    const e = env({ fixed: { isn: 1000, tsOff: 0 } });
    const c = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0);
    return { e, s: bindTsval(c.state, c.responses[0], 500) };
  };
  it('TSecr = SYN TSval − 1 → RST seq=SEG.ACK; = SYN TSval → ACK', () => {
    const { e, s } = setup();
    const bad = seg(e, s, { sport: 9000, dport: 50000, flags: 'SA', seq: 7000, ack: 1001, options: [{ kind: 'mss', value: 1460 }, ...TSO(5, 499)] }, 15);
    expect(only(bad).tcp).to.include({ flags: 'R', seq: 1001 });
    expect(rules(bad)).to.include('synsent.tsecr-exact');
    const ok = seg(e, s, { sport: 9000, dport: 50000, flags: 'SA', seq: 7000, ack: 1001, options: [{ kind: 'mss', value: 1460 }, ...TSO(5, 500)] }, 15);
    expect(only(ok).tcp).to.include({ flags: 'A', ack: 7001 });
  });
  it('RST|ACK with an acceptable ack and TSecr 1000 ms ahead → ignored, still SYN_SENT (observed: then a clean SYN-ACK connects)', () => {
    const { e, s } = setup();
    const r = seg(e, s, { sport: 9000, dport: 50000, flags: 'RA', seq: 7000, ack: 1001, options: TSO(5, 1500) }, 15);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('synsent.tsecr-rst');
    expect(r.state.socks.values()[0].state).to.equal('SYN_SENT');
  });
});

describe('correction C12: PAWS on established sockets', () => {
  const e = E();
  const s = passive(e, 100000);
  it('no ACK/RST/SYN flag → dropped before PAWS (no duplicate ACK)', () => {
    const r = seg(e, s, { flags: '', seq: 1001, options: TSO(90000) }, 100);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('estab.no-ack-drop');
  });
  it('pure duplicate ACK, same window, TSval 2 below ts_recent → disordered ACK, accepted', () => {
    const r = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, window: 502, options: TSO(99998) }, 100);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('estab.paws-disordered');
    // a larger window is a window update: PAWS duplicate ACK
    expect(rules(seg(e, s, { flags: 'A', seq: 1001, ack: 5001, window: 600, options: TSO(99998) }, 100))).to.include('estab.paws-drop');
  });
  it('pure ACK below rcv_nxt failing PAWS → dropped silently (PAWSOldAck)', () => {
    const r = seg(e, s, { flags: 'A', seq: 1000, ack: 5001, window: 502, options: TSO(99998) }, 100);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('estab.paws-old-ack');
  });
  it('before 6.13 (profile pawsOldAckSilent off: 6.12.118, 6.1.192 measured) that old pure ACK gets a duplicate ACK (PAWSEstab)', () => {
    for (const release of ['6.12.118', '6.1.192']) {
      const o = env({ release, fixed: { isn: 5000, tsOff: 0 } });
      const r = seg(o, passive(o, 100000), { flags: 'A', seq: 1000, ack: 5001, window: 502, options: TSO(99998) }, 100);
      expect(only(r).tcp, release).to.include({ flags: 'A', seq: 5001, ack: 1001 });
      expect(rules(r), release).to.include('estab.paws-drop').and.not.include('estab.paws-old-ack');
      expect(r.counters, release).to.deep.include({ TcpExtPAWSEstab: 1 });
    }
  });
  it('TSval one below ts_recent passes (TCP_PAWS_WINDOW) and leaves ts_recent; 1000 below → duplicate ACK', () => {
    const r = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, window: 502, payload: data(2), options: TSO(99999) }, 100);
    expect(only(r).tcp).to.include({ ack: 1003 });
    expect(only(r).tcp.options).to.deep.include(['ts', '*', 100000]);
    const p = seg(e, r.state, { flags: 'PA', seq: 1003, ack: 5001, window: 502, payload: data(1), options: TSO(99000) }, 110);
    expect(only(p).tcp).to.include({ ack: 1003 });
    expect(rules(p)).to.include('estab.paws-drop');
  });
  it('a TSval 2^31 ahead of ts_recent refreshes it (tcp_paws_check with window 0)', () => {
    const r = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, window: 502, payload: data(1), options: TSO((100000 + 0x80000000) >>> 0) }, 100);
    expect(only(r).tcp.options).to.deep.include(['ts', '*', (100000 + 0x80000000) >>> 0]);
  });
});

describe('correction C13: SACK blocks on immediate ACKs; the receive window', () => {
  const e = E();
  const s = passive(e);
  it('partial segment → D-SACK of the old part, new bytes queued', () => {
    const r = seg(e, s, { flags: 'PA', seq: 1000, ack: 5001, window: 502, payload: data(2), options: TSO(101) }, 100);
    expect(only(r).tcp.ack).to.equal(1002);
    expect(only(r).tcp.options).to.deep.include(['sack', [1000, 1001]]);
  });
  it('old segment out of the window → duplicate ACK with its D-SACK; out-of-order → SACK block', () => {
    const old = seg(e, s, { flags: 'FA', seq: 900, ack: 5001, window: 502, options: TSO(101) }, 100);
    expect(only(old).tcp.options).to.deep.include(['sack', [900, 901]]);
    const ooo = seg(e, s, { flags: 'PA', seq: 1010, ack: 5001, window: 502, payload: data(2), options: TSO(101) }, 100);
    expect(only(ooo).tcp).to.include({ ack: 1001 });
    expect(only(ooo).tcp.options).to.deep.include(['sack', [1010, 1012]]);
  });
  it('the window advertised by the last ACK (its field, bound when observed) sets the right edge', () => {
    const e2 = env({ fixed: { isn: 1000, tsOff: 0 } });
    const c = run(e2, initialState(e2), { type: 'connect', dport: 9000, sport: 50000 }, 0).state;
    const sa = seg(
      e2,
      c,
      {
        sport: 9000,
        dport: 50000,
        flags: 'SA',
        seq: 7000,
        ack: 1001,
        window: 65160,
        options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
      },
      5,
    );
    const w = sa.responses[0].expect['tcp.window'] as { bindAs: string };
    const st = { ...sa.state, bindings: { ...sa.state.bindings, [w.bindAs]: 63 } }; // observed: 63 << 10 = 64512
    const r = seg(e2, st, { sport: 9000, dport: 50000, flags: 'R', seq: 7001 + 64240 + 1 }, 10);
    expect(rules(r)).to.include('estab.challenge-rst'); // inside 64512, beyond the SYN's 64240
  });
});

describe('correction C13 (simultaneous open): the crossed SYN-ACK', () => {
  it('ESTABLISHED, then an immediate ACK with a D-SACK of [seq, seq+1] echoing its TSval (observed: sack 1000-1001, ecr 501)', () => {
    const e = env({ fixed: { isn: 229956049, tsOff: 0 } });
    let s = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0).state;
    s = seg(e, s, { sport: 9000, dport: 50000, flags: 'S', seq: 1000, options: SYNOPTS(500) }, 18).state;
    const r = seg(
      e,
      s,
      {
        sport: 9000,
        dport: 50000,
        flags: 'SA',
        seq: 1000,
        ack: 229956050,
        options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 501, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
      },
      26,
    );
    expect(only(r).tcp).to.include({ flags: 'A', seq: 229956050, ack: 1001 });
    expect(only(r).tcp.options).to.deep.equal([['nop'], ['nop'], ['ts', '*', 501], ['nop'], ['nop'], ['sack', [1000, 1001]]]);
    expect(r.state.socks.values()[0].state).to.equal('ESTABLISHED');
  });
});

describe('correction C14: the ACK of a FIN (ESTABLISHED → CLOSE_WAIT) is delayed', () => {
  const e = E();
  it('data + FIN → ACK 40 ms later; bare FIN on a connection without data → one tick later', () => {
    const d = seg(e, passive(e), { flags: 'FPA', seq: 1001, ack: 5001, window: 502, payload: data(3), options: TSO(101) }, 100);
    expect(d.responses[0].atMs).to.equal(140);
    expect(rules(d)).to.include('estab.fin-delack');
    const f = seg(e, passive(e), { flags: 'FA', seq: 1001, ack: 5001, window: 502, options: TSO(101) }, 100);
    expect(f.responses[0].atMs).to.equal(104);
  });
});

describe('correction C15: RSTs at a request socket (RFC 5961)', () => {
  const e = E();
  const s = seg(e, listening(e), { flags: 'S', seq: 1000, options: SYNOPTS(100) }, 0).state;
  it('in-window RST ≠ rcv_nxt → challenge ACK echoing the SYN TSval, req kept, then rate-limited', () => {
    const r = seg(e, s, { flags: 'R', seq: 1002, options: TSO(150) }, 10);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    expect(only(r).tcp.options).to.deep.include(['ts', '*', 100]);
    expect(r.state.reqs.keys()).to.have.length(1);
    expect(rules(seg(e, r.state, { flags: 'R', seq: 1002 }, 20))).to.include('check_req.rst-challenge-limited');
  });
  it('RST|ACK with a bad ack: at rcv_nxt the req goes; at rcv_nxt + 1 a challenge ACK', () => {
    expect(seg(e, s, { flags: 'RA', seq: 1001, ack: 5002 }, 10).state.reqs.size).to.equal(0);
    expect(rules(seg(e, s, { flags: 'RA', seq: 1002, ack: 5002 }, 10))).to.include('check_req.rst-challenge');
  });
});

describe('correction C16: the child sees the SYN flag of the segment that created it', () => {
  it('SYN|ACK at rcv_isn with the right ack and 1 B → child created, challenge ACK, child stays SYN_RECV', () => {
    const e = E();
    const s = seg(e, listening(e), { flags: 'S', seq: 1000, options: [{ kind: 'mss', value: 1460 }] }, 0).state;
    const r = seg(e, s, { flags: 'SA', seq: 1000, ack: 5001, payload: data(1) }, 10);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    const child = r.state.socks.values()[0];
    expect(child.state).to.equal('SYN_RECV');
    expect(r.state.listeners.get(80)!.acceptq).to.have.length(1);
  });
});

describe('correction C17: a request socket drops segments with a located TCP-AO option', () => {
  for (const ip of [4, 6] as const) {
    it(`IPv${ip}: bad ack, out-of-window ACK, RST, duplicate SYN, the right third ACK — all dropped, req kept (without the option: RST / ACK / child)`, () => {
      const e = env({ ip, fixed: { isn: 5000, tsOff: 0 } });
      const s = seg(e, listening(e), { flags: 'S', seq: 1000, options: SYNOPTS(100) }, 0).state;
      const ao = (val: number, ecr: number): TcpOption[] => [
        { kind: 'unknown', type: 29, data: Uint8Array.from([0x20, 0xfc, 0xa9, 0xc7, 0xd6, 0x68]) } as TcpOption,
        { kind: 'ts', val, ecr },
      ];
      for (const p of [
        { flags: 'A', seq: 1001, ack: 5000, options: ao(101, 0) },
        { flags: 'A', seq: 1001 + 10000000, ack: 5001, options: ao(101, 0) },
        { flags: 'R', seq: 1002, options: ao(101, 0) },
        { flags: 'S', seq: 1000, options: ao(101, 0) },
        { flags: 'A', seq: 1001, ack: 5001, options: ao(101, 0) },
      ]) {
        const r = seg(e, s, p, 10);
        expect(r.responses, JSON.stringify(p.flags)).to.deep.equal([]);
        expect(rules(r)).to.include('ao.req-drop');
        expect(r.state.reqs.keys()).to.have.length(1);
        expect(r.counters.TcpExtTCPAOBad).to.equal(1);
      }
      expect(only(seg(e, s, { flags: 'A', seq: 1001, ack: 5000, options: TSO(101) }, 10)).tcp.flags).to.equal('R');
    });
  }
});

describe('correction C18: AccECN mode on a tcp_ecn=1 client', () => {
  const e = env({ fixed: { isn: 1000, tsOff: 0 }, sysctls: { tcp_ecn: 1 } });
  const c = () => run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0).state;
  it('SYN-ACK ACE 0b100 (AE) → ACK with ACE 0b010 (CWR) sent ECT(0); the next ACK ACE 0b101', () => {
    const r = seg(e, c(), { sport: 9000, dport: 50000, flags: 0x112, seq: 7000, ack: 1001, options: [{ kind: 'mss', value: 1460 }] }, 5);
    expect(only(r).tcp.flags).to.equal('AC');
    expect((only(r).ip as { tos: number }).tos).to.equal(2);
    const d = seg(e, r.state, { sport: 9000, dport: 50000, flags: 'PA', seq: 7001, ack: 1001, payload: data(2) }, 10);
    expect(only(d).tcp.flags).to.equal('AEN');
  });
  it('classic ECE-only SYN-ACK → classic ECN (plain ACK); a CE SYN-ACK with ACE ≠ 0b010 → no ECT', () => {
    expect(only(seg(e, c(), { sport: 9000, dport: 50000, flags: 'SAE', seq: 7000, ack: 1001 }, 5)).tcp.flags).to.equal('A');
    const r = seg(e, c(), { sport: 9000, dport: 50000, flags: 0x112, tos: 3, seq: 7000, ack: 1001 }, 5);
    expect(only(r).tcp.flags).to.equal('ACN');
    expect((only(r).ip as { tos: number }).tos).to.equal(0);
  });
  it('an AccECN option in the SYN-ACK → kind 174 (1, 0, 1) + NOP on our segments', () => {
    const r = seg(
      e,
      c(),
      { sport: 9000, dport: 50000, flags: 0x112, seq: 7000, ack: 1001, options: [{ kind: 'unknown', type: 172, data: new Uint8Array(0) } as TcpOption] },
      5,
    );
    expect(only(r).tcp.options).to.deep.equal([['kind', 174, '000001000000000001'], ['nop']]);
  });
});

describe('correction C19: the IPv4 ID of a connection wraps at 65536', () => {
  it('SYN with ID 65535 → the ACK completing the handshake carries ID 0 (observed 3 times in 20000 active probes)', () => {
    const e = env({ fixed: { isn: 1000, tsOff: 0 } });
    const c = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0);
    const idSym = (c.responses[0].expect['ip.id'] as { sym: string }).sym;
    const s = { ...c.state, bindings: { ...c.state.bindings, [idSym]: 65535 } };
    const r = seg(e, s, { sport: 9000, dport: 50000, flags: 'SA', seq: 7000, ack: 1001 }, 5);
    const obs = JSON.parse(JSON.stringify(r.responses[0].packet));
    obs.ip.id = 0;
    obs.tcp.sport = 50000;
    obs.tcp.window = 63;
    expect(matchPrediction(r.responses[0], obs, r.state).map((d) => d.field)).to.not.include('ip.id');
    obs.ip.id = 1;
    expect(matchPrediction(r.responses[0], obs, r.state).map((d) => d.field)).to.include('ip.id');
  });
});

describe('correction C44: a delayed ACK not yet sent has not moved rcv_wup', () => {
  it('data + FIN (ACK delayed 40 ms), then a pure ACK at the old rcv_nxt: acceptable, nothing sent; after the ACK left, a duplicate ACK', () => {
    const e = E();
    const fin = seg(e, passive(e), { flags: 'FA', seq: 1001, ack: 5001, window: 502, payload: data(1), options: TSO(100) }, 20);
    expect(fin.responses.map((p) => p.atMs)).to.deep.equal([60]);
    const early = seg(e, fin.state, { flags: 'A', seq: 1001, ack: 5001, window: 502, options: TSO(100) }, 30);
    expect(early.responses, 'nothing while the FIN’s ACK is delayed').to.deep.equal([]);
    expect(rules(early)).not.to.include('estab.dupack');
    expect(early.cancels ?? []).to.deep.equal([]);
    const late = seg(e, fin.state, { flags: 'A', seq: 1001, ack: 5001, window: 502, options: TSO(100) }, 70);
    expect(rules(late)).to.include('estab.dupack');
  });
});

describe("correction C45: a stateless IPv6 packet's auto flow label may be 0", () => {
  it('the RST of an ACK to a listener (IPv6) takes flow label 0 as one of the hash-derived 2^20 (observed for one 4-tuple of 100,000 probes)', () => {
    const e = env({ ip: 6 });
    const r = seg(e, listening(e), { flags: 'A', seq: 1001, ack: 0, window: 64240 }, 0);
    const obs = JSON.parse(JSON.stringify(r.responses[0].packet));
    expect(obs.tcp.flags).to.equal('R');
    for (const flow of [0, 1, 0xfffff]) {
      obs.ip.flow = flow;
      expect(
        matchPrediction(r.responses[0], obs, r.state).map((d) => d.field),
        String(flow),
      ).to.not.include('ip.flow');
    }
    obs.ip.flow = 0x100000;
    expect(matchPrediction(r.responses[0], obs, r.state).map((d) => d.field)).to.include('ip.flow');
  });
});

describe('correction C46: an AccECN socket acknowledges a change of IP-ECN field at once', () => {
  // A syncookie child in AccECN mode: the ACK's TSecr ends in 0x20 (the cookie's ECN bit; no WS, no
  // SACK) and carries AE.
  const cookieChild = (tos: number, payload = data(1)) => {
    const e = env({ fixed: { isn: 5000, tsOff: 0 }, sysctls: { tcp_syncookies: 2 } });
    const s = seg(e, listening(e), { flags: 'S', seq: 1000, options: SYNOPTS(100) }, 1000).state;
    return seg(e, s, { flags: 'FAN', seq: 1001, ack: 5001, window: 502, tos, payload, options: TSO(101, 928) }, 1010);
  };
  it('data + FIN marked ECT(1), ECT(0) or CE: the ACK at once (CE moves the ACE field: AE+CWR); Not-ECT: 40 ms later', () => {
    for (const [tos, flags] of [
      [1, 'AEN'],
      [2, 'AEN'],
      [3, 'ACN'],
    ] as const) {
      const r = cookieChild(tos);
      expect(rules(r), `tos ${tos}`).to.include('estab.accecn-change-ack');
      expect(only(r).tcp.flags, `tos ${tos}`).to.equal(flags);
      expect(r.responses[0].atMs, `tos ${tos}`).to.equal(1010);
    }
    const quiet = cookieChild(0);
    expect(rules(quiet)).to.include('estab.fin-delack');
    expect(quiet.responses[0].atMs).to.equal(1050);
  });
  it('a bare FIN marked ECT(1): at once; Not-ECT: one tick later', () => {
    expect(cookieChild(1, data(0)).responses[0].atMs).to.equal(1010);
    expect(cookieChild(0, data(0)).responses[0].atMs).to.equal(1014);
  });
});
