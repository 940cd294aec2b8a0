// The results directory: results/<run-id>/{summary.json,junit.xml,ktap.txt,kcidb.json,index.html,pcap/<case>.pcapng}
// plus results/latest → <run-id>.
//
// Atomicity: a run is assembled in results/.tmp-<run-id>-<pid>/, every file fsynced, the directory
// fsynced, then renamed to results/<run-id> in one rename(2); `latest` is repointed by creating a
// symlink under a temporary name and renaming it over `latest`. A writer killed at any point leaves
// the earlier runs and `latest` as they were, and never a half-written file inside a run directory;
// at worst a .tmp-* entry remains, which the next writeRun removes once its pid is gone.
import { mkdirs } from '../sys/dirs';
import { errnoName, renameNoReplace } from '../sys/libc';
import { RESULTS_PATTERNS, sweepDir } from '../sys/stale-temps';
import { randomBytes } from 'node:crypto';
import { shortHash } from '../../lib/util/stable-hash';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { toJUnitXml } from './junit';
import { toKcidbJson, type KcidbOptions } from './kcidb';
import { toKtap, type KtapOptions } from './ktap';
import { casePcapng } from './pcapng';
import { toHtmlReport } from './html/page';
import { toSummary, toSummaryJson } from './summary';
import { SUMMARY_SCHEMA_FILE, summaryJsonSchemaText } from './summary-schema';
import type { RunResult } from './types';

const TMP_PREFIX = '.tmp-';

/** results/<run-id> is taken (by another run that finished first): writeRun wrote nothing under that name. */
export class RunIdTakenError extends Error {
  constructor(
    readonly dir: string,
    when: string,
  ) {
    super(`writeRun: ${dir} ${when}`);
  }
}

/** Moves the finished staging directory to results/<run-id>, never over anything already there. */
function renameIntoPlace(tmp: string, final: string): void {
  const r = renameNoReplace(tmp, final);
  if (r.errno === 0) return;
  const name = errnoName(r.errno);
  if (name === 'EEXIST' || name === 'ENOTEMPTY') throw new RunIdTakenError(final, 'appeared while writing');
  if (name !== 'EINVAL' && name !== 'ENOSYS')
    throw Object.assign(new Error(`${name}: rename ${tmp} -> ${final}`), { code: name, errno: -r.errno, path: final });
  // a filesystem without RENAME_NOREPLACE: check, then rename (a narrow race, as before)
  if (fs.existsSync(final)) throw new RunIdTakenError(final, 'appeared while writing');
  fs.renameSync(tmp, final);
}

/** "20261121T193700Z-6.18.44-fc-v657": UTC time to the second, then the kernel release made filesystem-safe. */
export function makeRunId(date: Date, kernelRelease: string): string {
  if (Number.isNaN(date.getTime())) throw new Error('makeRunId: invalid date');
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const ts =
    `${p(date.getUTCFullYear(), 4)}${p(date.getUTCMonth() + 1)}${p(date.getUTCDate())}` +
    `T${p(date.getUTCHours())}${p(date.getUTCMinutes())}${p(date.getUTCSeconds())}Z`;
  let k = kernelRelease
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 64)
    .replace(/[._-]+$/, '');
  if (k === '') k = 'unknown';
  return `${ts}-${k}`;
}

/** True for names writeRun accepts as a run directory: one plain path component. */
export function isSafeRunId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._@+=-]{0,199}$/.test(id) && id !== 'latest';
}

/** A filesystem-safe base name for a case id (no extension): "cases_syn_basic.yaml--simple_SYN@ipv4". */
export function sanitizeFileName(id: string, max = 150): string {
  let s = id
    .replace(/#/g, '--')
    .replace(/[^A-Za-z0-9._@+=-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '');
  if (s.length > max) s = s.slice(0, max);
  return s === '' ? 'case' : s;
}

/**
 * Unique pcap file names (relative to the run directory, "pcap/<name>.pcapng") for a set of case
 * ids. Names that would collide (also case-insensitively) or that were cut get a hash of the id.
 */
export function pcapFileNames(ids: Iterable<string>): Map<string, string> {
  const list = [...new Set(ids)];
  const base = new Map(list.map((id) => [id, sanitizeFileName(id)]));
  const seen = new Map<string, number>();
  for (const b of base.values()) seen.set(b.toLowerCase(), (seen.get(b.toLowerCase()) ?? 0) + 1);
  const out = new Map<string, string>();
  for (const id of list) {
    let b = base.get(id)!;
    if (seen.get(b.toLowerCase())! > 1 || sanitizeFileName(id, Infinity).length > b.length) b = `${b}-${shortHash(id, 8)}`;
    out.set(id, `pcap/${b}.pcapng`);
  }
  return out;
}

/**
 * Removes .tmp-*-<pid> entries of resultsRoot whose writer process is gone (stale-temps.ts). Entries
 * of live processes (including this one) are left alone. Returns the names removed.
 */
export function removeStaleTemps(resultsRoot: string): string[] {
  return sweepDir(resultsRoot, RESULTS_PATTERNS).map((p) => path.basename(p));
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on directories; the rename is still atomic
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Creates `file` (must not exist), writes all of `data`, fsyncs and closes it. */
function writeNewFileDurable(file: string, data: string | Uint8Array): void {
  const fd = fs.openSync(file, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces `file` atomically: readers see the old content or the new, never a mix. The data is
 * written to a temporary file in the same directory, fsynced, renamed over `file`, and the
 * directory fsynced.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `${TMP_PREFIX}${path.basename(file)}.${randomBytes(4).toString('hex')}-${process.pid}`);
  try {
    writeNewFileDurable(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

/** Points resultsRoot/latest at `runId` (relative symlink) with one rename(2). */
export function pointLatest(resultsRoot: string, runId: string): void {
  const link = path.join(resultsRoot, 'latest');
  const tmp = path.join(resultsRoot, `${TMP_PREFIX}latest.${randomBytes(4).toString('hex')}-${process.pid}`);
  fs.symlinkSync(runId, tmp);
  try {
    fs.renameSync(tmp, link);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EISDIR' || err.code === 'ENOTEMPTY' || err.code === 'EEXIST') {
      throw new Error(`${link} is a directory, not a symlink; results/${runId} was written but 'latest' was not updated`);
    }
    throw e;
  }
  fsyncDir(resultsRoot);
}

/**
 * index.html; should the page fail to build (a bug), a page that says so instead — the run's results
 * are not lost to it.
 */
function htmlOrNote(run: RunResult, pcaps: ReadonlyMap<string, string>): string {
  try {
    return toHtmlReport(toSummary(run, { pcapPaths: pcaps }));
  } catch (e) {
    const why = String((e as Error)?.stack ?? e).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return (
      `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>synharness ${run.runId.replace(/[&<>"']/g, '_')}</title></head><body>` +
      `<p>The HTML report of this run could not be made (a synharness bug: please report it). summary.json, junit.xml and the pcaps next to this file are complete.</p><pre>${why}</pre></body></html>\n`
    );
  }
}

export interface WriteRunOptions {
  /** Called after each file is written and fsynced (relative path). For progress and crash tests. */
  afterFile?: (relPath: string) => void;
  /** Also repoint `latest` (default true). */
  updateLatest?: boolean;
  /** Options for ktap.txt (e.g. steps as nested subtests). */
  ktap?: KtapOptions;
  /** Options for kcidb.json (the origin). */
  kcidb?: KcidbOptions;
  /** Write index.html (default true). A run inside a guest leaves it to the host (ensureHtmlReport), which is much faster than TCG. */
  html?: boolean;
}

export interface WrittenRun {
  runId: string;
  /** Absolute path of results/<run-id>. */
  dir: string;
  /** Files written, relative to dir. */
  files: string[];
  /** case id → pcap path relative to dir. */
  pcaps: Map<string, string>;
  /** Stale temporaries removed before writing. */
  removedStale: string[];
}

/**
 * Writes results/<run.runId>/ (summary.json, junit.xml, ktap.txt, kcidb.json, index.html unless opts.html is false, pcap/*.pcapng) atomically and
 * repoints results/latest. `perCasePcaps` (case id → pcapng bytes) wins over the pcap built from a
 * case's packets; cases with no packets and no given pcap get no pcap file. Throws if
 * results/<run-id> already exists or run.runId is not a plain file name.
 */
export function writeRun(
  resultsRoot: string,
  run: RunResult,
  perCasePcaps?: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
  opts: WriteRunOptions = {},
): WrittenRun {
  if (!isSafeRunId(run.runId)) throw new Error(`writeRun: run id ${JSON.stringify(run.runId)} is not a safe directory name`);
  const root = path.resolve(resultsRoot);
  mkdirs(root);
  const removedStale = removeStaleTemps(root);
  const final = path.join(root, run.runId);
  if (fs.existsSync(final)) throw new RunIdTakenError(final, 'already exists');

  const given: Map<string, Uint8Array> =
    perCasePcaps === undefined ? new Map() : perCasePcaps instanceof Map ? new Map(perCasePcaps) : new Map(Object.entries(perCasePcaps));
  const pcapIds = [...given.keys()];
  for (const c of run.cases) if (!given.has(c.id) && c.packets.length > 0) pcapIds.push(c.id);
  const pcaps = pcapFileNames(pcapIds);
  const byId = new Map(run.cases.map((c) => [c.id, c]));

  const tmp = path.join(root, `${TMP_PREFIX}${run.runId}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  const files: string[] = [];
  try {
    fs.mkdirSync(tmp);
    fs.mkdirSync(path.join(tmp, 'pcap'));
    const put = (rel: string, data: string | Uint8Array): void => {
      try {
        writeNewFileDurable(path.join(tmp, rel), data);
      } catch (e) {
        // write(2) errors (ENOSPC, EIO) carry no path: name the file
        (e as NodeJS.ErrnoException).path ??= path.join(tmp, rel);
        throw e;
      }
      files.push(rel);
      opts.afterFile?.(rel);
    };
    for (const [id, rel] of pcaps) put(rel, given.get(id) ?? casePcapng(byId.get(id)!));
    put('ktap.txt', toKtap(run, opts.ktap));
    put('junit.xml', toJUnitXml(run, { pcapPaths: pcaps }));
    put('kcidb.json', toKcidbJson(run, opts.kcidb));
    put(SUMMARY_SCHEMA_FILE, summaryJsonSchemaText());
    put('summary.json', toSummaryJson(run, { pcapPaths: pcaps }));
    if (opts.html ?? true) put('index.html', htmlOrNote(run, pcaps));
    fsyncDir(path.join(tmp, 'pcap'));
    fsyncDir(tmp);
    // rename(2) would silently replace an empty directory (or another run's, had it just been renamed
    // there and emptied): RENAME_NOREPLACE makes taking the name and moving in one atomic step.
    renameIntoPlace(tmp, final);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  fsyncDir(root);
  if (opts.updateLatest ?? true) pointLatest(root, run.runId);
  return { runId: run.runId, dir: final, files, pcaps, removedStale };
}
