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

/** Where a module's entry goes: one file per module path (the mirror's paths name their content). */
function entryFor(dir: string, filename: string): string {
  return path.join(dir, createHash('sha1').update(filename).digest('hex').slice(0, 24));
}

let installed = false;

/** Compile the modules under `root` (a complete mirror) with code caches kept in root/CODE_CACHE_DIR. */
export function installCodeCache(root: string): void {
  if (installed) return;
  installed = true;
  const dir = path.join(root, CODE_CACHE_DIR);
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
      fn = vm.compileFunction(content, ['exports', 'require', 'module', '__filename', '__dirname'], {
        filename,
        ...(cachedData ? { cachedData } : {}),
      });
    } catch {
      // (a syntax error: let Node report it its own way)
      return original.call(this, content, filename);
    }
    if (!cachedData || fn.cachedDataRejected) {
      try {
        const data = vm.compileFunction(content, ['exports', 'require', 'module', '__filename', '__dirname'], { filename, produceCachedData: true }) as {
          cachedData?: Buffer;
        };
        if (data.cachedData) {
          fs.mkdirSync(dir, { recursive: true });
          const tmp = `${entry}.${process.pid}.tmp`;
          fs.writeFileSync(tmp, data.cachedData);
          fs.renameSync(tmp, entry);
        }
      } catch {
        /* a read-only mirror only costs time */
      }
    }
    const mod = this;
    const req = ((id: string) => mod.require(id)) as NodeRequire;
    req.resolve = ((request: string, options?: { paths?: string[] }) => M._resolveFilename(request, mod, false, options)) as NodeRequire['resolve'];
    req.main = require.main;
    req.cache = M._cache as NodeRequire['cache'];
    req.extensions = M._extensions as NodeRequire['extensions'];
    return fn.call(mod.exports, mod.exports, req, mod, filename, path.dirname(filename));
  };
}

/** The entries made so far (for a guest run's archive). */
export function codeCacheEntries(root: string): string[] {
  const dir = path.join(root, CODE_CACHE_DIR);
  try {
    return fs
      .readdirSync(dir)
      .filter((n) => !n.endsWith('.tmp'))
      .map((n) => path.join(dir, n));
  } catch {
    return [];
  }
}
