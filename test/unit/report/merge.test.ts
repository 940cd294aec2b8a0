// synh merge on synthetic shards: the fixture run split in three gives back the same cases, statuses,
// packets and pcaps; overlapping parts, parts from different kernels or splits, and missing shards are
// refused with what to do.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mergeDirs, mergeParts } from '../../../harness/report/merge';
import { writeRun } from '../../../harness/report/results-dir';
import { toSummary, type Summary } from '../../../harness/report/summary';
import { countStatuses, type RunResult } from '../../../harness/report/types';
import { fixtureRun } from './fixture';

function shards(run: RunResult, n: number): RunResult[] {
  return Array.from({ length: n }, (_, i) => ({
    ...run,
    runId: `${run.runId}-s${i + 1}`,
    cases: run.cases.filter((_, k) => k % n === i),
    shard: { index: i + 1, total: n, planned: run.cases.length },
  }));
}
const part = (r: RunResult): { dir: string; summary: Summary } => ({ dir: r.runId, summary: JSON.parse(JSON.stringify(toSummary(r))) });

describe('report/merge', () => {
  const run = fixtureRun();

  it('three shards merge back into the run: cases, statuses, packets', () => {
    const m = mergeParts(shards(run, 3).map(part));
    assert.deepEqual(countStatuses(m.run.cases), countStatuses(run.cases));
    const byId = new Map(run.cases.map((c) => [c.id, c]));
    for (const c of m.run.cases) {
      const o = byId.get(c.id)!;
      assert.deepEqual({ ...c, comparable: undefined }, { ...o, comparable: undefined });
    }
    assert.deepEqual(m.missing, []);
    assert.equal(m.run.mergedFrom!.length, 3);
  });

  it('refuses overlaps, other kernels, mixed splits and missing shards', () => {
    const s = shards(run, 3);
    assert.throws(() => mergeParts([part(s[0]), part(s[0])]), /shard 1\/3 is given twice/);
    assert.throws(
      () => mergeParts([part(s[0]), part({ ...s[1], cases: [...s[1].cases, s[0].cases[0]] }), part(s[2])]),
      /is in .* and in .*: the parts overlap/,
    );
    assert.throws(() => mergeParts([part(s[0]), part({ ...s[1], kernel: '6.1.0-28' })]), /different kernels .*merge each kernel's shards separately/);
    assert.throws(() => mergeParts([part(s[0]), part(shards(run, 2)[1])]), /different splits/);
    assert.throws(() => mergeParts([part(s[0]), part(s[2])]), /shard\(s\) 2 of 3 missing: give every shard's results, or --partial/);
    assert.deepEqual(mergeParts([part(s[0]), part(s[2])], { partial: true }).missing, [2]);
    assert.throws(() => mergeParts([part(s[0]), part({ ...run, runId: 'whole' })]), /some parts are shards/);
  });

  it('writes the merged run with every file, pcaps carried over', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-merge-'));
    try {
      const dirs = shards(run, 2).map((r) => writeRun(path.join(tmp, 'parts'), r, undefined, { updateLatest: false }).dir);
      const { written } = mergeDirs(dirs, path.join(tmp, 'merged'));
      assert.deepEqual(written.files.filter((f) => !f.startsWith('pcap/')).sort(), [
        'index.html',
        'junit.xml',
        'kcidb.json',
        'ktap.txt',
        'summary.json',
        'summary.schema.json',
      ]);
      const whole = writeRun(path.join(tmp, 'whole'), run, undefined, { updateLatest: false });
      for (const [id, rel] of whole.pcaps) {
        assert.deepEqual(fs.readFileSync(path.join(written.dir, written.pcaps.get(id)!)), fs.readFileSync(path.join(whole.dir, rel)), id);
      }
      assert.throws(() => mergeDirs(dirs, path.join(tmp, 'merged')), /exists: give a new directory/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
