// --shard: the partition is disjoint, covers everything, is balanced, and does not depend on the order
// the case runs came in; the shard comes from i/N, Kubernetes' JOB_COMPLETION_INDEX or Bazel's
// TEST_TOTAL_SHARDS/TEST_SHARD_INDEX (acknowledged through TEST_SHARD_STATUS_FILE).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bazelShard, parseShard, partition, type Weighted } from '../../../harness/runner/shard';
import { Prng } from '../../../lib/util/prng';

function items(n: number, seed: number): Weighted[] {
  const r = new Prng(seed);
  return Array.from({ length: n }, (_, i) => ({ id: `cases/a/${i}.yaml#c${i}@ipv${i % 2 ? 6 : 4}`, ms: r.u32() % 3000 }));
}

describe('runner/shard', () => {
  it('parses i/N and N with the index from the environment', () => {
    assert.deepEqual(parseShard('2/3', {}), { index: 2, total: 3 });
    assert.deepEqual(parseShard('3', { JOB_COMPLETION_INDEX: '0' }), { index: 1, total: 3 });
    assert.deepEqual(parseShard('3', { TEST_SHARD_INDEX: '2' }), { index: 3, total: 3 });
    assert.throws(() => parseShard('3', {}), /no shard index: give i\/3, or run where JOB_COMPLETION_INDEX/);
    assert.throws(() => parseShard('4/3', {}), /index must be 1\.\.3/);
    assert.throws(() => parseShard('0/3', {}), /index must be 1\.\.3/);
    assert.throws(() => parseShard('3', { JOB_COMPLETION_INDEX: '3' }), /index must be 1\.\.3 \(JOB_COMPLETION_INDEX and TEST_SHARD_INDEX count from 0\)/);
    assert.throws(() => parseShard('a/b', {}), /--shard takes i\/N/);
  });

  it("honours Bazel's sharding variables and touches the status file", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-shard-'));
    try {
      const status = path.join(tmp, 'status');
      assert.deepEqual(bazelShard({ TEST_TOTAL_SHARDS: '4', TEST_SHARD_INDEX: '3', TEST_SHARD_STATUS_FILE: status }), { index: 4, total: 4 });
      assert.ok(fs.existsSync(status));
      assert.equal(bazelShard({}), undefined);
      assert.throws(() => bazelShard({ TEST_TOTAL_SHARDS: '2', TEST_SHARD_INDEX: '2' }), /is not a shard/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('is disjoint, covers every case run, is balanced, and ignores input order', () => {
    const list = items(451, 7);
    for (const n of [1, 2, 3, 7]) {
      const p = partition(list, n);
      assert.equal(p.size, list.length);
      const load = new Array<number>(n).fill(0);
      for (const it of list) load[p.get(it.id)! - 1] += it.ms + 30;
      const max = Math.max(...load);
      const heaviest = Math.max(...list.map((x) => x.ms + 30));
      // Greedy heaviest-first: no shard exceeds the mean by more than one case.
      assert.ok(max - load.reduce((a, b) => a + b, 0) / n <= heaviest, `loads ${load.join(' ')}`);
      const shuffled = [...list].reverse();
      assert.deepEqual([...partition(shuffled, n)].sort(), [...p].sort());
    }
  });

  it('more shards than case runs leaves some empty, loses none', () => {
    const p = partition(items(2, 1), 5);
    assert.equal(p.size, 2);
    assert.equal(new Set(p.values()).size, 2);
  });
});
