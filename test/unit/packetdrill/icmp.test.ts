// packetdrill's inbound ICMP lines on own fixtures: icmp steps (type/code per family, quoted seq in the
// DUT's space, MTU in either order), the family a name limits the script to, nstat counter checks,
// -D defines for names, and the positions of what is refused.
import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import { scriptToCase, ScriptError } from '../../../lib/packetdrill';
import type { CompileOptions } from '../../../lib/packetdrill';
import type { IcmpStep } from '../../../lib/case/types';
import { caseToYaml } from '../../../lib/packetdrill/yaml';
import { parseCaseText } from '../../../lib/case';

const DIR = join(__dirname, '..', '..', 'fixtures', 'packetdrill');
const compile = (name: string, o: CompileOptions = {}) => scriptToCase(readFileSync(join(DIR, name), 'utf8'), name, o);
const icmps = (c: ReturnType<typeof compile>): IcmpStep[] => c.steps.filter((s): s is IcmpStep => s.kind === 'icmp');

describe('packetdrill: inbound ICMP', () => {
  it('errors about a SYN-ACK: both families, quoted seq relative to the DUT ISN, nstat | grep as a counter check', () => {
    const c = compile('icmp.pkt');
    expect(c.families).to.deep.equal([4, 6]);
    const [oow, pp] = icmps(c);
    expect(oow.icmp).to.deep.equal({ 4: { type: 3, code: 0 }, 6: { type: 1, code: 0 } });
    expect(oow.quote).to.deep.include({ len: 1000 });
    expect((oow.quote as { seq: { text: string } }).seq).to.deep.include({ base: 'dut.isn', offset: 5000, flow: 'c1' });
    expect(pp.icmp).to.deep.equal({ 4: { type: 12, code: 0 }, 6: { type: 4, code: 0 } });
    expect((pp.quote as { seq: { text: string } }).seq).to.deep.include({ base: 'dut.isn', offset: 0 });
    const a = c.steps.find((s) => s.kind === 'assert');
    expect(a).to.deep.include({ counters: [{ name: 'TcpExtOutOfWindowIcmps', expect: { op: '>=', value: 1, text: '>=1' } }] });
    expect(c.steps.map((s) => s.kind)).to.deep.equal(['send', 'expect', 'wait', 'icmp', 'assert', 'icmp']);
  });

  it('frag_needed with the MTU before the quote: IPv4 only (packetdrill has no such ICMPv6 code); a define names the code', () => {
    const c = compile('icmp-frag.pkt', { defines: { CODE: 'host_unreachable' } });
    expect(c.families).to.deep.equal([4]);
    const [frag, host] = icmps(c);
    expect(frag).to.deep.include({ mtu: 900, icmp: { 4: { type: 3, code: 4 } } });
    expect(host).to.deep.include({ icmp: { 4: { type: 3, code: 1 } }, written: { type: 'unreachable', code: 'host_unreachable' } });
    expect(c.source?.notes.join('\n')).to.match(/exists only in IPv4/);
  });

  it('refused at their positions: an undefined code define, a misspelt code, ICMP before any connection, outbound ICMP', () => {
    const err = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).to.be.instanceOf(ScriptError);
        return String(e);
      }
      return 'no error';
    };
    expect(err(() => compile('icmp-frag.pkt'))).to.contain('icmp-frag.pkt:7:25: unsupported: the ICMP code CODE, a define not given (-D CODE=<name>)');
    expect(err(() => compile('bad/icmp-code.pkt'))).to.match(
      /bad\/icmp-code\.pkt:4:23: unsupported: the ICMP message 'unreachable frag_neded': 'frag_neded' is not a code/,
    );
    expect(err(() => compile('bad/icmp.pkt'))).to.contain('bad/icmp.pkt:3:4: unsupported: an ICMP error before any connection exists');
    expect(err(() => scriptToCase('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 > icmp unreachable\n', 'out.pkt'))).to.contain(
      'out.pkt:3:6: unsupported: outbound ICMP packets',
    );
  });

  it('synh import writes the icmp steps as YAML that loads back to the same steps', () => {
    const c = compile('icmp.pkt');
    const yaml = caseToYaml(c);
    expect(yaml).to.match(/- icmp:\n\s+type: unreachable\n\s+flow: c1\n\s+quote:\n\s+seq: dut\.isn\+5000\n\s+len: 1000/);
    expect(yaml).to.match(/counters:\n\s+TcpExtOutOfWindowIcmps: ">=1"/);
    const back = parseCaseText(yaml, 'icmp.yaml');
    // import writes IPv4 only (the IPv6 run needs packetdrill's 1520-byte link)
    expect(back.families).to.deep.equal([4]);
    expect(icmps(back as ReturnType<typeof compile>).map((s) => [s.icmp[4], s.quote, s.written])).to.deep.equal(
      icmps(c).map((s) => [s.icmp[4], s.quote, s.written]),
    );
  });
});
