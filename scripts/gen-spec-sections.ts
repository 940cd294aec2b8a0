// Writes lib/case/spec-sections.ts from the headings of docs/handshake-spec.md.
//   npx ts-node --transpile-only scripts/gen-spec-sections.ts           # write
//   npx ts-node --transpile-only scripts/gen-spec-sections.ts --check   # exit 1 if the module is stale
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseSpecHeadings, specSectionsModule } from '../lib/case/spec-doc';

const root = join(__dirname, '..');
const target = join(root, 'lib', 'case', 'spec-sections.ts');
const fresh = specSectionsModule(parseSpecHeadings(readFileSync(join(root, 'docs', 'handshake-spec.md'), 'utf8')));
const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (current !== fresh) {
    console.error(`${target} is stale — run: npx ts-node --transpile-only scripts/gen-spec-sections.ts`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else if (current === fresh) {
  console.log(`${target} unchanged`);
} else {
  writeFileSync(target, fresh);
  console.log(`wrote ${target}`);
}
