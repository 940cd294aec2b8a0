import { expect } from 'chai';
import {
  CMP_PATTERN,
  cmpMatches,
  DURATION_PATTERN,
  evalValue,
  FLAGS_PATTERN,
  KERNEL_PATTERN,
  kernelMatches,
  parseCmp,
  parseDuration,
  parseExpr,
  parseFlagLetters,
  parseKernelRange,
  parsePayload,
  parseTimeWindow,
  parseValue,
  TIME_WINDOW_PATTERN,
  VALUE_PATTERN,
  ValueError,
} from '../../../lib/case/expr';
import { OPTION_PATTERN } from '../../../lib/case/options';
import { ACK, AE, SYN } from '../../../lib/wire/types';

describe('case/expr', () => {
  it('durations: ms and s, whole milliseconds, units required', () => {
    expect(parseDuration('200ms')).to.equal(200);
    expect(parseDuration('1s')).to.equal(1000);
    expect(parseDuration(' 1.5 s ')).to.equal(1500);
    expect(parseDuration('0s')).to.equal(0);
    expect(() => parseDuration(200)).to.throw(ValueError, /^200 has no unit — write 200ms or 200s$/);
    expect(() => parseDuration('2 parsecs')).to.throw(ValueError, /unknown time unit 'parsecs'/);
    expect(() => parseDuration('1.0005s')).to.throw(ValueError, /not a whole number of milliseconds/);
    expect(() => parseDuration('soon')).to.throw(ValueError, /is not a duration — write a number with ms or s/);
  });

  it('time windows: ±, +-, %, and [lo, hi]', () => {
    expect(parseTimeWindow('1s±200ms')).to.deep.equal({ min: 800, max: 1200, text: '1s±200ms' });
    expect(parseTimeWindow('1s +- 200ms')).to.deep.equal({ min: 800, max: 1200, text: '1s +- 200ms' });
    expect(parseTimeWindow('7s±10%')).to.deep.equal({ min: 6300, max: 7700, text: '7s±10%' });
    expect(parseTimeWindow('100ms±1s')).to.deep.equal({ min: 0, max: 1100, text: '100ms±1s' });
    expect(parseTimeWindow(['900ms', '1.1s'])).to.deep.equal({ min: 900, max: 1100, text: '[900ms, 1.1s]' });
    expect(() => parseTimeWindow('1s')).to.throw(ValueError, /has no tolerance/);
    expect(() => parseTimeWindow(['2s', '1s'])).to.throw(ValueError, /ends before it starts/);
  });

  it('values and expressions', () => {
    expect(parseValue(5)).to.equal(5);
    expect(parseValue('0x10')).to.equal(16);
    expect(parseValue('4294967295')).to.equal(0xffffffff);
    expect(parseValue('dut.isn + 1')).to.deep.equal({ base: 'dut.isn', offset: 1, flow: '', text: 'dut.isn+1' });
    expect(parseExpr('dut.isn-1')).to.deep.equal({ base: 'dut.isn', offset: -1, flow: '', text: 'dut.isn-1' });
    expect(parseExpr('peer.tsval')).to.deep.equal({ base: 'peer.tsval', offset: 0, flow: '', text: 'peer.tsval' });
    expect(() => parseValue(-1)).to.throw(ValueError, /out of range — use 0\.\.4294967295/);
    expect(() => parseValue(1.5)).to.throw(ValueError, /whole number/);
    expect(() => parseValue('peer.isnn+1')).to.throw(ValueError, /unknown value 'peer\.isnn' .* did you mean 'peer\.isn'\?/);
    expect(() => parseValue('dut.isn*2')).to.throw(ValueError, /is not a number or an expression/);
  });

  it("evaluates modulo 2^32 in the bindings of the expression's flow", () => {
    const lookup = (base: string, flow: string) => (base === 'dut.isn' && flow === 'a' ? 0xffffffff : undefined);
    expect(evalValue(7, lookup)).to.equal(7);
    expect(evalValue({ base: 'dut.isn', offset: 2, flow: 'a', text: 'dut.isn+2' }, lookup)).to.equal(1);
    expect(() => evalValue({ base: 'dut.isn', offset: 0, flow: 'b', text: 'dut.isn' }, lookup)).to.throw(/not bound yet/);
  });

  it('flag letters', () => {
    expect(parseFlagLetters('SA')).to.equal(SYN | ACK);
    expect(parseFlagLetters('sn')).to.equal(SYN | AE);
    expect(parseFlagLetters('')).to.equal(0);
    expect(() => parseFlagLetters('SX')).to.throw(ValueError, /unknown TCP flag letter 'X' in "SX" — use scapy letters F S R P A U E C N/);
    expect(() => parseFlagLetters(18)).to.throw(ValueError, /flags must be letters/);
  });

  it('payloads: hex, text, zero bytes', () => {
    expect(Array.from(parsePayload('hex:00ff'))).to.deep.equal([0, 255]);
    expect(Array.from(parsePayload('hi'))).to.deep.equal([104, 105]);
    expect(Array.from(parsePayload({ len: 3 }))).to.deep.equal([0, 0, 0]);
    expect(() => parsePayload('hex:0')).to.throw(ValueError, /odd number of digits/);
    expect(() => parsePayload('ü')).to.throw(ValueError, /not printable ASCII — use hex:/);
    expect(() => parsePayload({ size: 3 })).to.throw(ValueError, /\{ len: N \}/);
  });

  it('comparisons', () => {
    expect(parseCmp(2)).to.deep.equal({ op: '=', value: 2, text: '2' });
    expect(parseCmp('+1')).to.deep.equal({ op: '=', value: 1, text: '+1' });
    expect(parseCmp('>= 1')).to.deep.equal({ op: '>=', value: 1, text: '>= 1' });
    expect(parseCmp([1, 3])).to.deep.equal({ op: 'range', lo: 1, hi: 3, text: '[1, 3]' });
    expect(cmpMatches(parseCmp('<3'), 2)).to.equal(true);
    expect(cmpMatches(parseCmp('<3'), 3)).to.equal(false);
    expect(cmpMatches(parseCmp([1, 3]), 3)).to.equal(true);
    expect(cmpMatches(parseCmp('>0'), 0)).to.equal(false);
    expect(() => parseCmp('lots')).to.throw(ValueError, /is not a comparison/);
    expect(() => parseCmp([3, 1])).to.throw(ValueError, /is empty/);
  });

  it('kernel ranges on major.minor', () => {
    const r = parseKernelRange('>=6.1 <6.19');
    expect(r.anyOf).to.deep.equal([
      [
        { op: '>=', major: 6, minor: 1 },
        { op: '<', major: 6, minor: 19 },
      ],
    ]);
    expect(kernelMatches(r, '6.18.44-fc-v657')).to.equal(true);
    expect(kernelMatches(r, '6.19.4')).to.equal(false);
    expect(kernelMatches(r, '6.0')).to.equal(false);
    expect(kernelMatches(parseKernelRange('*'), 'whatever')).to.equal(true);
    expect(kernelMatches(parseKernelRange('6.18'), '6.18.1')).to.equal(true);
    expect(kernelMatches(parseKernelRange('>= 5.15 <6.0 || >=6.6'), '6.1.0')).to.equal(false);
    expect(kernelMatches(parseKernelRange('>= 5.15 <6.0 || >=6.6'), '5.15.100')).to.equal(true);
    expect(kernelMatches(parseKernelRange('>=6.1'), 'not-a-release')).to.equal(false);
    expect(() => parseKernelRange('>=6.1.50')).to.throw(ValueError, /patch level — ranges compare major\.minor only, e\.g\. >=6\.1/);
    expect(() => parseKernelRange('~6')).to.throw(ValueError, /is not a comparator/);
    expect(() => parseKernelRange(6.1)).to.throw(ValueError, /quote it/);
  });

  it('the JSON Schema patterns accept what the parsers accept', () => {
    const ok = (pattern: string, good: string[], bad: string[]) => {
      const re = new RegExp(pattern);
      for (const g of good) expect(re.test(g), `${pattern} accepts ${g}`).to.equal(true);
      for (const b of bad) expect(re.test(b), `${pattern} rejects ${b}`).to.equal(false);
    };
    ok(DURATION_PATTERN, ['200ms', '1s', '1.5s', ' 2 s '], ['200', '2 parsecs', 'ms']);
    ok(TIME_WINDOW_PATTERN, ['1s±200ms', '1s+-200ms', '7s±10%', '1s +/- 1ms'], ['1s', '±1s']);
    ok(VALUE_PATTERN, ['1000', '0x10', 'peer.isn+1', 'dut.isn - 1', 'dut.tsval'], ['peer.isnn', 'x+1']);
    ok(FLAGS_PATTERN, ['SA', '', 'sAn'], ['SX', 'S A']);
    ok(CMP_PATTERN, ['+1', '>=1', '<5', '3'], ['lots', '>=']);
    ok(KERNEL_PATTERN, ['*', '>=6.1', '>=6.1 <6.19', '6.18', '>=5.15 <6.0 || >=6.6'], ['6', '>=6.1.2', 'latest']);
    ok(OPTION_PATTERN, ['mss=1460', 'sackOK', 'SACK_PERM', 'ts=*:100', 'nop', 'kind=99:abcd', 'tfo=@c'], ['sakOK', 'foo=1']);
  });
});
