// Parsed case files, cached on disk. Parsing is the YAML library's lexer, parser and composer plus the
// schema check — ~3 ms a file, over a second for the suite in the coordinator before the first case
// can start (workers parse nothing: each job carries its parsed case, see protocol.ts). A cached entry is the CaseFile as JSON, keyed by the file's
// path and text and by the code that parsed it: the cache lives inside the compiled mirror
// (harness/compiled-mirror.js), whose name is a hash of every source of lib/ and harness/, so any
// change to the parser starts an empty cache, and old caches go with their mirrors.
//
// Only what parses cleanly is cached: a file with problems is parsed every time, so its errors
// (file:line:column) always come from the parser itself.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { CaseFile } from '../../lib/case';
import { loadCaseFilesWith, readCase } from '../../lib/case/collect';
import { compiledMirror } from '../compiled-mirror';
import { compileScriptText, isScriptPath, scriptOptionsFromEnv } from '../packetdrill/load';

/** The cache's directory inside the compiled mirror (left out of a guest's base image: guest/image.ts). */
export const CASE_CACHE_DIR = '.case-cache';

let dir: string | undefined | null;

function cacheDir(): string | undefined {
  if (dir === undefined) {
    try {
      dir = path.join(compiledMirror(), CASE_CACHE_DIR);
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      dir = null; // no mirror (no TypeScript compiler?): parse every time
    }
  }
  return dir ?? undefined;
}

/** JSON for a CaseFile: Uint8Arrays as { $u8: hex }, present-but-undefined properties as { $undef: 1 }. */
export function encodeCase(c: CaseFile): string {
  return JSON.stringify(c, function (this: Record<string, unknown>, k: string, v: unknown) {
    const raw = k === '' ? v : this[k];
    if (raw instanceof Uint8Array) return { $u8: Buffer.from(raw).toString('hex') };
    if (raw === undefined && k !== '' && Object.prototype.hasOwnProperty.call(this, k)) return { $undef: 1 };
    return v;
  });
}

export function decodeCase(text: string): CaseFile {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$u8 === 'string' && Object.keys(o).length === 1) return Uint8Array.from(Buffer.from(o.$u8, 'hex'));
      if (o.$undef === 1 && Object.keys(o).length === 1) return undefined;
      for (const k of Object.keys(o)) o[k] = walk(o[k]);
    }
    return v;
  };
  return walk(JSON.parse(text)) as CaseFile;
}

/**
 * The parser (the YAML library and the schema), loaded on the first miss: a run whose cases are all
 * cached — a guest's, whose cache the host filled (cachedEntries) — never loads it (~1 s of CPU under
 * TCG).
 */
function parseCaseText(text: string, file: string): CaseFile {
  return (require('../../lib/case/parse') as typeof import('../../lib/case/parse')).parseCaseText(text, file);
}

function entryPath(d: string, file: string, text: string): string {
  const key = createHash('sha256').update(file).update('\0').update(text).digest('hex').slice(0, 32);
  return path.join(d, `${key}.json`);
}

/** parseCaseText through the cache. */
export function parseCached(text: string, file: string): CaseFile {
  // packetdrill scripts compile in well under a millisecond, and their result depends on the files
  // they include and on the run's options: never cached
  if (isScriptPath(file)) return compileScriptText(text, file, scriptOptionsFromEnv());
  const d = cacheDir();
  if (!d) return parseCaseText(text, file);
  const entry = entryPath(d, file, text);
  try {
    return decodeCase(fs.readFileSync(entry, 'utf8'));
  } catch {
    /* not cached yet (or unreadable): parse */
  }
  const c = parseCaseText(text, file);
  try {
    const tmp = `${entry}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, encodeCase(c));
    fs.renameSync(tmp, entry);
  } catch {
    /* a read-only cache only costs time */
  }
  return c;
}

/** loadCaseFiles (every problem of every file, names unique) through the cache. */
export function loadCasesCached(files: readonly string[]): CaseFile[] {
  return loadCaseFilesWith(files, parseCached);
}

/**
 * The cache entries of these case files, after loading them (loadCasesCached): what a guest needs so
 * that its run parses nothing (harness/cli/kernels.ts packs them into the guest's run archive).
 */
export function cachedEntries(files: readonly string[]): string[] {
  const d = cacheDir();
  if (!d) return [];
  return files
    .filter((f) => !isScriptPath(f))
    .map((f) => entryPath(d, f, readCase(f)))
    .filter((e) => fs.existsSync(e));
}
