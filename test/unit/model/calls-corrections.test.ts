// Corrections C31–C33 and C35 (docs/model-corrections.md), found by the fuzz campaigns' socket calls and
// repeats and measured on 6.18.44 (C35 also on 6.12.118 and 6.1.192); each test feeds the model the
// packets of the measurement and checks its prediction.
import { expect } from 'chai';
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
    expect(only(later).tcp).to.include({ flags: 'A', seq: 5002, ack: 1001 });
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
