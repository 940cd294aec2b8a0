// Writes results/summary.schema.json from the zod schema in harness/report/summary-schema.ts.
//   npx ts-node --transpile-only scripts/gen-summary-schema.ts           # write
//   npx ts-node --transpile-only scripts/gen-summary-schema.ts --check   # exit 1 if the file is stale
import { join } from 'path';
import { SUMMARY_SCHEMA_FILE, summaryJsonSchemaText } from '../harness/report/summary-schema';
import { writeOrCheck } from './generated-file';

writeOrCheck(join(__dirname, '..', 'results', SUMMARY_SCHEMA_FILE), summaryJsonSchemaText(), 'scripts/gen-summary-schema.ts');
