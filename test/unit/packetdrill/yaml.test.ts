import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseCaseText } from '../../../lib/case';
import type { CaseFile, Step } from '../../../lib/case/types';
import { scriptToCase } from '../../../lib/packetdrill';
import { caseToYaml, NotExpressible } from '../../../lib/packetdrill/yaml';

const DIR = join(__dirname, '..', '..', 'fixtures', 'packetdrill');
const compile = (name: string): CaseFile => scriptToCase(readFileSync(join(DIR, name), 'utf8'), name);

/** What a step does, without positions, texts and the timing form (at → within). */
function gist(s: Step): unknown {
  const strip = (v: unknown): unknown =>
    JSON.parse(
      JSON.stringify(v, (k, x) =>
        k === 'pos' || k === 'text' || k === 'note' || k === 'index' || k === 'at' || k === 'within' || k === 'label'
          ? undefined
          : x instanceof Uint8Array
            ? [...x]
            : x,
      ),
    );
  return strip(s);
}

describe('synh import: a compiled script as a YAML case', () => {
  for (const f of ['passive-open.pkt', 'active-open.pkt']) {
    it(`${f}: the YAML loads back to the same steps, flows, set-up and sysctls`, () => {
      const c = compile(f);
      const y = parseCaseText(caseToYaml(c), `${f}.yaml`);
      expect(y.setup).to.deep.equal(c.setup);
      expect(y.flows).to.deep.equal(c.flows);
      expect(y.sysctls).to.deep.equal(c.sysctls);
      expect(y.families).to.deep.equal(c.families.filter((x) => x === 4));
      expect(y.steps.map(gist)).to.deep.equal(c.steps.map(gist));
      // an answer's window becomes `within` its end
      const e = y.steps.find((s) => s.kind === 'expect');
      expect(e && e.kind === 'expect' && e.packets[0].within).to.be.a('number');
    });
  }

  it("Fast Open: a copied cookie becomes tfo=@label, the DUT's own cookie tfo=kernel", () => {
    const c = compile('fastopen-server.pkt');
    const text = caseToYaml(c);
    expect(text).to.contain('label: cookie2');
    expect(text).to.contain('tfo=@cookie2');
    const y = parseCaseText(text, 'x.yaml');
    expect(y.steps.map(gist)).to.deep.equal(c.steps.map(gist));
    const k = scriptToCase('0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 < S 0:10(10) win 100 <FO TFO_COOKIE,nop,nop>\n', 'k.pkt');
    expect(caseToYaml(k)).to.contain('tfo=kernel');
    expect((parseCaseText(caseToYaml(k), 'k.yaml').steps[0] as { options: unknown[] }).options[0]).to.deep.equal({ kind: 'tfo', cookie: { kernel: true } });
  });

  it('TCP_INFO checks, mid-case sysctls and a re-opened listener load back the same', () => {
    const c = scriptToCase(
      '0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n+0 %{ assert tcpi_state == TCP_LISTEN; assert (tcpi_options & TCPI_OPT_SACK) == 0 }%\n+0 close(3) = 0\n+0 `sysctl -q net.ipv4.tcp_ecn=2 net.ipv4.tcp_rmem="4096 8192 16384"`\n+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 setsockopt(3, SOL_TCP, TCP_FASTOPEN, [5], 4) = 0\n+0 listen(3, 2) = 0\n',
      'x.pkt',
    );
    const y = parseCaseText(caseToYaml(c), 'x.yaml');
    expect(y.steps.map(gist)).to.deep.equal(c.steps.map(gist));
    expect(y.steps.map((s) => s.kind)).to.deep.equal(['assert', 'call', 'sysctl', 'call']);
  });

  it('refuses what YAML cases cannot say yet, by name', () => {
    const c = scriptToCase('--mtu=1400\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 listen(3, 1) = 0\n', 'x.pkt');
    expect(() => caseToYaml(c)).to.throw(NotExpressible, /a link MTU \(1400\) cannot be written in a YAML case file yet — run the script itself/);
  });
});
