// `synh compare A B`, `synh baseline save NAME`: what changed between two runs, and keeping a run as the
// "last good" one to compare against. Quiet on a clean compare (one summary line), the report on a
// change; --json / --markdown for machines and mails. The work itself is in compare-actions.ts, loaded
// when one of these commands runs.
import { Command, InvalidArgumentError } from 'commander';
import { DEFAULT_TIMER_TOLERANCE_MS } from '../../lib/compare/compare';
import type { CompareCliOptions } from './compare-actions';

export type { CompareCliOptions };

export function registerCompare(program: Command): void {
  program
    .command('compare <A> <B>')
    .description(
      'what changed from run A to run B (results directories, `latest`, or baseline names): regressions, fixes, and behaviour changes explained by the model profiles or not',
    )
    .option('--json', 'the report as JSON')
    .option('--markdown', 'the report as Markdown (for a mailing-list reply or a PR)')
    .option('--results <dir>', 'results root (for `latest` and baseline names)', 'results')
    .option('--html <file>', "also write the report as one self-contained HTML page: every case with what changed, both runs' ladders side by side")
    .option('--allow-unexplained', 'exit 0 on unexplained behaviour changes (regressions still fail)')
    .option('--exit-zero', 'always exit 0 (report only)')
    .option(
      '--timer-tolerance <ms>',
      `a send time moved when it moved by more than this (and 10 %); default ${DEFAULT_TIMER_TOLERANCE_MS}, more for a kernel under emulation (TCG)`,
      (v: string) => {
        const n = Number(v);
        if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`--timer-tolerance takes milliseconds (a number ≥ 0), got '${v}'`);
        return n;
      },
    )
    .action(async (A: string, B: string, o: CompareCliOptions) => {
      try {
        const { compareDirs } = await import('./compare-actions');
        const { resolveRunDir } = await import('../report/load-run');
        process.exitCode = compareDirs(resolveRunDir(A, o.results), resolveRunDir(B, o.results), o, [A, B]).code;
      } catch (e) {
        process.stderr.write(`synh compare: ${(e as Error).message}\n`);
        process.exitCode = 2;
      }
    });
  const baseline = program.command('baseline').description('keep runs to compare against (results/baselines/NAME)');
  baseline
    .command('save <name>')
    .description('store a run (default: latest) as baseline NAME under <results>/baselines/ (or at a path, when NAME has a /)')
    .option('--from <run>', 'the run to store: a results directory or `latest`', 'latest')
    .option('--results <dir>', 'results root', 'results')
    .action(async (name: string, o: { from: string; results: string }) => {
      try {
        const { saveBaseline } = await import('./compare-actions');
        const { resolveRunDir } = await import('../report/load-run');
        saveBaseline(resolveRunDir(o.from, o.results), name, o.results);
      } catch (e) {
        process.stderr.write(`synh baseline save: ${(e as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
