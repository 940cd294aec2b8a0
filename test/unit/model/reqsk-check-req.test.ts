// §4.11 SYN-ACK retransmission schedule and §6 tcp_check_req steps 1–11.
import { expect } from 'chai';
import { apply } from '../../../lib/model';
import type { ModelEnv, ModelState, StepResult } from '../../../lib/model';
import { env, FULL, listening, only, rules, seg } from './helpers';

/** Ticks every 250 ms from `from` to `to`; returns the times (s, 2 decimals) of SYN-ACKs sent and the last state. */
function synackTimes(e: ModelEnv, s: ModelState, from: number, to: number): { times: number[]; state: ModelState; steps: StepResult[] } {
  const times: number[] = [];
  const steps: StepResult[] = [];
  for (let t = from; t <= to; t += 250) {
    const r = apply(e, s, { type: 'tick' }, t);
    for (const p of r.responses) if (p.packet.tcp.flags.startsWith('SA')) times.push(p.atMs / 1000);
    steps.push(r);
    s = r.state;
  }
  return { times, state: s, steps };
}

describe('model §4.11 SYN-ACK retransmission', () => {
  it('default: SYN-ACKs at 0, 1, 3, 7, 15, 31 s nominal (earliest per the timer wheel, C5); req dropped silently at ≈63 s', () => {
    const e = env();
    const r0 = seg(e, listening(e), { flags: 'S', options: FULL }, 0);
    const { times, state, steps } = synackTimes(e, r0.state, 250, 70000);
    expect([0, ...times]).to.deep.equal([0, 1, 3.016, 7.016, 15.208, 31.336]);
    expect(state.reqs.keys()).to.deep.equal([]);
    expect(steps.some((x) => x.reasons.some((y) => y.rule === 'reqsk_timer.expire' && x.state.reqs && true))).to.equal(true);
    // ACK after expiry → listener RST.
    expect(only(seg(e, state, { flags: 'A', seq: 1001, ack: 77 }, 70000)).tcp.flags).to.equal('R');
  });
  it('retransmitted SYN-ACK: same ISN and options, TSecr = first SYN TSval, TSval at the timer time', () => {
    const e = env({ fixed: { isn: 5555, tsOff: 0 } });
    const r0 = seg(e, listening(e), { flags: 'S', options: FULL }, 0);
    const r1 = apply(e, r0.state, { type: 'tick' }, 1000);
    const a = r0.responses[0];
    const b = r1.responses[0];
    expect(b.packet).to.deep.equal(a.packet);
    expect(b.atMs).to.equal(1000);
    // Armed from packet processing: the kernel fires it in [1000, 1032] ms (timer wheel granule, C5).
    expect(b.expect['opt.ts.val']).to.deep.equal({ tsval: { off: 0, approxMs: 1016, tolMs: 66, bindAs: 'sats@10.0.0.2:40000>80/1' } });
  });
  it('synack_retries=3: 0, 1, 3, 7, then nothing', () => {
    const e = env({ sysctls: { tcp_synack_retries: 3 } });
    const r0 = seg(e, listening(e), { flags: 'S' }, 0);
    expect([0, ...synackTimes(e, r0.state, 250, 40000).times]).to.deep.equal([0, 1, 3.016, 7.016]);
  });
  it('TCP_SYNCNT on the listener overrides synack_retries', () => {
    const e = env();
    const r0 = seg(e, listening(e, { syncnt: 2 }), { flags: 'S' }, 0);
    expect([0, ...synackTimes(e, r0.state, 250, 40000).times]).to.deep.equal([0, 1, 3.016]);
  });
  it('TCP_DEFER_ACCEPT=3 s: after a bare ACK, SYN-ACKs at 3 s and 7 s, not at 1 s (t12)', () => {
    const e = env({ fixed: { isn: 100 } });
    let s = seg(e, listening(e, { deferAccept: 3 }), { flags: 'S', options: FULL }, 0).state;
    const a = seg(e, s, { flags: 'A', seq: 1001, ack: 101 }, 100);
    expect(rules(a)).to.include('check_req.defer-accept');
    expect(a.responses).to.deep.equal([]);
    s = a.state;
    const { times } = synackTimes(e, s, 250, 8000);
    expect(times).to.deep.equal([3.016, 7.016]);
  });
  it('apply() fires due timers before the event (a late segment sees the retransmits first)', () => {
    const e = env();
    const r0 = seg(e, listening(e), { flags: 'S' }, 0);
    const r = seg(e, r0.state, { flags: 'S', sport: 40001 }, 3500);
    expect(r.responses.map((p) => p.atMs)).to.deep.equal([1000, 3016, 3500]);
  });
});

describe('model §6 tcp_check_req', () => {
  const e = env({ fixed: { isn: 5000, tsOff: 0 } });
  const base = seg(e, listening(e), { flags: 'S', seq: 1000, options: FULL }, 10000).state;
  const ACKOK = { flags: 'A', seq: 1001, ack: 5001 } as const;
  it('step 1: TSecr = 0 is not checked → child', () => {
    const r = seg(e, base, { ...ACKOK, options: [{ kind: 'ts', val: 200, ecr: 0 }] }, 10100);
    expect(rules(r)).to.include('check_req.child');
  });
  it('step 1: TSecr outside the SYN-ACK TSvals → ACK (6.18)', () => {
    const r = seg(e, base, { ...ACKOK, options: [{ kind: 'ts', val: 200, ecr: 99 }] }, 10100);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001, window: 63 });
    expect(r.counters.TcpExtTSEcrRejected).to.equal(1);
  });
  it('step 1: TSecr inside → accepted', () => {
    expect(rules(seg(e, base, { ...ACKOK, options: [{ kind: 'ts', val: 200, ecr: 10000 }] }, 10100))).to.include('check_req.child');
  });
  it('step 1: PAWS (TSval 50000 < ts_recent 100000) → ACK', () => {
    const s = seg(e, listening(e), { flags: 'S', seq: 1000, options: [{ kind: 'ts', val: 100000, ecr: 0 }] }, 10000).state;
    const r = seg(e, s, { ...ACKOK, options: [{ kind: 'ts', val: 50000, ecr: 10000 }] }, 10100);
    expect(only(r).tcp.flags).to.equal('A');
    expect(r.counters.TcpExtPAWSEstab).to.equal(1);
  });
  it('step 2: duplicate SYN → SYN-ACK (same ISN, TSecr of the first SYN); 2nd within 500 ms → nothing; after 600 ms → SYN-ACK (t3)', () => {
    const d1 = seg(e, base, { flags: 'S', seq: 1000, options: [{ kind: 'ts', val: 150, ecr: 0 }] }, 10100);
    const p = only(d1);
    expect(p.tcp).to.include({ flags: 'SA', seq: 5000, ack: 1001 });
    expect(p.tcp.options).to.deep.include(['ts', '*', 100]);
    const d2 = seg(e, d1.state, { flags: 'S', seq: 1000, options: [{ kind: 'ts', val: 160, ecr: 0 }] }, 10300);
    expect(d2.responses).to.deep.equal([]);
    expect(d2.counters.TcpExtTCPACKSkippedSynRecv).to.equal(1);
    const d3 = seg(e, d2.state, { flags: 'S', seq: 1000, options: [{ kind: 'ts', val: 170, ecr: 0 }] }, 10700);
    expect(only(d3).tcp.options).to.deep.include(['ts', '*', 100]);
  });
  it('step 3: bad ACK number → listener RST seq=SEG.ACK, req survives, later correct ACK completes (t3)', () => {
    const r = seg(e, base, { flags: 'A', seq: 1001, ack: 4242 }, 10100);
    expect(only(r).tcp).to.include({ flags: 'R', seq: 4242 });
    expect(r.state.reqs.keys().length).to.equal(1);
    expect(rules(seg(e, r.state, ACKOK, 10200))).to.include('check_req.child');
  });
  it('step 4: seq +10M → ACK; a second within 500 ms → nothing', () => {
    const r = seg(e, base, { flags: 'A', seq: 1001 + 10_000_000, ack: 5001 }, 10100);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    expect(only(r).tcp.options).to.deep.equal([['nop'], ['nop'], ['ts', '*', 100]]);
    expect(only(r).ip).to.deep.equal({ ttl: 64, tos: 0, df: true, id: 0 });
    expect(seg(e, r.state, { flags: 'A', seq: 1001 + 10_000_000, ack: 5001 }, 10300).responses).to.deep.equal([]);
  });
  it('step 4: SYN|ACK with seq=rcv_isn → ACK', () => {
    expect(only(seg(e, base, { flags: 'SA', seq: 1000, ack: 5001 }, 10100)).tcp.flags).to.equal('A');
  });
  it('step 4: out-of-window RST → silent, req kept', () => {
    const r = seg(e, base, { flags: 'R', seq: 1001 + 10_000_000 }, 10100);
    expect(r.responses).to.deep.equal([]);
    expect(r.state.reqs.keys().length).to.equal(1);
  });
  it('step 6: in-window SYN seq+10 → RA seq 0 ack=SEG.SEQ+1, req removed; later ACK → listener RST', () => {
    const r = seg(e, base, { flags: 'S', seq: 1010 }, 10100);
    expect(only(r).tcp).to.include({ flags: 'RA', seq: 0, ack: 1011 });
    expect(r.state.reqs.size).to.equal(0);
    expect(only(seg(e, r.state, ACKOK, 10200)).tcp.flags).to.equal('R');
  });
  it('step 6: in-window RST seq=rcv_nxt → silent, req gone', () => {
    const r = seg(e, base, { flags: 'R', seq: 1001 }, 10100);
    expect(r.responses).to.deep.equal([]);
    expect(r.state.reqs.size).to.equal(0);
  });
  it('step 7: null / FIN-only in window → silence', () => {
    expect(seg(e, base, { flags: '', seq: 1001 }, 10100).responses).to.deep.equal([]);
    expect(rules(seg(e, base, { flags: 'F', seq: 1001 }, 10100))).to.include('check_req.no-ack');
  });
  it('step 10: accept queue full, abort_on_overflow=0 → silent, req acked, timer re-sends; after accept() a later ACK completes (t8)', () => {
    // backlog 1: SYN A, SYN B, ACK A (acceptq 1), SYN C (admitted: 1 > 1 is false), ACK B (acceptq 2), ACK C overflows.
    let s = listening(e, {}, 1);
    s = seg(e, s, { flags: 'S', sport: 40999, seq: 1000 }, 0).state;
    s = seg(e, s, { flags: 'S', sport: 41000, seq: 1000 }, 5).state;
    s = seg(e, s, { flags: 'A', sport: 40999, seq: 1001, ack: 5001 }, 10).state;
    s = seg(e, s, { flags: 'S', sport: 41001, seq: 1000 }, 20).state;
    s = seg(e, s, { flags: 'A', sport: 41000, seq: 1001, ack: 5001 }, 25).state;
    const r = seg(e, s, { flags: 'A', sport: 41001, seq: 1001, ack: 5001 }, 30);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include('check_req.overflow-drop');
    expect(r.counters).to.include({ TcpExtListenOverflows: 1 });
    const t = apply(e, r.state, { type: 'tick' }, 1020);
    expect(only(t).tcp.flags).to.equal('SA');
    const acc = apply(e, t.state, { type: 'accept', port: 80 }, 1100).state;
    expect(rules(seg(e, acc, { flags: 'A', sport: 41001, seq: 1001, ack: 5001 }, 1200))).to.include('check_req.child');
  });
  it('step 10: abort_on_overflow=1 → RST seq=SEG.ACK, req removed', () => {
    const e2 = env({ fixed: { isn: 5000 }, sysctls: { tcp_abort_on_overflow: 1 } });
    let s = listening(e2, {}, 1);
    s = seg(e2, s, { flags: 'S', sport: 40999 }, 0).state;
    s = seg(e2, s, { flags: 'S', sport: 41000 }, 5).state;
    s = seg(e2, s, { flags: 'A', sport: 40999, seq: 1001, ack: 5001 }, 10).state;
    s = seg(e2, s, { flags: 'S', sport: 41001 }, 20).state;
    s = seg(e2, s, { flags: 'A', sport: 41000, seq: 1001, ack: 5001 }, 25).state;
    const r = seg(e2, s, { flags: 'A', sport: 41001, seq: 1001, ack: 5001 }, 30);
    expect(only(r).tcp).to.include({ flags: 'R', seq: 5001 });
    expect(r.state.reqs.size).to.equal(0);
  });
  it('step 11: third ACK with 5 B → ACK ack=+5 (quick-ack, t3)', () => {
    const r = seg(e, base, { ...ACKOK, flags: 'PA', payload: new Uint8Array(5), options: [{ kind: 'ts', val: 300, ecr: 10000 }] }, 10100);
    const p = only(r);
    expect(p.tcp).to.include({ flags: 'A', seq: 5001, ack: 1006 });
    expect(p.tcp.options).to.deep.equal([['nop'], ['nop'], ['ts', '*', 300]]);
    expect(r.counters.TcpPassiveOpens).to.equal(1);
  });
  it('step 11: FIN+ACK third → ACK ack=+1, CLOSE_WAIT', () => {
    const r = seg(e, base, { ...ACKOK, flags: 'FA' }, 10100);
    expect(only(r).tcp).to.include({ flags: 'A', ack: 1002 });
    expect(r.state.socks.get(`${e.peer}:40000>80`)!.state).to.equal('CLOSE_WAIT');
  });
  it('step 11: third ACK without TS when TS was negotiated → accepted, silent', () => {
    const r = seg(e, base, ACKOK, 10100);
    expect(r.responses).to.deep.equal([]);
    expect(r.state.listeners.get(80)!.acceptq.length).to.equal(1);
  });
  it('6.1: no third-ACK TSecr check', () => {
    const e61 = env({ release: '6.1', fixed: { isn: 5000, tsOff: 0 } });
    const s = seg(e61, listening(e61), { flags: 'S', seq: 1000, options: FULL }, 10000).state;
    expect(rules(seg(e61, s, { ...ACKOK, options: [{ kind: 'ts', val: 200, ecr: 99 }] }, 10100))).to.include('check_req.child');
  });
  it('ISN unbound: the ACK is assumed right and the reason says so', () => {
    const e3 = env();
    const s = seg(e3, listening(e3), { flags: 'S', seq: 1000 }).state;
    expect(rules(seg(e3, s, { flags: 'A', seq: 1001, ack: 1 }))).to.include('check_req.isn-unbound');
  });
});
