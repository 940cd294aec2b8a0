// Case files: format (schema.ts, cases/README.md), parsing (parse.ts), normalised types (types.ts).
export * from './types';
export { CaseError } from './errors';
export { formatIssue } from '../yaml-kit/issues';
export type { CaseIssue } from './errors';
export { parseCaseText } from './parse';
export { loadCaseFile, loadCaseFiles } from './load';
export { discoverCaseFiles, matchesFilter } from './discover';
export type { DiscoverOptions } from './discover';
export { evalValue, formatValue, isExpr, kernelMatches, cmpMatches, parseDuration, parseTimeWindow } from './expr';
export type { Bindings } from './expr';
export { resolveSendOptions } from './options';
export { CaseSchema } from './schema';
export { caseJsonSchema, caseJsonSchemaText } from './json-schema';
