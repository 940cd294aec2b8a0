// Reading case files from disk. The only file I/O of lib/case besides discover.ts and collect.ts.
import { loadCaseFilesWith, readCase } from './collect';
import { parseCaseText } from './parse';
import type { CaseFile } from './types';

export { parseCaseText };

/** Reads and parses one case file. Throws CaseError (every problem in the file) when it is wrong. */
export function loadCaseFile(path: string): CaseFile {
  return parseCaseText(readCase(path), path);
}

/**
 * Loads several case files and checks that their names are unique. Throws one CaseError holding
 * every problem of every file, so a run can report them all before it starts.
 */
export function loadCaseFiles(paths: readonly string[]): CaseFile[] {
  return loadCaseFilesWith(paths, parseCaseText);
}
