// Corrections C3–C8 (docs/model-corrections.md), each with the values observed on 6.18.44.
// C1/C2 (auth-option pre-parse) live in auth-options.test.ts.
import { expect } from 'chai';
import { apply, initialState } from '../../../lib/model';
import type { ModelEnv, ModelState } from '../../../lib/model';
import { armFromEvent, rearmFromTimer, wheelGranuleMs, wheelLevel } from '../../../lib/model/core/timer-wheel';
import { env, FULL, listening, only, rules, run, seg } from './helpers';

const TS = (val: number) => [{ kind: 'ts' as const, val, ecr: 0 }];

function connected(e: ModelEnv): ModelState {
  return run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0).state;
}

function established(e: ModelEnv, withTs = true): ModelState {
  let s = seg(e, listening(e), { flags: 'S', seq: 1000, options: withTs ? FULL : [{ kind: 'mss', value: 1460 }] }, 0).state;
  s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: withTs ? TS(101) : [] }, 10).state;
  return run(e, s, { type: 'accept', port: 80 }, 20).state;
}

describe('correction C3: SYN_SENT, unacceptable ACK with RST', () => {
  it('no RST is sent, but the SYN is re-sent 2 jiffies later (observed: RST|ACK ack=ISN+5 → SYN at once)', () => {
    const e = env({ fixed: { isn: 1000, tsOff: 0 } });
    const r = seg(e, connected(e), { sport: 9000, dport: 50000, flags: 'RA', seq: 0, ack: 1005 }, 100);
    expect(r.responses).to.deep.equal([]);
    const t = apply(e, r.state, { type: 'tick' }, 112);
    expect(only(t).tcp).to.include({ flags: 'S', seq: 1000 });
    expect(rules(t)).to.include('syn_timer.retransmit');
  });
  it('only before the first retransmission (icsk_retransmits == 0)', () => {
    const e = env({ fixed: { isn: 1000, tsOff: 0 } });
    const s = apply(e, connected(e), { type: 'tick' }, 1100).state; // first RTO done
    const r = seg(e, s, { sport: 9000, dport: 50000, flags: 'RA', seq: 0, ack: 1005 }, 1200);
    expect(rules(r)).to.not.include('syn_timer.fast-resend');
  });
});

describe('correction C4: IPv6 flow label of SYN retransmissions (txrehash)', () => {
  it('every RTO draws a new flow label, kept by later packets; IPv4 and txrehash=0 keep it', () => {
    const e = env({ ip: 6, fixed: { isn: 1000, tsOff: 0 } });
    const c = run(e, initialState(e), { type: 'connect', dport: 9000, sport: 50000 }, 0);
    const f0 = c.responses[0].expect['ip.flow'];
    const t1 = apply(e, c.state, { type: 'tick' }, 1100);
    const f1 = t1.responses[0].expect['ip.flow'];
    expect(f1).to.not.deep.equal(f0);
    expect(rules(t1)).to.include('syn_timer.rehash');
    const sa = seg(e, t1.state, { sport: 9000, dport: 50000, flags: 'SA', seq: 7000, ack: 1001 }, 1200);
    expect(sa.responses[0].expect['ip.flow']).to.deep.equal(f1);
    const e0 = env({ ip: 6, fixed: { isn: 1000, tsOff: 0 }, sysctls: { txrehash: 0 } });
    const c0 = run(e0, initialState(e0), { type: 'connect', dport: 9000, sport: 50000 }, 0);
    expect(apply(e0, c0.state, { type: 'tick' }, 1100).responses[0].expect['ip.flow']).to.deep.equal(c0.responses[0].expect['ip.flow']);
  });
});

describe('correction C5: timer-wheel firing times (HZ=250)', () => {
  it('levels and granules: 1 s, 2 s → 32 ms; 4 s, 8 s, 16 s → 256 ms; 32 s, 60 s, 64 s → 2048 ms; 8 ms → 4 ms', () => {
    expect([1000, 2000, 4000, 8000, 16000, 32000, 60000, 64000, 8].map(wheelGranuleMs)).to.deep.equal([32, 32, 256, 256, 256, 2048, 2048, 2048, 4]);
    expect([62, 63, 503, 504, 4031, 4032].map(wheelLevel)).to.deep.equal([0, 1, 1, 2, 2, 3]);
  });
  it('re-armed from an aligned jiffy: 1 s → 1024, 2 s → 2016, 8 s → 8192, 16 s → 16128 ms (all measured)', () => {
    const a = armFromEvent(0, 1000);
    expect(a).to.deep.equal({ atMs: 1000, slack: { widthMs: 32, alignMs: 32 } });
    expect(rearmFromTimer(a.atMs, a.slack, 1000).atMs - a.atMs).to.equal(1024);
    expect(rearmFromTimer(a.atMs, a.slack, 2000).atMs - a.atMs).to.equal(2016);
    const four = rearmFromTimer(a.atMs, a.slack, 4000);
    expect(four).to.deep.equal({ atMs: 5000, slack: { widthMs: 288, alignMs: 256 } }); // measured 4032..4196 ms
    expect(rearmFromTimer(four.atMs, four.slack, 8000).atMs - four.atMs).to.equal(8192);
    expect(rearmFromTimer(four.atMs, four.slack, 16000).atMs - four.atMs).to.equal(16128);
  });
  it('the measured SYN-ACK schedules (three reqs) fall in the predicted windows; the req goes at ≥ 63.336 s', () => {
    const e = env({ fixed: { isn: 1, tsOff: 0 } });
    let s = seg(e, listening(e), { flags: 'S', options: FULL }, 0).state;
    const windows: Array<[number, number]> = [];
    let goneAt = 0;
    for (let t = 100; t <= 70000; t += 100) {
      const r = apply(e, s, { type: 'tick' }, t);
      for (const p of r.responses) {
        const x = (p.expect['opt.ts.val'] as { tsval: { approxMs: number; tolMs: number } }).tsval;
        windows.push([x.approxMs - x.tolMs, x.approxMs + x.tolMs]);
      }
      if (!goneAt && rules(r).includes('reqsk_timer.expire')) goneAt = t;
      s = r.state;
    }
    const measured = [
      [1019, 3035, 7099, 15291, 31419],
      [1008, 3024, 7216, 15408, 31536],
      [1029, 3045, 7077, 15269, 31397],
    ];
    for (const m of measured) m.forEach((v, i) => expect(v).to.be.within(windows[i][0], windows[i][1]));
    expect(goneAt).to.equal(63400);
  });
  it('ETIMEDOUT of connect(): measured 133.44 s after connect; earliest 132.968 s', () => {
    const e = env();
    let s = connected(e);
    let at = 0;
    for (let t = 1000; t <= 140000 && !at; t += 8) {
      const r = apply(e, s, { type: 'tick' }, t);
      if (rules(r).includes('syn_timer.give-up')) at = t;
      s = r.state;
    }
    expect(at).to.be.within(132968, 133440);
  });
});

describe('correction C6: ts_recent on an established socket', () => {
  it("the ACK for in-order data echoes that segment's TSval (was: the third ACK's)", () => {
    const e = env({ fixed: { isn: 5000, tsOff: 0 } });
    const s = established(e);
    const d1 = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, payload: new Uint8Array(5), options: TS(200) }, 100);
    expect(only(d1).tcp.options).to.deep.equal([['nop'], ['nop'], ['ts', '*', 200]]);
    expect(rules(d1)).to.include('estab.ts-recent');
    const d2 = seg(e, d1.state, { flags: 'PA', seq: 1006, ack: 5001, payload: new Uint8Array(5), options: TS(300) }, 200);
    expect(only(d2).tcp.options).to.deep.equal([['nop'], ['nop'], ['ts', '*', 300]]);
  });
  it('simultaneous open: the peer ACK (TSval 1000), then data (TSval 1001) → the ACK echoes 1001', () => {
    const e = env({ fixed: { isn: 1000, tsOff: 0 } });
    let s = seg(
      e,
      connected(e),
      {
        sport: 9000,
        dport: 50000,
        flags: 'S',
        seq: 8000,
        options: [
          { kind: 'mss', value: 1400 },
          { kind: 'ts', val: 999, ecr: 0 },
        ],
      },
      50,
    ).state;
    s = seg(e, s, { sport: 9000, dport: 50000, flags: 'A', seq: 8001, ack: 1001, options: TS(1000) }, 100).state;
    const d = seg(e, s, { sport: 9000, dport: 50000, flags: 'PA', seq: 8001, ack: 1001, payload: new Uint8Array(5), options: TS(1001) }, 200);
    expect(only(d).tcp.options).to.deep.include(['ts', '*', 1001]);
  });
});

describe('correction C7: the advertised window keeps its right edge', () => {
  it('ACK after 3 unread bytes may say 64237 (observed), the FIN after reading too; TIME_WAIT ACK = last ACK window (64239 observed)', () => {
    const e = env({ fixed: { isn: 5000, tsOff: 0 } });
    let s = established(e, false);
    const d = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, payload: new Uint8Array(3) }, 100);
    const range = (_p: ReturnType<typeof only>, r: typeof d) => (r.responses[0].expect['tcp.window'] as { range: [number, number] }).range;
    expect(64237).to.be.within(...range(only(d), d));
    s = run(e, d.state, { type: 'recv', port: 80, peerPort: 40000 }, 150).state;
    const fin = run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 200);
    expect(only(fin).tcp.flags).to.equal('FA');
    expect(64237).to.be.within(...range(only(fin), fin));
    // Fresh connection: FIN from the DUT, the peer's FIN|ACK, then an out-of-window ACK to TIME_WAIT.
    let t = established(e, false);
    t = run(e, t, { type: 'close', port: 80, peerPort: 40000 }, 100).state;
    t = seg(e, t, { flags: 'FA', seq: 1001, ack: 5002 }, 200).state;
    const tw = seg(e, t, { flags: 'A', seq: 900000, ack: 5002 }, 1000);
    expect(rules(tw)).to.include('tw.ack');
    expect(64239).to.be.within(...range(only(tw), tw));
  });
});

describe('correction C8: close() with unread data', () => {
  it('RST|ACK seq snd_nxt ack rcv_nxt, connection gone; after recv() a FIN', () => {
    const e = env({ fixed: { isn: 5000, tsOff: 0 } });
    const s = established(e);
    const d = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, payload: new Uint8Array(4), options: TS(110) }, 100);
    const c = run(e, d.state, { type: 'close', port: 80, peerPort: 40000 }, 200);
    expect(only(c).tcp).to.include({ flags: 'RA', seq: 5001, ack: 1005 });
    expect(rules(c)).to.include('close.unread-reset');
    expect(c.state.socks.size).to.equal(0);
    expect(c.counters.TcpExtTCPAbortOnClose).to.equal(1);
    // The next segment finds no socket.
    expect(only(seg(e, c.state, { flags: 'PA', seq: 1005, ack: 5001, payload: new Uint8Array(1) }, 300)).tcp).to.include({ flags: 'R', seq: 5001 });
    const r = run(e, d.state, { type: 'recv', port: 80, peerPort: 40000 }, 150);
    expect(rules(r)).to.include('event.recv');
    expect(only(run(e, r.state, { type: 'close', port: 80, peerPort: 40000 }, 200)).tcp.flags).to.equal('FA');
  });
  it('data carried by the third ACK counts as unread too', () => {
    const e = env({ fixed: { isn: 5000, tsOff: 0 } });
    let s = seg(e, listening(e), { flags: 'S', seq: 1000, options: FULL }, 0).state;
    s = seg(e, s, { flags: 'PA', seq: 1001, ack: 5001, payload: new Uint8Array(2), options: TS(101) }, 10).state;
    s = run(e, s, { type: 'accept', port: 80 }, 20).state;
    expect(only(run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 30)).tcp.flags).to.equal('RA');
  });
});
