// Reading case files from disk. The only file I/O of lib/case besides discover.ts.
import { readFileSync } from 'fs';
import { CaseError, CaseIssue } from './errors';
import { parseCaseText } from './parse';
import type { CaseFile } from './types';

export { parseCaseText };

/** Reads and parses one case file. Throws CaseError (every problem in the file) when it is wrong. */
export function loadCaseFile(path: string): CaseFile {
  return parseCaseText(readCase(path), path);
}

/**
 * Loads several case files and checks that their names are unique. Throws one CaseError holding
 * every problem of every file, so a run can report them all before it starts. `parse` may be a
 * caching parseCaseText (harness/runner/case-cache.ts).
 */
export function loadCaseFiles(paths: readonly string[], parse: (text: string, path: string) => CaseFile = parseCaseText): CaseFile[] {
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

function readCase(path: string): string {
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
