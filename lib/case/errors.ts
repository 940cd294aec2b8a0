// Errors of case files: every problem is one `file:line:column: message` line. Pure.

/** One problem in a case file. line and column are 1-based. */
export interface CaseIssue {
  file: string;
  line: number;
  column: number;
  /** "what is wrong — what to do" */
  message: string;
}

export function formatIssue(i: CaseIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.message}`;
}

/** Sorts by file, line, column, and drops exact duplicates. */
export function sortIssues(issues: readonly CaseIssue[]): CaseIssue[] {
  const seen = new Set<string>();
  const out: CaseIssue[] = [];
  for (const i of [...issues].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column))) {
    const k = formatIssue(i);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(i);
    }
  }
  return out;
}

/**
 * Thrown by parseCaseText / loadCaseFile / loadCaseFiles when a case file is wrong. Its own
 * file/line/column/message are those of the first problem; `issues` holds every problem found,
 * sorted. `toString()` gives one `file:line:column: message` line per problem.
 */
export class CaseError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly issues: readonly CaseIssue[];

  constructor(issues: readonly CaseIssue[]) {
    const sorted = sortIssues(issues);
    if (sorted.length === 0) throw new Error('CaseError needs at least one issue');
    super(sorted[0].message);
    this.name = 'CaseError';
    this.file = sorted[0].file;
    this.line = sorted[0].line;
    this.column = sorted[0].column;
    this.issues = sorted;
  }

  override toString(): string {
    return this.issues.map(formatIssue).join('\n');
  }
}
