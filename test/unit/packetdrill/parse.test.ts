import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseScript } from '../../../lib/packetdrill/parse';
import { tokenize } from '../../../lib/packetdrill/lexer';
import { ScriptError } from '../../../lib/packetdrill/errors';
import type { PdEvent } from '../../../lib/packetdrill/ast';

const DIR = join(__dirname, '..', '..', 'fixtures', 'packetdrill');
const parse = (name: string): PdEvent[] => parseScript(readFileSync(join(DIR, name), 'utf8'), name).events;

function parseError(text: string): ScriptError {
  try {
    parseScript(text, 'x.pkt');
  } catch (e) {
    expect(e).to.be.instanceOf(ScriptError);
    return e as ScriptError;
  }
  throw new Error('no error');
}

describe('packetdrill parser', () => {
  it('reads times: absolute, relative, *, windows a~b and blocking ranges a...b', () => {
    const ev = parseScript(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+.1 listen(3, 1) = 0\n* > S. 0:0(0) ack 1\n+0~+0.02 > . 1:1(0) ack 1\n+0...0.200 accept(3, ..., ...) = 4\n0.750 close(3) = 0\n',
      'x.pkt',
    ).events;
    expect(ev.map((e) => e.time)).to.deep.equal([
      { pos: { line: 1, column: 1 }, kind: 'abs', value: 0 },
      { pos: { line: 2, column: 1 }, kind: 'rel', value: 0.1 },
      { pos: { line: 3, column: 1 }, kind: 'any', value: 0 },
      { pos: { line: 4, column: 1 }, kind: 'rel', value: 0, upto: 0.02 },
      { pos: { line: 5, column: 1 }, kind: 'rel', value: 0, end: 0.2 },
      { pos: { line: 6, column: 1 }, kind: 'abs', value: 0.75 },
    ]);
  });

  it('reads packets: direction, flags, start:end(len), ack, win, IP ECN and every option kind', () => {
    const ev = parse('passive-open.pkt');
    const syn = ev.find((e) => e.kind === 'packet' && e.dir === 'in');
    expect(syn).to.deep.include({ kind: 'packet', dir: 'in', flags: 'S', seq: 0, end: 0, len: 0, win: 65535 });
    expect((syn as { options: unknown[] }).options.map((o) => (o as { kind: string }).kind)).to.deep.equal(['mss', 'sackOK', 'ts', 'nop', 'wscale']);
    const data = ev.find((e) => e.kind === 'packet' && e.dir === 'out' && e.len === 100)!;
    expect(data).to.deep.include({ flags: 'P.', seq: 1, end: 101, ack: 1 });
    expect(ev.filter((e) => e.kind === 'packet' && e.options === 'any')).to.have.length(2);
    const fo = parse('fastopen-server.pkt').filter((e) => e.kind === 'packet');
    expect(fo[0]).to.deep.include({ flags: 'SEW', ipEcn: 'noecn' });
    expect(fo[1]).to.deep.include({ flags: 'S.E', dir: 'out' });
    expect(fo[1].kind === 'packet' && fo[1].options !== 'any' && fo[1].options?.[1]).to.deep.include({ kind: 'tfo', exp: false, cookie: 'abcdef0123456789' });
    expect(fo[0].kind === 'packet' && fo[0].options !== 'any' && fo[0].options?.[1]).to.deep.include({ kind: 'tfo', cookie: '' });
    expect(fo[2]).to.deep.include({ ipEcn: 'ect0', seq: 9, end: 19, len: 10 });
    const more = parseScript('0 < S. 1:1(0) ack 1 win 10 <sack 5:10 20:30,md5 000102030405060708090a0b0c0d0e0f,FOEXP TFO_COOKIE,eol>\n', 'x.pkt').events[0];
    expect(more.kind === 'packet' && more.options).to.deep.equal([
      {
        pos: { line: 1, column: 29 },
        text: 'sack 5:10 20:30',
        kind: 'sack',
        blocks: [
          [5, 10],
          [20, 30],
        ],
      },
      { pos: { line: 1, column: 45 }, text: 'md5 000102030405060708090a0b0c0d0e0f', kind: 'md5', digest: '000102030405060708090a0b0c0d0e0f' },
      { pos: { line: 1, column: 82 }, text: 'FOEXP TFO_COOKIE', kind: 'tfo', exp: true, cookie: '', define: 'TFO_COOKIE' },
      { pos: { line: 1, column: 99 }, text: 'eol', kind: 'eol' },
    ]);
  });

  it('reads system calls with arguments, return values, errnos and their descriptions', () => {
    const ev = parse('active-open.pkt');
    const calls = ev.filter((e) => e.kind === 'syscall');
    expect(calls.map((c) => c.kind === 'syscall' && [c.name, c.ret, c.errno])).to.deep.equal([
      ['socket', 3, undefined],
      ['fcntl', 0, undefined],
      ['connect', -1, 'EINPROGRESS'],
    ]);
    const fcntl = calls[1].kind === 'syscall' ? calls[1].args[2] : undefined;
    expect(fcntl).to.deep.include({ kind: 'or' });
    const s = parseScript(
      '0 setsockopt(3, SOL_SOCKET, SO_LINGER, {l_onoff=1, l_linger=0}, 8) = 0\n+0 sendto(3, ..., 1000, MSG_FASTOPEN, ..., ...) = -1 EINPROGRESS (Operation is now in progress)\n+0 getsockopt(3, SOL_TCP, TCP_MAXSEG, [536], [4]) = 0\n',
      'x.pkt',
    ).events;
    expect(s[0].kind === 'syscall' && s[0].args[3]).to.deep.include({ kind: 'struct' });
    expect(s[1]).to.deep.include({ name: 'sendto', ret: -1, errno: 'EINPROGRESS' });
    expect(s[2].kind === 'syscall' && s[2].args[3]).to.deep.include({ kind: 'list' });
  });

  it('reads `shell` lines, %{ code }% blocks and --option lines', () => {
    const s = parseScript(
      '--tolerance_usecs=7000\n--ip_version=ipv4\n`sysctl -q net.ipv4.tcp_ecn=1`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 %{ assert tcpi_rto == 1000000 }%\n',
      'x.pkt',
    );
    expect(s.options.map((o) => [o.name, o.value, o.pos.line])).to.deep.equal([
      ['tolerance_usecs', '7000', 1],
      ['ip_version', 'ipv4', 2],
    ]);
    expect(s.events.map((e) => e.kind)).to.deep.equal(['shell', 'syscall', 'code']);
    expect(s.events[0]).to.deep.include({ text: 'sysctl -q net.ipv4.tcp_ecn=1' });
    expect(s.events[2]).to.deep.include({ text: ' assert tcpi_rto == 1000000 ' });
  });

  it('skips // and /* */ comments, and keeps positions of what follows them', () => {
    const t = tokenize('/* a\n b */ 0 // c\n+1', 'x.pkt');
    expect(t.map((x) => [x.kind, x.text, x.pos.line, x.pos.column])).to.deep.equal([
      ['num', '0', 2, 7],
      ['punct', '+', 3, 1],
      ['num', '1', 3, 2],
      ['eof', '', 3, 3],
    ]);
  });

  it('names file:line:column and what is wrong for malformed scripts', () => {
    const cases: Array<[string, string]> = [
      ['0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:0(0 win 10\n', "x.pkt:2:14: expected ')' after the payload length"],
      ['0 < X 0:0(0)\n', "x.pkt:1:5: unknown TCP flag letters 'X'"],
      ['0 < S 0:0(0) <mss>\n', 'x.pkt:1:18: expected the MSS (a number)'],
      ['0 < S 0:0(0) <TS 1 ecr 2>\n', "x.pkt:1:18: expected 'val' after TS"],
      ['0 < S 0:0(0) <FO abc>\n', 'x.pkt:1:18: a Fast Open cookie is whole bytes in hex'],
      ['0 < [ect2] S 0:0(0)\n', "x.pkt:1:6: unknown IP ECN marker 'ect2'"],
      ['0 close(3)\n', "x.pkt:2:1: expected '=' and the expected return value after close(…)"],
      ['0 /* never closed\n', 'x.pkt:1:3: unterminated /* comment'],
      ['0 `sysctl -q x=1\n', 'x.pkt:1:3: unterminated `shell command`'],
      ['0 < S 0:0(0) urg 5\n', 'x.pkt:1:14: unsupported: the urgent pointer (urg)'],
      ['0 < S 0:0(0) <mptcp capable>\n', "x.pkt:1:15: unsupported: the TCP option 'mptcp'"],
      ['0 < udp (10)\n', 'x.pkt:1:5: unsupported: UDP packets'],
      ['0 < S 0:0(0) # x\n', 'x.pkt:1:14: unexpected character "#"'],
    ];
    for (const [text, want] of cases) expect(parseError(text).toString(), text).to.contain(want);
    expect(parseError('0 < udp (10)\n').unsupported).to.equal(true);
    expect(parseError('0 < X 0:0(0)\n').unsupported).to.equal(false);
  });
});
