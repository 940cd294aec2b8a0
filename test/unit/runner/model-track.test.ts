import { expect } from 'chai';
import { ModelTrack } from '../../../lib/match/model-track';
import { initialState, makeEnv } from '../../../lib/model';
import { buildIp } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import type { PacketJson } from '../../../lib/wire/types';

const DUT = '198.18.0.1';
const PEER = '198.18.0.2';
const T0 = 50_000;

function track(): ModelTrack {
  const env = makeEnv({ release: '6.18.44', ip: 4, dut: DUT, peer: PEER, sysctls: { 'net.ipv4.tcp_rmem': '4096 131072 33554432' } });
  const flows = new Map([
    [40000, 'a'],
    [40001, 'b'],
  ]);
  const t = new ModelTrack(env, initialState(env), T0, (port) => flows.get(port));
  t.event({ type: 'listen', port: 8080, backlog: 1 }, T0);
  return t;
}

function syn(sport: number): ReturnType<typeof decodeIp> {
  return decodeIp(
    buildIp({
      ip: 4,
      src: PEER,
      dst: DUT,
      sport,
      dport: 8080,
      flags: 'S',
      seq: 1000,
      options: [
        { kind: 'mss', value: 1460 },
        { kind: 'ts', val: 100, ecr: 0 },
      ],
    }),
  );
}

/** The prediction as the kernel would send it: the random values filled in. */
function observed(p: PacketJson, isn: number, tsval: number): PacketJson {
  const o = JSON.parse(JSON.stringify(p)) as PacketJson;
  o.tcp.seq = isn;
  for (const opt of o.tcp.options) if (opt[0] === 'ts') opt[1] = tsval;
  return o;
}

describe('runner/model-track: the model alongside a case', () => {
  it('queues predictions per flow; time brings the SYN-ACK retransmission due at +1 s', () => {
    const t = track();
    t.event({ type: 'segment', seg: syn(40000) }, T0 + 10, 'a');
    expect(t.due('a').map((p) => p.pred.packet.tcp.flags)).to.deep.equal(['SA']);
    expect(t.due('b')).to.deep.equal([]);
    t.advance(T0 + 1000);
    expect(t.due('a')).to.have.length(1);
    t.advance(T0 + 1011);
    const due = t.due('a');
    expect(due).to.have.length(2);
    expect(due[1].pred.atMs).to.equal(T0 + 1010);
    expect(due[1].reasons.map((r) => r.rule)).to.include('reqsk_timer.resend');
  });

  it('a claimed prediction that agrees binds the symbols it reveals; later ones must agree with them', () => {
    const t = track();
    t.event({ type: 'segment', seg: syn(40000) }, T0, 'a');
    t.advance(T0 + 1001);
    const first = t.take('a')!;
    expect(t.agree(first, observed(first.pred.packet, 777, T0 + 9000))).to.deep.equal([]);
    const rtx = t.take('a')!;
    expect(t.agree(rtx, observed(rtx.pred.packet, 777, T0 + 1000 + 9000))).to.deep.equal([]);
    const t2 = track();
    t2.event({ type: 'segment', seg: syn(40000) }, T0, 'a');
    t2.advance(T0 + 1001);
    t2.agree(t2.take('a')!, observed(first.pred.packet, 777, T0 + 9000));
    const bad = t2.take('a')!;
    const diffs = t2.agree(bad, observed(bad.pred.packet, 778, T0 + 1000 + 9000));
    expect(diffs.map((d) => d.field)).to.deep.equal(['tcp.seq']);
    expect(diffs[0].reason).to.match(/was bound to 777/);
  });

  it('a packet checked without the model claims the oldest prediction that agrees, else the oldest', () => {
    const t = track();
    const closed = (seq: number) => decodeIp(buildIp({ ip: 4, src: PEER, dst: DUT, sport: 40000, dport: 8081, flags: 'S', seq }));
    t.event({ type: 'segment', seg: closed(100) }, T0, 'a');
    t.event({ type: 'segment', seg: closed(200) }, T0, 'a');
    const [first, second] = t.due('a');
    expect([first.pred.packet.tcp.ack, second.pred.packet.tcp.ack]).to.deep.equal([101, 201]);
    // The answer to the second SYN arrives, the first's never does: the first stays queued.
    expect(t.claim('a', second.pred.packet)).to.equal(second);
    expect(t.due('a')).to.deep.equal([first]);
    // A packet nothing predicted claims the oldest.
    const odd: PacketJson = JSON.parse(JSON.stringify(first.pred.packet));
    odd.tcp.ack = 999;
    expect(t.claim('a', odd)).to.equal(first);
    expect(t.claim('a', odd)).to.equal(undefined);
  });

  it('a detached flow loses its predictions, now and later, and says why', () => {
    const t = track();
    t.event({ type: 'segment', seg: syn(40000) }, T0, 'a');
    t.event({ type: 'segment', seg: syn(40001) }, T0, 'b');
    t.detach('a', 'step 3 sends data');
    expect(t.due().map((p) => p.flow)).to.deep.equal(['b']);
    t.advance(T0 + 1001);
    expect(t.due().map((p) => p.flow)).to.deep.equal(['b', 'b']);
    expect(t.detachedWhy('a')).to.equal('step 3 sends data');
    expect(t.reasonsFor('b').length).to.be.greaterThan(0);
  });

  it('listen() again changes only the backlog, as inet_listen does', () => {
    const t = track();
    expect(t.state.listeners.get(8080)!.maxBacklog).to.equal(1);
    expect(t.relisten(8080, 4)).to.equal(true);
    expect(t.state.listeners.get(8080)!.maxBacklog).to.equal(4);
    expect(t.relisten(9999, 4)).to.equal(false);
  });

  it('never runs the model clock backwards', () => {
    const t = track();
    t.advance(T0 + 500);
    t.event({ type: 'segment', seg: syn(40000) }, T0 + 100, 'a');
    expect(t.now).to.equal(T0 + 500);
    expect(t.due('a')[0].pred.atMs).to.equal(T0 + 500);
  });
  it('a delayed ACK a later step cancels leaves the queue (C37)', () => {
    const t = track();
    const seg = (flags: string, seq: number, ack: number, payload?: Uint8Array) =>
      decodeIp(buildIp({ ip: 4, src: PEER, dst: DUT, sport: 40000, dport: 8080, flags, seq, ack, window: 502, payload }));
    t.event({ type: 'segment', seg: syn(40000) }, T0 + 10, 'a');
    const synack = t.take('a')!;
    const isn = 5000;
    expect(t.agree(synack, observed(synack.pred.packet, isn, T0 + 9000))).to.deep.equal([]);
    t.event({ type: 'segment', seg: seg('A', 1001, isn + 1) }, T0 + 20, 'a');
    t.event({ type: 'segment', seg: seg('FPA', 1001, isn + 1, new Uint8Array(3)) }, T0 + 30, 'a');
    expect(t.due('a').map((p) => p.pred.atMs)).to.deep.equal([T0 + 70]);
    const r = t.event({ type: 'segment', seg: seg('FPA', 1001, isn + 1, new Uint8Array(3)) }, T0 + 32, 'a');
    expect(r.cancels).to.deep.equal(['198.18.0.2:40000>8080']);
    expect(t.due('a').map((p) => p.pred.atMs)).to.deep.equal([T0 + 32]);
  });
});

describe('runner/model-track: a delayed ACK is a timer for the lateness check', () => {
  /** A segment from the peer (port 40000) to the listener, no options. */
  const seg = (flags: string, seq: number, ack: number, payload = 0): ReturnType<typeof decodeIp> =>
    decodeIp(
      buildIp({
        ip: 4,
        src: PEER,
        dst: DUT,
        sport: 40000,
        dport: 8080,
        flags,
        seq,
        ack,
        window: 502,
        ...(payload ? { payload: new Uint8Array(payload) } : {}),
      }),
    );

  it('data + FIN (ACK delayed 40 ms): the next timer is the delayed ACK until it is due or replaced', () => {
    const env = makeEnv({
      release: '6.18.44',
      ip: 4,
      dut: DUT,
      peer: PEER,
      sysctls: { 'net.ipv4.tcp_rmem': '4096 131072 33554432' },
      fixed: { isn: 5000, tsOff: 0 },
    });
    const t = new ModelTrack(env, initialState(env), T0, () => 'a');
    t.event({ type: 'listen', port: 8080, backlog: 128 }, T0);
    t.event({ type: 'segment', seg: seg('S', 1000, 0) }, T0);
    t.take('a');
    t.event({ type: 'segment', seg: seg('A', 1001, 5001) }, T0 + 10);
    const own = t.nextTimerMs(); // the model's own timers, all later than a delayed ACK
    t.event({ type: 'segment', seg: seg('FPA', 1001, 5001, 1) }, T0 + 20);
    const ack = t.due('a');
    expect(ack.map((p) => p.pred.delack !== undefined)).to.deep.equal([true]);
    expect(ack[0].pred.atMs)
      .to.be.greaterThan(T0 + 20)
      .and.lessThan(own);
    expect(t.nextTimerMs()).to.equal(ack[0].pred.atMs);
    // once model time has reached it, it is a packet due, no longer a timer ahead
    t.advance(ack[0].pred.atMs);
    expect(t.nextTimerMs()).to.be.greaterThan(ack[0].pred.atMs);
  });
});
