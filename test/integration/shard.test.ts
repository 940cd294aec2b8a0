// Sharding on the real kernel: --shard 1/3, 2/3, 3/3 of the example cases run disjoint sets whose union
// is the whole; synh merge of the three gives the verdicts and counts of one unsharded run; Bazel's
// and Kubernetes' variables pick the same shards as --shard i/N.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const SYNH = path.resolve('bin/synh');
const SUBSET = 'cases/examples';

interface Sum {
  cases: Array<{ id: string; status: string }>;
  totals: Record<string, number>;
  shard?: { index: number; total: number; planned: number };
}

describe('shard and merge: the example cases in three shards', function () {
  this.timeout(180_000);
  let tmp: string;
  const synh = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [SYNH, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  const read = (dir: string): Sum => JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8'));
  const runTo = (name: string, extra: string[], env?: NodeJS.ProcessEnv): Sum => {
    const root = path.join(tmp, name);
    const r = synh(['run', SUBSET, '--results', root, ...extra], env);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    return read(path.join(root, 'latest'));
  };
  let whole: Sum;
  const parts: Sum[] = [];

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-shard-'));
    whole = runTo('whole', []);
    for (let i = 1; i <= 3; i++) parts.push(runTo(`s${i}`, ['--shard', `${i}/3`]));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the shards are disjoint, balanced in count, and their union is the whole run', () => {
    const ids = parts.map((p) => p.cases.map((c) => c.id));
    const all = ids.flat();
    expect(new Set(all).size).to.equal(all.length);
    expect([...all].sort()).to.deep.equal(whole.cases.map((c) => c.id).sort());
    for (const [i, p] of parts.entries()) {
      expect(p.shard).to.deep.equal({ index: i + 1, total: 3, planned: whole.cases.length });
      expect(p.cases.length).to.be.greaterThan(0);
    }
  });

  it('synh merge of the three gives the verdicts and counts of the unsharded run', () => {
    const out = path.join(tmp, 'merged');
    const m = synh(['merge', ...[1, 2, 3].map((i) => path.join(tmp, `s${i}`, 'latest')), '--out', out]);
    expect(m.status, m.stderr).to.equal(0);
    expect(m.stdout).to.match(new RegExp(`^${whole.totals.pass} passed, 0 failed, 0 errors, ${whole.totals.skip} skipped from 3 part\\(s\\)`));
    const merged = read(out);
    expect(merged.totals).to.deep.equal(whole.totals);
    const verdicts = (x: Sum): string[] => x.cases.map((c) => `${c.id} ${c.status}`).sort();
    expect(verdicts(merged)).to.deep.equal(verdicts(whole));
    for (const f of ['junit.xml', 'ktap.txt', 'kcidb.json']) expect(fs.existsSync(path.join(out, f)), f).to.equal(true);
    expect(fs.readFileSync(path.join(out, 'ktap.txt'), 'utf8')).to.include(`1..${whole.cases.length}`);
    const c = synh(['compare', path.join(tmp, 'whole', 'latest'), out, '--json']);
    const rep = JSON.parse(c.stdout);
    expect([rep.regressions, rep.onlyA, rep.onlyB]).to.deep.equal([[], [], []]);
    const missing = synh(['merge', path.join(tmp, 's1', 'latest'), '--out', path.join(tmp, 'm2')]);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.match(/^synh merge: shard\(s\) 2, 3 of 3 missing: give every shard's results, or --partial\n$/);
  });

  it("Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX and Kubernetes' JOB_COMPLETION_INDEX pick the same shards", () => {
    const status = path.join(tmp, 'bazel-status');
    const bazel = runTo('bazel', [], { TEST_TOTAL_SHARDS: '3', TEST_SHARD_INDEX: '1', TEST_SHARD_STATUS_FILE: status });
    expect(fs.existsSync(status)).to.equal(true);
    expect(bazel.cases.map((c) => c.id)).to.deep.equal(parts[1].cases.map((c) => c.id));
    const k8s = runTo('k8s', ['--shard', '3'], { JOB_COMPLETION_INDEX: '2' });
    expect(k8s.cases.map((c) => c.id)).to.deep.equal(parts[2].cases.map((c) => c.id));
  });
});
