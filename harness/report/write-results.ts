// Writing a finished run's results without losing the run: the verdicts are already in memory (and
// printed by the caller whatever happens here); this picks a free run id atomically, writes
// results/<run-id>/ and repoints results/latest, and turns a failure into one precise line instead
// of an exception.
//
// Run ids: "<UTC second>-<kernel>", then -2, -3… when taken. Two runs in one checkout that finish in
// the same second both pick the first free name; writeRun's final rename uses RENAME_NOREPLACE, so the
// second to arrive gets RunIdTakenError with nothing written under that name and takes the next one.
// results/latest is repointed only after its run directory is complete.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errnoNumber } from '../sys/errno';
import { strerror } from '../sys/libc';
import { pointLatest, RunIdTakenError, writeRun, type WriteRunOptions, type WrittenRun } from './results-dir';
import type { RunResult } from './types';

/** Attempts at a free run id before giving up (each a taken name: far more than runs per second). */
const MAX_ID_ATTEMPTS = 1000;

export interface WriteFailure {
  /** The directory or file that could not be written. */
  path: string;
  /** ENOSPC, EROFS, … */
  code: string;
  /** strerror's text for it. */
  text: string;
  /** What to do next. */
  hint: string;
  /** Set when results/<run-id> was written whole and only `latest` could not be repointed. */
  latestOnly?: boolean;
}

export interface WriteOutcome {
  written?: WrittenRun;
  error?: WriteFailure;
}

/** The first name from `base`, `base-2`, `base-3`… with no entry in root (a hint: the rename decides). */
function nextFreeId(root: string, base: string, from: number): { id: string; n: number } {
  for (let n = from; ; n++) {
    const id = n === 1 ? base : `${base}-${n}`;
    if (!fs.existsSync(path.join(root, id))) return { id, n };
  }
}

/**
 * Writes `run` under the first free id from `baseId` (sets run.runId) and repoints `latest`. Never
 * throws for an I/O failure: it is returned as `error`, with `written` set when the run directory is
 * in place and only `latest` failed.
 */
export function writeRunFreshId(root: string, run: RunResult, baseId: string, opts: Omit<WriteRunOptions, 'updateLatest'> = {}): WriteOutcome {
  let written: WrittenRun | undefined;
  let n = 1;
  try {
    for (let attempt = 0; !written; attempt++) {
      if (attempt >= MAX_ID_ATTEMPTS) throw new Error(`no free run id after ${MAX_ID_ATTEMPTS} attempts from ${baseId}`);
      const next = nextFreeId(root, baseId, n);
      run.runId = next.id;
      n = next.n + 1;
      try {
        written = writeRun(root, run, undefined, { ...opts, updateLatest: false });
      } catch (e) {
        if (!(e instanceof RunIdTakenError)) throw e;
      }
    }
  } catch (e) {
    return { error: describeWriteFailure(e, root, run.runId) };
  }
  try {
    pointLatest(root, written.runId);
  } catch (e) {
    return { written, error: { ...describeWriteFailure(e, root, 'latest'), latestOnly: true } };
  }
  return { written };
}

/**
 * The path, errno text and what to do for an error thrown while writing `name` (a run id, or
 * `latest`) under the results root. The staging directory means nothing to the user: a failure to
 * make it names the root, one inside it the run directory.
 */
export function describeWriteFailure(e: unknown, root: string, name: string): WriteFailure {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : '';
  const num = code ? errnoNumber(code) : undefined;
  const at = typeof err?.path === 'string' ? path.resolve(err.path) : undefined;
  const staging = at !== undefined && path.relative(root, at).split(path.sep)[0].startsWith('.tmp-');
  const p = at === undefined ? path.join(root, name) : !staging ? at : path.dirname(at) === root ? root : path.join(root, name);
  return {
    path: p,
    code: code || 'error',
    text: num !== undefined ? strerror(num) : String(err?.message ?? e),
    hint: hintFor(code),
  };
}

function hintFor(code: string): string {
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free space on that filesystem, or give --results a directory on another one';
    case 'EROFS':
      return 'that filesystem is read-only: give --results a writable directory';
    case 'EACCES':
    case 'EPERM':
      return 'make it writable for this user, or give --results a directory that is';
    case 'EEXIST':
    case 'ENOTDIR':
      return 'a file is in the way: give --results a directory';
    default:
      return 'give --results a writable directory (or --no-write)';
  }
}

/** The one line `synh run` prints after the verdicts when the results could not be written. */
export function writeFailureLine(cmd: string, f: WriteFailure, runDir?: string): string {
  const what = f.latestOnly ? `could not point ${f.path} at ${runDir ?? 'the run'}` : `could not write results to ${f.path}`;
  return `${cmd}: ${what}: ${f.text} (${f.code}) — ${f.hint}${f.latestOnly ? ` (the run itself is in ${runDir})` : '; the verdicts above stand'}`;
}
