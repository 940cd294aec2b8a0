import { expect } from 'chai';
import { parseCaseText, type ExpectStep, type PacketPattern } from '../../../lib/case';
import { FlowBindings } from '../../../lib/match/bindings';
import { matchPattern, optionText, type PatternContext } from '../../../lib/match/pattern';
import { buildIp, type PacketSpec } from '../../../lib/wire/build';
import { decodeIp } from '../../../lib/wire/decode';
import type { Decoded } from '../../../lib/wire/types';

const DUT = '198.18.0.1';
const PEER = '198.18.0.2';

/** A case whose step 1 sends a labelled SYN (ts=100:0) and step 2 expects `pattern` (YAML flow map). */
function patternOf(pattern: string): { pattern: PacketPattern; sent: Decoded } {
  const text = [
    'name: t',
    'description: t',
    'spec: "§1"',
    'setup: { listen: { port: 8080 } }',
    'steps:',
    '  - send: { flags: S, options: [mss=1460, ts=100:0], label: syn }',
    `  - expect: ${pattern}`,
  ].join('\n');
  const c = parseCaseText(text, 't.yaml');
  const sent = decodeIp(
    buildIp({
      ip: 4,
      src: PEER,
      dst: DUT,
      sport: 40000,
      dport: 8080,
      flags: 'S',
      seq: 1000,
      options: [
        { kind: 'mss', value: 1460 },
        { kind: 'ts', val: 100, ecr: 0 },
      ],
    }),
  );
  return { pattern: (c.steps[1] as ExpectStep).packets[0], sent };
}

function dutPacket(o: Partial<PacketSpec> = {}): Decoded {
  return decodeIp(
    buildIp({
      ip: 4,
      src: DUT,
      dst: PEER,
      sport: 8080,
      dport: 40000,
      flags: 'SA',
      seq: 5000,
      ack: 1001,
      window: 65160,
      options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 777, ecr: 100 }, { kind: 'nop' }, { kind: 'wscale', shift: 10 }],
      ...o,
    }),
  );
}

function ctx(sent: Decoded, b = new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]), atMs?: number): PatternContext {
  return { lookup: b.lookup, packetAt: (ref) => (ref.step === 0 ? sent : undefined), atMs };
}

describe('runner/pattern: one observed packet against one expected packet', () => {
  it('matches exact flags, expressions and options; dut.isn bound by the SYN itself', () => {
    const { pattern, sent } = patternOf('{ flags: SA, seq: dut.isn, ack: peer.isn+1, window: 65160, options: [mss=1460, sackOK, "ts=*:100", nop, wscale=10] }');
    const b = new FlowBindings([{ name: 'a', sport: 40000, isn: 1000 }]);
    const d = dutPacket();
    b.beforeDut('a', d);
    expect(matchPattern(pattern, d, ctx(sent, b))).to.deep.equal([]);
  });

  it('reports each differing field with the expected value evaluated and the observed one', () => {
    const { pattern, sent } = patternOf('{ flags: SA, ack: peer.isn+1, window: 65160, ttl: 64 }');
    const diffs = matchPattern(pattern, dutPacket({ flags: 'RA', ack: 1002, window: 1, ttl: 63 }), ctx(sent));
    expect(diffs).to.deep.equal([
      { field: 'flags', expected: 'SA', observed: 'RA' },
      { field: 'ack', expected: 'peer.isn+1 = 1001', observed: '1002' },
      { field: 'window', expected: '65160', observed: '1' },
      { field: 'ttl', expected: '64', observed: '63' },
    ]);
  });

  it('flags has/lacks, and ranges that wrap modulo 2^32 for sequence numbers', () => {
    const a = patternOf('{ flags: { has: SA, lacks: E }, seq: [4294967290, 5] }');
    expect(matchPattern(a.pattern, dutPacket({ seq: 2 }), ctx(a.sent))).to.deep.equal([]);
    expect(matchPattern(a.pattern, dutPacket({ seq: 6 }), ctx(a.sent)).map((d) => d.field)).to.deep.equal(['seq']);
    const e = matchPattern(a.pattern, dutPacket({ flags: 'SAE', seq: 0 }), ctx(a.sent));
    expect(e).to.deep.equal([{ field: 'flags', expected: 'has SA, lacks E', observed: 'SAE' }]);
  });

  it('exact option lists say what arrived in case-file syntax', () => {
    const { pattern, sent } = patternOf('{ options: [mss=1460, sackOK, "ts=*:100", nop, wscale=10] }');
    const d = dutPacket({ options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' }] });
    expect(matchPattern(pattern, d, ctx(sent))).to.deep.equal([
      { field: 'options', expected: '[mss=1460, sackOK, ts=*:100, nop, wscale=10]', observed: '[mss=1460, nop, nop, sackOK]' },
    ]);
  });

  it('raw= items stand for the options their bytes cover', () => {
    const { pattern, sent } = patternOf('{ options: [mss=1460, raw=0101, sackOK] }');
    const ok = dutPacket({ options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' }] });
    expect(matchPattern(pattern, ok, ctx(sent))).to.deep.equal([]);
    const bad = dutPacket({ options: [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'sackOK' }] });
    expect(matchPattern(pattern, bad, ctx(sent))).to.have.length(1);
  });

  it('contains / lacks, with the reason', () => {
    const { pattern, sent } = patternOf('{ options: { contains: [mss=1460, wscale], lacks: ["tfo=*"] } }');
    expect(matchPattern(pattern, dutPacket(), ctx(sent))).to.deep.equal([]);
    const d = dutPacket({
      options: [
        { kind: 'mss', value: 1440 },
        { kind: 'tfo', cookie: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
      ],
    });
    const [diff] = matchPattern(pattern, d, ctx(sent));
    expect(diff.field).to.equal('options');
    expect(diff.expected).to.equal('contains [mss=1460, wscale], lacks [tfo=*]');
    expect(diff.reason).to.equal('no mss=1460; no wscale; tfo=0102030405060708 present');
  });

  it('TS fields need a TS option; same: reads a field of an earlier packet', () => {
    const a = patternOf('{ tsecr: { same: syn.tsval }, tsval: "*" }');
    expect(matchPattern(a.pattern, dutPacket(), ctx(a.sent))).to.deep.equal([]);
    const noTs = dutPacket({ options: [{ kind: 'mss', value: 1460 }] });
    expect(matchPattern(a.pattern, noTs, ctx(a.sent))).to.deep.equal([
      { field: 'tsval', expected: '*', observed: 'no TS option' },
      { field: 'tsecr', expected: '100 (same as syn.tsval)', observed: 'no TS option' },
    ]);
  });

  it('an expression whose base is not bound is a difference with the reason, not an exception', () => {
    const { sent } = patternOf('{ flags: SA }');
    const c = parseCaseText(
      [
        'name: t',
        'description: t',
        'spec: "§1"',
        'setup: { listen: { port: 8080 } }',
        'steps:',
        '  - send: { flags: S }',
        '  - expect: { flags: SA }',
        '  - send: { flags: A }',
        '  - expect: { flags: R, seq: dut.isn+1 }',
      ].join('\n'),
      't.yaml',
    );
    const later = (c.steps[3] as ExpectStep).packets[0];
    const [diff] = matchPattern(later, dutPacket({ flags: 'R', seq: 5001 }), ctx(sent));
    expect(diff.field).to.equal('seq');
    expect(diff.reason).to.match(/dut\.isn is not bound yet/);
  });

  it('at: arrival time relative to the reference, with the window in the message', () => {
    const { pattern, sent } = patternOf('{ flags: SA, at: "1s±200ms" }');
    expect(matchPattern(pattern, dutPacket(), ctx(sent, undefined, 1100))).to.deep.equal([]);
    expect(matchPattern(pattern, dutPacket(), ctx(sent, undefined, 1250.4))).to.deep.equal([
      { field: 'at', expected: '1s±200ms (800..1200 ms)', observed: '1250.4 ms' },
    ]);
  });

  it('IP fields: ecn, df, id; option text in case syntax', () => {
    const { pattern, sent } = patternOf('{ ecn: ect0, df: true, id: 0 }');
    expect(matchPattern(pattern, dutPacket({ tos: 2 }), ctx(sent))).to.deep.equal([]);
    expect(matchPattern(pattern, dutPacket({ tos: 3, df: false, id: 7 }), ctx(sent))).to.deep.equal([
      { field: 'ecn', expected: 'ect0', observed: 'ce' },
      { field: 'df', expected: 'true', observed: 'false' },
      { field: 'id', expected: '0', observed: '7' },
    ]);
    expect(optionText({ kind: 'tfo', cookie: new Uint8Array(0), exp: true })).to.equal('tfoexp');
    expect(
      optionText({
        kind: 'sack',
        blocks: [
          [1, 2],
          [3, 4],
        ],
      }),
    ).to.equal('sack=1:2/3:4');
  });
});

describe('runner/bindings: expression values per flow', () => {
  it('peer.isn from the flow; dut.isn from the first DUT SYN only; TSvals from the latest packets', () => {
    const b = new FlowBindings([
      { name: 'a', sport: 40000, isn: 1000 },
      { name: 'b', sport: 40001, isn: 5000 },
    ]);
    expect(b.lookup('peer.isn', 'b')).to.equal(5000);
    b.beforeDut('a', dutPacket({ flags: 'RA', seq: 9 }));
    expect(b.get('a', 'dut.isn')).to.equal(undefined);
    b.beforeDut('a', dutPacket({ seq: 42 }));
    b.beforeDut('a', dutPacket({ seq: 43 }));
    expect(b.get('a', 'dut.isn')).to.equal(42);
    b.afterDut('a', dutPacket());
    expect(b.get('a', 'dut.tsval')).to.equal(777);
    b.sent('a', [{ kind: 'nop' }, { kind: 'ts', val: 555, ecr: 777 }]);
    expect(b.get('a', 'peer.tsval')).to.equal(555);
    expect(b.get('b', 'dut.isn')).to.equal(undefined);
  });
});
