// The HTML report (harness/report/html/): the per-case views it embeds, the ladder SVG, escaping, and
// that the page loads nothing from elsewhere. The page in a real browser: test/integration/html-report.test.ts.
import { expect } from 'chai';
import { caseArea, caseView, commonSysctls, stepNumberer, type ReportCase } from '../../../harness/report/html/case-view';
import { escHtml, ladderSvg } from '../../../harness/report/html/ladder-svg';
import { toHtmlReport } from '../../../harness/report/html/page';
import { toCompareHtml } from '../../../harness/report/html/compare-page';
import { compareRuns, type RunView } from '../../../lib/compare/compare';
import { toSummary } from '../../../harness/report/summary';
import { AWKWARD, fixtureRun } from './fixture';

function dataOf(html: string): any[] {
  const m = /<script type="application\/json" id="synh-data">([\s\S]*?)<\/script>/.exec(html);
  expect(m, 'data block').to.not.equal(null);
  return JSON.parse(m![1]);
}

describe('HTML report', () => {
  const summary = toSummary(fixtureRun(), { pcapPaths: new Map([[fixtureRun().cases[0].id, 'pcap/a b#c.pcapng']]) });
  const html = toHtmlReport(summary);

  it('is one self-contained page: no external script, style, image or font', () => {
    expect(html.startsWith('<!DOCTYPE html>')).to.equal(true);
    expect(html).to.not.match(/<link\b|@import|\bsrc\s*=|url\(/i);
    // the only URL is the SVG namespace, which loads nothing
    expect(html.match(/https?:\/\/[^\s"'`]+/g) ?? []).to.deep.equal(['http://www.w3.org/2000/svg']);
  });

  it('escapes case names, messages and reasons everywhere', () => {
    const outsideData = html.replace(/<script[\s\S]*?<\/script>/g, '');
    expect(outsideData).to.not.include(AWKWARD);
    expect(outsideData).to.include(escHtml(AWKWARD));
    expect(outsideData).to.not.include('<not a tag>');
    // the data block cannot end early and parses back to what was put in
    const data = dataOf(html);
    expect(data.map((c) => c.name)).to.deep.equal(summary.cases.map((c) => c.name));
    expect(html.split('</script>').length - 1).to.equal(2);
  });

  it('embeds a script that parses', () => {
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
    expect(scripts).to.have.length(1);
    expect(() => new Function(scripts[0])).to.not.throw();
    expect(scripts[0]).to.match(/reportClient\(\);$/);
  });

  it('puts a row per case with its status, area, family and spec sections as filters', () => {
    const rows = html.match(/<tr class="case st-[a-z]+" data-i="\d+">/g) ?? [];
    expect(rows).to.have.length(summary.cases.length);
    expect(html).to.include('data-f="area" data-v="basic"');
    expect(html).to.include('data-f="ip" data-v="6"');
    expect(html).to.include('data-f="spec" data-v="RFC 9293 §3.10.7.2"');
    expect(html).to.include('data-f="status" data-v="skip"');
  });

  it('a failed case: packets in capture order, unexpected ones marked, the missing expectation dashed after its step', () => {
    const fail = dataOf(html).find((c) => c.st === 'fail');
    expect(fail.arrows.map((a: any) => [a.d, a.k ?? '', a.s ?? ''])).to.deep.equal([
      ['s', '', 'step 0'], // the fixture's comments count from 0: the label is the data's
      ['r', '', ''],
      ['r', 'u', ''],
      ['r', 'm', 'step 3'],
    ]);
    const missing = fail.arrows[3];
    expect(missing.l).to.equal('missing: no ACK of our data within 200 ms');
    expect(fail.steps.map((s: any) => s.l)).to.deep.equal(['step 1', 'step 2', 'step 3']);
    expect(fail.steps[1].d).to.deep.equal([
      ['tcp.flags', 'SA', 'RA', 'listener present'],
      ['tcp.ack', '1001', '0'],
    ]);
    expect(fail.drops).to.equal(1);
  });

  it('step labels come from the data: 0-based and 1-based step indexes read the same', () => {
    const c = (base: number): ReportCase => ({
      id: 'f#n@ipv4',
      file: 'cases/listener/x.yaml',
      name: 'n',
      ip: 4,
      status: 'fail',
      steps: [
        { index: base, kind: 'send', ok: true },
        { index: base + 1, kind: 'expect', ok: false, message: 'SA — nothing arrived within 1000 ms' },
      ],
      packets: [{ tRelMs: 0, dir: 'sent', summary: '198.18.0.2:40000 > 198.18.0.1:8080 S seq=1 win=1', comment: 'step 1: send on flow a' }],
    });
    for (const base of [0, 1]) {
      const v = caseView(c(base), {});
      expect(v.steps.map((s) => s.l)).to.deep.equal(['step 1', 'step 2']);
      expect(v.arrows.map((a) => a.s)).to.deep.equal(['step 1', 'step 2']);
      expect(v.arrows[1].k).to.equal('m');
    }
    expect(stepNumberer([{ index: 3 }, { index: 4 }])({ index: 3 })).to.equal(3);
    expect(stepNumberer([{ step: 1 }, { step: 2 }])({ step: 2 })).to.equal(2);
  });

  it("hover text carries the model's prediction for the DUT packet a step took; ports appear only with several flows", () => {
    const v = caseView(
      {
        id: 'f#n@ipv4',
        file: 'cases/x.yaml',
        name: 'n',
        ip: 4,
        status: 'pass',
        steps: [
          { index: 0, kind: 'send', ok: true },
          { index: 1, kind: 'expect', ok: true },
        ],
        packets: [
          { tRelMs: 0, dir: 'sent', summary: '198.18.0.2:40000 > 198.18.0.1:8080 S seq=1 win=1', comment: 'step 1: send on flow a' },
          {
            tRelMs: 0.1,
            dir: 'received',
            summary: '198.18.0.1:8080 > 198.18.0.2:40000 SA seq=9 ack=2 win=5',
            comment: 'step 2: expect matched; the model agrees',
          },
          { tRelMs: 0.2, dir: 'sent', summary: '198.18.0.2:40001 > 198.18.0.1:8080 S seq=1 win=1', comment: 'step 3: send on flow b' },
        ],
        comparable: { steps: [{ step: 2, packets: [{ dir: 'dut', model: { rule: 'synack.sent', fn: 'tcp_make_synack', packet: 'SA seq=* ack=2' } }] }] },
      },
      {},
    );
    expect(v.arrows[1].h).to.include('model (synack.sent, tcp_make_synack): SA seq=* ack=2');
    expect(v.arrows.map((a) => `${a.p} ${a.l}`)).to.deep.equal(['40000→8080 S seq=1 win=1', '8080→40000 SA seq=9 ack=2 win=5', '40001→8080 S seq=1 win=1']);
    // addresses once per case; the hover starts with them
    expect(v.eps).to.deep.equal(['198.18.0.2:40000 > 198.18.0.1:8080', '198.18.0.1:8080 > 198.18.0.2:40000', '198.18.0.2:40001 > 198.18.0.1:8080']);
    expect(v.arrows.map((a) => a.e)).to.deep.equal([0, 1, 2]);
    expect(ladderSvg(v.arrows, v.eps)).to.include(
      '<title>198.18.0.1:8080 &gt; 198.18.0.2:40000 SA seq=9 ack=2 win=5\nstep 2: expect matched; the model agrees\nmodel (synack.sent',
    );
    expect(ladderSvg(v.arrows, v.eps)).to.include('>8080→40000 SA seq=9 ack=2 win=5</text>');
    expect(v.area).to.equal('(top)');
  });

  it('ladder SVG: escaped labels, a dashed arrow for a missing packet, a class per mark', () => {
    const svg = ladderSvg([
      { d: 's', t: 0, l: 'S <seq>&', s: 'step 1', h: 'a "quoted" <title>' },
      { d: 'r', t: 0.5, l: 'RA', k: 'u', h: 'x' },
      { d: 'r', l: 'missing: SA', k: 'm', h: 'y' },
    ]);
    expect(svg).to.include('S &lt;seq&gt;&amp;');
    expect(svg).to.include('<title>S &lt;seq&gt;&amp;\na &quot;quoted&quot; &lt;title&gt;</title>');
    expect(svg.match(/stroke-dasharray/g)).to.have.length(1);
    expect(svg).to.include('class="arrow k-u"');
    expect(svg).to.include('+0.500 ms');
    expect(ladderSvg([])).to.include('(no packets)');
    // a long pause takes more room than a prompt reply
    const height = (svg: string): number => Number(/height="(\d+)"/.exec(svg)![1]);
    const two = (gapMs: number) =>
      ladderSvg([
        { d: 's', t: 0, l: 'S', h: '' },
        { d: 'r', t: gapMs, l: 'SA', h: '' },
      ]);
    expect(height(two(1000))).to.be.greaterThan(height(two(0.04)));
  });

  it('area and run-wide sysctls', () => {
    expect(caseArea('cases/listener/ack-gets-rst.yaml')).to.equal('listener');
    expect(caseArea('/abs/repo/cases/fuzz-regressions/c17.yaml')).to.equal('fuzz-regressions');
    expect(caseArea('/tmp/x/my.yaml')).to.equal('x');
    expect(
      commonSysctls([
        { id: 'a', file: 'a', name: 'a', ip: 4, status: 'pass', sysctls: { x: '1', y: '2' } },
        { id: 'b', file: 'b', name: 'b', ip: 4, status: 'pass', sysctls: { x: '1', y: '3' } },
      ]),
    ).to.deep.equal({ x: '1' });
  });
});

describe('HTML compare page', () => {
  it("one row per case with what changed, both runs side by side, pcap links through each run's folder, escaped", () => {
    const a = fixtureRun();
    const b = fixtureRun();
    b.runId = 'run-b';
    b.cases[0] = { ...b.cases[0], status: 'fail', message: 'now <broken>' };
    const sa = toSummary(a, { pcapPaths: new Map([[a.cases[0].id, 'pcap/x.pcapng']]) });
    const sb = toSummary(b);
    const view = (s: typeof sa, label: string): RunView => ({
      label,
      runId: s.runId,
      kernel: s.kernel,
      comparable: false,
      cases: s.cases.map((c) => ({ id: c.id, status: c.status, message: c.message, kernel: c.kernel, modelProfile: c.modelProfile, sysctls: c.sysctls })),
    });
    const report = compareRuns(view(sa, 'good'), view(sb, 'latest <b>'));
    const html = toCompareHtml(report, { summary: sa, linkBase: '../runs/a' }, { summary: sb, linkBase: '' });
    const data = dataOf(html);
    expect(data.map((e) => e.st)).to.deep.equal(['regression', 'same', 'same', 'same', 'same']);
    expect(data[0].changes).to.deep.equal(['pass → fail: now <broken>']);
    expect(data[0].sides[0].pcap).to.equal('../runs/a/pcap/x.pcapng');
    expect(data[0].sides.map((s: any) => s.st)).to.deep.equal(['pass', 'fail']);
    expect(data[0].auto).to.equal(true);
    const outsideData = html.replace(/<script[\s\S]*?<\/script>/g, '');
    expect(outsideData).to.not.include('<broken>').and.not.include('latest <b>');
    expect(outsideData).to.include('latest &lt;b&gt;');
  });
});
