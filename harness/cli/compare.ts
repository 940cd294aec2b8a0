// `synh compare A B`, `synh baseline save NAME`: what changed between two runs, and keeping a run as the
// "last good" one to compare against. Quiet on a clean compare (one summary line), the report on a
// change; --json / --markdown for machines and mails.
import { Command } from 'commander';
import { compareExitCode, compareRuns, isClean, type CompareReport } from '../../lib/compare/compare';
import { formatCompareMarkdown, formatCompareText, summaryLine } from '../../lib/compare/format';
import { loadRun, resolveRunDir } from '../report/load-run';

export interface CompareCliOptions {
  json?: boolean;
  markdown?: boolean;
  results: string;
  allowUnexplained?: boolean;
  exitZero?: boolean;
}

/** Compares two resolved run directories; prints as asked; returns the exit status. */
export function compareDirs(dirA: string, dirB: string, o: CompareCliOptions, labels: [string, string] = [dirA, dirB]): { code: number; report: CompareReport } {
  const a = loadRun(dirA, labels[0]);
  const b = loadRun(dirB, labels[1]);
  for (const n of [a.note, b.note]) if (n) process.stderr.write(`synh compare: ${n}\n`);
  const report = compareRuns(a.view, b.view);
  const code = o.exitZero ? 0 : compareExitCode(report, { allowUnexplained: o.allowUnexplained });
  if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
  else if (o.markdown) process.stdout.write(formatCompareMarkdown(report));
  else process.stdout.write(isClean(report) ? `${summaryLine(report)}\n` : formatCompareText(report));
  return { code, report };
}

export function registerCompare(program: Command): void {
  program
    .command('compare <A> <B>')
    .description('what changed from run A to run B (results directories, `latest`, or baseline names): regressions, fixes, and behaviour changes explained by the model profiles or not')
    .option('--json', 'the report as JSON')
    .option('--markdown', 'the report as Markdown (for a mailing-list reply or a PR)')
    .option('--results <dir>', 'results root (for `latest` and baseline names)', 'results')
    .option('--allow-unexplained', 'exit 0 on unexplained behaviour changes (regressions still fail)')
    .option('--exit-zero', 'always exit 0 (report only)')
    .action((A: string, B: string, o: CompareCliOptions) => {
      try {
        process.exitCode = compareDirs(resolveRunDir(A, o.results), resolveRunDir(B, o.results), o, [A, B]).code;
      } catch (e) {
        process.stderr.write(`synh compare: ${(e as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
