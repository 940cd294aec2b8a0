// Suite wall time: `synh run` on the whole suite (cases/, or the paths given) as a user runs it, from
// the command's start to its exit, with --jobs 2 (or SYNH_JOBS). Prints figures; asserts nothing.
// Also prints where the time goes: the cases' own waits (expect_none, wait, `at`) summed over all jobs,
// which no scheduler can go below on `jobs` workers.
// Run: node -r ts-node/register/transpile-only bench/suite.ts [paths...]
import { spawnSync } from 'child_process';
import { discoverCaseFiles, loadCaseFiles } from '../lib/case';
import { estimateCase } from '../harness/runner/estimate';

const jobs = Number(process.env.SYNH_JOBS ?? 2);
const paths = process.argv.slice(2).length ? process.argv.slice(2) : ['cases'];
const cases = loadCaseFiles(discoverCaseFiles(paths));
const jobsCount = cases.reduce((n, c) => n + c.families.length, 0);
const waits = cases.reduce((ms, c) => ms + estimateCase(c).minMs * c.families.length, 0);
const longest = Math.max(...cases.map((c) => estimateCase(c).minMs));

const t0 = process.hrtime.bigint();
const r = spawnSync(process.execPath, ['bin/synh', 'run', ...paths, '--jobs', String(jobs), '--no-write', '--seed', '1'], { encoding: 'utf8' });
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const summary = r.stdout.trimEnd().split('\n').slice(-2, -1)[0] ?? r.stderr;
console.log(`suite: ${cases.length} cases, ${jobsCount} runs (case × family); their own waits total ${(waits / 1000).toFixed(1)} s, the longest ${(longest / 1000).toFixed(1)} s`);
console.log(`  floor on ${jobs} workers: ${(Math.max(waits / jobs, longest) / 1000).toFixed(1)} s of waiting alone`);
console.log(`  synh run --jobs ${jobs}: ${wall.toFixed(1)} s wall (exit ${r.status})`);
console.log(`  ${summary}`);
