// synh compare on two full-suite results: load both summary.json files, compare, format the text
// report. Target: well under 1 s. Prints figures; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/compare.ts [A B]  (default: the two newest runs
// under results/; make them with two `synh run`). The CLI's own figure, node start included:
// `time node bin/synh compare A B`.
import * as fs from 'fs';
import * as path from 'path';
import { compareRuns } from '../lib/compare/compare';
import { formatCompareText } from '../lib/compare/format';
import { loadRun } from '../harness/report/load-run';

const REPS = 20;

function newestRuns(root: string): [string, string] {
  const runs = fs
    .readdirSync(root)
    .filter((d) => /^\d{8}T\d{6}Z/.test(d) && fs.existsSync(path.join(root, d, 'summary.json')))
    .sort();
  if (runs.length < 2) throw new Error(`${root}: fewer than two runs; run \`synh run\` twice or give two results directories`);
  return [path.join(root, runs[runs.length - 2]), path.join(root, runs[runs.length - 1])];
}

const [dirA, dirB] = process.argv.length >= 4 ? [process.argv[2], process.argv[3]] : newestRuns('results');
const times = { load: [] as number[], compare: [] as number[], format: [] as number[] };
let summary = '';
for (let i = 0; i < REPS; i++) {
  const t0 = performance.now();
  const a = loadRun(dirA);
  const b = loadRun(dirB);
  const t1 = performance.now();
  const r = compareRuns(a.view, b.view);
  const t2 = performance.now();
  formatCompareText(r);
  const t3 = performance.now();
  times.load.push(t1 - t0);
  times.compare.push(t2 - t1);
  times.format.push(t3 - t2);
  const bytes = fs.statSync(path.join(dirA, 'summary.json')).size + fs.statSync(path.join(dirB, 'summary.json')).size;
  summary = `${a.view.cases.length} + ${b.view.cases.length} case runs, ${r.compared} compared packet by packet, summary.json ${(bytes / 2 ** 20).toFixed(1)} MiB together`;
}
const med = (l: number[]): string => [...l].sort((x, y) => x - y)[l.length >> 1].toFixed(1);
const total = times.load.map((x, i) => x + times.compare[i] + times.format[i]);
console.log(`${summary}`);
console.log(
  `median of ${REPS} (first run included): load ${med(times.load)} ms, compare ${med(times.compare)} ms, text ${med(times.format)} ms; total ${med(total)} ms (first ${total[0].toFixed(1)} ms); target < 1000 ms`,
);
