// Writes cases/case.schema.json from the zod schema in lib/case/schema.ts.
//   npx ts-node --transpile-only scripts/gen-case-schema.ts           # write
//   npx ts-node --transpile-only scripts/gen-case-schema.ts --check   # exit 1 if the file is stale
import { join } from 'path';
import { caseJsonSchemaText } from '../lib/case/json-schema';
import { writeOrCheck } from './generated-file';

writeOrCheck(join(__dirname, '..', 'cases', 'case.schema.json'), caseJsonSchemaText(), 'scripts/gen-case-schema.ts');
