// A played batch and its outcomes through the pipeline worker's buffers: what comes out is what went in.
import { expect } from 'chai';
import { packedFlowBuffers, packFlows, packOutcomes, unpackFlows, unpackOutcomes } from '../../../lib/fuzz/played-pack';
import { bindCapture, bindCaptureFrames, type FlowOutcome, type PlayedFlow } from '../../../lib/fuzz/sequence-judge';
import { buildFrame } from '../../../lib/wire/build';
import { decodeEthernet } from '../../../lib/wire/decode';
import { toPacketJson } from '../../../lib/wire/summary';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const plan = (cap: boolean): PlayedFlow['plan'] => [
  { what: 'syn', ...(cap ? { capture: { kind: 'capture' as const, what: 'synack' as const, bind: ['dutIsn' as const] } } : {}), last: false },
  { what: 'mutated', last: true },
];

describe('played batches packed for the pipeline worker', () => {
  it('flows: packets, frames, times, plans and the reason a flow stopped come back as they went', () => {
    const flows: PlayedFlow[] = [
      {
        ip: 4,
        plan: plan(true),
        rounds: [
          { bytes: bytes(1, 2, 3), t: 10.5, tEnd: 11.25, frames: [bytes(9, 9), bytes(8)] },
          { bytes: bytes(4), t: 12, tEnd: 27, frames: [], quietMs: 15 },
        ],
      },
      { ip: 6, plan: plan(true), rounds: [], stopped: { why: 'slow', text: 'syn: 12.0 ms', retry: true } },
      { ip: 6, plan: plan(false), rounds: [{ bytes: bytes(), t: 1, tEnd: 2, frames: [bytes(7, 7, 7)] }] },
    ];
    const p = packFlows(flows);
    // the same plan travels once
    expect(p.plans).to.have.length(2);
    expect(packedFlowBuffers(p).every((b) => b instanceof ArrayBuffer)).to.equal(true);
    const back = unpackFlows(structuredClone(p, { transfer: packedFlowBuffers(p) }));
    expect(back.map((f) => ({ ...f, rounds: f.rounds.map((r) => ({ ...r, bytes: [...r.bytes], frames: r.frames.map((x) => [...x]) })) }))).to.deep.equal(
      flows.map((f) => ({ ...f, rounds: f.rounds.map((r) => ({ ...r, bytes: [...r.bytes], frames: r.frames.map((x) => [...x]) })) })),
    );
  });

  it('outcomes: agreeing flows as a number into the distinct rule lists, the rest whole', () => {
    const outcomes: FlowOutcome[] = [
      { judgement: { verdict: { ok: true }, phase: 'mutated', rules: ['a', 'b'] } },
      { alone: 'mutated: later', why: 'late' },
      { judgement: { verdict: { ok: true }, phase: 'mutated', rules: ['a', 'b'] } },
      { judgement: { verdict: { ok: false, divergence: { rule: 'r', fn: 'f', fields: ['tcp.seq'], text: 't' } }, phase: 'setup', rules: ['a'] } },
      { judgement: { verdict: { ok: true }, phase: 'mutated', rules: [] } },
    ] as FlowOutcome[];
    const p = packOutcomes(outcomes);
    expect(p.paths).to.deep.equal([['a', 'b'], []]);
    expect([...p.pathOf]).to.deep.equal([0, -1, 0, -1, 1]);
    expect(unpackOutcomes(structuredClone(p))).to.deep.equal(outcomes);
  });
});

describe('capture bindings read straight off the frames', () => {
  it('bindCaptureFrames binds what bindCapture binds from the decoded frames (ISN, TSval, window; the first frame with the flag)', () => {
    const T = '02:00:00:00:00:02';
    const D = '02:00:00:00:00:01';
    for (const ip of [4, 6] as const) {
      const [dut, peer] = ip === 4 ? ['198.18.0.1', '198.18.0.2'] : ['2001:2::1', '2001:2::2'];
      const frames = [
        buildFrame({ ip, src: dut, dst: peer, sport: 8080, dport: 40000, flags: 'A', seq: 1, ack: 2, window: 7 }, D, T),
        buildFrame(
          {
            ip,
            src: dut,
            dst: peer,
            sport: 8080,
            dport: 40000,
            flags: 'SA',
            seq: 0xfedcba98,
            ack: 1001,
            window: 64260,
            options: [
              { kind: 'mss', value: 1440 },
              { kind: 'sackOK' },
              { kind: 'ts', val: 0x89abcdef, ecr: 100 },
              { kind: 'nop' },
              { kind: 'wscale', shift: 10 },
            ],
          },
          D,
          T,
        ),
      ];
      for (const what of ['synack', 'ack'] as const) {
        const step = { kind: 'capture' as const, what, bind: ['dutIsn', 'dutTsval', 'dutWindow'] as const };
        const a = {};
        const b = {};
        bindCapture(
          step,
          frames.map((f) => toPacketJson(decodeEthernet(f))!),
          a,
        );
        bindCaptureFrames(step, frames, b);
        expect(b, `IPv${ip} ${what}`).to.deep.equal(a);
        expect(Object.keys(b).length, `IPv${ip} ${what}`).to.be.greaterThan(0);
      }
    }
  });
});
