// Loading several case files with a given parser: every problem of every file, names unique. Kept apart
// from parse.ts so a caller with its own (caching) parser loads neither the YAML library nor the
// schema until it has a file to parse (harness/runner/case-cache.ts: a guest's CLI with a warm cache).
import { readFileSync } from 'fs';
import { CaseError, type CaseIssue } from './errors';
import type { CaseFile } from './types';

/**
 * Loads several case files and checks that their names are unique. Throws one CaseError holding
 * every problem of every file, so a run can report them all before it starts. `parse` may be a
 * caching parseCaseText (harness/runner/case-cache.ts).
 */
export function loadCaseFilesWith(paths: readonly string[], parse: (text: string, path: string) => CaseFile): CaseFile[] {
  const out: CaseFile[] = [];
  const issues: CaseIssue[] = [];
  const texts = new Map<string, string>();
  for (const p of paths) {
    try {
      const text = readCase(p);
      texts.set(p, text);
      out.push(parse(text, p));
    } catch (e) {
      if (e instanceof CaseError) issues.push(...e.issues);
      else throw e;
    }
  }
  const byName = new Map<string, CaseFile>();
  for (const c of out) {
    const first = byName.get(c.name);
    if (!first) {
      byName.set(c.name, c);
      continue;
    }
    const at = namePosition(texts.get(c.file) ?? '');
    const how = at ? '' : " (its default, from the file's path)";
    issues.push({
      file: c.file,
      line: at?.line ?? 1,
      column: at?.column ?? 1,
      message: `case name '${c.name}'${how} is already used by ${first.file} — give every case its own name${at ? '' : ' (add name: …)'}`,
    });
  }
  if (issues.length) throw new CaseError(issues);
  return out;
}

export function readCase(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CaseError([{ file: path, line: 1, column: 1, message: `cannot read the file (${err.code ?? err.message}) — check the path` }]);
  }
}

/** Where the value of the top-level name: key sits (undefined: the case has none). */
function namePosition(text: string): { line: number; column: number } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^name:\s*/.exec(lines[i]);
    if (m) return { line: i + 1, column: m[0].length + 1 };
  }
  return undefined;
}
