// Case files that YAML or the schema used to let through (or that crashed the loader): each is now
// one positioned CaseError that says what to do (issue 14).
import { expect } from 'chai';
import { CaseError, MAX_MESSAGE } from '../../../lib/case/errors';
import { MAX_DURATION_MS } from '../../../lib/case/expr';
import { parseCaseText } from '../../../lib/case/parse';
import { parseCampaignText, CampaignError } from '../../../lib/fuzz/campaign-load';

const L = '  listen: { port: 8080 }';
const S = '  - send: { flags: S }\n  - expect: { flags: SA }';
const text = (o: { top?: string; setup?: string; steps?: string } = {}) =>
  `name: x\ndescription: d\nspec: ["§1"]\n${o.top ?? ''}setup:\n${o.setup ?? L}\nsteps:\n${o.steps ?? S}\n`;

const ladder = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      `l${i}: &l${i} [${Array(9)
        .fill(i ? `*l${i - 1}` : 'x')
        .join(',')}]`,
  ).join('\n');

/** [what, text, line, column, message] */
const CASES: Array<[string, string, number, number, RegExp]> = [
  ['undefined alias', text({ steps: '  - send: *nosuch' }), 7, 11, /^\*nosuch names no anchor defined above it — define &nosuch/],
  ['alias bomb', `${ladder(8)}\nname: x\n`, 2, 10, /expand to more than 100 copies \(an alias or merge-key bomb\)/],
  [
    'merge-key bomb',
    'a: &a {x: 1}\nb: &b {<<: [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a], y: 1}\nc: &c {<<: [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]}\nname: x\n',
    2,
    13,
    /merge-key bomb/,
  ],
  ['__proto__ key', text({ top: '__proto__: { a: 1 }\n' }), 4, 1, /^'__proto__' cannot be a key/],
  ['__proto__ flow', text({ top: 'flows: { __proto__: { sport: 1 } }\n' }), 4, 10, /^'__proto__' cannot be a key/],
  ['__proto__ sysctl', text({ top: 'sysctls: { __proto__: 1 }\n' }), 4, 12, /^'__proto__' cannot be a key/],
  ['flows: {}', text({ top: 'flows: {}\n' }), 4, 8, /^flows is empty — name at least one flow/],
  [
    'huge duration',
    text({ steps: '  - send: { flags: S }\n  - expect_none: 99999999999999999999ms' }),
    8,
    18,
    /is longer than the longest wait a case may ask for, 600s/,
  ],
  ['huge wait', text({ steps: '  - wait: 601s' }), 7, 11, /longest wait/],
  ['synq: -1', text({ steps: `${S}\n  - assert: { synq: -1 }` }), 9, 21, /^-1 can never hold: a queue length is 0\.\.65535/],
  ['acceptq: 65536', text({ steps: `${S}\n  - assert: { acceptq: 65536 }` }), 9, 24, /^65536 can never hold/],
  ['acceptq: "<0"', text({ steps: `${S}\n  - assert: { acceptq: "<0" }` }), 9, 24, /can never hold/],
  ['flags: SSSS', text({ steps: `  - send: { flags: ${'S'.repeat(40)} }` }), 7, 20, /^flag letter 'S' appears twice/],
  [
    'expected wscale=99',
    text({ steps: '  - send: { flags: S }\n  - expect: { flags: SA, options: [wscale=99] }' }),
    8,
    36,
    /a kernel never sends a shift above 14/,
  ],
  ['ip_default_ttl: 300', text({ top: 'sysctls: { net.ipv4.ip_default_ttl: 300 }\n' }), 4, 37, /net\.ipv4\.ip_default_ttl: 300: EINVAL \(1\.\.255\)/],
  ['tcp_ecn: purple', text({ top: 'sysctls: { net.ipv4.tcp_ecn: purple }\n' }), 4, 30, /"purple" is not an integer/],
  ['tcp_ecn: 3 in a step', text({ steps: `  - sysctl: { net.ipv4.tcp_ecn: 3 }\n${S}` }), 7, 33, /EINVAL \(range 0\.\.2/],
  [
    'misspelled sysctl',
    text({ top: 'sysctls: { net.ipv4.tcp_reflect_toss: 1 }\n' }),
    4,
    12,
    /^unknown sysctl 'net\.ipv4\.tcp_reflect_toss' — did you mean 'net\.ipv4\.tcp_reflect_tos'\?/,
  ],
  [
    'misspelled counter',
    text({ steps: `${S}\n  - assert: { counters: { TcpExtListenDrop: "+1" } }` }),
    9,
    27,
    /^unknown counter 'TcpExtListenDrop' — did you mean 'TcpExtListenDrops'\?/,
  ],
  ['Infinity', text({ steps: '  - send: { flags: S, seq: .inf }' }), 7, 28, /got Infinity/],
];

describe('case files that cannot work are refused at load time, positioned', () => {
  for (const [what, t, line, column, message] of CASES) {
    it(what, () => {
      let err: unknown;
      try {
        parseCaseText(t, 'f.yaml');
      } catch (e) {
        err = e;
      }
      expect(err, 'a CaseError').to.be.instanceOf(CaseError);
      const e = err as CaseError;
      expect(e.issues[0].message).to.match(message);
      expect([e.line, e.column], String(e)).to.deep.equal([line, column]);
    });
  }

  it('a 1 MB expression gives a short message', () => {
    const t = text({ steps: `  - send: { flags: S, seq: "peer.isn${'+1'.repeat(500_000)}" }` });
    expect(() => parseCaseText(t, 'f.yaml')).to.throw(CaseError);
    try {
      parseCaseText(t, 'f.yaml');
    } catch (e) {
      expect(String(e).length).to.be.below(MAX_MESSAGE + 20);
    }
  });

  it('a CR-only file (old Mac line ends) reads like its LF twin, same positions', () => {
    const lf = text();
    expect(parseCaseText(lf.replace(/\n/g, '\r'), 'f.yaml').steps.length).to.equal(2);
    const bad = text({ steps: '  - send: { flags: SX }' });
    const pos = (s: string) => {
      try {
        parseCaseText(s, 'f.yaml');
      } catch (e) {
        return [(e as CaseError).line, (e as CaseError).column];
      }
      return [];
    };
    expect(pos(bad.replace(/\n/g, '\r')))
      .to.deep.equal(pos(bad))
      .and.not.deep.equal([]);
  });

  it('a kernel sysctl the model does not know is left to the kernel, not taken for a misspelling (packetdrill sets tcp_dsack, tcp_fack)', () => {
    const c = parseCaseText(text({ top: 'sysctls: { net.ipv4.tcp_dsack: 1, net.ipv4.tcp_fack: 0 }\n' }), 'x.yaml');
    expect(c.sysctls.map((x) => x.name)).to.deep.equal(['net.ipv4.tcp_dsack', 'net.ipv4.tcp_fack']);
  });
  it('the longest duration a case may write is accepted', () => {
    expect(MAX_DURATION_MS).to.equal(600_000);
    expect(() => parseCaseText(text({ steps: '  - wait: 600s' }), 'f.yaml')).not.to.throw();
  });

  it('campaign files: undefined aliases and alias bombs are positioned CampaignErrors', () => {
    expect(() => parseCampaignText('name: *x\n', 'c.yaml')).to.throw(CampaignError, /names no anchor/);
    try {
      parseCampaignText(`${ladder(8)}\nname: x\n`, 'c.yaml');
      expect.fail('accepted');
    } catch (e) {
      expect(e).to.be.instanceOf(CampaignError);
      expect(String(e)).to.match(/^c\.yaml:2:10: YAML aliases here expand/);
    }
  });
});
