// `synh merge DIR... --out DIR`: shard results into one run (harness/report/merge.ts), or fuzz
// campaign shards into one campaign result (harness/fuzz/merge.ts).
import { Command } from 'commander';
import * as path from 'path';
import { DEFAULT_KCIDB_ORIGIN } from '../report/kcidb';

export function registerMerge(program: Command): void {
  program
    .command('merge <dirs...>')
    .description(
      'merge shard results (synh run --shard i/N) into one run: summary.json, junit.xml, ktap.txt, kcidb.json, pcaps; or fuzz shards (synh fuzz --shard i/N) into one campaign result, findings deduplicated by signature',
    )
    .requiredOption('--out <dir>', "the merged run's directory (new)")
    .option('--partial', 'merge even when shards are missing (they are named)')
    .option('--kcidb-origin <name>', `origin of kcidb.json's ids (default $SYNH_KCIDB_ORIGIN or ${DEFAULT_KCIDB_ORIGIN})`)
    .action(async (dirs: string[], o: { out: string; partial?: boolean; kcidbOrigin?: string }) => {
      try {
        // loaded here, not at start: every synh command registers this one
        const { mergeFuzzDirs, readFuzzSummary } = await import('../fuzz/merge');
        const { mergeDirs } = await import('../report/merge');
        const { countStatuses, tallyText } = await import('../report/types');
        const { checkKcidbOrigin } = await import('../report/kcidb');
        const fuzz = dirs.map((d) => readFuzzSummary(d) !== undefined);
        if (fuzz.some((f) => f)) {
          if (!fuzz.every((f) => f))
            throw new Error(
              `${dirs.filter((_, i) => !fuzz[i]).join(', ')}: not fuzz campaign runs, unlike ${dirs.filter((_, i) => fuzz[i]).join(', ')}: merge suite runs and fuzz shards separately`,
            );
          const m = mergeFuzzDirs(dirs, o.out, { partial: o.partial });
          const s = m.summary;
          if (m.missing.length) process.stderr.write(`synh merge: shard(s) ${m.missing.join(', ')} missing (--partial)\n`);
          const rel = path.relative(process.cwd(), m.dir);
          process.stdout.write(
            `${s.campaign}: ${s.probes} probes, ${s.divergences} divergences, ${s.findings.length} findings, rules ${s.rulesHit}/${s.rulesTotal} from ${dirs.length} shard(s); ${rel && !rel.startsWith('..') ? rel : m.dir}\n`,
          );
          process.exitCode = s.findings.length || m.missing.length ? 1 : 0;
          return;
        }
        const kcidbOrigin = checkKcidbOrigin(o.kcidbOrigin ?? process.env.SYNH_KCIDB_ORIGIN ?? DEFAULT_KCIDB_ORIGIN);
        const { written, merged } = mergeDirs(dirs, o.out, { partial: o.partial, kcidbOrigin });
        const c = countStatuses(merged.run.cases);
        if (merged.missing.length) process.stderr.write(`synh merge: shard(s) ${merged.missing.join(', ')} missing (--partial)\n`);
        const rel = path.relative(process.cwd(), written.dir);
        process.stdout.write(`${tallyText(c)} from ${dirs.length} part(s); ${rel && !rel.startsWith('..') ? rel : written.dir}\n`);
        process.exitCode = c.fail || c.error || merged.missing.length ? 1 : 0;
      } catch (e) {
        process.stderr.write(`synh merge: ${(e as Error).message}\n`);
        process.exitCode = 2;
      }
    });
}
