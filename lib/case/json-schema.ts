// The JSON Schema of case files, generated from the zod schema (editors: yaml-language-server).
// scripts/gen-case-schema.ts writes it to cases/case.schema.json; a unit test keeps that file fresh.
// Pure.
import { z } from 'zod';
import { CaseSchema } from './schema';

export const CASE_SCHEMA_ID = 'https://synharness.invalid/case.schema.json';

/** The JSON Schema (draft-07) of the YAML a case file holds. */
export function caseJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(CaseSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  const { $schema, ...rest } = s;
  return {
    $schema,
    $id: CASE_SCHEMA_ID,
    title: 'synharness case',
    $comment: 'Generated from lib/case/schema.ts by scripts/gen-case-schema.ts — do not edit.',
    ...rest,
  };
}

/** The file content of cases/case.schema.json. */
export function caseJsonSchemaText(): string {
  return `${JSON.stringify(caseJsonSchema(), null, 2)}\n`;
}
