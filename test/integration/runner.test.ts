// The case runner on the real kernel: the example cases, a deliberately wrong case, an unexpected extra
// packet, the results directory read back (JUnit, KTAP, pcapng with comments), --jobs 1 against
// --jobs 2, a case over its timeout, a worker killed mid-case, and `synh run` itself.
// Seeded: SYNH_SEED=n replays the hand-out order.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { formatCaseFailure } from '../../harness/report/diff-text';
import { readPcapng } from '../../harness/report/pcapng';
import type { CaseResult } from '../../harness/report/types';
import { DEFAULT_JOBS, DEFAULT_LANES } from '../../harness/cli/run';
import { runSuite, type SuiteOutcome } from '../../harness/runner/suite';
import { kid, kids, parseXml } from '../unit/report/xml-reader';

const SEED = Number(process.env.SYNH_SEED ?? Date.now() % 2 ** 31);
const FIX = 'test/fixtures/runner';
const WRONG = `${FIX}/wrong-window.yaml`;
const EXTRA = `${FIX}/unexpected-extra.yaml`;
const SLOW = `${FIX}/slow-wait.yaml`;
const QUICK = 'cases/examples/ecn-synack.yaml';

function byId(o: SuiteOutcome): Map<string, CaseResult> {
  return new Map(o.run.cases.map((c) => [c.id, c]));
}

describe(`runner: cases against the real kernel (seed ${SEED})`, function () {
  this.timeout(180_000);
  let tmp: string;
  let all: SuiteOutcome;

  before(async () => {
    console.log(`      seed ${SEED} (replay with SYNH_SEED=${SEED})`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-runner-'));
    all = await runSuite({ paths: ['cases/examples', WRONG, EXTRA], jobs: 2, lanes: 4, seed: SEED, resultsDir: path.join(tmp, 'results') });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('every example case passes', () => {
    const examples = all.run.cases.filter((c) => c.file.startsWith('cases/examples/'));
    expect(examples.length).to.be.greaterThanOrEqual(12);
    for (const r of examples) {
      expect(r.status, formatCaseFailure(r)).to.equal('pass');
      expect(r.captureDrops).to.equal(0);
      expect(r.kernel).to.equal(os.release());
      expect(r.modelProfile).to.not.equal('unknown');
    }
  });

  it("a deliberately wrong case fails with the field diff, the model's reasons and the ladder", () => {
    const r = byId(all).get(`${WRONG}#runner-fixture-wrong-window@ipv4`)!;
    expect(r.status).to.equal('fail');
    const s = r.steps.find((x) => !x.ok)!;
    expect(s.kind).to.equal('expect');
    expect(s.diffs).to.deep.equal([{ field: 'window', expected: '12345', observed: '65160' }]);
    expect(s.reasons?.[0]).to.match(/^predicted SA seq=\* ack=1001 win=65160/);
    expect(s.reasons?.some((x) => /tcp_select_initial_window/.test(x))).to.equal(true);
    const text = formatCaseFailure(r);
    expect(text).to.match(/window\s+12345\s+65160/);
    expect(text).to.match(/model: tcp_select_initial_window: .*65160/);
    expect(text).to.match(/ladder:/);
    expect(text).to.match(/──S seq=1000 .*▶ │/);
    expect(text).to.match(/◀──SA seq=\d+ ack=1001 win=65160/);
  });

  it('an answer that no expectation takes fails the case as unexpected', () => {
    const r = byId(all).get(`${EXTRA}#runner-fixture-unexpected-extra@ipv4`)!;
    expect(r.status).to.equal('fail');
    expect(r.steps.every((s) => s.ok)).to.equal(true);
    expect(r.unexpected).to.equal(1);
    expect(r.message).to.equal('1 unexpected packet(s) from the DUT');
    const u = r.packets.filter((p) => /^UNEXPECTED/.test(p.comment));
    expect(u).to.have.length(1);
    expect(formatCaseFailure(r)).to.match(/unexpected packets \(1\):\n.*RA seq=0 ack=201/);
  });

  it('writes summary.json, junit.xml, KTAP and one commented pcapng per case, atomically, with results/latest', () => {
    const w = all.written!;
    const root = path.join(tmp, 'results');
    expect(fs.readlinkSync(path.join(root, 'latest'))).to.equal(w.runId);
    expect(w.runId).to.match(new RegExp(`^\\d{8}T\\d{6}Z-${os.release().replace(/[^A-Za-z0-9._-]+/g, '_')}`));
    expect(fs.readdirSync(root).filter((n) => n.startsWith('.tmp-'))).to.deep.equal([]);
    const n = all.run.cases.length;
    const failing = all.run.cases.filter((c) => c.status !== 'pass').map((c) => c.id);

    const summary = JSON.parse(fs.readFileSync(path.join(w.dir, 'summary.json'), 'utf8'));
    expect(summary.totals).to.deep.equal(all.counts);
    expect(summary.seed).to.equal(SEED);
    expect(summary.cases.map((c: { id: string }) => c.id)).to.deep.equal(all.run.cases.map((c) => c.id));

    const xml = parseXml(fs.readFileSync(path.join(w.dir, 'junit.xml'), 'utf8'));
    expect(xml.name).to.equal('testsuites');
    expect(Number(xml.attrs.tests)).to.equal(n);
    const testcases = kids(xml, 'testsuite').flatMap((s) => kids(s, 'testcase'));
    expect(testcases).to.have.length(n);
    const failed = testcases.filter((t) => kid(t, 'failure'));
    expect(failed.map((t) => kid(t, 'system-out')!.text.split('\n')[0].replace(/^id: /, '')).sort()).to.deep.equal([...failing].sort());
    expect(kid(failed[0], 'failure')!.text).to.match(/ladder:/);

    const ktap = fs.readFileSync(path.join(w.dir, 'ktap.txt'), 'utf8').split('\n');
    expect(ktap[0]).to.equal('KTAP version 1');
    expect(ktap[1]).to.equal(`1..${n}`);
    const results = ktap.filter((l) => /^(not )?ok \d+ /.test(l));
    expect(results).to.have.length(n);
    results.forEach((l, i) => expect(l).to.match(new RegExp(`^(not )?ok ${i + 1} `)));
    expect(results.filter((l) => l.startsWith('not ok'))).to.have.length(failing.length);
    expect(ktap).to.include(`# Totals: pass:${all.counts.pass} fail:${all.counts.fail} xfail:0 xpass:0 skip:${all.counts.skip} error:${all.counts.error}`);

    for (const c of all.run.cases) {
      const rel = w.pcaps.get(c.id);
      expect(rel, `pcap of ${c.id}`).to.be.a('string');
      const p = readPcapng(fs.readFileSync(path.join(w.dir, rel!)));
      expect(p.errors).to.deep.equal([]);
      expect(p.shbComment).to.contain(c.id);
      expect(p.packets).to.have.length(c.packets.length);
      expect(p.packets.filter((x) => x.dir === 'sent').length, c.id).to.be.greaterThan(0);
      for (const pk of p.packets) {
        if (pk.dir === 'sent') expect(pk.comment, c.id).to.match(/^step \d+: send on flow \S+/);
        else expect(pk.comment, c.id).to.match(/^(step \d+: expect\b|UNEXPECTED: )/);
      }
      const orig = c.packets.map((x) => Buffer.from(x.bytes).toString('hex'));
      expect(p.packets.map((x) => Buffer.from(x.bytes).toString('hex'))).to.deep.equal(orig);
    }
  });

  it('--jobs 1 (one case at a time) gives the same verdicts as --jobs 2 --lanes 4', async () => {
    // Everything but the two cases that wait for real timers (7 s and 3.4 s on their own).
    const files = [
      ...fs
        .readdirSync('cases/examples')
        .filter((f) => !/synack-retransmit-schedule|defer-accept/.test(f))
        .map((f) => `cases/examples/${f}`),
      WRONG,
      EXTRA,
    ];
    const one = await runSuite({ paths: files, jobs: 1, seed: SEED + 1, resultsDir: false });
    const two = byId(all);
    expect(one.run.cases.length).to.be.greaterThanOrEqual(12);
    for (const r of one.run.cases) {
      const t = two.get(r.id)!;
      expect(r.status, `${r.id}: jobs 1 ${r.status} (${r.message ?? ''}), jobs 2 × lanes 4 ${t.status} (${t.message ?? ''})`).to.equal(t.status);
      expect(
        r.steps.map((s) => s.ok),
        r.id,
      ).to.deep.equal(t.steps.map((s) => s.ok));
      expect(r.unexpected).to.equal(t.unexpected);
    }
  });

  it('a case over its timeout is an error, not a hang, and the run goes on', async () => {
    const t0 = Date.now();
    const o = await runSuite({ paths: [SLOW, QUICK], jobs: 1, seed: SEED, timeoutMs: 2500, resultsDir: false });
    const [quick, slow] = o.run.cases; // results in discovery order
    expect(slow.status).to.equal('error');
    expect(slow.message).to.equal('timed out after 2500 ms at step 3');
    expect(slow.packets.length, 'what was captured before the timeout is kept').to.be.greaterThan(0);
    expect(quick.status, formatCaseFailure(quick)).to.equal('pass');
    expect(Date.now() - t0).to.be.lessThan(4000 + 4000);
  });

  it('a worker that dies mid-case is an error for that case; a new worker runs the rest', async () => {
    const killed: number[] = [];
    const o = await runSuite({
      paths: [SLOW, QUICK],
      jobs: 1,
      seed: SEED,
      resultsDir: false,
      pool: {
        stepEvents: true,
        onEvent: (e) => {
          if (e.type === 'step' && e.job.case.name === 'runner-fixture-slow-wait' && e.step === 3) {
            killed.push(e.pid);
            process.kill(e.pid, 'SIGKILL');
          }
        },
      },
    });
    expect(killed).to.have.length(1);
    const [quick, slow] = o.run.cases;
    expect(slow.status).to.equal('error');
    expect(slow.message).to.match(new RegExp(`^worker ${killed[0]} exited \\(code null, signal SIGKILL\\) while running this case at step 3`));
    expect(quick.status, formatCaseFailure(quick)).to.equal('pass');
  });

  it('synh run: quiet summary and closing line, --json, exit status', () => {
    const synh = (args: string[]) => spawnSync(process.execPath, ['bin/synh', 'run', ...args], { encoding: 'utf8' });
    const ok = synh([QUICK, '--no-write', '--seed', String(SEED)]);
    expect(ok.status, ok.stderr).to.equal(0);
    const lines = ok.stdout.trimEnd().split('\n');
    // One closing line, with every status of the totals.
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(
      new RegExp(
        `^1 passed, 0 failed, 0 errors, 0 skipped in \\d+\\.\\d s \\(jobs ${DEFAULT_JOBS} × lanes ${DEFAULT_LANES} \\d+–\\d+, seed ${SEED}, kernel ${os.release().replace(/[.+]/g, '\\$&')}\\); no results written$`,
      ),
    );

    const bad = synh([QUICK, WRONG, '--json', '--results', path.join(tmp, 'cli-results'), '--jobs', '1']);
    expect(bad.status).to.equal(1);
    const json = JSON.parse(bad.stdout);
    expect(json.totals).to.include({ total: 2, pass: 1, fail: 1 });
    expect(bad.stderr).to.match(/FAIL test\/fixtures\/runner\/wrong-window\.yaml#runner-fixture-wrong-window@ipv4/);
    expect(bad.stderr.trimEnd().split('\n').pop()).to.match(
      new RegExp(`^1 passed, 1 failed, 0 errors, 0 skipped in .*; ${path.join(tmp, 'cli-results').replace(/[.+]/g, '\\$&')}`),
    );
    expect(fs.existsSync(path.join(tmp, 'cli-results', 'latest', 'summary.json'))).to.equal(true);

    // No path: the checkout's own cases/ (also when bin/synh runs from the transpiled mirror), from the
    // checkout and from elsewhere.
    for (const cwd of [process.cwd(), os.tmpdir()]) {
      const all = spawnSync(
        process.execPath,
        [path.resolve('bin/synh'), 'run', '--filter', path.relative('cases', QUICK), '--no-write', '--seed', String(SEED)],
        { encoding: 'utf8', cwd },
      );
      expect(all.status, all.stderr).to.equal(0);
      expect(all.stdout.trimEnd().split('\n').pop()).to.match(/^1 passed, 0 failed, 0 errors, 0 skipped in /);
    }

    const none = synh(['test/fixtures/bad-cases/unknown-key.yaml', '--no-write']);
    expect(none.status).to.equal(2);
    expect(none.stderr).to.match(/unknown-key\.yaml:\d+:\d+: unknown key/);
  });
});
