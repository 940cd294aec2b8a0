// V8 code caches for the modules of the compiled mirror (harness/compiled-mirror.js): compiling the
// top level of ~140 modules costs a runner worker ~3.4 s of CPU in a TCG guest (CPU profile of a
// debian:6.12 suite run: wrapSafe), the coordinator and each agent as much again. A process started
// from the mirror installs this hook first (code-cache-install.ts, the first import of each entry);
// every module of the mirror is then compiled with the cached data V8 made for it the first time
// (vm.compileFunction's cachedData), on this machine or — the entries go into each guest run's
// archive (cli/kernels.ts) — on the host that booted the guest, which runs the same node binary. V8
// checks each entry (its version, flags and the source); one it rejects is compiled as usual and
// written again. Entries live in the mirror (whose name already hashes every source), in
// CODE_CACHE_DIR, left out of the guest's base image like the case cache. Node 22's
// module.enableCompileCache would do the same; this project runs on Node 20.
//
// V8 rejects an entry made under other V8 flags, so a process run with SYNH_V8_FLAGS (v8-flags.ts: a
// TCG guest's interpreter-only V8) keeps its entries in a directory of their own, which
// warmCodeCache fills on the host before such a guest boots.
import { createHash } from 'crypto';
import * as fs from 'fs';
import Module = require('module');
import * as path from 'path';
import * as vm from 'vm';

export const CODE_CACHE_DIR = '.code-cache';

interface InternalModule {
  _compile(content: string, filename: string): unknown;
  require(id: string): unknown;
  exports: unknown;
  paths: string[];
}
interface ModuleStatics {
  prototype: InternalModule;
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _cache: unknown;
  _extensions: unknown;
  wrapper?: unknown;
}

/** The directory of the entries made under `v8Flags` ('' = V8's defaults). */
export function codeCacheDir(root: string, v8Flags = ''): string {
  return path.join(root, v8Flags ? `${CODE_CACHE_DIR}-${createHash('sha1').update(v8Flags).digest('hex').slice(0, 12)}` : CODE_CACHE_DIR);
}

/** A directory of code cache entries (any flags), by its name. */
export function isCodeCacheDirName(name: string): boolean {
  return name === CODE_CACHE_DIR || name.startsWith(`${CODE_CACHE_DIR}-`);
}

const WRAPPER_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname'];

/** Compiles a module's source afresh and writes the cached data V8 makes of it (a read-only mirror only costs time). */
function writeEntry(entry: string, content: string, filename: string): void {
  try {
    const data = vm.compileFunction(content, WRAPPER_PARAMS, { filename, produceCachedData: true }) as { cachedData?: Buffer };
    if (data.cachedData) {
      fs.mkdirSync(path.dirname(entry), { recursive: true });
      const tmp = `${entry}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, data.cachedData);
      fs.renameSync(tmp, entry);
    }
  } catch {
    /* a syntax error (Node reports it when the module loads) or a read-only mirror */
  }
}

/** Where a module's entry goes: one file per module path (the mirror's paths name their content). */
function entryFor(dir: string, filename: string): string {
  return path.join(dir, createHash('sha1').update(filename).digest('hex').slice(0, 24));
}

let installed = false;

/** Compile the modules under `root` (a complete mirror) with code caches kept in codeCacheDir(root, v8Flags). */
export function installCodeCache(root: string, v8Flags = ''): void {
  if (installed) return;
  installed = true;
  const dir = codeCacheDir(root, v8Flags);
  const M = Module as unknown as ModuleStatics;
  const original = M.prototype._compile;
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  M.prototype._compile = function (this: InternalModule, content: string, filename: string): unknown {
    if (!filename.startsWith(prefix) || !filename.endsWith('.js') || filename.includes(`${path.sep}node_modules${path.sep}`))
      return original.call(this, content, filename);
    const entry = entryFor(dir, filename);
    let cachedData: Buffer | undefined;
    try {
      cachedData = fs.readFileSync(entry);
    } catch {
      /* none yet */
    }
    let fn: ReturnType<typeof vm.compileFunction> & { cachedDataRejected?: boolean };
    try {
      fn = vm.compileFunction(content, WRAPPER_PARAMS, {
        filename,
        ...(cachedData ? { cachedData } : {}),
      });
    } catch {
      // (a syntax error: let Node report it its own way)
      return original.call(this, content, filename);
    }
    if (!cachedData || fn.cachedDataRejected) writeEntry(entry, content, filename);
    const mod = this;
    const req = ((id: string) => mod.require(id)) as NodeRequire;
    req.resolve = ((request: string, options?: { paths?: string[] }) => M._resolveFilename(request, mod, false, options)) as NodeRequire['resolve'];
    req.main = require.main;
    req.cache = M._cache as NodeRequire['cache'];
    req.extensions = M._extensions as NodeRequire['extensions'];
    return fn.call(mod.exports, mod.exports, req, mod, filename, path.dirname(filename));
  };
}

/** The entries made so far under `v8Flags` (for a guest run's archive). */
export function codeCacheEntries(root: string, v8Flags = ''): string[] {
  const dir = codeCacheDir(root, v8Flags);
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => !n.endsWith('.tmp') && !n.startsWith('.'))
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}

const WARM_MARK = '.warm';

/** The module sources of a mirror: its .js files outside node_modules and dot-directories. */
function mirrorModules(root: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() && e.name.endsWith('.js')) out.push(p);
    }
  };
  visit(root);
  return out.sort();
}

/**
 * Makes an entry for every module of the mirror that has none, under this process's V8 flags (run it
 * in a process started with them: code-cache-warm.ts), then marks the directory complete.
 */
export function warmCodeCache(root: string, v8Flags: string): number {
  const dir = codeCacheDir(root, v8Flags);
  let made = 0;
  for (const filename of mirrorModules(root)) {
    const entry = entryFor(dir, filename);
    if (fs.existsSync(entry)) continue;
    writeEntry(entry, fs.readFileSync(filename, 'utf8'), filename);
    made++;
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, WARM_MARK), '');
  return made;
}

/** Whether warmCodeCache has completed for these flags. */
export function codeCacheWarm(root: string, v8Flags: string): boolean {
  return fs.existsSync(path.join(codeCacheDir(root, v8Flags), WARM_MARK));
}
