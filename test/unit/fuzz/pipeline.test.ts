// Pieces of the campaign pipeline that are pure: grouping replies by probe, and sharing probe
// generation between the main thread and the judging worker.
import { expect } from 'chai';
import { groupReplies } from '../../../harness/fuzz/pipeline-protocol';
import { WorkBalance } from '../../../harness/fuzz/work-balance';
import { Prng } from '../../../lib/util/prng';

function pack(frames: number[][]): { buf: Uint8Array; offs: Uint32Array } {
  const offs = new Uint32Array(frames.length + 1);
  const flat: number[] = [];
  frames.forEach((f, i) => {
    offs[i] = flat.length;
    flat.push(...f);
  });
  offs[frames.length] = flat.length;
  return { buf: Uint8Array.from(flat), offs };
}

describe('campaign pipeline', () => {
  it('groupReplies: each probe gets its own replies, in arrival order, whatever the interleaving', () => {
    const rng = new Prng(3);
    for (let t = 0; t < 300; t++) {
      const n = rng.int(1, 20);
      const m = rng.int(0, 40);
      const probe = Int32Array.from({ length: m }, () => rng.int(0, n - 1));
      if (rng.chance(0.5)) probe.sort();
      // frame j holds [probe, j] so the result can be checked
      const frames = Array.from(probe, (p, j) => [p, j, ...Array(rng.int(0, 3)).fill(7)]);
      const { buf, offs } = pack(frames);
      const g = groupReplies(n, buf, offs, probe);
      for (let i = 0; i < n; i++) {
        const want = frames.filter((f) => f[0] === i);
        const got = Array.from({ length: g.count[i] }, (_, k) => Array.from(g.buf.subarray(g.offs[g.first[i] + k], g.offs[g.first[i] + k + 1])));
        expect(got).to.deep.equal(want);
      }
    }
  });

  it('WorkBalance: half-and-half until measured, then the share that evens out both CPUs', () => {
    const b = new WorkBalance();
    expect(b.share).to.equal(0.5);
    // the first measurements of each (cold code) are not taken into account
    for (let i = 0; i < 2; i++) {
      b.engine(900, 10000);
      b.judged(8000, 10000);
      b.generated(6000, 10000, false);
      b.generated(6000, 10000, true);
    }
    expect(b.share).to.equal(0.5);
    b.engine(90, 10000);
    b.judged(80, 10000);
    b.generated(60, 10000, false);
    // main: 9 + (1 − f)·6 = other: 8 + f·6  ⇒  f = 7/12 (the worker's generator not measured yet: as fast)
    expect(b.share).to.be.closeTo(7 / 12, 1e-9);
    let judger = 0;
    for (let i = 0; i < 1200; i++) if (b.judgerGenerates()) judger++;
    expect(judger).to.be.within(699, 701);
    // the worker generates faster: main 9 + (1 − f)·6 = other 8 + f·4  ⇒  f = 0.7
    b.generated(40, 10000, true);
    expect(b.share).to.be.closeTo(0.7, 1e-9);
    const slowJudge = new WorkBalance();
    for (let i = 0; i < 3; i++) {
      slowJudge.engine(50, 10000);
      slowJudge.judged(200, 10000);
      slowJudge.generated(50, 10000, false);
    }
    expect(slowJudge.share).to.equal(0);
  });
});
