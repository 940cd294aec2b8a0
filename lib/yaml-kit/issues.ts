// Problems in a YAML source file (a case, a campaign): every problem is one `file:line:column: message`
// line. Pure.

/** One problem in a source file. line and column are 1-based. */
export interface SourceIssue {
  file: string;
  line: number;
  column: number;
  /** "what is wrong — what to do" */
  message: string;
}

export function formatIssue(i: SourceIssue): string {
  return `${i.file}:${i.line}:${i.column}: ${i.message}`;
}

/** Sorts by file, line, column, and drops exact duplicates. */
export function sortIssues(issues: readonly SourceIssue[]): SourceIssue[] {
  const seen = new Set<string>();
  const out: SourceIssue[] = [];
  for (const i of [...issues].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column))) {
    const k = formatIssue(i);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(i);
    }
  }
  return out;
}

/** The longest message one problem may carry: a 1 MB value quoted in a message stays out of it. */
export const MAX_MESSAGE = 400;

/** Cut in the middle, keeping the start (what is wrong) and the end (what to do). */
function shorten(m: string): string {
  const keep = (MAX_MESSAGE - 40) / 2;
  return `${m.slice(0, keep)} … (${m.length - 2 * keep} characters cut) … ${m.slice(-keep)}`;
}

/**
 * The base of CaseError and CampaignError, thrown when a source file is wrong. Its own
 * file/line/column/message are those of the first problem; `issues` holds every problem found,
 * sorted. `toString()` gives one `file:line:column: message` line per problem.
 */
export class SourceIssuesError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly issues: readonly SourceIssue[];

  /** `message`: the first problem's message, or every problem as `file:line:column: message` lines. */
  constructor(name: string, issues: readonly SourceIssue[], message: 'first' | 'all' = 'first') {
    const sorted = sortIssues(issues.map((i) => (i.message.length > MAX_MESSAGE ? { ...i, message: shorten(i.message) } : i)));
    if (sorted.length === 0) throw new Error(`${name} needs at least one issue`);
    super(message === 'first' ? sorted[0].message : sorted.map(formatIssue).join('\n'));
    this.name = name;
    this.file = sorted[0].file;
    this.line = sorted[0].line;
    this.column = sorted[0].column;
    this.issues = sorted;
  }

  override toString(): string {
    return this.issues.map(formatIssue).join('\n');
  }
}
