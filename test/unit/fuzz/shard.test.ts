// The fuzz shard partition (lib/fuzz/shard.ts) and the merge of fuzz shards (harness/fuzz/merge.ts):
// disjoint parts whose union is every probe, stable whatever the budget; the merge deduplicates
// findings by signature and refuses parts that are not one split of one campaign.
import { expect } from 'chai';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import { assertResumable, newCheckpoint } from '../../../lib/fuzz/checkpoint';
import { blockEnd, nextOwnedProbe, probesOfShard, SHARD_BLOCK, shardOfProbe } from '../../../lib/fuzz/shard';
import { signatureSlug } from '../../../lib/fuzz/signature';
import { FuzzPart, FuzzSummaryFile, mergeFuzzDirs, mergeFuzzParts } from '../../../harness/fuzz/merge';

/** The indices below `budget` shard s of n runs, walked as the campaign runner walks them. */
function walk(budget: number, s: number, n: number): number[] {
  const out: number[] = [];
  for (let a = nextOwnedProbe(0, s, n); a < budget; a = nextOwnedProbe(a, s, n)) {
    const b = Math.min(blockEnd(a), budget, a + 300); // chunks of 300 inside a block
    for (let i = a; i < b; i++) out.push(i);
    a = b;
  }
  return out;
}

describe('fuzz shard partition', () => {
  for (const n of [1, 2, 3, 7]) {
    for (const budget of [0, 1, SHARD_BLOCK - 1, SHARD_BLOCK, 3500, 7 * SHARD_BLOCK + 17]) {
      it(`${n} shards of ${budget} probes: disjoint, union = all, counts as probesOfShard says`, () => {
        const seen = new Array<number>(budget).fill(0);
        for (let s = 1; s <= n; s++) {
          const mine = walk(budget, s, n);
          expect(mine.length).to.equal(probesOfShard(budget, s, n));
          for (const i of mine) {
            expect(shardOfProbe(i, n)).to.equal(s);
            seen[i]++;
          }
        }
        expect(
          seen.every((k) => k === 1),
          'each probe in exactly one shard',
        ).to.equal(true);
      });
    }
  }

  it('is stable: the owner of an index depends on (index, N) only, and a shard resumes mid-block', () => {
    expect(shardOfProbe(0, 3)).to.equal(1);
    expect(shardOfProbe(SHARD_BLOCK, 3)).to.equal(2);
    expect(shardOfProbe(5 * SHARD_BLOCK + 7, 3)).to.equal(3);
    expect(nextOwnedProbe(SHARD_BLOCK + 5, 2, 3)).to.equal(SHARD_BLOCK + 5);
    expect(nextOwnedProbe(SHARD_BLOCK + 5, 1, 3)).to.equal(3 * SHARD_BLOCK);
    expect(nextOwnedProbe(SHARD_BLOCK + 5, 3, 3)).to.equal(2 * SHARD_BLOCK);
    // A longer budget only adds probes at the end of each shard.
    for (let s = 1; s <= 3; s++) expect(walk(9000, s, 3).slice(0, walk(4000, s, 3).length)).to.deep.equal(walk(4000, s, 3));
    expect(probesOfShard(3500, 1, 2) + probesOfShard(3500, 2, 2)).to.equal(3500);
  });

  it('a checkpoint resumes only the shard it was made for', () => {
    const c = parseCampaignText('name: cp\nseed: 9\nbudget: { probes: 100 }\ntarget: listener\n', 'cp.yaml');
    const cp = newCheckpoint(c, new Date(0), { index: 2, total: 3 });
    expect(() => assertResumable(cp, c, { index: 2, total: 3 })).to.not.throw();
    expect(() => assertResumable(cp, c, { index: 1, total: 3 })).to.throw(/covers shard 2\/3, this run asks for shard 1\/3/);
    expect(() => assertResumable(cp, c)).to.throw(/the whole campaign/);
    expect(() => assertResumable(newCheckpoint(c), c, { index: 1, total: 2 })).to.throw(/covers the whole campaign/);
  });
});

function summary(over: Partial<FuzzSummaryFile>): FuzzSummaryFile {
  return {
    campaign: 'mix',
    seed: 7,
    budget: 4000,
    probes: 2000,
    elapsedMs: 1000,
    probesPerSec: 2000,
    divergences: 0,
    findings: [],
    rulesHit: 0,
    rulesTotal: 0,
    rulesNeverHit: [],
    rules: [],
    reruns: 0,
    flaky: 0,
    coverageText: '',
    campaignHash: 'h1',
    shard: { index: 1, total: 2 },
    ...over,
  };
}
const A = 'listener|listen.syn|opt.wscale.1';
const B = 'listener|listen.ack-rst|flags';

describe('merging fuzz shards', () => {
  it('deduplicates findings by signature: counts added, the lowest first index and its part kept; probes added, rules united', () => {
    const parts: FuzzPart[] = [
      {
        dir: 'd1',
        summary: summary({
          probes: 2000,
          divergences: 5,
          findings: [
            { signature: A, count: 3, firstIndex: 2100, repro: 'repro/a.yaml' },
            { signature: B, count: 2, firstIndex: 40 },
          ],
          rules: ['r1', 'r2'],
        }),
      },
      {
        dir: 'd2',
        summary: summary({
          shard: { index: 2, total: 2 },
          probes: 1500,
          divergences: 4,
          findings: [{ signature: A, count: 4, firstIndex: 1007, repro: 'repro/a.yaml' }],
          rules: ['r2', 'r3'],
        }),
      },
    ];
    const m = mergeFuzzParts(parts);
    expect(m.summary.probes).to.equal(3500);
    expect(m.summary.divergences).to.equal(9);
    expect(m.summary.findings).to.deep.equal([
      { signature: B, count: 2, firstIndex: 40 },
      { signature: A, count: 7, firstIndex: 1007, repro: 'repro/a.yaml' },
    ]);
    expect(m.source.get(A)).to.equal('d2');
    expect(m.source.get(B)).to.equal('d1');
    expect(m.summary.rules).to.deep.equal(['r1', 'r2', 'r3']);
    expect(m.summary.shard).to.equal(undefined);
    expect(m.missing).to.deep.equal([]);
  });

  it('refuses parts that are not one split of one campaign, in one line each', () => {
    const two = (o: Partial<FuzzSummaryFile>) => () =>
      mergeFuzzParts([
        { dir: 'd1', summary: summary({}) },
        { dir: 'd2', summary: summary({ shard: { index: 2, total: 2 }, ...o }) },
      ]);
    expect(two({ campaign: 'other' })).to.throw(/different campaigns \(mix, other\)/);
    expect(two({ seed: 8 })).to.throw(/different seeds \(7, 8\)/);
    expect(two({ campaignHash: 'h2' })).to.throw(/different definitions of campaign mix/);
    expect(two({ budget: 5000 })).to.throw(/different probe budgets/);
    expect(two({ shard: { index: 2, total: 3 } })).to.throw(/different splits/);
    expect(two({ shard: { index: 1, total: 2 } })).to.throw(/shard 1\/2 is given twice/);
    expect(two({ shard: undefined })).to.throw(/whole runs/);
    expect(() => mergeFuzzParts([{ dir: 'd1', summary: summary({}) }])).to.throw(/shard\(s\) 2 of 2 missing/);
    expect(mergeFuzzParts([{ dir: 'd1', summary: summary({}) }], { partial: true }).missing).to.deep.equal([2]);
    for (const f of [two({ seed: 8 }), two({ campaign: 'x' })]) {
      try {
        f();
      } catch (e) {
        expect((e as Error).message).to.not.contain('\n');
      }
    }
  });

  it("writes the merged campaign with each finding's files from the part that met it first", () => {
    const root = mkdtempSync(join(tmpdir(), 'synh-fuzz-merge-'));
    try {
      const part = (name: string, s: FuzzSummaryFile, files: Record<string, string>) => {
        const d = join(root, name);
        for (const [rel, text] of Object.entries(files)) {
          mkdirSync(join(d, rel, '..'), { recursive: true });
          writeFileSync(join(d, rel), text);
        }
        writeFileSync(join(d, 'summary.json'), JSON.stringify(s));
        return d;
      };
      const slug = signatureSlug(A);
      const finding = (who: string) => JSON.stringify({ signature: A, repro: `repro/${slug}.yaml`, pcapng: `repro/${slug}.pcapng`, who });
      const d1 = part('s1', summary({ findings: [{ signature: A, count: 1, firstIndex: 2500, repro: `repro/${slug}.yaml` }] }), {
        [`findings/${slug}.json`]: finding('s1'),
        [`repro/${slug}.yaml`]: 'late',
        [`repro/${slug}.pcapng`]: 'late',
      });
      const d2 = part('s2', summary({ shard: { index: 2, total: 2 }, findings: [{ signature: A, count: 2, firstIndex: 1500, repro: `repro/${slug}.yaml` }] }), {
        [`findings/${slug}.json`]: finding('s2'),
        [`repro/${slug}.yaml`]: 'first',
        [`repro/${slug}.pcapng`]: 'first',
      });
      const out = join(root, 'merged');
      const m = mergeFuzzDirs([d1, d2], out);
      expect(m.summary.findings).to.deep.equal([{ signature: A, count: 3, firstIndex: 1500, repro: `repro/${slug}.yaml` }]);
      expect(readFileSync(join(out, 'repro', `${slug}.yaml`), 'utf8')).to.equal('first');
      expect(JSON.parse(readFileSync(join(out, 'findings', `${slug}.json`), 'utf8')).who).to.equal('s2');
      expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).probes).to.equal(4000);
      expect(() => mergeFuzzDirs([d1, d2], out)).to.throw(/exists/);
      // A finding whose files are missing: nothing is written.
      rmSync(join(d2, 'repro', `${slug}.pcapng`));
      expect(() => mergeFuzzDirs([d1, d2], join(root, 'm2'))).to.throw(/pcapng.*copied whole/);
      expect(existsSync(join(root, 'm2'))).to.equal(false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
