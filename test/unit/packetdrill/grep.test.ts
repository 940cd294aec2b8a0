// packetdrill's grep shell lines over the DUT's /proc/net/tcp{,6}: which pipelines are understood, and grep's answer.
import { expect } from 'chai';
import { grepLines, parseGrepPipeline } from '../../../lib/packetdrill/grep';
import { scriptToCase } from '../../../lib/packetdrill';
import type { AssertStep } from '../../../lib/case/types';

const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 020012C6:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
  '   1: 020012C6:1F90 020112C6:9C40 03 00000000:00000000 00:00000000 00000000     0        0 0 1 0 100 0 0 10 0',
].join('\n');

describe('packetdrill grep of /proc/net/tcp', () => {
  it('a pipeline of fixed-string greps over the socket tables; anything else is not one', () => {
    const w = (s: string) => s.split('|').map((c) => c.trim().split(/\s+/));
    expect(
      parseGrepPipeline([
        ['grep', ' 0A ', '/proc/net/tcp', '/proc/net/tcp6'],
        ['grep', ':1F90'],
      ]),
    ).to.deep.equal({
      files: ['/proc/net/tcp', '/proc/net/tcp6'],
      patterns: [' 0A ', ':1F90'],
    });
    expect(parseGrepPipeline(w('grep x /etc/passwd'))).to.equal(undefined);
    expect(parseGrepPipeline(w('grep -v x /proc/net/tcp'))).to.equal(undefined);
    expect(parseGrepPipeline(w('grep 0A.* /proc/net/tcp'))).to.equal(undefined);
    expect(parseGrepPipeline(w('grep x /proc/net/tcp | grep y /proc/net/tcp6'))).to.equal(undefined);
  });

  it("grep's answer: lines through every pattern, prefixed with the file's name when the first grep reads several", () => {
    const p = { files: ['/proc/net/tcp', '/proc/net/tcp6'], patterns: [' 0A ', ':1F90'] };
    expect(grepLines(p, [TCP, ''])).to.have.length(1);
    expect(grepLines(p, [TCP, ''])[0]).to.match(/^\/proc\/net\/tcp: {3}0: /);
    expect(grepLines({ ...p, patterns: [' 0A ', ':1F91'] }, [TCP, ''])).to.deep.equal([]);
    // the name prefix is grep's too: a second pattern may match it
    expect(grepLines({ ...p, patterns: [' 03 ', 'tcp:'] }, [TCP, ''])).to.have.length(1);
    expect(grepLines({ files: ['/proc/net/tcp'], patterns: [' 03 ', 'tcp:'] }, [TCP])).to.deep.equal([]);
  });

  it('compiles to an assert step at its time, after the first call; before it, or next to other commands, it is refused', () => {
    const c = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+.1 `grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90"`\n',
      'g.pkt',
    );
    expect(c.steps.map((s) => s.kind)).to.deep.equal(['wait', 'assert']);
    expect((c.steps[1] as AssertStep).procGrep).to.deep.equal({
      files: ['/proc/net/tcp', '/proc/net/tcp6'],
      patterns: [' 0A ', ':1F90'],
      text: 'grep " 0A " /proc/net/tcp /proc/net/tcp6 | grep ":1F90"',
    });
    let err: unknown;
    try {
      scriptToCase('`grep " 0A " /proc/net/tcp`\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n', 'h.pkt');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.contain('h.pkt:1:1: unsupported: a grep of /proc/net/tcp before the first call');
  });
});
