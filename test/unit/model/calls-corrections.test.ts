// Corrections C31–C38 (docs/model-corrections.md), found by the fuzz campaigns' socket calls and
// repeats and measured on 6.18.44 (C35 also on 6.12.118 and 6.1.192); each test feeds the model the
// packets of the measurement and checks its prediction.
import { expect } from 'chai';
import { bind } from '../../../lib/model';
import type { ModelEnv, ModelState } from '../../../lib/model';
import type { TcpOption } from '../../../lib/wire/types';
import { env, FULL, listening, only, rules, run, seg } from './helpers';

const TSO = (val: number, ecr = 0): TcpOption[] => [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val, ecr }];
const data = (n: number) => new Uint8Array(n);
const E = (o: Parameters<typeof env>[0] = {}) => env({ fixed: { isn: 5000, tsOff: 0 }, ...o });

/** Passive child (SYN seq 1000 TSval 100 → SYN-ACK ISN 5000 → third ACK), backlog given. */
function passive(e: ModelEnv, backlog = 128): ModelState {
  let s = seg(e, listening(e, {}, backlog), { flags: 'S', seq: 1000, options: FULL }, 0).state;
  s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, window: 502, options: TSO(101) }, 10).state;
  return s;
}

/** The passive child after accept() and close(): FIN_WAIT1, snd_una ISN+1, snd_nxt ISN+2. */
function finWait1(e: ModelEnv): ModelState {
  const s = run(e, passive(e), { type: 'accept', port: 80 }, 20).state;
  const c = run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 30);
  expect(only(c).tcp).to.include({ flags: 'FA', seq: 5001 });
  return c.state;
}

describe('correction C31: a child reset before accept() stays in the accept queue', () => {
  it('RST at rcv_nxt: the child is gone but its key stays queued, counts against the backlog, and accept() returns it', () => {
    const e = E();
    const r = seg(e, passive(e, 0), { flags: 'R', seq: 1001 }, 100);
    expect(r.responses).to.deep.equal([]);
    expect(r.state.socks.size).to.equal(0);
    expect(r.state.listeners.get(80)!.acceptq).to.have.length(1);
    // backlog 0, one (dead) child queued: a new SYN is dropped as by a full queue
    const syn = seg(e, r.state, { flags: 'S', sport: 40001, seq: 7000, options: FULL }, 110);
    expect(syn.responses).to.deep.equal([]);
    expect(rules(syn)).to.include('conn_request.acceptq-full');
    const a = run(e, r.state, { type: 'accept', port: 80 }, 120);
    expect(rules(a)).to.include('event.accept');
    expect(rules(a)).to.not.include('event.accept-empty');
    const again = seg(e, a.state, { flags: 'S', sport: 40001, seq: 7000, options: FULL }, 130);
    expect(only(again).tcp.flags).to.equal('SA');
  });
});

describe('correction C32: a duplicate ACK for data does not start the oow rate limit', () => {
  it('data beyond the window → duplicate ACK; an old ACK right after still gets its challenge ACK', () => {
    const e = E();
    const d = seg(e, passive(e), { flags: 'PA', seq: 1001 + 200000, ack: 5001, window: 502, payload: data(3), options: TSO(102) }, 100);
    expect(only(d).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    expect(rules(d)).to.include('estab.dupack');
    const c = seg(e, d.state, { flags: 'PA', seq: 1001, ack: 5000, window: 502, payload: data(3), options: TSO(103) }, 110);
    expect(only(c).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    expect(rules(c)).to.include('estab.old-ack');
  });
  it('a pure out-of-window ACK does start it', () => {
    const e = E();
    const d = seg(e, passive(e), { flags: 'A', seq: 1001 + 200000, ack: 5001, window: 502, options: TSO(102) }, 100);
    expect(only(d).tcp.flags).to.equal('A');
    const c = seg(e, d.state, { flags: 'PA', seq: 1001, ack: 5000, window: 502, payload: data(3), options: TSO(103) }, 110);
    expect(c.responses).to.deep.equal([]);
    expect(rules(c)).to.include('estab.limited');
  });
});

describe('correction C33: an out-of-order FIN after close() aborts the connection', () => {
  it('FIN_WAIT1: a bare FIN beyond rcv_nxt → RST seq=SEG.ACK, the socket gone', () => {
    const e = E();
    const r = seg(e, finWait1(e), { flags: 'FA', seq: 1101, ack: 5001, window: 502, options: TSO(102) }, 40);
    expect(only(r).tcp).to.include({ flags: 'R', seq: 5001 });
    expect(rules(r)).to.include('close.abort-on-data');
    expect(r.counters.TcpExtTCPAbortOnData).to.equal(1);
    expect(r.state.socks.size).to.equal(0);
  });
  it('FIN_WAIT1: the in-order FIN is no abort', () => {
    const e = E();
    const r = seg(e, finWait1(e), { flags: 'FA', seq: 1001, ack: 5001, window: 502, options: TSO(102) }, 40);
    expect(rules(r)).to.not.include('close.abort-on-data');
    expect(only(r).tcp).to.include({ flags: 'A', ack: 1002 });
  });
});

describe('correction C34: a syncookie child with ECN in AccECN mode', () => {
  const cookieChild = (flags: string, tos = 0) => {
    const e = env({ sysctls: { tcp_syncookies: 2 }, fixed: { isn: 9000, tsOff: 0 } });
    const syn = seg(e, listening(e), { flags: 'SEC', seq: 500, options: FULL }, 1000);
    // the cookie's option bits (ws 7, SACK, ECN) come back in TSecr; ts_off 0
    const ecr = (1000 & ~63) | 0x37;
    const ack = seg(e, syn.state, { flags, seq: 501, ack: 9001, tos, options: TSO(200, ecr) }, 1010);
    return { e, ack };
  };
  it('ACK with ACE 0b010 (CWR): AccECN child — data is answered with ACE 0b101 (AE+ECE), ECT(0)', () => {
    const { e, ack } = cookieChild('AC');
    expect(rules(ack)).to.include.members(['cookies.valid', 'cookies.accecn']);
    const r = seg(e, ack.state, { flags: 'PA', seq: 501, ack: 9001, payload: data(3), options: TSO(201, 1000) }, 1020);
    expect(only(r).tcp.flags).to.equal('AEN');
    expect(only(r).ip).to.include({ tos: 2 });
  });
  it('ACE 0b100 on the pure ACK does not echo the Not-ECT SYN-ACK: ACE feedback failed, nothing ECT', () => {
    const { e, ack } = cookieChild('AN');
    const r = seg(e, ack.state, { flags: 'PA', seq: 501, ack: 9001, payload: data(3), options: TSO(201, 1000) }, 1020);
    expect(only(r).tcp.flags).to.equal('AEN');
    expect(only(r).ip).to.include({ tos: 0 });
  });
  it('ACE 0 or 1: a classic ECN child, plain ACKs', () => {
    for (const f of ['A', 'AE']) {
      const { e, ack } = cookieChild(f);
      expect(rules(ack), f).to.not.include('cookies.accecn');
      const r = seg(e, ack.state, { flags: 'PA', seq: 501, ack: 9001, payload: data(3), options: TSO(201, 1000) }, 1020);
      expect(only(r).tcp.flags, f).to.equal('A');
    }
  });
  it('before 6.18 (no AccECN code) the child has classic ECN whatever the ACE', () => {
    const e = env({ release: '6.12.118', sysctls: { tcp_syncookies: 2 }, fixed: { isn: 9000, tsOff: 0 } });
    const syn = seg(e, listening(e), { flags: 'SEC', seq: 500, options: FULL }, 1000);
    const ack = seg(e, syn.state, { flags: 'AC', seq: 501, ack: 9001, options: TSO(200, (1000 & ~63) | 0x37) }, 1010);
    expect(rules(ack)).to.not.include('cookies.accecn');
  });
  it("the cookie SYN-ACK binds ts_off modulo 64: the child's first TSval 64 ms off settles it", () => {
    const e = env({ sysctls: { tcp_syncookies: 2 }, fixed: { isn: 9000 } });
    // option bits 0x37 (ws 7, SACK, ECN); at model time 1010, (1010 & ~63) | 0x37 = 1015 is in the future: the
    // model takes 64 off (951); the kernel's clock, 6 ms ahead, had passed 1015 and kept it
    const syn = seg(e, listening(e), { flags: 'SEC', seq: 500, options: FULL }, 1010);
    const p = syn.responses[0];
    const obs = JSON.parse(JSON.stringify(p.packet));
    obs.tcp.options = obs.tcp.options.map((x: unknown[]) => (x[0] === 'ts' ? ['ts', 70000 + 1015, x[2]] : x));
    const b = bind(syn.state, p, obs);
    expect(b.mismatches).to.deep.equal([]);
    const ack = seg(e, b.state, { flags: 'A', seq: 501, ack: 9001, options: TSO(200, 70000 + 1015) }, 1015);
    expect(rules(ack)).to.include('cookies.valid');
    const r = seg(e, ack.state, { flags: 'PA', seq: 501, ack: 9001, payload: data(3), options: TSO(201, 70000 + 1015) }, 1020);
    const o = JSON.parse(JSON.stringify(only(r)));
    // the child's TSval: the kernel's clock (1026) + its ts_off (70000) — 58 ms from the model's first guess
    o.tcp.options = o.tcp.options.map((x: unknown[]) => (x[0] === 'ts' ? ['ts', 70000 + 1026, x[2]] : x));
    const b2 = bind(ack.state, r.responses[0], o);
    expect(b2.mismatches.filter((m) => /TSval/.test(m))).to.deep.equal([]);
    // settled: the next TSval is judged against the corrected offset, within the usual tolerance
    const r2 = seg(e, b2.state, { flags: 'PA', seq: 504, ack: 9001, payload: data(3), options: TSO(202, 70000 + 1026) }, 1100);
    const o2 = JSON.parse(JSON.stringify(only(r2)));
    o2.tcp.options = o2.tcp.options.map((x: unknown[]) => (x[0] === 'ts' ? ['ts', 70000 + 1106 + 64, x[2]] : x));
    expect(bind(b2.state, r2.responses[0], o2).mismatches.join()).to.match(/TSval/);
  });
});

describe('correction C35: past ESTABLISHED, bad ACKs draw the challenge ACK', () => {
  it('FIN_WAIT1 passive child: an old ACK (bytes_acked 0) → challenge ACK seq snd_nxt, data not queued; unsent ACK → rate-limited', () => {
    const e = E();
    const r = seg(e, finWait1(e), { flags: 'PA', seq: 1001, ack: 5000, window: 502, payload: data(3), options: TSO(102) }, 40);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5002, ack: 1001 });
    expect(rules(r)).to.include('estab.closing-bad-ack');
    expect(r.counters.TcpExtTCPChallengeACK).to.equal(1);
    const u = seg(e, r.state, { flags: 'A', seq: 1001, ack: 5003, window: 502, options: TSO(103) }, 60);
    expect(u.responses).to.deep.equal([]);
    expect(rules(u)).to.include('estab.limited');
    const later = seg(e, u.state, { flags: 'A', seq: 1001, ack: 5003, window: 502, options: TSO(104) }, 600);
    // the FIN's tail loss probe and first RTO (C39) fell due meanwhile, then the challenge ACK
    expect(later.responses.map((p) => p.packet.tcp.flags)).to.deep.equal(['FA', 'FA', 'A']);
    expect(later.responses[2].packet.tcp).to.include({ flags: 'A', seq: 5002, ack: 1001 });
  });
  it('CLOSE_WAIT active socket: the FIN again with ack = snd_una − 1 is processed (D-SACK), not dropped', () => {
    for (const release of ['6.18.44', '6.12.118', '6.1.192']) {
      const e = env({ release, fixed: { isn: 1000, tsOff: 0 } });
      let s = run(e, listening(e), { type: 'connect', dport: 9000, sport: 50000 }, 0).state;
      const sa = { sport: 9000, dport: 50000, window: 65160 };
      s = seg(e, s, { ...sa, flags: 'SA', seq: 7000, ack: 1001, options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }] }, 5).state;
      const fin = seg(e, s, { ...sa, flags: 'FA', seq: 7001, ack: 1000 }, 10);
      expect(rules(fin), release).to.include.members(['estab.old-ack-ok', 'estab.fin']);
      const again = seg(e, fin.state, { ...sa, flags: 'FA', seq: 7001, ack: 1000 }, 60);
      expect(rules(again), release).to.include('estab.dsack');
      expect(only(again).tcp, release).to.include({ flags: 'A', ack: 7002 });
      expect(only(again).tcp.options, release).to.deep.include(['sack', [7001, 7002]]);
    }
  });
});

describe('correction C36: a classic ECN socket echoes CE with ECE until CWR', () => {
  it('CE-marked data → ECE on the ACK; again without CWR; a pure ACK with CWR changes nothing; data with CWR ends it', () => {
    const e = E();
    let s = seg(e, listening(e), { flags: 'SEC', seq: 1000, options: FULL }, 0).state;
    s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, window: 502, options: TSO(101) }, 10).state;
    const ce = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, window: 502, tos: 3, payload: data(3), options: TSO(102) }, 20);
    expect(only(ce).tcp.flags).to.equal('AE');
    expect(rules(ce)).to.include('ecn.ce-echo');
    const more = seg(e, ce.state, { flags: 'PA', seq: 1004, ack: 5001, window: 502, tos: 2, payload: data(3), options: TSO(103) }, 30);
    expect(only(more).tcp.flags).to.equal('AE');
    const pureCwr = seg(e, more.state, { flags: 'AC', seq: 1007, ack: 5001, window: 502, options: TSO(104) }, 40);
    expect(pureCwr.responses).to.deep.equal([]);
    const cwr = seg(e, pureCwr.state, { flags: 'PAC', seq: 1007, ack: 5001, window: 502, tos: 2, payload: data(3), options: TSO(105) }, 50);
    expect(only(cwr).tcp.flags).to.equal('A');
  });
  it('a socket without ECN ignores CE', () => {
    const e = E();
    const r = seg(e, passive(e), { flags: 'PA', seq: 1001, ack: 5001, window: 502, tos: 3, payload: data(3), options: TSO(102) }, 20);
    expect(only(r).tcp.flags).to.equal('A');
  });
});

describe('correction C37: an ACK sent before the delayed ACK replaces it', () => {
  it('data + FIN (ACK delayed 40 ms), the same at once → D-SACK ACK now, the delayed one withdrawn with its IPv4 ID', () => {
    const e = E();
    const fin = seg(e, passive(e), { flags: 'FPA', seq: 1001, ack: 5001, window: 502, payload: data(3), options: TSO(102) }, 20);
    expect(only(fin).tcp.flags).to.equal('A');
    expect(fin.responses[0].atMs).to.equal(60);
    expect(fin.responses[0].delack).to.equal(`${e.peer}:40000>80`);
    const again = seg(e, fin.state, { flags: 'FPA', seq: 1001, ack: 5001, window: 502, payload: data(3), options: TSO(102) }, 22);
    expect(again.cancels).to.deep.equal([`${e.peer}:40000>80`]);
    expect(only(again).tcp.options).to.deep.include(['sack', [1001, 1005]]);
    expect(again.responses[0].atMs).to.equal(22);
    expect(again.responses[0].expect['ip.id']).to.deep.equal(fin.responses[0].expect['ip.id']);
  });
  it('after the delayed ACK was due nothing is withdrawn', () => {
    const e = E();
    const fin = seg(e, passive(e), { flags: 'FPA', seq: 1001, ack: 5001, window: 502, payload: data(3), options: TSO(102) }, 20);
    const again = seg(e, fin.state, { flags: 'FPA', seq: 1001, ack: 5001, window: 502, payload: data(3), options: TSO(103) }, 100);
    expect(again.cancels).to.equal(undefined);
    expect(again.responses[0].expect['ip.id']).to.not.deep.equal(fin.responses[0].expect['ip.id']);
  });
  it('a RST at rcv_nxt before it is due: the socket goes, the delayed ACK with it', () => {
    const e = E();
    const fin = seg(e, passive(e), { flags: 'FPA', seq: 1001, ack: 5001, window: 502, payload: data(3), options: TSO(102) }, 20);
    const rst = seg(e, fin.state, { flags: 'R', seq: 1005 }, 25);
    expect(rst.responses).to.deep.equal([]);
    expect(rst.cancels).to.deep.equal([`${e.peer}:40000>80`]);
  });
});

describe('correction C38: FIN_WAIT1, our FIN acked: the segment is consumed by the FIN_WAIT2 timewait socket', () => {
  it('old data with ack = snd_nxt → no D-SACK, no ACK: a timewait socket now', () => {
    const e = E();
    const r = seg(e, finWait1(e), { flags: 'PA', seq: 1000, ack: 5002, window: 502, payload: data(1), options: TSO(102) }, 40);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('tw.fin-wait2');
    expect(rules(r)).to.not.include('estab.dsack');
  });
  it('new data with ack = snd_nxt still aborts (C28)', () => {
    const e = E();
    const r = seg(e, finWait1(e), { flags: 'PA', seq: 1001, ack: 5002, window: 502, payload: data(3), options: TSO(102) }, 40);
    expect(only(r).tcp.flags).to.equal('R');
    expect(rules(r)).to.include('close.abort-on-data');
  });
});
