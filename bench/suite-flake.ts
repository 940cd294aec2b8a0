// Flakes: the whole suite N times in a row (default 20) with the same jobs, each run with a new seed
// (so the hand-out order differs too), and a tally of every case whose verdict was not the same in
// every run. A verdict that changes only where the code changed between runs (lib/ or harness/ edited
// meanwhile: the runner's compiled mirror differs) is listed apart, not as a flake.
// Prints figures; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/suite-flake.ts [runs] [paths...]   (SYNH_JOBS=2 SYNH_LANES=12)
import * as path from 'path';
import type { CaseStatus } from '../harness/report/types';
import { compiledMirror } from '../harness/compiled-mirror';
import { runSuite } from '../harness/runner/suite';
import { DEFAULT_LANES } from '../harness/cli/run';

const runs = Number(process.argv[2] ?? 20);
const paths = process.argv.slice(3).length ? process.argv.slice(3) : ['cases'];
const jobs = Number(process.env.SYNH_JOBS ?? 2);
const lanes: number | 'auto' = process.env.SYNH_LANES && process.env.SYNH_LANES !== 'auto' ? Number(process.env.SYNH_LANES) : DEFAULT_LANES;

interface Verdict {
  status: CaseStatus;
  message?: string;
  /** Which version of the code ran it. */
  code: number;
}

(async () => {
  const verdicts = new Map<string, Verdict[]>();
  const walls: number[] = [];
  const codes: string[] = [];
  /** Same code, different verdicts: a flake. */
  const flaky = (v: Verdict[]): boolean => [...new Set(v.map((x) => x.code))].some((c) => new Set(v.filter((x) => x.code === c).map((x) => x.status)).size > 1);
  for (let i = 0; i < runs; i++) {
    const seed = 1000 + i;
    const mirror = path.basename(compiledMirror());
    if (codes[codes.length - 1] !== mirror) codes.push(mirror);
    const code = codes.length - 1;
    const o = await runSuite({ paths, jobs, lanes, seed, resultsDir: false });
    walls.push(o.run.durationMs / 1000);
    for (const c of o.run.cases) {
      let v = verdicts.get(c.id);
      if (!v) verdicts.set(c.id, (v = []));
      v.push({ status: c.status, message: c.message, code });
    }
    const n = [...verdicts.values()].filter(flaky).length;
    console.log(
      `run ${i + 1}/${runs} (seed ${seed}, code #${code + 1}): ${o.counts.pass} passed, ${o.counts.fail} failed, ${o.counts.error} errors in ${walls[i].toFixed(1)} s; flaky so far: ${n}`,
    );
  }
  const all = [...verdicts];
  const flakes = all.filter(([, v]) => flaky(v));
  const withCode = all.filter(([, v]) => !flaky(v) && new Set(v.map((x) => x.status)).size > 1);
  const stableFail = all.filter(([, v]) => v.every((x) => x.status === 'fail' || x.status === 'error'));
  console.log(
    `\n${runs} runs of ${verdicts.size} cases with --jobs ${jobs} --lanes ${lanes} (${codes.length} version(s) of the code): ${flakes.length} flaky, ${withCode.length} changed with the code, ${stableFail.length} failing in every run, wall ${Math.min(...walls).toFixed(1)}–${Math.max(...walls).toFixed(1)} s`,
  );
  for (const [id, v] of flakes) {
    const tally = new Map<string, number>();
    for (const x of v) tally.set(x.status, (tally.get(x.status) ?? 0) + 1);
    console.log(`  FLAKY ${id}: ${[...tally].map(([s, n]) => `${s} ×${n}`).join(', ')}`);
    for (const x of v) if (x.status !== 'pass') console.log(`    ${x.status}: ${x.message}`);
  }
  for (const [id, v] of withCode) console.log(`  changed with the code: ${id}: ${v.map((x) => `${x.status}@#${x.code + 1}`).join(' ')}`);
  for (const [id, v] of stableFail) console.log(`  always ${v[0].status}: ${id}: ${v[0].message}`);
})();
