// Corrections C20– (docs/model-corrections.md), found by the conformance cases (cases/) on 6.18.44;
// each test feeds the model the packets of the failing case and checks its prediction against the
// values the kernel sent.
import { expect } from 'chai';
import { apply, initialState } from '../../../lib/model';
import { matchPrediction } from '../../../lib/model/core/match';
import { env, listening, only, rules, run, seg } from './helpers';

describe('correction C20: TCP_DEFER_ACCEPT on a connecting socket delays the ACK of the SYN-ACK', () => {
  const e = env({ fixed: { isn: 1000, tsOff: 0 } });
  const synack = (deferAccept?: number) => {
    const c = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000, opts: deferAccept === undefined ? {} : { deferAccept } }, 0);
    return seg(
      e,
      c.state,
      {
        sport: 9000,
        dport: 50000,
        flags: 'SA',
        seq: 1000,
        ack: 1001,
        window: 65535,
        options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 500, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
      },
      12,
    );
  };
  /** The observed ACK (active-ack-delayed-with-defer-accept@ipv4): 203.9 ms after the SYN-ACK, TSval SYN + 216. */
  const observed = (r: ReturnType<typeof synack>, tsval: number) => {
    const o = JSON.parse(JSON.stringify(only(r)));
    o.tcp.window = 63;
    o.tcp.options = o.tcp.options.map((x: unknown[]) => (x[0] === 'ts' ? ['ts', tsval, 500] : x));
    return o;
  };
  it('TCP_DEFER_ACCEPT 1: ESTABLISHED at once, the ACK 200 ms later (TSval window 200–204 ms)', () => {
    const r = synack(1);
    expect(rules(r)).to.include('synsent.defer-delack');
    expect(r.responses[0].atMs).to.equal(212);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 1001, ack: 1001 });
    expect(r.state.socks.values()[0].state).to.equal('ESTABLISHED');
    expect(matchPrediction(r.responses[0], observed(r, 216), r.state).map((d) => d.field)).to.not.include('opt.ts.val');
    expect(matchPrediction(r.responses[0], observed(r, 12), r.state).map((d) => d.field)).to.include('opt.ts.val');
  });
  it('without TCP_DEFER_ACCEPT the ACK is immediate', () => {
    const r = synack();
    expect(rules(r)).to.not.include('synsent.defer-delack');
    expect(r.responses[0].atMs).to.equal(12);
  });
});

describe('correction C21: IP drops a packet whose length field exceeds the bytes received', () => {
  const SYN = { flags: 'S', seq: 1000, sport: 41011 } as const;
  it('IPv4 SYN with total length 1500 in a 40-byte packet → silence (listener-flag-table step 17)', () => {
    const e = env();
    const r = seg(e, listening(e), { ...SYN, mistakes: { ipTotalLength: 1500 } });
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('demux.ip-truncated');
    expect(r.counters.IpInTruncatedPkts).to.equal(1);
    expect(r.state.reqs.keys()).to.have.length(0);
  });
  it('IPv4 total length below the header length → dropped; the exact length → SYN-ACK', () => {
    const e = env();
    expect(rules(seg(e, listening(e), { ...SYN, mistakes: { ipTotalLength: 12 } }))).to.include('demux.ip-truncated');
    expect(only(seg(e, listening(e), { ...SYN, mistakes: { ipTotalLength: 40 } })).tcp.flags).to.equal('SA');
  });
  it('IPv6 payload length beyond the packet → dropped', () => {
    const e = env({ ip: 6 });
    const r = seg(e, listening(e), { ...SYN, mistakes: { ipTotalLength: 1460 } });
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('demux.ip-truncated');
  });
});

describe('correction C22: a TFO child re-sends its SYN-ACK with a new IPv6 flow label', () => {
  const cookie = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  const child = (ip: 4 | 6) => {
    const e = env({ ip, sysctls: { tcp_fastopen: 3 }, fixed: { tfoKeyCookie: () => cookie, isn: 7000 } });
    const r = seg(
      e,
      listening(e, { fastopen: 16 }),
      {
        flags: 'S',
        seq: 5000,
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'tfo', cookie },
        ],
        payload: new Uint8Array(5),
      },
      0,
    );
    return { e, r };
  };
  it('IPv6 (child-synack-retransmit: 353097 → 1011889): each timeout draws a fresh flow symbol, same seq/ack', () => {
    const { e, r } = child(6);
    expect(only(r).tcp).to.include({ flags: 'SA', ack: 5006 });
    const f0 = r.responses[0].expect['ip.flow'];
    const t1 = apply(e, r.state, { type: 'tick' }, 1100);
    expect(only(t1).tcp).to.include({ flags: 'SA', ack: 5006 });
    const f1 = t1.responses[0].expect['ip.flow'];
    expect(f1).to.not.deep.equal(f0);
    expect(rules(t1)).to.include('reqsk_timer.tfo-rehash');
    const t2 = apply(e, t1.state, { type: 'tick' }, 3200);
    expect(t2.responses[0].expect['ip.flow']).to.not.deep.equal(f1);
  });
  it('IPv4 is unaffected', () => {
    const { e, r } = child(4);
    expect(rules(apply(e, r.state, { type: 'tick' }, 1100))).to.not.include('reqsk_timer.tfo-rehash');
  });
});

describe('correction C23: an orphan whose FIN is acked becomes a FIN_WAIT2 timewait socket', () => {
  const e = env({ fixed: { isn: 5000, tsOff: 0 } });
  /** time-wait-reincarnation: SYN, SYN-ACK, third ACK, accept, close() → FIN|ACK, peer ACKs the FIN. */
  const fw2 = () => {
    let s = seg(e, listening(e, {}, 128, 8080), { flags: 'S', dport: 8080, seq: 1000, options: [{ kind: 'mss', value: 1460 }] }, 0).state;
    s = seg(e, s, { flags: 'A', dport: 8080, seq: 1001, ack: 5001 }, 1).state;
    s = run(e, s, { type: 'accept', port: 8080 }, 2).state;
    const c = run(e, s, { type: 'close', port: 8080, peerPort: 40000 }, 5);
    expect(only(c).tcp).to.include({ flags: 'FA', seq: 5001, ack: 1001 });
    return seg(e, c.state, { flags: 'A', dport: 8080, seq: 1001, ack: 5002 }, 6);
  };
  it('ACK of our FIN → FIN_WAIT2 substate, no reply; the peer FIN → TIME_WAIT and an ACK with IPv4 ID 0, window 64240', () => {
    const a = fw2();
    expect(a.responses).to.deep.equal([]);
    expect(rules(a)).to.include('tw.fin-wait2');
    const sock = a.state.socks.values()[0];
    expect(sock).to.include({ state: 'FIN_WAIT2', twSub: 'FIN_WAIT2' });
    const f = seg(e, a.state, { flags: 'FA', dport: 8080, seq: 1001, ack: 5002 }, 7);
    const p = only(f);
    expect(p.tcp).to.include({ flags: 'A', seq: 5002, ack: 1002 });
    expect((p.ip as { id: unknown }).id).to.equal(0);
    const w = f.responses[0].expect['tcp.window'] as { range: [number, number] };
    expect(64240).to.be.within(w.range[0], w.range[1]);
    expect(f.state.socks.values()[0].state).to.equal('TIME_WAIT');
  });
  it('in the FIN_WAIT2 substate: a duplicate ACK is silent, new data draws a RST, a SYN at rcv_nxt a RST', () => {
    const a = fw2().state;
    expect(seg(e, a, { flags: 'A', dport: 8080, seq: 1001, ack: 5002 }, 8).responses).to.deep.equal([]);
    expect(only(seg(e, a, { flags: 'PA', dport: 8080, seq: 1001, ack: 5002, payload: new Uint8Array(3) }, 8)).tcp).to.include({ flags: 'R', seq: 5002 });
    expect(only(seg(e, a, { flags: 'S', dport: 8080, seq: 1001 }, 8)).tcp.flags).to.equal('RA');
  });
});
