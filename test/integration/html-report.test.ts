// The HTML report in a real headless Chromium (Debian's chromium, installed by scripts/setup), driven
// over the DevTools protocol: the whole suite's run on this kernel, and a run with deliberately wrong
// expectations (a mismatched field, an unexpected packet, a packet that never comes). Each page loads
// with no console error or exception, its filters show the rows summary.json says they should, a
// case opens to its ladder, and a screenshot is kept next to it (index.png; the runs stay in
// results/test-html-report/{suite,failing}/ until the next test).
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { chromiumPath, HeadlessPage } from './chromium';

const REPO = path.join(__dirname, '..', '..');
const SYNH = path.join(REPO, 'bin', 'synh');

const WRONG_CASES: Record<string, string> = {
  'wrong-window.yaml': `name: wrong-synack-window
description: Deliberately wrong expectation (the window) - a field that differs.
spec: ["§4.2"]
ip: both
setup:
  listen: { port: 8080 }
steps:
  - send: { flags: S, seq: 1000, options: [mss=1460, sackOK, nop, wscale=7] }
  - expect: { model: true, flags: SA, window: 1234 }
`,
  'closed-port-silent.yaml': `name: closed-port-expects-nothing
description: Deliberately wrong (a closed port answers a SYN with RST|ACK) - an unexpected packet.
spec: ["§3.5"]
ip: 4
setup:
  closed: { port: 8080 }
steps:
  - send: { flags: S, seq: 1000 }
  - expect_none: 200ms
`,
  'retransmit-early.yaml': `name: synack-retransmit-too-early
description: Deliberately wrong (the SYN-ACK comes again after 1 s, not within 200 ms) - a missing packet.
spec: ["§6"]
ip: 4
setup:
  listen: { port: 8080 }
steps:
  - send: { flags: S, seq: 1000 }
  - expect: { model: true, flags: SA }
  - expect: { model: false, flags: SA, within: 200ms }
`,
};

/** The same cases with right expectations: they pass (run A of the compare page). */
const RIGHT: Array<[string, string, string]> = [
  ['wrong-window.yaml', ', window: 1234', ''],
  ['closed-port-silent.yaml', '  - expect_none: 200ms', '  - expect: { model: true, flags: RA }'],
  ['retransmit-early.yaml', 'within: 200ms', 'within: 1500ms'],
];

interface Sum {
  runId: string;
  totals: { total: number; pass: number; fail: number; error: number; skip: number };
  cases: Array<{ file: string; ip: number; status: string; packets: unknown[] }>;
}

function synh(args: string[], timeout = 600_000): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [SYNH, ...args], { cwd: REPO, encoding: 'utf8', timeout, env: { ...process.env, SYNH_NO_PROGRESS: '1' } });
}

/** Runs, returns the run's directory and its summary. */
function runInto(results: string, args: string[]): { dir: string; sum: Sum; status: number | null } {
  const r = synh(['run', ...args, '--results', results]);
  const dir = fs.realpathSync(path.join(results, 'latest'));
  return { dir, sum: JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')), status: r.status };
}

async function checkPage(dir: string, sum: Sum): Promise<{ page: HeadlessPage; loadMs: number; filterMs: number }> {
  const page = await HeadlessPage.open();
  const t0 = Date.now();
  await page.goto(`file://${path.join(dir, 'index.html')}`);
  const loadMs = Date.now() - t0;
  expect(await page.eval('document.querySelectorAll("#cases tr.case").length')).to.equal(sum.totals.total);
  expect(await page.eval('synhReport.visible()')).to.equal(sum.totals.total);
  for (const st of ['pass', 'fail', 'error', 'skip'] as const) {
    expect(await page.eval(`synhReport.filter({ status: '${st}' })`), st).to.equal(sum.totals[st]);
  }
  expect(await page.eval(`synhReport.filter({ ip: '6' })`)).to.equal(sum.cases.filter((c) => c.ip === 6).length);
  // a click on an area cell filters by that area
  const area = await page.eval<string>('(synhReport.filter({}), document.querySelector(\'#cases tr.case a[data-f="area"]\').dataset.v)');
  await page.eval('document.querySelector(\'#cases tr.case a[data-f="area"]\').click()');
  expect(await page.eval('document.getElementById("f-area").value')).to.equal(area);
  const inArea = await page.eval<number>('synhReport.visible()');
  expect(inArea).to.be.greaterThan(0).and.at.most(sum.totals.total);
  expect(await page.eval('location.hash')).to.equal(`#area=${encodeURIComponent(area)}`);
  // the text filter: every word must appear
  expect(await page.eval('synhReport.filter({ q: "no-such-case-anywhere" })')).to.equal(0);
  expect(await page.eval('synhReport.filter({})')).to.equal(sum.totals.total);
  const filterMs = await page.eval<number>(
    '(() => { const t = performance.now(); synhReport.filter({ status: "pass" }); synhReport.filter({}); return (performance.now() - t) / 2; })()',
  );
  return { page, loadMs, filterMs };
}

describe('HTML report in headless Chromium', function () {
  this.timeout(900_000);
  // Kept after the test (git-ignored, replaced by the next run): the pages and their screenshots.
  const tmp = path.join(REPO, 'results', 'test-html-report');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });

  before(function () {
    if (!chromiumPath()) throw new Error('chromium is not installed: run scripts/setup (apt-get install -y --no-install-recommends chromium)');
  });

  it('the whole suite: loads without errors, filters match summary.json, a case opens to its ladder, index.png kept', async () => {
    const { dir, sum } = runInto(path.join(tmp, 'suite'), []);
    expect(sum.totals.total).to.be.greaterThan(400);
    const html = fs.statSync(path.join(dir, 'index.html')).size;
    const { page, loadMs, filterMs } = await checkPage(dir, sum);
    try {
      // open the first case that has packets: its ladder has one arrow per packet
      const i = sum.cases.findIndex((c) => c.status === 'pass' && c.packets.length > 0);
      await page.eval(`synhReport.open(${i})`);
      expect(await page.eval(`document.querySelectorAll('#cases tr.case')[${i}].nextElementSibling.querySelectorAll('svg.ladder g.arrow').length`)).to.equal(
        sum.cases[i].packets.length,
      );
      await page.screenshot(path.join(dir, 'index.png'));
      expect(page.errors).to.deep.equal([]);
    } finally {
      await page.close();
    }
    const png = fs.readFileSync(path.join(dir, 'index.png'));
    expect(png.subarray(1, 4).toString()).to.equal('PNG');
    console.log(
      `      ${sum.totals.total} case runs: index.html ${(html / 1024).toFixed(0)} KiB, loaded in ${loadMs} ms, a filter ${filterMs.toFixed(1)} ms; index.png ${(png.length / 1024).toFixed(0)} KiB`,
    );
    // synh report names it
    const r = synh(['report', dir]);
    expect(r.status, r.stderr).to.equal(0);
    expect(path.resolve(REPO, r.stdout.trim())).to.equal(path.join(dir, 'index.html'));
  });

  it('a run with failures: failed cases open at once with red, orange and dashed arrows, the diff and the reasons; compared with the run that passed', async () => {
    const cases = path.join(tmp, 'cases');
    fs.mkdirSync(cases);
    // first right (run A of the compare page below), then wrong
    for (const [f, from, to] of RIGHT) fs.writeFileSync(path.join(cases, f), WRONG_CASES[f].replace(from, to));
    const good = runInto(path.join(tmp, 'failing'), [cases]);
    expect(good.sum.totals.pass, 'the right cases pass').to.equal(4);
    for (const [f, text] of Object.entries(WRONG_CASES)) fs.writeFileSync(path.join(cases, f), text);
    const { dir, sum, status } = runInto(path.join(tmp, 'failing'), [cases]);
    expect(status).to.equal(1);
    expect(sum.totals.fail).to.equal(4);
    const { page } = await checkPage(dir, sum);
    try {
      await page.eval('synhReport.filter({})');
      // at most ten failures: every one is open, each with its ladder
      expect(await page.eval('document.querySelectorAll("tr.details:not([hidden]) svg.ladder").length')).to.equal(4);
      expect(await page.eval('document.querySelectorAll("svg.ladder g.k-u").length'), 'unexpected').to.equal(1);
      expect(await page.eval('document.querySelectorAll("svg.ladder g.k-x").length'), 'fields differ').to.equal(2);
      expect(await page.eval('document.querySelectorAll("svg.ladder g.k-m line[stroke-dasharray]").length'), 'missing').to.equal(1);
      const diff = await page.eval<string[]>('Array.from(document.querySelectorAll("table.diff tbody tr")).map((r) => r.textContent)');
      expect(diff).to.include.members(['window123464240', 'window123464800']);
      expect(await page.eval('document.querySelectorAll("ul.reasons li").length')).to.be.greaterThan(10);
      const hover = await page.eval<string>('document.querySelector("svg.ladder g.k-x title").textContent');
      expect(hover)
        .to.match(/MISMATCH in window/)
        .and.match(/model \(synack\.sent, tcp_make_synack\)/);
      const pcap = await page.eval<string>('document.querySelector("tr.details a[href$=\'.pcapng\']").getAttribute("href")');
      expect(fs.existsSync(path.join(dir, decodeURIComponent(pcap))), pcap).to.equal(true);
      await page.screenshot(path.join(dir, 'index.png'), true);
      expect(page.errors).to.deep.equal([]);
    } finally {
      await page.close();
    }
    // the filter in the URL is honoured on load
    const again = await HeadlessPage.open();
    try {
      await again.goto(`file://${path.join(dir, 'index.html')}#status=fail&ip=6`);
      expect(await again.eval('synhReport.visible()')).to.equal(1);
      expect(again.errors).to.deep.equal([]);
    } finally {
      await again.close();
    }

    // synh compare --html: the four regressions, each with both runs' ladders side by side
    const html = path.join(tmp, 'failing', 'compare.html');
    const c = synh(['compare', good.dir, dir, '--html', html]);
    expect(c.status, c.stderr).to.equal(1);
    const cmp = await HeadlessPage.open(1400, 900);
    try {
      await cmp.goto(`file://${html}`);
      expect(await cmp.eval('synhReport.filter({ status: "regression" })')).to.equal(4);
      expect(await cmp.eval('synhReport.filter({ status: "same" })')).to.equal(0);
      expect(await cmp.eval('synhReport.filter({})')).to.equal(4);
      expect(await cmp.eval('document.querySelectorAll("tr.details:not([hidden]) .sides svg.ladder").length')).to.equal(8);
      // run A's pcap links reach A's directory from the page's
      const links = await cmp.eval<string[]>('Array.from(document.querySelectorAll(".sides a[href$=\'.pcapng\']")).map((a) => a.getAttribute("href"))');
      expect(links).to.have.length(8);
      for (const l of links) expect(fs.existsSync(path.join(path.dirname(html), decodeURIComponent(l))), l).to.equal(true);
      await cmp.screenshot(path.join(tmp, 'failing', 'compare.png'), true);
      expect(cmp.errors).to.deep.equal([]);
    } finally {
      await cmp.close();
    }
  });
});
