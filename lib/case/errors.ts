// Errors of case files: every problem is one `file:line:column: message` line (lib/yaml-kit/issues.ts). Pure.
import { SourceIssuesError, type SourceIssue } from '../yaml-kit/issues';

// Kept importable from here for the unit tests of test/unit/case, which the move to the kit left unchanged.
export { MAX_MESSAGE, SourceIssuesError } from '../yaml-kit/issues';

/** One problem in a case file. line and column are 1-based. */
export type CaseIssue = SourceIssue;

/** Thrown by parseCaseText / loadCaseFile / loadCaseFiles when a case file is wrong (every problem, sorted). */
export class CaseError extends SourceIssuesError {
  constructor(issues: readonly CaseIssue[]) {
    super('CaseError', issues);
  }
}
