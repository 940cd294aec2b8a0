// Creating output directories without Node's recursive mkdir, which loops forever on a path whose
// parent exists but refuses new entries with ENOENT (Node 20's mkdirSync('/proc/foo', { recursive:
// true }) never returns: `synh run --results /proc/foo` hung).
import * as fs from 'fs';
import * as path from 'path';

/** mkdir -p: each missing level once, from the top down; throws the first error that is not EEXIST. */
export function mkdirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !isDir(d); d = path.dirname(d)) {
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && isDir(d)) continue;
      throw e;
    }
  }
}

function isDir(d: string): boolean {
  try {
    return fs.statSync(d).isDirectory();
  } catch {
    return false;
  }
}
