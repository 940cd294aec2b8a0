// §8.2 SYN format, §8.3 SYN schedules (6.18 and 6.1), §8.4 SYN_SENT table, §8.5 simultaneous open,
// §8.6 established socket answers.
import { expect } from 'chai';
import { apply, initialState } from '../../../lib/model';
import type { ModelEnv, ModelState } from '../../../lib/model';
import { env, FULL, listening, only, rules, run, seg } from './helpers';

const PEERPORT = 9000;
function connected(e: ModelEnv, o = {}): { state: ModelState; syn: ReturnType<typeof run> } {
  const syn = run(e, initialState(e), { type: 'connect', dport: PEERPORT, sport: 50000, opts: o }, 0);
  return { state: syn.state, syn };
}
const FROM_PEER = { sport: PEERPORT, dport: 50000 };

describe('model §8.2 active-open SYN', () => {
  it('defaults: S, window 64240, MSS 1460, SACK_PERM+TS (TSecr 0), NOP WS 10, DF, TTL 64', () => {
    const e = env();
    const p = only(connected(e).syn);
    expect(p.tcp).to.include({ flags: 'S', ack: 0, window: 64240, sport: 50000, dport: PEERPORT, seq: '*' });
    expect(p.tcp.options).to.deep.equal([['mss', 1460], ['sackOK'], ['ts', '*', 0], ['nop'], ['wscale', 10]]);
    expect(p.ip).to.include({ ttl: 64, df: true, id: '*' });
  });
  it('tcp_ecn=1 → flags SEC (t10)', () => {
    const e = env({ sysctls: { tcp_ecn: 1 } });
    expect(only(connected(e).syn).tcp.flags).to.equal('SEC');
  });
  it('SO_RCVBUF=4096 + TCP_MAXSEG=1000 → window 4000, WS 0 (t12)', () => {
    const e = env();
    const p = only(connected(e, { rcvbuf: 4096, maxseg: 1000 }).syn);
    expect(p.tcp.window).to.equal(4000);
    expect(p.tcp.options).to.deep.include(['mss', 1000]);
    expect(p.tcp.options).to.deep.include(['wscale', 0]);
  });
  it('without a port: an even ephemeral port symbol', () => {
    const e = env();
    const r = run(e, initialState(e), { type: 'connect', dport: PEERPORT }, 0);
    expect(r.responses[0].expect['tcp.sport']).to.deep.equal({ even: true, range: [32768, 60999] });
    expect(r.counters.TcpActiveOpens).to.equal(1);
  });
  it('tcp_timestamps=0 → NOP NOP SACK_PERM', () => {
    const e = env({ sysctls: { tcp_timestamps: 0 } });
    expect(only(connected(e).syn).tcp.options).to.deep.equal([['mss', 1460], ['nop'], ['nop'], ['sackOK'], ['nop'], ['wscale', 10]]);
  });
});

function synTimes(e: ModelEnv, s: ModelState, to: number): { times: number[]; gaveUp: number | undefined; flags: string[] } {
  const times: number[] = [];
  const flags: string[] = [];
  let gaveUp: number | undefined;
  for (let t = 250; t <= to; t += 250) {
    const r = apply(e, s, { type: 'tick' }, t);
    for (const p of r.responses) {
      times.push(p.atMs / 1000);
      flags.push(p.packet.tcp.flags);
    }
    if (gaveUp === undefined && r.reasons.some((x) => x.rule === 'syn_timer.give-up')) gaveUp = t / 1000;
    s = r.state;
  }
  return { times, gaveUp, flags };
}

describe('model §8.3 SYN retransmission schedule', () => {
  // Nominal RTOs 1,1,1,1,1,2,4,8,16,32,64 s; the timer wheel (correction C5) fires the first one up to
  // 32 ms late, then re-arms from aligned jiffies: 1 s → 1024 ms, 2 s → 2016 ms, 8 s → 8192 ms,
  // 16 s → 16128 ms exactly, 4 s and 32 s add a coarser granule of uncertainty.
  it('6.18: SYNs at 0,1,2,3,4,5,7,11,19,35,67 s nominal; earliest times per the timer wheel; ETIMEDOUT at ≈133 s', () => {
    const e = env();
    const { times, gaveUp } = synTimes(e, connected(e).state, 140000);
    expect([0, ...times]).to.deep.equal([0, 1, 2.024, 3.048, 4.072, 5.096, 7.112, 11.112, 19.304, 35.432, 67.432]);
    expect(gaveUp).to.equal(133); // 67.432 + 65.536 (64 s from a 2048-ms-aligned jiffy) = 132.968
  });
  it('6.18: the measured SYN schedules (6.18.44, three connections) fall inside the predicted TSval windows', () => {
    const e = env({ fixed: { isn: 1, tsOff: 0 } });
    const measured = [
      [1018, 2042, 3066, 4090, 5118, 7130, 11198, 19386, 35518],
      [1006, 2030, 3054, 4078, 5102, 7118, 11314, 19502, 35630],
      [1024, 2048, 3072, 4096, 5120, 7136, 11172, 19360, 35488],
    ];
    let s = connected(e).state;
    const windows: Array<[number, number]> = [];
    for (let t = 250; t <= 36000; t += 250) {
      const r = apply(e, s, { type: 'tick' }, t);
      for (const p of r.responses) {
        const x = (p.expect['opt.ts.val'] as { tsval: { approxMs: number; tolMs: number } }).tsval;
        windows.push([x.approxMs - x.tolMs, x.approxMs + x.tolMs]);
      }
      s = r.state;
    }
    for (const m of measured) m.forEach((v, i) => expect(v).to.be.within(windows[i][0], windows[i][1]));
    // The windows are tight where the kernel is exact: ≤ 32 ms + the TS tolerance for the 1 s and 2 s RTOs.
    expect(windows[5][1] - windows[5][0]).to.equal(32 + 2 * e.tsTolMs);
  });
  it('6.1: SYNs at 0,1,3,7,15,31,63 s nominal (earliest 1, 3.016, 7.016, 15.208, 31.336, 63.336); ETIMEDOUT at ≈129 s', () => {
    const e = env({ release: '6.1.0' });
    const { times, gaveUp } = synTimes(e, connected(e).state, 140000);
    expect([0, ...times]).to.deep.equal([0, 1, 3.016, 7.016, 15.208, 31.336, 63.336]);
    expect(gaveUp).to.equal(129); // 63.336 + 65.536 = 128.872
  });
  it('ECN fallback: the first retransmission is already plain S (t13)', () => {
    const e = env({ sysctls: { tcp_ecn: 1 } });
    const { flags } = synTimes(e, connected(e).state, 2300);
    expect(flags).to.deep.equal(['S', 'S']);
  });
  it('retransmitted SYN: same seq and options, IP ID +1', () => {
    const e = env({ fixed: { isn: 77 } });
    const c = connected(e);
    const r = apply(e, c.state, { type: 'tick' }, 1000);
    expect(r.responses[0].packet.tcp).to.deep.equal(c.syn.responses[0].packet.tcp);
    expect(r.responses[0].expect['ip.id']).to.deep.include({ rel: 1 });
  });
});

describe('model §8.4 SYN_SENT table', () => {
  const e = env({ fixed: { isn: 1000, tsOff: 0 } });
  const S = connected(e).state;
  it('ack = ISN → R seq=SEG.ACK, stays SYN_SENT, SYN re-sent after 2 jiffies (t10)', () => {
    const r = seg(e, S, { ...FROM_PEER, flags: 'SA', seq: 7000, ack: 1000 }, 100);
    expect(only(r).tcp).to.include({ flags: 'R', seq: 1000 });
    expect(r.state.socks.values()[0].state).to.equal('SYN_SENT');
    expect(r.timers).to.deep.include({ what: 'syn-rtx', atMs: 108, key: r.state.socks.keys()[0] });
    expect(only(apply(e, r.state, { type: 'tick' }, 108)).tcp.flags).to.equal('S');
  });
  it('ack = ISN+2 → R seq=SEG.ACK', () => {
    expect(only(seg(e, S, { ...FROM_PEER, flags: 'SA', seq: 7000, ack: 1002 }, 100)).tcp).to.include({ flags: 'R', seq: 1002 });
  });
  it('bad ack with RST → no RST, but the fast SYN re-send is armed (correction C3, 6.18.44)', () => {
    const r = seg(e, S, { ...FROM_PEER, flags: 'RA', ack: 5 }, 100);
    expect(r.responses).to.deep.equal([]);
    expect(rules(r)).to.include.members(['synsent.bad-ack-rst', 'syn_timer.fast-resend']);
    expect(r.state.socks.values()[0].state).to.equal('SYN_SENT');
    expect(only(apply(e, r.state, { type: 'tick' }, 108)).tcp).to.include({ flags: 'S', seq: 1000 });
  });
  it('acceptable ACK, bogus TSecr → RST (PAWSActive)', () => {
    const r = seg(e, S, { ...FROM_PEER, flags: 'SA', seq: 7000, ack: 1001, options: [{ kind: 'ts', val: 5, ecr: 999999 }] }, 100);
    expect(only(r).tcp.flags).to.equal('R');
    expect(r.counters.TcpExtPAWSActive).to.equal(1);
  });
  it('acceptable ACK + RST → refused, no reply', () => {
    const r = seg(e, S, { ...FROM_PEER, flags: 'RA', ack: 1001 }, 100);
    expect(r.responses).to.deep.equal([]);
    expect(r.state.socks.size).to.equal(0);
  });
  it('acceptable ACK without SYN → drop', () => {
    expect(rules(seg(e, S, { ...FROM_PEER, flags: 'A', ack: 1001 }, 100))).to.include('synsent.ack-no-syn');
  });
  it('SYN-ACK → ESTABLISHED, immediate ACK seq ISN+1 ack SEG.SEQ+1 with TS echo', () => {
    const r = seg(
      e,
      S,
      {
        ...FROM_PEER,
        flags: 'SA',
        seq: 7000,
        ack: 1001,
        options: [
          { kind: 'mss', value: 1460 },
          { kind: 'ts', val: 55, ecr: 0 },
          { kind: 'wscale', shift: 7 },
        ],
      },
      100,
    );
    const p = only(r);
    expect(p.tcp).to.include({ flags: 'A', seq: 1001, ack: 7001, window: '*' });
    expect(p.tcp.options).to.deep.equal([['nop'], ['nop'], ['ts', '*', 55]]);
    expect(r.state.socks.values()[0].state).to.equal('ESTABLISHED');
  });
  it('SYN-ACK with 4 B data → ACK ack=ISN_peer+1 (payload ignored); SYN|ACK|FIN → plain ACK', () => {
    expect(only(seg(e, S, { ...FROM_PEER, flags: 'SA', seq: 7000, ack: 1001, payload: new Uint8Array(4) }, 100)).tcp.ack).to.equal(7001);
    expect(only(seg(e, S, { ...FROM_PEER, flags: 'FSA', seq: 7000, ack: 1001 }, 100)).tcp).to.include({ ack: 7001, flags: 'A' });
  });
  it('SYN-ACK without options → ACK with no options', () => {
    expect(only(seg(e, S, { ...FROM_PEER, flags: 'SA', seq: 7000, ack: 1001 }, 100)).tcp.options).to.deep.equal([]);
  });
  it('RST without ACK → drop', () => expect(rules(seg(e, S, { ...FROM_PEER, flags: 'R' }, 100))).to.include('synsent.rst-drop'));
  it('anything else (FIN only) → drop', () => expect(rules(seg(e, S, { ...FROM_PEER, flags: 'F' }, 100))).to.include('synsent.other-drop'));
});

describe('model §8.5 simultaneous open', () => {
  const e = env({ fixed: { isn: 1000, tsOff: 0 } });
  const S = connected(e).state;
  it('peer SYN without options → SYN-ACK seq ISN ack SEG.SEQ+1 with the local option set (TSecr 0), window 64240', () => {
    const r = seg(e, S, { ...FROM_PEER, flags: 'S', seq: 3000 }, 500);
    const p = only(r);
    expect(p.tcp).to.include({ flags: 'SA', seq: 1000, ack: 3001, window: 64240 });
    expect(p.tcp.options).to.deep.equal([['mss', 1460], ['sackOK'], ['ts', '*', 0], ['nop'], ['wscale', 10]]);
  });
  it('the pending SYN timer retransmits the SYN-ACK at the original schedule', () => {
    const r = seg(e, S, { ...FROM_PEER, flags: 'S', seq: 3000, options: [{ kind: 'ts', val: 42, ecr: 0 }] }, 500);
    const t = apply(e, r.state, { type: 'tick' }, 1000);
    expect(only(t).tcp).to.include({ flags: 'SA', seq: 1000, ack: 3001 });
    expect(only(t).tcp.options).to.deep.include(['ts', '*', 42]);
  });
  it('then ACK of ISN+1 → ESTABLISHED, silent', () => {
    const r = seg(e, S, { ...FROM_PEER, flags: 'S', seq: 3000 }, 500);
    const a = seg(e, r.state, { ...FROM_PEER, flags: 'A', seq: 3001, ack: 1001 }, 600);
    expect(a.responses).to.deep.equal([]);
    expect(a.state.socks.values()[0].state).to.equal('ESTABLISHED');
  });
  it('ECE kept only when ECN is still on (tcp_ecn=1, peer SYN with ECE+CWR); CWR cleared', () => {
    const e1 = env({ sysctls: { tcp_ecn: 1 }, fixed: { isn: 1000 } });
    const s = connected(e1).state;
    expect(only(seg(e1, s, { ...FROM_PEER, flags: 'SEC', seq: 3000 }, 500)).tcp.flags).to.equal('SAE');
    expect(only(seg(e1, s, { ...FROM_PEER, flags: 'S', seq: 3000 }, 500)).tcp.flags).to.equal('SA');
  });
});

describe('model §8.6 established socket', () => {
  const e = env({ fixed: { isn: 5000, tsOff: 0 } });
  let s = seg(e, listening(e), { flags: 'S', seq: 1000, options: FULL }, 0).state;
  s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, options: [{ kind: 'ts', val: 101, ecr: 0 }] }, 10).state;
  it('old SYN (seq = original ISN) → challenge ACK seq=snd_nxt ack=rcv_nxt with TS; another within 500 ms → nothing', () => {
    const r = seg(e, s, { flags: 'S', seq: 1000, options: FULL }, 1000);
    expect(only(r).tcp).to.include({ flags: 'A', seq: 5001, ack: 1001 });
    expect(only(r).tcp.options).to.deep.equal([['nop'], ['nop'], ['ts', '*', 101]]);
    expect(seg(e, r.state, { flags: 'S', seq: 1000, options: FULL }, 1200).responses).to.deep.equal([]);
  });
  it('in-window inexact RST → challenge ACK', () => {
    expect(only(seg(e, s, { flags: 'R', seq: 1005 }, 1000)).tcp.flags).to.equal('A');
  });
  it('exact RST → reset silently; next segment gets a closed-port RST... or the listener', () => {
    const r = seg(e, s, { flags: 'R', seq: 1001 }, 1000);
    expect(r.responses).to.deep.equal([]);
    expect(r.state.socks.size).to.equal(0);
    expect(only(seg(e, r.state, { flags: 'A', seq: 1001, ack: 5001 }, 1100)).tcp.flags).to.equal('R');
  });
});
