// Every synh command starts by removing what killed synh processes left behind (temporary directories,
// files and sockets whose owner pid is gone: harness/sys/stale-temps.ts lists them), in the temp
// folder, the synharness cache and the results root it was given (and ./results). Quiet, and never in
// the way: a failure to sweep is ignored.
import { cacheRoot } from '../guest/cache';
import { sweepStaleTemps } from '../sys/stale-temps';

export function sweepAtStart(opts: Record<string, unknown>): string[] {
  try {
    const roots = ['results', ...(typeof opts.results === 'string' ? [opts.results] : [])];
    return sweepStaleTemps({ cacheRoot: cacheRoot(), resultsRoots: roots });
  } catch {
    return [];
  }
}
