import { expect } from 'chai';
import { parseCodeBlock } from '../../../lib/packetdrill/code';
import { evalInfo, infoFields, tcpInfoKey, TCP_INFO_FIELDS } from '../../../lib/case/tcp-info';
import { decodeTcpInfo } from '../../../harness/sys/sockopts';

const at = { line: 7, column: 6 };

describe('packetdrill %{ assert … }% blocks → TCP_INFO checks', () => {
  it('parses asserts with fields, constants, & | comparisons (chained), not/and/or; the message after the comma is not checked', () => {
    const c = parseCodeBlock(
      " assert (tcpi_options & TCPI_OPT_SYN_DATA) != 0, tcpi_options; assert 15000 <= tcpi_rtt <= 25000, 'rtt=%d' % tcpi_rtt\nassert not tcpi_retrans and tcpi_ca_state == TCP_CA_Recovery ",
      at,
      'x.pkt',
    );
    expect(c.map((x) => [x.text, x.pos])).to.deep.equal([
      ['(tcpi_options & TCPI_OPT_SYN_DATA) != 0', { line: 7, column: 7 }],
      ['15000 <= tcpi_rtt <= 25000', { line: 7, column: 69 }],
      ['not tcpi_retrans and tcpi_ca_state == TCP_CA_Recovery', { line: 8, column: 1 }],
    ]);
    const info = (v: Record<string, number>) => (f: string) => v[f] ?? 0;
    expect(evalInfo(c[0].expr, info({ tcpi_options: 0x27 }))).to.equal(1);
    expect(evalInfo(c[0].expr, info({ tcpi_options: 0x07 }))).to.equal(0);
    expect(evalInfo(c[1].expr, info({ tcpi_rtt: 20000 }))).to.equal(1);
    expect(evalInfo(c[1].expr, info({ tcpi_rtt: 26000 }))).to.equal(0);
    expect(evalInfo(c[2].expr, info({ tcpi_retrans: 0, tcpi_ca_state: 3 }))).to.equal(1);
    expect(evalInfo(c[2].expr, info({ tcpi_retrans: 1, tcpi_ca_state: 3 }))).to.equal(0);
    expect(infoFields(c[2].expr)).to.deep.equal(['tcpi_retrans', 'tcpi_ca_state']);
  });

  it('refuses what it does not understand, at its position', () => {
    const err = (t: string): string => {
      try {
        parseCodeBlock(t, at, 'x.pkt');
      } catch (e) {
        return String(e);
      }
      return 'no error';
    };
    expect(err(' assert tcpi_bogus == 1')).to.contain('x.pkt:7:14: unsupported: the TCP_INFO field tcpi_bogus in %{ }%');
    expect(err(' x = 1')).to.contain("x.pkt:7:7: unsupported: the Python statement 'x = 1' in %{ }%");
    expect(err(' assert tcpi_rtt ==')).to.contain('x.pkt:7:25: expected a value');
    expect(err(' assert tcpi_rtt ** 2')).to.contain('x.pkt:7:24: expected a value');
    expect(err(' assert tcpi_rtt % 2')).to.contain("x.pkt:7:23: unexpected '%'");
  });

  it("every field a check may name is one the agent's TCP_INFO decoder gives", () => {
    const v = decodeTcpInfo(Buffer.alloc(256)) as unknown as Record<string, number>;
    for (const f of TCP_INFO_FIELDS) expect(v[tcpInfoKey(f)], f).to.be.a('number');
    const b = Buffer.alloc(256);
    b.writeUInt32LE(77, 192);
    b[5] = 32;
    expect(decodeTcpInfo(b)).to.deep.include({ delivered: 77, options: 32 });
  });
});
