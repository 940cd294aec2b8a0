import { expect } from 'chai';
import { fromHex, toHex } from '../../../lib/wire/bytes';
import { emitOptions, optionFromJson, optionsByteLength, optionToJson, parseOptions, parseOptionSpec } from '../../../lib/wire/tcp-options';
import { DecodeNote, OptionJson, TcpOption } from '../../../lib/wire/types';

/** Options with their byte arrays turned into hex, for deep equality. */
function plain(opts: TcpOption[]): unknown[] {
  return opts.map((o) => {
    const r: Record<string, unknown> = { ...o };
    for (const k of ['cookie', 'digest', 'data', 'bytes']) if (r[k] instanceof Uint8Array) r[k] = toHex(r[k] as Uint8Array);
    return r;
  });
}

function roundTrip(hex: string): { opts: TcpOption[]; notes: DecodeNote[] } {
  const bytes = fromHex(hex);
  const notes: DecodeNote[] = [];
  const opts = parseOptions(bytes, notes);
  expect(toHex(emitOptions(opts)), 'parse → emit').to.equal(toHex(bytes));
  expect(optionsByteLength(opts)).to.equal(bytes.length);
  expect(plain(parseOptions(emitOptions(opts))), 'emit → parse').to.deep.equal(plain(opts));
  return { opts, notes };
}

const ck8 = '0011223344556677';

describe('wire/tcp-options', () => {
  describe('round trips for every kind', () => {
    const cases: Array<[string, string, unknown[], number]> = [
      // name, hex, expected options (plain), expected note count
      ['EOL alone', '00', [{ kind: 'eol' }], 0],
      [
        'EOL + zero padding',
        '020405b4 00 0000',
        [{ kind: 'mss', value: 1460 }, { kind: 'eol' }, { kind: 'bytes', bytes: '0000', note: 'padding after EOL' }],
        0,
      ],
      ['EOL + trailing data', '00 0303 0a', [{ kind: 'eol' }, { kind: 'bytes', bytes: '03030a', note: 'data after EOL' }], 1],
      ['NOP', '01 01 01', [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'nop' }], 0],
      ['MSS', '020405b4', [{ kind: 'mss', value: 1460 }], 0],
      [
        'MSS 0 and 65535',
        '02040000 0204ffff',
        [
          { kind: 'mss', value: 0 },
          { kind: 'mss', value: 65535 },
        ],
        0,
      ],
      ['WS', '03030e', [{ kind: 'wscale', shift: 14 }], 0],
      ['WS 255', '0303ff', [{ kind: 'wscale', shift: 255 }], 0],
      ['SACK_PERM', '0402', [{ kind: 'sackOK' }], 0],
      ['SACK 1 block', '050a 00000001 00000002', [{ kind: 'sack', blocks: [[1, 2]] }], 0],
      [
        'SACK 2 blocks',
        '0512 00000001 00000002 fffffff0 00000005',
        [
          {
            kind: 'sack',
            blocks: [
              [1, 2],
              [0xfffffff0, 5],
            ],
          },
        ],
        0,
      ],
      [
        'SACK 3 blocks',
        '051a' + '00000001000000020000000300000004' + '0000000500000006',
        [
          {
            kind: 'sack',
            blocks: [
              [1, 2],
              [3, 4],
              [5, 6],
            ],
          },
        ],
        0,
      ],
      [
        'SACK 4 blocks',
        '0522' + '0000000100000002'.repeat(4),
        [
          {
            kind: 'sack',
            blocks: [
              [1, 2],
              [1, 2],
              [1, 2],
              [1, 2],
            ],
          },
        ],
        0,
      ],
      ['TS', '080a 0001e240 ffffffff', [{ kind: 'ts', val: 123456, ecr: 0xffffffff }], 0],
      ['TFO empty (cookie request)', '2202', [{ kind: 'tfo', cookie: '' }], 0],
      ['TFO 8-byte cookie', '220a' + ck8, [{ kind: 'tfo', cookie: ck8 }], 0],
      ['TFO odd length', '2205 aabbcc', [{ kind: 'tfo', cookie: 'aabbcc' }], 0],
      ['TFO exp empty', 'fe04 f989', [{ kind: 'tfo', cookie: '', exp: true }], 0],
      ['TFO exp 8-byte', 'fe0c f989' + ck8, [{ kind: 'tfo', cookie: ck8, exp: true }], 0],
      ['EXP other magic', 'fe06 1234 abcd', [{ kind: 'unknown', type: 254, data: '1234abcd' }], 0],
      ['EXP len 3 (no room for magic)', 'fe03 f9', [{ kind: 'unknown', type: 254, data: 'f9' }], 0],
      ['MD5', '1312' + 'ab'.repeat(16), [{ kind: 'md5', digest: 'ab'.repeat(16) }], 0],
      ['MD5 wrong length', '1311' + 'ab'.repeat(15), [{ kind: 'unknown', type: 19, data: 'ab'.repeat(15) }], 0],
      ['unknown kind 99', '6304 abcd', [{ kind: 'unknown', type: 99, data: 'abcd' }], 0],
      ['unknown kind, len 2', '6302', [{ kind: 'unknown', type: 99, data: '' }], 0],
      ['WS len 4', '0304 0a00', [{ kind: 'unknown', type: 3, data: '0a00' }], 0],
      ['TS len 9, parsing continues', '0809 00000001000000 0402', [{ kind: 'unknown', type: 8, data: '00000001000000' }, { kind: 'sackOK' }], 0],
      ['SACK_PERM len 3', '0403 00', [{ kind: 'unknown', type: 4, data: '00' }], 0],
      ['MSS len 3', '0203 05', [{ kind: 'unknown', type: 2, data: '05' }], 0],
      ['SACK len 2', '0502', [{ kind: 'unknown', type: 5, data: '' }], 0],
      ['SACK len 11', '050b 0000000100000002 ff', [{ kind: 'unknown', type: 5, data: '0000000100000002ff' }], 0],
      [
        'truncated TS',
        '020405b4 080a 0000',
        [
          { kind: 'mss', value: 1460 },
          { kind: 'bytes', bytes: '080a0000', note: 'truncated option' },
        ],
        1,
      ],
      ['silly length 0', '0800 0402', [{ kind: 'bytes', bytes: '08000402', note: 'silly length 0' }], 1],
      ['silly length 1', '01 0801 0402', [{ kind: 'nop' }, { kind: 'bytes', bytes: '08010402', note: 'silly length 1' }], 1],
      ['lone kind byte at the end', '0402 01 08', [{ kind: 'sackOK' }, { kind: 'nop' }, { kind: 'bytes', bytes: '08', note: 'lone kind byte' }], 1],
      ['lone EOL-like zero is EOL', '0402 00', [{ kind: 'sackOK' }, { kind: 'eol' }], 0],
      ['empty area', '', [], 0],
    ];
    for (const [name, hex, expected, noteCount] of cases) {
      it(name, () => {
        const { opts, notes } = roundTrip(hex);
        expect(plain(opts)).to.deep.equal(expected);
        expect(notes.length, JSON.stringify(notes)).to.equal(noteCount);
      });
    }

    it('note offsets are relative to baseOffset', () => {
      const notes: DecodeNote[] = [];
      parseOptions(fromHex('01 0800'), notes, 40);
      expect(notes).to.deep.equal([{ layer: 'options', offset: 41, message: 'option kind 8 with silly length 0' }]);
    });

    it('unknown.len is emitted literally (a crafted mismatch)', () => {
      expect(toHex(emitOptions([{ kind: 'unknown', type: 8, data: fromHex('01020304'), len: 10 }]))).to.equal('080a01020304');
    });

    it('parsed arrays are views into the input (no copies)', () => {
      const b = fromHex('220a' + ck8);
      const [o] = parseOptions(b);
      expect(o.kind === 'tfo' && o.cookie.buffer).to.equal(b.buffer);
    });
  });

  describe('spec §5.3 option blocks', () => {
    const T = '0001e240',
      E = '00bc614e';
    const blocks: Array<[string, string, unknown[]]> = [
      [
        'MSS,SACK,TS,WS',
        `020405b4 0402080a ${T} ${E} 0103030a`,
        [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 123456, ecr: 12345678 }, { kind: 'nop' }, { kind: 'wscale', shift: 10 }],
      ],
      ['nothing / MSS only', '020405b4', [{ kind: 'mss', value: 1460 }]],
      ['MSS,SACK', '020405b4 01010402', [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' }]],
      ['MSS,WS', '020405b4 0103030a', [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'wscale', shift: 10 }]],
      ['TS only', `020405b4 0101080a ${T} ${E}`, [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', val: 123456, ecr: 12345678 }]],
      [
        'MSS,SACK,WS',
        '020405b4 01010402 0103030a',
        [{ kind: 'mss', value: 1460 }, { kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOK' }, { kind: 'nop' }, { kind: 'wscale', shift: 10 }],
      ],
      [
        'MSS,TS,WS',
        `020405b4 0101080a ${T} ${E} 0103030a`,
        [
          { kind: 'mss', value: 1460 },
          { kind: 'nop' },
          { kind: 'nop' },
          { kind: 'ts', val: 123456, ecr: 12345678 },
          { kind: 'nop' },
          { kind: 'wscale', shift: 10 },
        ],
      ],
      [
        'full + TFO request',
        `020405b4 0402080a ${T} ${E} 0103030a 220a ${ck8} 0101`,
        [
          { kind: 'mss', value: 1460 },
          { kind: 'sackOK' },
          { kind: 'ts', val: 123456, ecr: 12345678 },
          { kind: 'nop' },
          { kind: 'wscale', shift: 10 },
          { kind: 'tfo', cookie: ck8 },
          { kind: 'nop' },
          { kind: 'nop' },
        ],
      ],
      [
        'experimental TFO',
        `020405b4 fe0cf989 ${ck8}`,
        [
          { kind: 'mss', value: 1460 },
          { kind: 'tfo', cookie: ck8, exp: true },
        ],
      ],
      [
        'MD5 block first',
        `01011312 ${'5a'.repeat(16)} 020405b4`,
        [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'md5', digest: '5a'.repeat(16) }, { kind: 'mss', value: 1460 }],
      ],
      [
        'client SYN (§8.2)',
        `020405b4 0402080a ${T} 00000000 0103030a`,
        [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 123456, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 10 }],
      ],
      ['TFO cookie request in a SYN (§8.2)', '22020101', [{ kind: 'tfo', cookie: '' }, { kind: 'nop' }, { kind: 'nop' }]],
    ];
    for (const [name, hex, expected] of blocks) {
      it(name, () => {
        const { opts, notes } = roundTrip(hex);
        expect(plain(opts)).to.deep.equal(expected);
        expect(notes).to.deep.equal([]);
      });
    }
  });

  describe('JSON tuples', () => {
    const all: TcpOption[] = [
      { kind: 'mss', value: 1460 },
      { kind: 'wscale', shift: 10 },
      { kind: 'sackOK' },
      {
        kind: 'sack',
        blocks: [
          [1, 2],
          [3, 4],
        ],
      },
      { kind: 'ts', val: 5, ecr: 100 },
      { kind: 'nop' },
      { kind: 'eol' },
      { kind: 'tfo', cookie: fromHex(ck8) },
      { kind: 'tfo', cookie: fromHex(''), exp: true },
      { kind: 'md5', digest: fromHex('ab'.repeat(16)) },
      { kind: 'unknown', type: 99, data: fromHex('abcd') },
    ];
    const json: OptionJson[] = [
      ['mss', 1460],
      ['wscale', 10],
      ['sackOK'],
      ['sack', [1, 2], [3, 4]],
      ['ts', 5, 100],
      ['nop'],
      ['eol'],
      ['tfo', ck8],
      ['tfo', '', 'exp'],
      ['md5', 'ab'.repeat(16)],
      ['kind', 99, 'abcd'],
    ];
    it('optionToJson gives the documented tuples', () => {
      expect(all.map(optionToJson)).to.deep.equal(json);
    });
    it('optionFromJson reads them back', () => {
      expect(plain(json.map(optionFromJson))).to.deep.equal(plain(all));
    });
    it('`bytes` options become ["kind", firstByte, hexOfAll] (one way: JSON is for comparison)', () => {
      expect(optionToJson({ kind: 'bytes', bytes: fromHex('0801') })).to.deep.equal(['kind', 8, '0801']);
    });
    it('optionFromJson throws clear errors', () => {
      expect(() => optionFromJson(['bogus'])).to.throw(/unknown option name "bogus".*mss/);
      expect(() => optionFromJson(['mss', '*'])).to.throw(/wildcard/);
      expect(() => optionFromJson(['mss', 70000])).to.throw(/0\.\.65535/);
      expect(() => optionFromJson(['ts', 1])).to.throw(/expected 2 value/);
      expect(() => optionFromJson(['tfo', 'xyz'])).to.throw(/hex/);
    });
  });

  describe('CLI spec syntax', () => {
    it('parses every item kind', () => {
      const opts = parseOptionSpec(
        'mss=1460,SACKOK,ts=100:0,nop,wscale=7,eol,sack=1:2/3:4,tfo,tfo=0011223344556677,tfoexp,tfoexp=aabb,' +
          `md5=${'01'.repeat(16)},kind=99:abcd,raw=0801,ws=3,sack_perm,kind=200,ts,mss=0x218`,
      );
      expect(plain(opts)).to.deep.equal([
        { kind: 'mss', value: 1460 },
        { kind: 'sackOK' },
        { kind: 'ts', val: 100, ecr: 0 },
        { kind: 'nop' },
        { kind: 'wscale', shift: 7 },
        { kind: 'eol' },
        {
          kind: 'sack',
          blocks: [
            [1, 2],
            [3, 4],
          ],
        },
        { kind: 'tfo', cookie: '' },
        { kind: 'tfo', cookie: ck8 },
        { kind: 'tfo', cookie: '', exp: true },
        { kind: 'tfo', cookie: 'aabb', exp: true },
        { kind: 'md5', digest: '01'.repeat(16) },
        { kind: 'unknown', type: 99, data: 'abcd' },
        { kind: 'bytes', bytes: '0801' },
        { kind: 'wscale', shift: 3 },
        { kind: 'sackOK' },
        { kind: 'unknown', type: 200, data: '' },
        { kind: 'ts', val: 0, ecr: 0 },
        { kind: 'mss', value: 536 },
      ]);
      expect(toHex(emitOptions(parseOptionSpec('kind=99:abcd,raw=0801')))).to.equal('6304abcd0801');
      expect(parseOptionSpec('')).to.deep.equal([]);
      expect(parseOptionSpec(' mss = 1460 , nop ')).to.have.length(2);
    });
    it('throws naming the bad item and listing valid names', () => {
      expect(() => parseOptionSpec('mss=1460,bogus=1')).to.throw(/"bogus=1".*unknown option "bogus".*mss=N/);
      expect(() => parseOptionSpec('mss=70000')).to.throw(/"mss=70000".*0\.\.65535/);
      expect(() => parseOptionSpec('mss')).to.throw(/needs a value/);
      expect(() => parseOptionSpec('nop=1')).to.throw(/takes no value/);
      expect(() => parseOptionSpec('md5=0011')).to.throw(/16 bytes.*kind=19/);
      expect(() => parseOptionSpec('raw=abc')).to.throw(/"raw=abc".*odd/);
      expect(() => parseOptionSpec('sack=1-2')).to.throw(/A:B/);
    });
  });
});
