// `synh import script.pkt > case.yaml`: a packetdrill script as the equivalent YAML case file, for
// those who want to extend it. A script that does not compile, or that uses what YAML case files
// cannot say yet, gets one clear error and exit status 2; nothing is written.
import type { Command } from 'commander';

export function registerImport(program: Command): void {
  program
    .command('import <script>')
    .description('write a packetdrill script (.pkt) as the equivalent YAML case file, on stdout')
    .option('-D, --define <NAME=VALUE>', 'a define, as packetdrill -D; repeatable', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (script: string, o: { define: string[] }) => {
      process.exitCode = await importCommand(script, o);
    });
}

export async function importCommand(script: string, o: { define: string[] }): Promise<number> {
  const { loadScriptFile } = await import('../packetdrill/load');
  const { caseToYaml, NotExpressible } = await import('../../lib/packetdrill/yaml');
  const { CaseError } = await import('../../lib/case');
  const { scriptOptions } = await import('./run');
  try {
    process.stdout.write(caseToYaml(loadScriptFile(script, { ...scriptOptions({ define: o.define }), strict: true })));
    return 0;
  } catch (e) {
    if (e instanceof CaseError) process.stderr.write(`${e.toString()}\nsynh import: ${script} was not imported\n`);
    else if (e instanceof NotExpressible) process.stderr.write(`synh import: ${script}: ${e.message}\n`);
    else if ((e as NodeJS.ErrnoException).code === 'ENOENT') process.stderr.write(`synh import: no such file ${script}\n`);
    else throw e;
    return 2;
  }
}
