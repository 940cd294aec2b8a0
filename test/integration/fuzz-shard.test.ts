// Sharding a fuzz campaign on the real kernel: the same campaign (same seed) run whole and as shards
// 1/2 and 2/2 — the merged shards have the whole run's probe count, divergences, findings (by
// signature, with counts and first indices) and rule coverage. The model copy with a planted
// window-scale bug makes sure there are findings to compare.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCampaignFile } from '../../lib/fuzz/campaign-load';
import { probesOfShard } from '../../lib/fuzz/shard';
import { runCampaign, CampaignSummary } from '../../harness/fuzz/campaign';
import { mergeFuzzDirs } from '../../harness/fuzz/merge';
import { Lab } from '../../harness/topology/lab';

const ROOT = path.join(__dirname, '..', '..');
const CAMPAIGN = path.join(ROOT, 'cases', 'campaigns', 'listener-syn-flood-mix.yaml');
const PLANTED = path.join(ROOT, 'test', 'fixtures', 'fuzz', 'planted-model.ts');
const PROBES = 3500;

async function expectReject(p: Promise<unknown>, re: RegExp): Promise<void> {
  let err: Error | undefined;
  try {
    await p;
  } catch (e) {
    err = e as Error;
  }
  expect(err?.message).to.match(re);
}

const byFinding = (s: Pick<CampaignSummary, 'findings'>) =>
  Object.fromEntries(s.findings.map((f) => [f.signature, { count: f.count, firstIndex: f.firstIndex }]));

describe('fuzz campaign shards on the real kernel', function () {
  this.timeout(180000);
  let lab: Lab;
  let root: string;
  before(async () => {
    lab = await Lab.create({ capture: 'dut' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-fuzz-shard-'));
  });
  after(async () => {
    await lab?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('shards 1/2 and 2/2 merged equal the unsharded run: probes, divergences, findings, coverage', async () => {
    const c = loadCampaignFile(CAMPAIGN);
    const run = (dir: string, shard?: { index: number; total: number }, o: { maxProbes?: number; resume?: boolean } = {}) =>
      runCampaign(c, { lab, runDir: path.join(root, dir), campaignFile: CAMPAIGN, modelModule: PLANTED, maxProbes: PROBES, shard, ...o });
    const whole = await run('whole');
    const s1 = await run('s1', { index: 1, total: 2 });
    const s2 = await run('s2', { index: 2, total: 2 });
    expect(whole.probes).to.equal(PROBES);
    expect([s1.probes, s2.probes]).to.deep.equal([probesOfShard(PROBES, 1, 2), probesOfShard(PROBES, 2, 2)]);
    expect(s1.probes).to.be.greaterThan(0);
    expect(s2.probes).to.be.greaterThan(0);
    expect(whole.findings.length, 'the planted bug is found').to.be.greaterThan(0);

    // A shard stopped early and resumed from its checkpoint ends where the shard run in one go did.
    const part = await run('s1-resumed', { index: 1, total: 2 }, { maxProbes: 1200 });
    expect(part.probes).to.equal(probesOfShard(1200, 1, 2));
    const resumed = await run('s1-resumed', { index: 1, total: 2 }, { resume: true });
    expect(resumed.probes).to.equal(s1.probes);
    expect(byFinding(resumed)).to.deep.equal(byFinding(s1));
    expect(resumed.divergences).to.equal(s1.divergences);
    await expectReject(run('s1-resumed', { index: 2, total: 2 }, { resume: true }), /covers shard 1\/2, this run asks for shard 2\/2/);

    const m = mergeFuzzDirs([path.join(root, 's1'), path.join(root, 's2')], path.join(root, 'merged'));
    expect(m.summary.probes).to.equal(whole.probes);
    expect(m.summary.divergences).to.equal(whole.divergences);
    expect(byFinding(m.summary)).to.deep.equal(byFinding(whole));
    expect(m.summary.rules).to.deep.equal(whole.rules);
    // Each finding's files come with it, from the shard that met it first.
    for (const f of m.summary.findings) expect(fs.existsSync(path.join(root, 'merged', f.repro!)), f.repro).to.equal(true);
    expect(m.summary.findings.map((f) => f.repro)).to.deep.equal(whole.findings.map((f) => f.repro));

    // The CLI refuses shards of another seed in one line.
    const other = path.join(root, 's2-other-seed');
    fs.mkdirSync(other);
    const sum = JSON.parse(fs.readFileSync(path.join(root, 's2', 'summary.json'), 'utf8'));
    fs.writeFileSync(path.join(other, 'summary.json'), JSON.stringify({ ...sum, seed: sum.seed + 1 }));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'synh'), 'merge', path.join(root, 's1'), other, '--out', path.join(root, 'bad')], {
      encoding: 'utf8',
    });
    expect(r.status).to.equal(2);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/different seeds/);
    expect(fs.existsSync(path.join(root, 'bad'))).to.equal(false);
  });
});
