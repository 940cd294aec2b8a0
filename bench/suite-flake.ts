// Flakes: the whole suite N times in a row (default 20) with the same jobs, each run with a new seed
// (so the hand-out order differs too), and a tally of every case whose verdict was not the same in
// every run. Prints figures; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/suite-flake.ts [runs] [paths...]   (SYNH_JOBS=2)
import type { CaseStatus } from '../harness/report/types';
import { runSuite } from '../harness/runner/suite';

const runs = Number(process.argv[2] ?? 20);
const paths = process.argv.slice(3).length ? process.argv.slice(3) : ['cases'];
const jobs = Number(process.env.SYNH_JOBS ?? 2);

(async () => {
  const verdicts = new Map<string, Array<{ status: CaseStatus; message?: string }>>();
  const walls: number[] = [];
  for (let i = 0; i < runs; i++) {
    const seed = 1000 + i;
    const o = await runSuite({ paths, jobs, seed, resultsDir: false });
    walls.push(o.run.durationMs / 1000);
    for (const c of o.run.cases) {
      let v = verdicts.get(c.id);
      if (!v) verdicts.set(c.id, (v = []));
      v.push({ status: c.status, message: c.message });
    }
    const changed = [...verdicts.values()].filter((v) => new Set(v.map((x) => x.status)).size > 1).length;
    console.log(`run ${i + 1}/${runs} (seed ${seed}): ${o.counts.pass} passed, ${o.counts.fail} failed, ${o.counts.error} errors in ${walls[i].toFixed(1)} s; flaky so far: ${changed}`);
  }
  const flaky = [...verdicts].filter(([, v]) => new Set(v.map((x) => x.status)).size > 1);
  const stableFail = [...verdicts].filter(([, v]) => v.every((x) => x.status === 'fail' || x.status === 'error'));
  console.log(`\n${runs} runs of ${verdicts.size} cases with --jobs ${jobs}: ${flaky.length} flaky, ${stableFail.length} failing in every run, wall ${Math.min(...walls).toFixed(1)}–${Math.max(...walls).toFixed(1)} s`);
  for (const [id, v] of flaky) {
    const tally = new Map<string, number>();
    for (const x of v) tally.set(x.status, (tally.get(x.status) ?? 0) + 1);
    console.log(`  FLAKY ${id}: ${[...tally].map(([s, n]) => `${s} ×${n}`).join(', ')}`);
    for (const x of v) if (x.status !== 'pass') console.log(`    ${x.status}: ${x.message}`);
  }
  for (const [id, v] of stableFail) console.log(`  always ${v[0].status}: ${id}: ${v[0].message}`);
})();
