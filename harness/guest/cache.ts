// Where guest kernels and images are kept between runs: $XDG_CACHE_HOME/synharness (default
// ~/.cache/synharness). Everything in it can be deleted; it is rebuilt on the next run that needs it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes what runs that died (kill -9) left in a cache folder: "<name>.tmp-<pid>" files and
 * "run-<pid>-*" directories whose process is gone.
 */
export function sweepDead(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    const m = /\.tmp-(\d+)$/.exec(n) ?? /^run-(\d+)-/.exec(n);
    if (!m || pidAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  }
}
