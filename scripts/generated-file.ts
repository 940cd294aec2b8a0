// Writes a generated file, or with --check exits 1 when the file on disk is stale (for CI and tests).
import { existsSync, readFileSync, writeFileSync } from 'fs';

export function writeOrCheck(target: string, fresh: string, script: string): void {
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (current !== fresh) {
      console.error(`${target} is stale — run: npx ts-node --transpile-only ${script}`);
      process.exit(1);
    }
    console.log(`${target} is up to date`);
  } else if (current === fresh) {
    console.log(`${target} unchanged`);
  } else {
    writeFileSync(target, fresh);
    console.log(`wrote ${target}`);
  }
}
