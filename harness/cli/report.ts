// `synh report [DIR] [--open]`: where a run's HTML report is (results/<run>/index.html; made from
// summary.json for a run written before the report existed), opened with xdg-open on request.
import { spawn, spawnSync } from 'child_process';
import type { Command } from 'commander';
import * as path from 'path';

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export function registerReport(program: Command): void {
  program
    .command('report [dir]')
    .description(
      "print the path of a run's HTML report (index.html: header, filterable case table, ladders); DIR: a results directory, `latest` (default) or a baseline name",
    )
    .option('--results <dir>', 'results root (for `latest` and baseline names)', 'results')
    .option('--open', 'open it in a browser (xdg-open)')
    .action(async (dir: string | undefined, o: { results: string; open?: boolean }) => {
      let file: string;
      try {
        // loaded here, not at start: every synh command registers this one
        const { resolveRunDir } = await import('../report/load-run');
        const { ensureHtmlReport } = await import('../report/html/write');
        file = ensureHtmlReport(resolveRunDir(dir ?? 'latest', o.results)).file;
      } catch (e) {
        process.stderr.write(`synh report: ${(e as Error).message.split('\n')[0]}\n`);
        process.exitCode = 2;
        return;
      }
      const rel = path.relative(process.cwd(), file);
      process.stdout.write(`${rel && !rel.startsWith('..') ? rel : file}\n`);
      if (!o.open) return;
      if (!hasCommand('xdg-open')) {
        process.stderr.write(`synh report: no xdg-open here: open ${file} in a browser\n`);
        process.exitCode = 1;
        return;
      }
      spawn('xdg-open', [file], { stdio: 'ignore', detached: true }).unref();
    });
}
