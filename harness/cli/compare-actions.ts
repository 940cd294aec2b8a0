// The work behind `synh compare`, `synh baseline save` and `synh run --baseline` (loaded when one of
// them runs: the command line registers every command without loading what each needs).
import * as fs from 'fs';
import * as path from 'path';
import { compareExitCode, compareRuns, isClean, type CompareReport } from '../../lib/compare/compare';
import { formatCompareMarkdown, formatCompareText, summaryLine } from '../../lib/compare/format';
import { BASELINES_DIR, loadRun } from '../report/load-run';
import { toCompareHtml } from '../report/html/compare-page';
import { writeFileAtomic } from '../report/results-dir';

export interface CompareCliOptions {
  json?: boolean;
  markdown?: boolean;
  results: string;
  allowUnexplained?: boolean;
  exitZero?: boolean;
  /** A send time moved when it moved by more than this many ms (and 10 %). */
  timerTolerance?: number;
  /** Also write the report as an HTML page here (both runs' ladders side by side). */
  html?: string;
}

/** Compares two resolved run directories; prints as asked; returns the exit status. */
export function compareDirs(
  dirA: string,
  dirB: string,
  o: CompareCliOptions,
  labels: [string, string] = [dirA, dirB],
): { code: number; report: CompareReport } {
  const a = loadRun(dirA, labels[0]);
  const b = loadRun(dirB, labels[1]);
  for (const n of [a.note, b.note]) if (n) process.stderr.write(`synh compare: ${n}\n`);
  const report = compareRuns(a.view, b.view, o.timerTolerance !== undefined ? { timerAbsMs: o.timerTolerance } : {});
  const code = o.exitZero ? 0 : compareExitCode(report, { allowUnexplained: o.allowUnexplained });
  if (o.html) {
    const page = path.resolve(o.html);
    const side = (r: typeof a) => ({ summary: r.summary, linkBase: path.relative(path.dirname(page), r.dir) });
    writeFileAtomic(page, toCompareHtml(report, side(a), side(b)));
  }
  if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
  else if (o.markdown) process.stdout.write(formatCompareMarkdown(report));
  else process.stdout.write(isClean(report) ? `${summaryLine(report)}\n` : formatCompareText(report));
  return { code, report };
}

/** Copies a run directory to a baseline (replacing an older baseline of that name in one rename). */
export function saveBaseline(runDir: string, name: string, resultsRoot: string): string {
  const dest = name.includes('/') || name.startsWith('.') ? path.resolve(name) : path.resolve(resultsRoot, BASELINES_DIR, name);
  if (!/^[A-Za-z0-9][A-Za-z0-9._@+=-]*$/.test(path.basename(dest)))
    throw new Error(`baseline name ${JSON.stringify(path.basename(dest))}: use letters, digits and . _ @ + = -`);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.cpSync(runDir, tmp, { recursive: true, dereference: true });
  const old = `${dest}.old-${process.pid}`;
  if (fs.existsSync(dest)) fs.renameSync(dest, old);
  fs.renameSync(tmp, dest);
  fs.rmSync(old, { recursive: true, force: true });
  return dest;
}

/** `synh run --baseline`: the compare summary after the run (the full report when something changed). */
export function compareAfterRun(baselineDir: string, runDir: string, label: string, out: NodeJS.WritableStream): number {
  const a = loadRun(baselineDir, `baseline ${label}`);
  const b = loadRun(runDir, 'this run');
  for (const n of [a.note, b.note]) if (n) process.stderr.write(`synh run: ${n}\n`);
  const report = compareRuns(a.view, b.view);
  out.write(isClean(report) ? `compared with baseline ${label}: ${summaryLine(report)}\n` : formatCompareText(report));
  return compareExitCode(report);
}
