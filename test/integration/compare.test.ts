// synh compare on real runs: two host runs of the example cases compare clean (the normalisation of
// ISNs, TS offsets, ports, flow labels and IP IDs is complete), a planted regression (an expectation
// flipped in a copy of a case) and a planted input change give exit 1, `synh run --baseline`
// compares right after the run, and `synh baseline save` keeps a run under results/baselines/.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kcidbV53Problems } from '../unit/report/kcidb-v5.3';

const SYNH = path.resolve('bin/synh');
const SUBSET = path.resolve('cases/examples');
const PLANT = fs.readFileSync('cases/passive-open/syn-creates-request.yaml', 'utf8');

function synh(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [SYNH, ...args], { encoding: 'utf8', cwd });
}

/** <root>/cases/plant.yaml: the same case file name (so the same case id) in each run's directory. */
function plant(root: string, text: string): void {
  fs.mkdirSync(path.join(root, 'cases'), { recursive: true });
  fs.writeFileSync(path.join(root, 'cases/plant.yaml'), text);
}

describe('compare: two real runs', function () {
  this.timeout(180_000);
  let tmp: string;
  const runs: string[] = [];

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-compare-'));
    plant(tmp, PLANT);
    for (let i = 0; i < 2; i++) {
      const r = synh(['run', SUBSET, 'cases/plant.yaml', '--results', 'results'], tmp);
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      runs.push(fs.realpathSync(path.join(tmp, 'results/latest')));
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('two host runs compare clean: one summary line, exit 0, well under a second', () => {
    const t0 = process.hrtime.bigint();
    const r = synh(['compare', runs[0], runs[1]], tmp);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines, r.stdout).to.have.length(1);
    expect(lines[0]).to.match(
      /^0 regression\(s\), 0 fix\(es\), 0 unexplained and 0 explained behaviour change\(s\) in \d+ case\(s\) passing on both; 0 only in A, 0 only in B/,
    );
    const json = JSON.parse(synh(['compare', runs[0], runs[1], '--json'], tmp).stdout);
    expect(json.compared).to.be.greaterThanOrEqual(14);
    expect(json.changes).to.deep.equal([]);
    console.log(`      compare of ${json.compared} cases: ${ms.toFixed(0)} ms (node start included)`);
  });

  it('each real run wrote a kcidb.json valid under KCIDB v5.3, with this kernel in its build', () => {
    for (const r of runs) {
      const k = JSON.parse(fs.readFileSync(path.join(r, 'kcidb.json'), 'utf8'));
      expect(kcidbV53Problems(k)).to.deep.equal([]);
      expect(k.builds[0].misc.kernel_release).to.equal(os.release());
      expect(k.builds[0].misc.kernel_version).to.equal(os.version());
      expect(k.tests.map((t: { status: string }) => t.status)).to.include('PASS');
    }
  });

  it('a planted regression (an expectation flipped) is a regression with exit 1', () => {
    const b = path.join(tmp, 'flipped');
    plant(b, PLANT.replace('ack: peer.isn+1', 'ack: peer.isn+2'));
    const r = synh(['run', 'cases/plant.yaml', '--results', 'results'], b);
    expect(r.status).to.equal(1);
    const c = synh(['compare', runs[1], 'latest', '--results', path.join(b, 'results'), '--markdown'], tmp);
    expect(c.status).to.equal(1);
    expect(c.stdout).to.match(/#### Regressions\n\n- `cases\/plant\.yaml#passive-syn-creates-request@ipv4`: pass → fail/);
    expect(synh(['compare', runs[1], 'latest', '--results', path.join(b, 'results'), '--exit-zero'], tmp).status).to.equal(0);
    const bad = synh(['compare', runs[1], 'nope'], tmp);
    expect([bad.status, bad.stdout, bad.stderr.split('\n').length]).to.deep.equal([2, '', 2]);
    expect(bad.stderr).to.match(/^synh compare: nope: not a results directory/);
  });

  it('synh baseline save keeps a run; synh run --baseline compares right after the run', () => {
    const results = path.join(tmp, 'results');
    const saved = synh(['baseline', 'save', 'good', '--from', runs[0], '--results', results], tmp);
    expect([saved.status, saved.stdout, saved.stderr]).to.deep.equal([0, '', '']);
    expect(fs.existsSync(path.join(results, 'baselines/good/summary.json'))).to.equal(true);
    const clean = synh(['run', SUBSET, 'cases/plant.yaml', '--results', 'results', '--baseline', 'good'], tmp);
    expect(clean.status, clean.stdout + clean.stderr).to.equal(0);
    expect(clean.stdout).to.match(/\ncompared with baseline good: 0 regression\(s\), 0 fix\(es\), 0 unexplained and 0 explained behaviour change\(s\)/);
    const b = path.join(tmp, 'flipped2');
    plant(b, PLANT.replace('ack: peer.isn+1', 'ack: peer.isn+2'));
    const r = synh(['run', 'cases/plant.yaml', '--results', results, '--baseline', 'good'], b);
    expect(r.status).to.equal(1);
    expect(r.stdout).to.match(/## Regressions \(pass → fail or error in B\)\n\* cases\/plant\.yaml#passive-syn-creates-request@ipv4: pass → fail/);
    const none = synh(['run', 'cases/plant.yaml', '--results', results, '--baseline', 'nope'], b);
    expect(none.status).to.equal(2);
    expect(none.stderr).to.match(/^synh run: --baseline: nope: not a results directory/);
  });

  it('a planted change in a case passing on both is an unexplained behaviour change, exit 1 unless relaxed', () => {
    const b = path.join(tmp, 'changed');
    plant(b, PLANT.replace('options: [mss=1460]', 'options: [mss=1400]'));
    const r = synh(['run', 'cases/plant.yaml', '--results', 'results'], b);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const c = synh(['compare', runs[1], 'latest', '--results', path.join(b, 'results')], tmp);
    expect(c.status).to.equal(1);
    expect(c.stdout).to.match(
      /## Behaviour changes, unexplained\n\* cases\/plant\.yaml#passive-syn-creates-request@ipv4\n {2}- step 1, peer packet 1 on flow a: mss: 1460 → 1400/,
    );
    expect(synh(['compare', runs[1], 'latest', '--results', path.join(b, 'results'), '--allow-unexplained'], tmp).status).to.equal(0);
  });
});
