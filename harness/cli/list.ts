// `synh list [paths] [--filter GLOB] [--json]`: the cases the paths hold (default: the suite), one line
// each — name, file, spec sections, families, kernel range, expected duration of one run, sysctls —
// or one JSON array. The same discovery, --filter and loader as `synh run`, so it lists what run runs.
import type { Command } from 'commander';
import { defaultSuitePath, FILTER_OPTION } from './run';

export function registerList(program: Command): void {
  program
    .command('list [paths...]')
    .description(
      "list the cases in case files and folders (default: the suite, cases/): name, file, spec sections, families, kernel range, expected duration of one run (from the steps' waits and windows), sysctls; tab-separated",
    )
    .option(...FILTER_OPTION)
    .option('--json', 'one JSON array of {name, file, description, spec, families, kernel, sysctls, expectedMs: {min, max}}')
    .action(async (paths: string[], o: { filter: string[]; json?: boolean }) => {
      const { discoverCaseFiles, CaseError } = await import('../../lib/case');
      const { loadCasesCached } = await import('../runner/case-cache');
      const { caseListing, formatListing } = await import('../runner/case-list');
      const inputs = paths.length ? paths : [defaultSuitePath()];
      let listings;
      try {
        const files = discoverCaseFiles(inputs, o.filter.length ? { filter: o.filter } : {});
        if (!files.length) {
          process.stderr.write(`synh list: no case files in ${inputs.join(', ')}${o.filter.length ? ` matching ${o.filter.join(', ')}` : ''}\n`);
          process.exitCode = 1;
          return;
        }
        listings = loadCasesCached(files).map(caseListing);
      } catch (e) {
        if (e instanceof CaseError) {
          process.stderr.write(`${e.toString()}\n`);
          process.stderr.write(`synh list: ${e.issues.length} problem(s) in the case files\n`);
        } else {
          process.stderr.write(`synh list: ${(e as Error).message}\n`);
        }
        process.exitCode = 2;
        return;
      }
      if (o.json) process.stdout.write(`${JSON.stringify(listings)}\n`);
      else process.stdout.write(listings.map((l) => `${formatListing(l)}\n`).join(''));
    });
}
