// Writes lib/case/spec-sections.ts from the headings of docs/handshake-spec.md.
//   npx ts-node --transpile-only scripts/gen-spec-sections.ts           # write
//   npx ts-node --transpile-only scripts/gen-spec-sections.ts --check   # exit 1 if the module is stale
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseSpecHeadings, specSectionsModule } from '../lib/case/spec-doc';
import { writeOrCheck } from './generated-file';

const root = join(__dirname, '..');
const doc = readFileSync(join(root, 'docs', 'handshake-spec.md'), 'utf8');
writeOrCheck(join(root, 'lib', 'case', 'spec-sections.ts'), specSectionsModule(parseSpecHeadings(doc)), 'scripts/gen-spec-sections.ts');
