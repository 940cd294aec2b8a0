// The retransmission timer after close() (correction C39): the FIN again after the RTO (a tail loss
// probe first with SACK), doubling; zero-window probes for a held FIN; the window update releasing it.
import { expect } from 'chai';
import type { ModelEnv, ModelState } from '../../../lib/model';
import { env, FULL, listening, rules, run, seg } from './helpers';

const NO_SACK = FULL.filter((o) => o.kind !== 'sackOK');
const TS = (val: number) => [{ kind: 'ts' as const, val, ecr: 0 }];

/** A passive connection: SYN at 0, the third ACK at `ackAt` (the RTT sample) with `window`, accepted and closed at 20. */
function closed(e: ModelEnv, options = FULL, ackAt = 2, window = 64240): ModelState {
  let s = seg(e, listening(e), { flags: 'S', seq: 1000, options }, 0).state;
  s = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, window, options: TS(101) }, ackAt).state;
  s = run(e, s, { type: 'accept', port: 80 }, 10).state;
  return run(e, s, { type: 'close', port: 80, peerPort: 40000 }, 20).state;
}
/** The FIN|ACK / ACK packets the model's timers send up to `upto` (ms), with their times. */
function timerSends(e: ModelEnv, s: ModelState, upto: number) {
  const out: Array<{ at: number; flags: string; seq: unknown; rule: string }> = [];
  for (let t = 0; t <= upto; t += 1) {
    if (s.nextDue > t) continue;
    const r = run(e, s, { type: 'tick' }, t);
    for (const p of r.responses)
      out.push({ at: p.atMs, flags: p.packet.tcp.flags, seq: p.packet.tcp.seq, rule: r.reasons.find((x) => x.rule !== 'event.tick')!.rule });
    s = r.state;
  }
  return out;
}

describe('model: the retransmission timer after close() (C39)', () => {
  const e = env({ fixed: { isn: 5000, tsOff: 0 } });
  it('with SACK: a tail loss probe after the RTO (tcp_rto_min at the earliest), the RTO again, then doubled', () => {
    const s = closed(e);
    expect(s.nextDue).to.equal(220);
    const sent = timerSends(e, s, 1100);
    expect(sent.map((x) => x.flags)).to.deep.equal(['FA', 'FA', 'FA']);
    expect(sent.map((x) => x.seq)).to.deep.equal([5001, 5001, 5001]);
    expect(sent.map((x) => x.rule)).to.deep.equal(['estab.fin-rtx', 'estab.fin-rtx', 'estab.fin-rtx']);
    // 200 ms after the FIN, 200 more (the probe does not back off), then 400.
    expect(sent[1].at - sent[0].at).to.be.within(200, 212);
    expect(sent[2].at - sent[1].at).to.be.within(400, 412);
  });
  it('without SACK: RTO, then 2 × RTO; on IPv6 the flow label is rethought at each RTO', () => {
    const sent = timerSends(e, closed(e, NO_SACK), 700);
    expect(sent.length).to.equal(2);
    expect(sent[1].at - sent[0].at).to.be.within(400, 412);
    const e6 = env({ ip: 6, fixed: { isn: 5000, tsOff: 0 } });
    const r = run(e6, closed(e6, NO_SACK), { type: 'tick' }, 230);
    expect(rules(r)).to.include.members(['estab.rtx-rehash', 'estab.fin-rtx']);
  });
  it('the window of the first timer covers the RTO of the handshake sample (m + max(2m, 200 ms)), m ± the model clock slack', () => {
    const s = closed(e, FULL, 60);
    const sock = [...s.socks.values()][0];
    // m = 60 ± 20 (the model's clock may run ahead by MODEL_SLACK_MS): m + max(2m, 200) in 4-ms jiffies
    expect(sock.finRtx).to.include({ loMs: 240, hiMs: 280 });
    expect(sock.timerAt).to.equal(260);
    expect(sock.timerSlack!.widthMs).to.be.at.least(40);
  });
  it('the ACK of the FIN stops it (FIN_WAIT2, its own timer)', () => {
    const s = seg(e, closed(e), { flags: 'A', seq: 1001, ack: 5002, options: TS(102) }, 50).state;
    expect(timerSends(e, s, 2000)).to.deep.equal([]);
  });
  it('a FIN held by a zero window: probes at snd_una − 1 after the RTO, then doubled; a window update releases the FIN', () => {
    const s = closed(e, FULL, 2, 0);
    const sent = timerSends(e, s, 700);
    expect(sent.map((x) => [x.flags, x.seq, x.rule])).to.deep.equal([
      ['A', 5000, 'estab.probe0'],
      ['A', 5000, 'estab.probe0'],
    ]);
    expect(sent[1].at - sent[0].at).to.be.within(400, 412);
    const r = seg(e, s, { flags: 'A', seq: 1001, ack: 5001, window: 1000, options: TS(102) }, 100);
    expect(rules(r)).to.include('close.fin-released');
    expect(r.responses.map((p) => [p.packet.tcp.flags, p.packet.tcp.seq])).to.deep.equal([['FA', 5001]]);
    expect([...r.state.socks.values()][0]).to.include({ timerAt: 300, finHeld: undefined });
  });
});
