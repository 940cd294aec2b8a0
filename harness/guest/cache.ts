// Where guest kernels and images are kept between runs: $XDG_CACHE_HOME/synharness (default
// ~/.cache/synharness). Everything in it can be deleted; it is rebuilt on the next run that needs it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_PATTERNS, sweepDir } from '../sys/stale-temps';

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'synharness');
}

export function cacheDir(...parts: string[]): string {
  const d = path.join(cacheRoot(), ...parts);
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** Writes a file whole or not at all (temp name, then rename). */
export function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Removes what runs that died (kill -9) left in a cache folder: "<name>.tmp-<pid>" files and
 * "run-<pid>-*" directories whose process is gone (stale-temps.ts).
 */
export function sweepDead(dir: string): void {
  sweepDir(dir, CACHE_PATTERNS);
}
