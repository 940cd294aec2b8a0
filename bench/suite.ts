// Suite wall time: `synh run` on the whole suite (cases/, or the paths given) as a user runs it, from
// the command's start to its exit, with --jobs 2 (SYNH_JOBS) worker processes of --lanes 16
// (SYNH_LANES) cases at a time each. Prints figures; asserts nothing.
// Also prints where the time goes: the cases' own waits (expect_none, wait, `at`) summed over all runs
// and the longest single case — the floors no scheduler goes below — the CPU the run used (every
// process of it, the kernel's work on our behalf included where it is charged to us), and the
// event-loop delay the workers saw (capture timestamps are taken on the event loop).
// Run: node -r ts-node/register/transpile-only bench/suite.ts [paths...]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { discoverCaseFiles, loadCaseFiles } from '../lib/case';
import { estimateCase } from '../harness/runner/estimate';
import { DEFAULT_LANES } from '../harness/cli/run';
import { AUTO_LANES } from '../harness/runner/lanes';

const jobs = Number(process.env.SYNH_JOBS ?? 2);
const lanes: number | 'auto' = process.env.SYNH_LANES && process.env.SYNH_LANES !== 'auto' ? Number(process.env.SYNH_LANES) : DEFAULT_LANES;
const paths = process.argv.slice(2).length ? process.argv.slice(2) : ['cases'];
const cases = loadCaseFiles(discoverCaseFiles(paths));
const runs = cases.reduce((n, c) => n + c.families.length, 0);
const waits = cases.reduce((ms, c) => ms + estimateCase(c).minMs * c.families.length, 0);
const longest = Math.max(...cases.map((c) => estimateCase(c).minMs));
const delayFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synh-bench-suite-')), 'loop-delay.txt');

const t0 = process.hrtime.bigint();
const r = spawnSync(process.execPath, ['bin/synh', 'run', ...paths, '--jobs', String(jobs), '--lanes', String(lanes), '--no-write', '--seed', '1'], {
  encoding: 'utf8',
  env: { ...process.env, SYNH_LOOP_DELAY: delayFile },
});
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const children = readChildrenCpu();
const summary = r.stdout.trimEnd().split('\n').slice(-2, -1)[0] ?? r.stderr;
console.log(
  `suite: ${cases.length} cases, ${runs} runs (case × family); their own waits total ${(waits / 1000).toFixed(1)} s, the longest ${(longest / 1000).toFixed(1)} s`,
);
const atOnce = jobs * (lanes === 'auto' ? AUTO_LANES.max : lanes);
console.log(`  floor with ${atOnce} cases at a time: ${(Math.max(waits / atOnce, longest) / 1000).toFixed(1)} s of waiting alone`);
console.log(
  `  synh run --jobs ${jobs} --lanes ${lanes}: ${wall.toFixed(1)} s wall (exit ${r.status}), ${children.toFixed(1)} s of CPU (${os.cpus().length} cores)`,
);
console.log(`  ${summary}`);
for (const line of fs.existsSync(delayFile) ? fs.readFileSync(delayFile, 'utf8').trim().split('\n') : []) console.log(`  ${line}`);

/** User + system time of our reaped children (the synh process and, through it, its workers and agents). */
function readChildrenCpu(): number {
  const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const hz = 100;
  return (Number(f[13]) + Number(f[14])) / hz;
}
