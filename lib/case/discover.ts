// Expanding command-line paths into case files, and --filter. Reads directories; nothing else.
import { readdirSync, realpathSync, statSync } from 'fs';
import { basename, join, relative } from 'path';

export interface DiscoverOptions {
  /** keep files matching any of these (see matchesFilter); none = keep all */
  filter?: string | readonly string[];
}

const CASE_EXT = /\.(ya?ml|pkt)$/i;
/** Folders below an input that hold YAML in other formats: fuzz campaigns (cases/campaigns/README.md). */
const OTHER_FORMAT_DIRS = new Set(['campaigns']);

/**
 * Files and folders → case files: a folder contributes every *.yaml / *.yml / *.pkt (packetdrill) below it (recursively;
 * names starting with '.', node_modules and campaigns/ folders — fuzz campaigns, another format —
 * are skipped), a file is taken as it is. The result is
 * sorted, without duplicates, with paths joined onto the inputs as given. Filters see the path
 * relative to the folder given (the file name for a file given directly). Throws an Error for an
 * input that does not exist.
 */
export function discoverCaseFiles(inputs: readonly string[], opts: DiscoverOptions = {}): string[] {
  const found = new Map<string, { path: string; rel: string }>(); // by realpath
  const seenDirs = new Set<string>();
  const walk = (root: string, dir: string) => {
    const real = realpathSync(dir);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    for (const name of readdirSync(dir)) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue; // dangling symlink
      }
      if (st.isDirectory()) {
        if (!OTHER_FORMAT_DIRS.has(name)) walk(root, p);
      } else if (st.isFile() && CASE_EXT.test(name)) add(p, relative(root, p));
    }
  };
  const add = (p: string, rel: string) => {
    const real = realpathSync(p);
    if (!found.has(real)) found.set(real, { path: p, rel });
  };
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      throw new Error(`no such file or directory: ${input} — give a case file or a folder of them`);
    }
    if (st.isDirectory()) walk(input, input);
    else add(input, basename(input));
  }
  const filters = opts.filter === undefined ? [] : typeof opts.filter === 'string' ? [opts.filter] : [...opts.filter];
  return [...found.values()]
    .filter((f) => filters.length === 0 || filters.some((flt) => matchesFilter(f.rel, flt)))
    .map((f) => f.path)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * --filter: with glob characters (* ? [ ]) a glob matched against the whole path, any trailing part
 * of it starting after a '/', or the file name with or without extension (`*` stays within one path
 * segment, `**` crosses them); otherwise a case-insensitive substring of the path. Works as well on
 * case names (a name has no '/').
 */
export function matchesFilter(path: string, filter: string): boolean {
  const p = path.replace(/\\/g, '/');
  if (!/[*?[\]]/.test(filter)) return p.toLowerCase().includes(filter.toLowerCase());
  const re = globToRegExp(filter.replace(/\\/g, '/'));
  const base = basename(p);
  if (re.test(p) || re.test(base) || re.test(base.replace(CASE_EXT, ''))) return true;
  for (let i = p.indexOf('/'); i !== -1; i = p.indexOf('/', i + 1)) if (re.test(p.slice(i + 1))) return true;
  return false;
}

export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++; // "**/" also matches no folder at all
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else {
      re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}
