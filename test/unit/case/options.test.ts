import { expect } from 'chai';
import { parseOptionPattern, parseSendOption, resolveSendOptions } from '../../../lib/case/options';
import { ValueError } from '../../../lib/case/expr';
import { parseOptionSpec } from '../../../lib/wire/tcp-options';

describe('case/options', () => {
  it('literal items parse exactly as the CLI parses them', () => {
    const items = [
      'mss=1460',
      'sackOK',
      'sack_perm',
      'SACKOK',
      'ts=100:0',
      'ts',
      'nop',
      'eol',
      'wscale=7',
      'ws=14',
      'sack=1:2/3:4',
      'tfo',
      'tfo=0011223344556677',
      'tfoexp',
      'tfoexp=aabb',
      'md5=00112233445566778899aabbccddeeff',
      'kind=99:abcd',
      'kind=99',
      'raw=0801',
      'mss=0x5b4',
    ];
    for (const it of items) expect(parseSendOption(it), it).to.deep.equal(parseOptionSpec(it)[0]);
  });

  it('extensions: expressions in ts and sack, cookies from labels', () => {
    expect(parseSendOption('ts=200:dut.tsval')).to.deep.equal({
      kind: 'ts',
      val: 200,
      ecr: { base: 'dut.tsval', offset: 0, flow: '', text: 'dut.tsval' },
    });
    expect(parseSendOption('sack=dut.isn+1:dut.isn+2')).to.deep.equal({
      kind: 'sack',
      blocks: [
        [
          { base: 'dut.isn', offset: 1, flow: '', text: 'dut.isn+1' },
          { base: 'dut.isn', offset: 2, flow: '', text: 'dut.isn+2' },
        ],
      ],
    });
    expect(parseSendOption('tfo=@cookie')).to.deep.equal({ kind: 'tfo', cookie: { label: 'cookie' } });
    expect(parseSendOption('tfoexp=@c2')).to.deep.equal({ kind: 'tfo', cookie: { label: 'c2' }, exp: true });
  });

  it('rejects with a message naming the item and the fix', () => {
    expect(() => parseSendOption('sakOK')).to.throw(ValueError, /^unknown TCP option 'sakOK' — did you mean 'sackOK'\? Known options:/);
    expect(() => parseSendOption('mss=70000')).to.throw(ValueError, /^option 'mss=70000': "70000" is not an integer 0\.\.65535 — write mss=N/);
    expect(() => parseSendOption('ts=1')).to.throw(ValueError, /^option 'ts=1': .* — write ts=VAL:ECR/);
    expect(() => parseSendOption('nop=1')).to.throw(ValueError, /takes no value/);
    expect(() => parseSendOption('ts=*:1')).to.throw(ValueError, /only exists in expectations/);
    expect(() => parseSendOption('mss=1460,nop')).to.throw(ValueError, /one option per list item: \[mss=1460, nop\]/);
    expect(() => parseSendOption('md5=00')).to.throw(ValueError, /16 bytes/);
    expect(() => parseSendOption('kind=1:00')).to.throw(ValueError, /single bytes/);
    expect(() => parseSendOption('ts=dut.tsvl:1')).to.throw(ValueError, /did you mean 'dut\.tsval'\?/);
    expect(() => parseSendOption(1460)).to.throw(ValueError, /an option is written as text/);
  });

  it('patterns: wildcards, bare names, cookies', () => {
    expect(parseOptionPattern('ts=*:100')).to.deep.equal({
      kind: 'ts',
      val: { kind: 'any', text: '*' },
      ecr: { kind: 'value', value: 100, text: '100' },
      text: 'ts=*:100',
    });
    expect(parseOptionPattern('ts')).to.deep.include({ val: { kind: 'any', text: '*' }, ecr: { kind: 'any', text: '*' } });
    expect(parseOptionPattern('wscale=10')).to.deep.equal({ kind: 'wscale', shift: { kind: 'value', value: 10, text: '10' }, text: 'wscale=10' });
    expect(parseOptionPattern('ws')).to.deep.equal({ kind: 'wscale', shift: { kind: 'any', text: '*' }, text: 'ws' });
    expect(parseOptionPattern('tfo=*')).to.deep.equal({ kind: 'tfo', exp: false, cookie: 'any', text: 'tfo=*' });
    expect(parseOptionPattern('tfo')).to.deep.include({ kind: 'tfo', exp: false }).and.have.property('cookie').with.lengthOf(0);
    expect(parseOptionPattern('sack')).to.deep.equal({ kind: 'sack', blocks: 'any', text: 'sack' });
    expect(parseOptionPattern('kind=99')).to.deep.equal({ kind: 'unknown', type: 99, data: 'any', text: 'kind=99' });
    expect(parseOptionPattern('md5')).to.deep.equal({ kind: 'md5', digest: 'any', text: 'md5' });
    expect(Array.from((parseOptionPattern('raw=0801') as { bytes: Uint8Array }).bytes)).to.deep.equal([8, 1]);
    expect(() => parseOptionPattern('raw')).to.throw(ValueError, /exact bytes/);
    expect(() => parseOptionPattern('tfo=@x')).to.throw(ValueError, /can be sent, not expected/);
    expect(() => parseOptionPattern('sakOK')).to.throw(ValueError, /in expectations \* stands for any value/);
  });

  it('resolveSendOptions evaluates expressions and copies cookies', () => {
    const cookie = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = resolveSendOptions(
      [
        { kind: 'mss', value: 1460 },
        { kind: 'ts', val: 5, ecr: { base: 'dut.tsval', offset: 1, flow: 'a', text: 'dut.tsval+1' } },
        { kind: 'tfo', cookie: { from: { step: 1, packet: 0, text: 'c' } } },
        { kind: 'tfo', cookie: { from: { step: 1, packet: 0, text: 'c' } }, exp: true },
      ],
      (base, flow) => (base === 'dut.tsval' && flow === 'a' ? 41 : undefined),
      (ref) => (ref.step === 1 ? cookie : undefined),
    );
    expect(out).to.deep.equal([
      { kind: 'mss', value: 1460 },
      { kind: 'ts', val: 5, ecr: 42 },
      { kind: 'tfo', cookie },
      { kind: 'tfo', cookie, exp: true },
    ]);
  });
});
