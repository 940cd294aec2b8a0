// index.html of a run directory that has none (a run written before the report existed): made from
// its summary.json, written atomically. Runs written now get theirs from writeRun.
import * as fs from 'fs';
import * as path from 'path';
import { loadRun } from '../load-run';
import { writeFileAtomic } from '../results-dir';
import { toHtmlReport } from './page';

export const REPORT_FILE = 'index.html';

/** The run's index.html (dir as resolveRunDir gives it), written from summary.json first when missing. */
export function ensureHtmlReport(dir: string): { file: string; made: boolean } {
  const file = path.join(dir, REPORT_FILE);
  if (fs.existsSync(file)) return { file, made: false };
  writeFileAtomic(file, toHtmlReport(loadRun(dir).summary));
  return { file, made: true };
}
