import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import { caseJsonSchema, caseJsonSchemaText } from '../../../lib/case/json-schema';

const COMMITTED = join(__dirname, '..', '..', '..', 'cases', 'case.schema.json');

describe('case/JSON schema', () => {
  it('cases/case.schema.json equals a fresh generation (run scripts/gen-case-schema.ts if not)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).to.equal(caseJsonSchemaText());
  });

  it('describes the top level and reuses shared definitions', () => {
    const s = caseJsonSchema() as {
      required: string[];
      properties: Record<string, unknown>;
      definitions: Record<string, unknown>;
      additionalProperties: boolean;
    };
    expect(s.required).to.deep.equal(['description', 'spec', 'setup', 'steps']);
    expect(Object.keys(s.properties)).to.deep.equal(['name', 'description', 'spec', 'kernel', 'ip', 'sysctls', 'setup', 'flows', 'steps']);
    expect(s.additionalProperties).to.equal(false);
    expect(s.definitions).to.include.keys('case-packet-pattern', 'case-matcher-u32', 'case-duration', 'case-send-option', 'case-option-pattern');
  });
});
