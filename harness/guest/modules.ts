// The kernel modules a guest loads before the run: the ones KCONFIG_NEEDS builds as =m, with their
// dependencies (read from each module's .modinfo "depends=" field, so no depmod is needed), in load
// order, decompressed on the host (busybox insmod takes plain ELF).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface ModuleFile {
  name: string;
  data: Buffer;
}

const EXT = /\.ko(\.xz|\.zst|\.gz)?$/;

/** "tcp-diag" and "tcp_diag" are one module. */
function canon(name: string): string {
  return name.replace(/-/g, '_');
}

/** Module name → file, for every module under a modules directory (or a build tree). */
export function indexModules(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, depth: number): void => {
    if (depth > 12) return;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'build' && e.name !== 'source' && !e.name.startsWith('.')) walk(p, depth + 1);
      } else if (EXT.test(e.name)) {
        out.set(canon(e.name.replace(EXT, '')), p);
      }
    }
  };
  walk(dir, 0);
  return out;
}

/** Modules built into the kernel (modules.builtin), which need no loading. */
export function builtinModules(dir: string): Set<string> {
  const f = path.join(dir, 'modules.builtin');
  if (!fs.existsSync(f)) return new Set();
  return new Set(
    fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => canon(path.basename(l).replace(EXT, ''))),
  );
}

export function readModule(file: string): Buffer {
  const raw = fs.readFileSync(file);
  if (file.endsWith('.gz')) return zlib.gunzipSync(raw);
  if (file.endsWith('.xz') || file.endsWith('.zst')) {
    const tool = file.endsWith('.xz') ? 'xz' : 'zstd';
    const r = spawnSync(tool, ['-dc', file], { maxBuffer: 256 << 20 });
    if (r.error || r.status !== 0)
      throw new Error(
        `${tool} -dc ${file} failed (${r.error?.message ?? r.stderr.toString().trim()}): apt-get install -y ${tool === 'xz' ? 'xz-utils' : 'zstd'}`,
      );
    return r.stdout;
  }
  return raw;
}

/** The "depends=" list of a module's .modinfo. */
export function moduleDepends(elf: Buffer): string[] {
  let at = 0;
  for (;;) {
    const i = elf.indexOf('depends=', at, 'latin1');
    if (i < 0) return [];
    at = i + 1;
    if (i > 0 && elf[i - 1] !== 0) continue;
    const end = elf.indexOf(0, i);
    const v = elf.toString('latin1', i + 'depends='.length, end < 0 ? undefined : end);
    return v
      .split(',')
      .map((s) => canon(s.trim()))
      .filter(Boolean);
  }
}

/**
 * The named modules and what they depend on, each after its dependencies. Names that are built in, or
 * that have no file here, are left out (the kernel's config check reports what is really missing).
 */
export function moduleLoadOrder(dir: string, wanted: readonly string[]): { modules: ModuleFile[]; absent: string[] } {
  const index = indexModules(dir);
  const builtin = builtinModules(dir);
  const done = new Set<string>();
  const modules: ModuleFile[] = [];
  const absent: string[] = [];
  const visit = (name: string, depth: number): void => {
    const n = canon(name);
    if (done.has(n) || depth > 32) return;
    done.add(n);
    if (builtin.has(n)) return;
    const file = index.get(n);
    if (!file) {
      absent.push(n);
      return;
    }
    const data = readModule(file);
    for (const d of moduleDepends(data)) visit(d, depth + 1);
    modules.push({ name: n, data });
  };
  for (const w of wanted) visit(w, 0);
  return { modules, absent };
}
