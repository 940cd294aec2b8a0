// The runner's step verdicts (lib/match: expect, expect_none, expect: model, call checks, model
// events), judged without a kernel: the DUT's packets are built here, with the times the capture would
// have stamped them, and the model runs alongside as it does in a case.
import { expect } from 'chai';
import { parseCaseText, type CallStep, type ExpectNoneStep, type ExpectStep, type Step } from '../../../lib/case';
import { FlowBindings } from '../../../lib/match/bindings';
import { callOutcome, checkCall } from '../../../lib/match/call-check';
import { bytesText, describePattern, fmtRel } from '../../../lib/match/describe';
import { earlyDiff, judgeExpectPacket, judgeNothingArrived, type ExpectScene, type Observed } from '../../../lib/match/expect';
import { judgeExpectModel, type ModelObserved } from '../../../lib/match/expect-model';
import { judgeExpectNoneHit, judgeExpectNoneQuiet } from '../../../lib/match/expect-none';
import { modelCall, modelSockopts } from '../../../lib/match/model-events';
import { ModelTrack } from '../../../lib/match/model-track';
import { MODEL_SLACK_MS } from '../../../lib/match/timing';
import { initialState, makeEnv } from '../../../lib/model';
import { buildIp, type PacketSpec } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import { flagsToString } from '../../../lib/wire/flags';
import { toPacketJson } from '../../../lib/wire/summary';
import type { Decoded } from '../../../lib/wire/types';

const DUT = '198.18.0.1';
const PEER = '198.18.0.2';
/** When the case sent its SYN, model ms. */
const T0 = 50_000;
const ISN = 777_000;

/** The steps of a listen case on port 8080 (flow a: sport 40000, isn 1000) with these steps (YAML lines). */
function steps(...lines: string[]): Step[] {
  const text = ['name: t', 'description: t', 'spec: "§1"', 'setup: { listen: { port: 8080 } }', 'steps:', ...lines.map((l) => `  - ${l}`)].join('\n');
  return parseCaseText(text, 't.yaml').steps;
}

const SYN_OPTS: PacketSpec['options'] = [
  { kind: 'mss', value: 1460 },
  { kind: 'sackOK' },
  { kind: 'ts', val: 100, ecr: 0 },
  { kind: 'nop' },
  { kind: 'wscale', shift: 7 },
];

/** A model listening on 8080 that got the case's SYN at T0 (applied when next consulted, as in a case). */
function modelAfterSyn(): ModelTrack {
  const env = makeEnv({ release: '6.18.44', ip: 4, dut: DUT, peer: PEER, sysctls: { 'net.ipv4.tcp_rmem': '4096 131072 33554432' } });
  const flows = new Map([[40000, 'a']]);
  const m = new ModelTrack(env, initialState(env), T0 - 5, (port) => flows.get(port));
  m.event({ type: 'listen', port: 8080, backlog: 128 }, T0 - 5);
  m.sent(decodeIp(buildIp({ ip: 4, src: PEER, dst: DUT, sport: 40000, dport: 8080, flags: 'S', seq: 1000, options: SYN_OPTS })), T0, 'a');
  return m;
}

/** The SYN-ACK the DUT sends for that SYN (what Linux sends with these sysctls; TS value `tsval`), `o` changed. */
function synAck(o: Partial<PacketSpec> = {}, tsval = 5555): Decoded {
  const m = modelAfterSyn();
  const pred = m.due('a')[0].pred.packet.tcp;
  const wscale = Number(pred.options.find((x) => x[0] === 'wscale')![1]);
  return decodeIp(
    buildIp({
      ip: 4,
      src: DUT,
      dst: PEER,
      sport: 8080,
      dport: 40000,
      flags: 'SA',
      seq: ISN,
      ack: 1001,
      window: Number(pred.window),
      options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: tsval, ecr: 100 }, { kind: 'nop' }, { kind: 'wscale', shift: wscale }],
      ...o,
    }),
  );
}

function observed(d: Decoded, atMs: number): Observed {
  return { d, text: flagsToString(d.tcp!.flags), atMs };
}

function scene(b = new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }])): ExpectScene {
  return { lookup: b.lookup, packetAt: () => undefined, refMs: T0, dutPort: 8080, file: 't.yaml' };
}

describe('match/step verdicts: expect against its pattern and the model', () => {
  it('the SYN-ACK matches its pattern and the model agrees (the sent SYN applied on first use)', () => {
    const [, s] = steps('send: { flags: S }', 'expect: { model: true, flags: SA, seq: dut.isn, ack: peer.isn+1, tsecr: 100 }') as [Step, ExpectStep];
    const m = modelAfterSyn();
    const b = new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]);
    const d = synAck();
    b.beforeDut('a', d);
    const v = judgeExpectPacket(m, s, 0, observed(d, T0 + 0.1), scene(b));
    expect(v.failure).to.equal(undefined);
    expect(v.comment).to.equal('step 2: expect matched; the model agrees');
    expect(m.due('a')).to.deep.equal([]);
  });

  it("a field that differs fails the step with file:line:column and the model's reasons", () => {
    const [, s] = steps('send: { flags: S }', 'expect: { model: true, flags: SA, window: 1234 }') as [Step, ExpectStep];
    const v = judgeExpectPacket(modelAfterSyn(), s, 0, observed(synAck(), T0 + 0.1), scene());
    expect(v.comment).to.equal('step 2: expect MISMATCH in window');
    expect(v.failure!.message).to.match(/^SA win=1234 on flow a — 1 field\(s\) differ \(t\.yaml:7:\d+\)$/);
    expect(v.failure!.reasons![0]).to.match(/^predicted SA seq=\S+ ack=1001/);
  });

  it('the model disagrees where the kernel sent another window: a "model tcp.window" diff with its reason', () => {
    const [, s] = steps('send: { flags: S }', 'expect: { model: true, flags: SA }') as [Step, ExpectStep];
    const v = judgeExpectPacket(modelAfterSyn(), s, 0, observed(synAck({ window: 1000 }), T0 + 0.1), scene());
    const d = v.failure!.diffs!.find((x) => x.field === 'model tcp.window');
    expect(d, JSON.stringify(v.failure)).to.not.equal(undefined);
    expect(d!.observed).to.equal('1000');
    expect(d!.reason).to.be.a('string').and.not.equal('');
  });

  it('a late packet fails its `at` window (the verdict takes the capture time, not when it was judged)', () => {
    const [, s] = steps('send: { flags: S }', 'expect: { flags: SA, at: [0ms, 10ms] }') as [Step, ExpectStep];
    const late = judgeExpectPacket(modelAfterSyn(), s, 0, observed(synAck(), T0 + 35), scene());
    expect(late.failure!.diffs!.map((d) => d.field)).to.deep.equal(['at']);
    expect(late.failure!.diffs![0].observed).to.match(/35/);
    const onTime = judgeExpectPacket(modelAfterSyn(), s, 0, observed(synAck(), T0 + 9.9), scene());
    expect(onTime.failure).to.equal(undefined);
  });

  it('a packet the model predicts nothing for: model: true fails with "the model predicts silence"', () => {
    const [, s] = steps('send: { flags: S }', 'expect: { model: true, flags: SA }') as [Step, ExpectStep];
    const m = modelAfterSyn();
    m.take('a');
    const v = judgeExpectPacket(m, s, 0, observed(synAck(), T0 + 0.1), scene());
    expect(v.failure!.diffs!.map((d) => [d.field, d.expected])).to.deep.equal([['model', 'no packet (the model predicts silence here)']]);
  });

  it("a packet from another port than the DUT socket's fails on sport", () => {
    const [, s] = steps('send: { flags: S }', 'expect: { model: false, flags: SA }') as [Step, ExpectStep];
    const v = judgeExpectPacket(modelAfterSyn(), s, 0, observed(synAck({ sport: 8081 }), T0 + 0.1), scene());
    expect(v.failure!.diffs).to.deep.equal([{ field: 'sport', expected: '8080', observed: '8081', reason: "the DUT socket's port" }]);
  });

  it('nothing arrived: says how long it waited, of which packet, and what the model predicted', () => {
    const [, s] = steps('send: { flags: S }', 'expect: [{ flags: SA, within: 50ms }, { flags: A }]') as [Step, ExpectStep];
    const first = judgeNothingArrived(modelAfterSyn(), s, 0, T0 + 50);
    expect(first.message).to.equal('#1 of 2: SA on flow a — nothing arrived within 50 ms');
    expect(first.reasons![0]).to.match(/^predicted SA /);
    const [, w] = steps('send: { flags: S }', 'expect: { flags: SA, at: [0ms, 10ms] }') as [Step, ExpectStep];
    expect(judgeNothingArrived(modelAfterSyn(), w, 0, T0 + 10).message).to.match(/nothing arrived by the end of /);
  });

  it("a timer-driven packet: the SYN-ACK retransmission, observed ~1 s later, claims the model's retransmission", () => {
    const [, s] = steps('send: { flags: S }', 'expect: [{ model: true, flags: SA }, { model: true, flags: SA, seq: dut.isn }]') as [Step, ExpectStep];
    const m = modelAfterSyn();
    const b = new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]);
    const first = synAck();
    b.beforeDut('a', first);
    expect(judgeExpectPacket(m, s, 0, observed(first, T0 + 0.1), scene(b)).failure).to.equal(undefined);
    b.afterDut('a', first);
    // Linux stamps the retransmission on its jiffy, a little before the model's exact due time.
    const rtx = synAck({}, 6555);
    b.beforeDut('a', rtx);
    const v = judgeExpectPacket(m, s, 1, observed(rtx, T0 + 1000 - MODEL_SLACK_MS / 2), scene(b));
    expect(v.failure, JSON.stringify(v.failure)).to.equal(undefined);
    expect(v.comment).to.equal('step 2: expect #2 matched; the model agrees');
  });
});

describe('match/step verdicts: a packet well before the delay the model puts on it', () => {
  it('a delayed ACK the kernel sent at once disagrees on time; within the jiffy slack, or with the model clock late, it does not', () => {
    const made = modelAfterSyn().due('a')[0];
    expect(made.madeMs).to.equal(made.pred.atMs);
    // the segment went out at T0; the model, its clock 15 ms late, waits 40 ms (a delayed ACK)
    const pend = { ...made, causeMs: T0, madeMs: T0 + 15, pred: { ...made.pred, atMs: T0 + 55 } };
    const d = earlyDiff(pend, { atMs: T0 + 0.1 }, 4);
    expect(d).to.deep.include({ field: 'model at', expected: '40.0 ms after its cause', observed: '0.1 ms after it' });
    expect(d!.reason).to.match(/sent 39\.9 ms before the model's time$/);
    expect(earlyDiff(pend, { atMs: T0 + 20.1 }, 4)).to.equal(undefined);
    // an answer the model sends at once (no delay) is never early, however late the model's clock
    expect(earlyDiff({ ...made, madeMs: made.pred.atMs }, { atMs: made.causeMs + 0.01 }, 4)).to.equal(undefined);
  });
});

describe('match/step verdicts: expect_none', () => {
  it('quiet span with nothing predicted: ok; the model advanced to its end', () => {
    const [s] = steps('expect_none: 300ms') as [ExpectNoneStep];
    const m = modelAfterSyn();
    m.take('a');
    expect(judgeExpectNoneQuiet(m, s, T0 + 1, T0 + 301)).to.deep.equal({ index: 0, kind: 'expect_none', ok: true });
    expect(m.now).to.equal(T0 + 301);
  });

  it("a timer-driven packet the kernel did not send: the model's retransmission due in the span fails it", () => {
    const [s] = steps('expect_none: 1500ms') as [ExpectNoneStep];
    const m = modelAfterSyn();
    m.take('a');
    const v = judgeExpectNoneQuiet(m, s, T0 + 1, T0 + 1501);
    expect(v.ok).to.equal(false);
    expect(v.message).to.equal('the model predicts 1 packet(s) the kernel did not send');
    expect(v.diffs![0].expected).to.match(/^SA .* at \+(999|1000)\.\d ms$/);
    expect(v.diffs![0].reason).to.match(/retransmit|timer/i);
    expect(m.due()).to.deep.equal([]); // dropped: a later step does not see them again
  });

  it('a packet that came during the span, or was there before it began', () => {
    const [s] = steps('expect_none: { for: 300ms, flow: a }') as [ExpectNoneStep];
    const during = judgeExpectNoneHit(modelAfterSyn(), s, { ...observed(synAck(), T0 + 12.5), flow: 'a' }, T0 + 10);
    expect(during.message).to.equal('nothing expected for 300 ms on flow a, but the DUT sent a packet at +2.5 ms');
    expect(during.diffs).to.deep.equal([{ field: 'packet', expected: 'nothing for 300 ms on flow a', observed: 'SA' }]);
    expect(during.reasons![0]).to.match(/^predicted SA /);
    const before = judgeExpectNoneHit(modelAfterSyn(), s, { ...observed(synAck(), T0 + 0.1), flow: undefined }, T0 + 10);
    expect(before.message).to.match(/before the step began$/);
    expect(before.reasons).to.deep.equal([]);
  });
});

describe('match/step verdicts: expect: model', () => {
  const [, s] = steps('send: { flags: S }', 'expect: model') as [Step, ExpectStep];
  const seen = (d: Decoded, atMs: number): ModelObserved => ({ ...observed(d, atMs), flow: 'a' });

  it('the predicted packet taken: ok, bound for later steps, commented', () => {
    const m = modelAfterSyn();
    const b = new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]);
    const o = seen(synAck(), T0 + 0.1);
    const v = judgeExpectModel(m, b, s, m.due(), [o], []);
    expect(v.outcome).to.deep.include({ index: 1, kind: 'expect', ok: true });
    // what `expect: model` stood for, shown in --json and summary.json even when it passed
    expect(v.outcome.expected).to.have.length(1);
    expect(v.outcome.expected![0]).to.match(/^SA seq=\* ack=1001 win=65160 \[mss 1460.* on flow a$/);
    expect(v.comments.get(o)).to.equal('step 2: expect: model #1 matched');
    expect(v.got).to.have.length(1);
    expect(b.get('a', 'dut.isn')).to.equal(ISN);
    expect(m.due()).to.deep.equal([]);
  });

  it('a packet more than predicted fails; so does a predicted packet that never came', () => {
    const m = modelAfterSyn();
    const more = judgeExpectModel(
      m,
      new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]),
      s,
      m.due(),
      [seen(synAck(), T0 + 0.1)],
      [seen(synAck({ flags: 'R' }), T0 + 0.2)],
    );
    expect(more.outcome.ok).to.equal(false);
    expect(more.outcome.message).to.match(/^expect: model, flow a: /);
    const m2 = modelAfterSyn();
    const none = judgeExpectModel(m2, new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]), s, m2.due(), [], []);
    expect(none.outcome.ok).to.equal(false);
    expect(none.outcome.expected).to.have.length(1);
    expect(none.outcome.expected![0]).to.match(/^SA .* on flow a$/);
    expect(none.outcome.reasons![0]).to.match(/^tcp_/); // the rules only; the prediction is in expected
  });

  it('nothing predicted: expected is an empty list, and a packet that came fails', () => {
    const m = modelAfterSyn();
    const b = new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]);
    const first = judgeExpectModel(m, b, s, m.due(), [seen(synAck(), T0 + 0.1)], []);
    expect(first.outcome.ok).to.equal(true);
    const again = judgeExpectModel(m, b, s, m.due(), [], [seen(synAck(), T0 + 0.3)]);
    expect(again.outcome).to.deep.include({ ok: false, expected: [] });
  });

  it('a flow the model no longer follows: any packet on it fails, saying why', () => {
    const m = modelAfterSyn();
    m.detach('a', 'step 3 sends data (the model has no data path)');
    const v = judgeExpectModel(m, new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]), s, m.due(), [], [seen(synAck(), T0 + 0.1)]);
    expect(v.outcome.message).to.equal(
      'expect: model, flow a: the DUT sent 1 packet(s), but the model does not follow this flow: step 3 sends data (the model has no data path)',
    );
  });
});

describe('match/step verdicts: call checks and what calls mean to the model', () => {
  /** The call step `line`, after an accept (so calls on the connection are allowed): step 2. */
  const call = (line: string): CallStep => steps('call: { op: accept }', line)[1] as CallStep;

  it('ok by default; err, ret, value and data against the reply', () => {
    expect(checkCall(call('call: { op: accept }'), { ok: true, ret: 5 }, undefined, undefined)).to.deep.equal([]);
    expect(checkCall(call('call: { op: accept }'), { ok: false, ret: -1, err: 'EAGAIN' }, undefined, undefined)).to.deep.equal([
      { field: 'ok', expected: 'ok', observed: 'failed (EAGAIN)' },
    ]);
    expect(
      checkCall(call('call: { op: accept, timeout: 0s, expect: { err: EAGAIN } }'), { ok: true, ret: 5 }, undefined, undefined).map((d) => d.field),
    ).to.deep.equal(['ok', 'err']);
    expect(
      checkCall(call('call: { op: getsockopt, name: TCP_MAXSEG, on: conn, expect: { value: 1460 } }'), { ok: true, ret: 0 }, 1448, undefined),
    ).to.deep.equal([{ field: 'value', expected: '1460', observed: '1448' }]);
    const recv = call('call: { op: recv, on: conn, expect: { data: "hi" } }');
    expect(checkCall(recv, { ok: true, ret: 2 }, undefined, new Uint8Array([0x68, 0x69]))).to.deep.equal([]);
    expect(checkCall(recv, { ok: true, ret: 2 }, undefined, new Uint8Array([0, 1]))).to.deep.equal([{ field: 'data', expected: '"hi"', observed: 'hex:0001' }]);
  });

  it('the step outcome says what the call did', () => {
    const o = callOutcome(call('call: { op: accept }'), { ok: false, ret: -1, err: 'EAGAIN', msg: 'no child' }, undefined, undefined);
    expect(o.message).to.equal('accept failed: EAGAIN — no child');
    expect(callOutcome(call('call: { op: accept }'), { ok: true, ret: 4 }, undefined, undefined)).to.deep.equal({ index: 1, kind: 'call', ok: true });
  });

  it('close of the listener and a data send reach the model; getsockopt does not', () => {
    const m = modelAfterSyn();
    const sc = { atMs: T0 + 5, listenPort: 8080, dutPort: 8080, conn: { name: 'a', sport: 40000, isn: 1000 }, peerAddr: PEER };
    modelCall(m, call('call: { op: getsockopt, name: TCP_MAXSEG }'), { ok: true }, sc);
    expect(m.detachedWhy('a')).to.equal(undefined);
    modelCall(m, call('call: { op: send, on: conn, data: "x" }'), { ok: true }, sc);
    expect(m.detachedWhy('a')).to.equal('step 2 sends data (the model has no data path)');
    modelCall(m, call('call: { op: close }'), { ok: true }, sc);
    expect(m.state.listeners.get(8080)).to.equal(undefined);
  });

  it("socket options as the model knows them (TCP_MD5SIG keys the peer's address)", () => {
    expect(
      modelSockopts(
        [
          { name: 'SO_REUSEPORT', value: 1 },
          { name: 'TCP_MD5SIG', value: { key: 'k' } as never },
        ],
        PEER,
      ),
    ).to.deep.include({ reuseport: true, md5Peers: [PEER] });
  });
});

describe('match/step verdicts: words', () => {
  it('patterns, relative times and bytes', () => {
    const [, s] = steps('send: { flags: S }', 'expect: { flags: SA, seq: dut.isn, ack: peer.isn+1, at: [0ms, 10ms] }') as [Step, ExpectStep];
    expect(describePattern(s.packets[0])).to.match(/^SA seq=dut\.isn ack=peer\.isn\+1 at /);
    expect(fmtRel(-0.25)).to.equal('-0.3 ms');
    expect(fmtRel(12)).to.equal('+12.0 ms');
    expect(bytesText(new Uint8Array([0x68, 0x69]))).to.equal('"hi"');
    expect(bytesText(new Uint8Array([]))).to.equal('hex:');
  });

  it('a packet sent to the model is applied only when the model is next consulted, at its own time', () => {
    const m = modelAfterSyn();
    expect(m.state.reqs.size).to.equal(0);
    const due = m.due('a');
    expect(due).to.have.length(1);
    expect(due[0].pred.atMs).to.equal(T0);
    expect(toPacketJson(synAck())!.tcp.flags).to.equal('SA');
  });
});
