import { expect } from 'chai';
import { KTAP_DIAG_MAX, KTAP_REASON_MAX, ktapCaseName, ktapDescription, toKtap } from '../../../harness/report/ktap';
import { briefArgs } from '../../../harness/agent/client';
import { fixtureRun } from './fixture';

// A strict reader for KTAP v1 (Documentation/dev-tools/ktap.rst) as we write it: version line,
// plan, then result lines, "#" diagnostic lines and nested blocks indented two more spaces.
// Anything else (an "unknown line") is rejected, so the writer cannot hide mistakes in them.

interface KTest {
  ok: boolean;
  number: number;
  description: string;
  directive?: string;
  data?: string;
  diagnostics: string[];
  subtests?: KBlock;
}
interface KBlock {
  plan: number;
  tests: KTest[];
  diagnostics: string[];
}

const DIRECTIVES = ['SKIP', 'TODO', 'XFAIL', 'TIMEOUT', 'ERROR'];
const RESULT = /^(ok|not ok) ([1-9][0-9]*)(?: ([^#]*[^# ]))?(?: # (.*))?$/;

function parseKtap(text: string): KBlock {
  expect(text.endsWith('\n'), 'ends with a newline').to.equal(true);
  const lines = text.slice(0, -1).split('\n');
  let i = 0;
  function block(indent: string): KBlock {
    expect(lines[i], `line ${i + 1}`).to.equal(`${indent}KTAP version 1`);
    i++;
    const plan = /^1\.\.(\d+)$/.exec(lines[i].slice(indent.length));
    expect(lines[i].startsWith(indent) && plan, `plan on line ${i + 1}: ${lines[i]}`).to.be.ok;
    i++;
    const b: KBlock = { plan: Number(plan![1]), tests: [], diagnostics: [] };
    let pending: string[] = [];
    let sub: KBlock | undefined;
    while (i < lines.length) {
      const line = lines[i];
      if (line.startsWith(`${indent}  KTAP version 1`)) {
        expect(sub, `second nested block before a result, line ${i + 1}`).to.equal(undefined);
        sub = block(`${indent}  `);
        continue;
      }
      if (!line.startsWith(indent) || line[indent.length] === ' ') {
        if (indent === '') expect.fail(`unknown line ${i + 1}: ${JSON.stringify(line)}`);
        break; // end of this nested block
      }
      const body = line.slice(indent.length);
      if (body === '#' || body.startsWith('# ')) {
        pending.push(body.slice(2));
        i++;
        continue;
      }
      const m = RESULT.exec(body);
      if (!m) {
        if (indent !== '') break; // the parent's line
        expect.fail(`unknown line ${i + 1}: ${JSON.stringify(line)}`);
      }
      const t: KTest = { ok: m[1] === 'ok', number: Number(m[2]), description: m[3] ?? '', diagnostics: pending };
      if (m[4] !== undefined) {
        const [word, ...rest] = m[4].split(' ');
        if (DIRECTIVES.includes(word)) {
          t.directive = word;
          t.data = rest.join(' ');
        } else t.data = m[4];
      }
      if (sub) t.subtests = sub;
      sub = undefined;
      pending = [];
      b.tests.push(t);
      i++;
    }
    b.diagnostics = pending;
    expect(sub, 'nested block without a parent result line').to.equal(undefined);
    expect(b.tests.map((t) => t.number)).to.deep.equal(b.tests.map((_, k) => k + 1));
    expect(b.tests.length, 'plan').to.equal(b.plan);
    return b;
  }
  const top = block('');
  expect(i, 'everything consumed').to.equal(lines.length);
  return top;
}

function totals(b: KBlock): string {
  const m = /^Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) skip:(\d+) error:(\d+)$/.exec(b.diagnostics[b.diagnostics.length - 1] ?? '');
  expect(m, 'Totals line last').to.be.ok;
  return m!.slice(1).join(' ');
}

describe('report/ktap', () => {
  const run = fixtureRun();

  it("keeps diagnostic lines short: an error's first line after # ERROR, no call arguments dumped as JSON", () => {
    const args = { veth: { name: 'dut0', peer: { name: 'syp1-2', netns: '/proc/1/ns/net' } }, wire: { addrs: ['198.18.1.1/24'] }, fd: 7 };
    const msg = `set-up: freshNetns(${briefArgs(args)}) failed: ret=-1 EEXIST — ${'x'.repeat(300)}\n--- agent stderr (tail) ---\n${'y'.repeat(500)}`;
    const err = { ...run.cases[2], message: msg };
    const text = toKtap({ ...run, cases: [err] });
    const result = text.split('\n').find((l) => l.startsWith('not ok 1'))!;
    expect(result).to.match(/# ERROR set-up: freshNetns\(veth=\{…\} wire=\{…\} fd=7\) failed: ret=-1 EEXIST — x+…$/);
    expect(Array.from(result.split('# ERROR ')[1]).length).to.equal(KTAP_REASON_MAX);
    for (const l of text.split('\n')) expect(Array.from(l).length, l).to.be.at.most(KTAP_DIAG_MAX + 2);
    expect(text).to.not.match(/\{"/);
  });

  for (const subtests of [false, true]) {
    describe(subtests ? 'with step subtests' : 'flat', () => {
      const text = toKtap(run, { subtests });
      const top = parseKtap(text);

      it('starts with the version line and the plan', () => {
        expect(text.split('\n').slice(0, 2)).to.deep.equal(['KTAP version 1', '1..5']);
        expect(top.plan).to.equal(run.cases.length);
      });

      it('reports each case with the right result and directive', () => {
        expect(top.tests.map((t) => [t.ok, t.directive ?? null])).to.deep.equal([
          [true, null],
          [false, null],
          [false, 'ERROR'],
          [true, 'SKIP'],
          [true, null],
        ]);
        expect(top.tests[3].data).to.equal('kernel lacks TCP-AO _ not built second line');
        expect(top.tests[2].data).to.equal('agent died: ECONNRESET nul');
      });

      it('uses sanitised names: no "#", no control characters', () => {
        expect(top.tests.map((t) => t.description)).to.deep.equal(run.cases.map(ktapCaseName));
        expect(top.tests[1].description).to.equal('cases/basic/syn.yaml: weird <&>"\' _3 naïve ✓ ctl [0m tab@ipv6');
        expect(top.tests[4].description).to.equal('toplevel.yaml: hash _ in name@ipv4');
        for (const line of text.split('\n')) {
          // eslint-disable-next-line no-control-regex
          expect(/[\u0000-\u0008\u000b-\u001f\u007f]/.test(line), JSON.stringify(line)).to.equal(false);
        }
      });

      it('puts the failure text in diagnostic lines right before the result', () => {
        const d = top.tests[1].diagnostics;
        expect(d[0]).to.match(/^FAIL cases\/basic\/syn\.yaml#weird/);
        expect(d.join('\n')).to.match(/tcp\.flags\s+SA\s+RA/);
        expect(d.join('\n')).to.include('✗ unexpected');
        expect(top.tests[0].diagnostics.some((l) => l.startsWith('synharness run '))).to.equal(true);
        expect(top.tests[4].diagnostics).to.deep.equal([]);
      });

      it('ends with kselftest totals that match the result lines', () => {
        expect(text.trimEnd().split('\n').pop()).to.equal('# Totals: pass:2 fail:1 xfail:0 xpass:0 skip:1 error:1');
        const pass = top.tests.filter((t) => t.ok && !t.directive).length;
        const fail = top.tests.filter((t) => !t.ok && !t.directive).length;
        const skip = top.tests.filter((t) => t.directive === 'SKIP').length;
        const error = top.tests.filter((t) => t.directive === 'ERROR').length;
        expect(totals(top)).to.equal(`${pass} ${fail} 0 0 ${skip} ${error}`);
      });

      it(subtests ? 'nests the steps with their own version line and plan' : 'has no nested blocks', () => {
        if (!subtests) {
          expect(top.tests.every((t) => t.subtests === undefined)).to.equal(true);
          return;
        }
        expect(top.tests.map((t) => t.subtests?.plan ?? null)).to.deep.equal([2, 3, 1, null, null]);
        const steps = top.tests[1].subtests!;
        expect(steps.tests.map((t) => [t.ok, t.description])).to.deep.equal([
          [true, 'step 1 send'],
          [false, 'step 2 expect'],
          [false, 'step 3 expect'],
        ]);
        expect(steps.tests[1].diagnostics).to.include('tcp.flags: expected SA, observed RA (listener present)');
        expect(steps.tests[1].diagnostics).to.include('model: tcp_conn_request: queue not full → SYN-ACK');
      });
    });
  }

  it('writes a valid empty run', () => {
    const text = toKtap({ ...run, cases: [] });
    const top = parseKtap(text);
    expect(top.plan).to.equal(0);
    expect(totals(top)).to.equal('0 0 0 0 0 0');
  });

  it('sanitises descriptions', () => {
    expect(ktapDescription('a # b\nc\u0000d')).to.equal('a _ b c d');
    expect(ktapDescription(' \t ')).to.equal('unnamed');
    expect(ktapDescription('## x')).to.equal('__ x');
  });
});
