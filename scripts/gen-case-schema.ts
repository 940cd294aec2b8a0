// Writes cases/case.schema.json from the zod schema in lib/case/schema.ts.
//   npx ts-node --transpile-only scripts/gen-case-schema.ts           # write
//   npx ts-node --transpile-only scripts/gen-case-schema.ts --check   # exit 1 if the file is stale
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { caseJsonSchemaText } from '../lib/case/json-schema';

const target = join(__dirname, '..', 'cases', 'case.schema.json');
const fresh = caseJsonSchemaText();
const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
if (process.argv.includes('--check')) {
  if (current !== fresh) {
    console.error(`${target} is stale — run: npx ts-node --transpile-only scripts/gen-case-schema.ts`);
    process.exit(1);
  }
  console.log(`${target} is up to date`);
} else if (current === fresh) {
  console.log(`${target} unchanged`);
} else {
  writeFileSync(target, fresh);
  console.log(`wrote ${target}`);
}
