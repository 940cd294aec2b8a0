/**
 * How the client starts an agent: the command line, and the precompiled-JS cache that makes
 * spawn-to-ready fast (node + koffi only, no TypeScript compiler in the agent).
 *
 * mode 'compiled' (default): harness/sys/*.ts and harness/agent/*.ts are transpiled once (per
 * content hash) into $TMPDIR/synharness-agent-<hash>/ and the agent runs as
 *   unshare --net -- <node> <cache>/harness/agent/agent-main.js      (NODE_PATH += <repo>/node_modules)
 * mode 'ts-node': unshare --net -- <node> -r ts-node/register/transpile-only harness/agent/agent-main.ts
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export type LaunchMode = 'compiled' | 'ts-node';

export interface LaunchSpec {
  cmd: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Repository root (this file lives in <root>/harness/agent). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SRC_DIRS = ['harness/sys', 'harness/agent'];

function sourceFiles(): string[] {
  const files: string[] = [];
  for (const d of SRC_DIRS) {
    for (const f of fs.readdirSync(path.join(REPO_ROOT, d)).sort()) {
      if (f.endsWith('.ts') && !f.endsWith('.d.ts')) files.push(`${d}/${f}`);
    }
  }
  return files;
}

let cached: { key: string; entry: string } | null = null;

/** Transpile the agent sources into the cache (if not already there); returns agent-main.js. */
export function compiledEntry(): string {
  const files = sourceFiles();
  const h = createHash('sha256');
  h.update(process.version);
  let tsVersion = '?';
  try {
    tsVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  } catch { /* resolved below if needed */ }
  h.update(tsVersion);
  const contents = files.map((f) => fs.readFileSync(path.join(REPO_ROOT, f), 'utf8'));
  files.forEach((f, i) => { h.update(`\0${f}\0`); h.update(contents[i]); });
  const key = h.digest('hex').slice(0, 20);
  if (cached && cached.key === key && fs.existsSync(cached.entry)) return cached.entry;

  const uid = process.getuid ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), `synharness-agent-${uid}-${key}`);
  const entry = path.join(dir, 'harness', 'agent', 'agent-main.js');
  const marker = path.join(dir, '.complete');
  let ok = false;
  try {
    const st = fs.statSync(marker);
    ok = st.uid === uid && fs.statSync(dir).uid === uid;
  } catch { /* not there yet */ }
  if (!ok) {
    pruneStale(uid, dir);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const ts = require('typescript') as typeof import('typescript');
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    files.forEach((f, i) => {
      const out = ts.transpileModule(contents[i], {
        fileName: f,
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true,
          sourceMap: false,
        },
      });
      const dest = path.join(tmp, f.replace(/\.ts$/, '.js'));
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, out.outputText);
    });
    fs.writeFileSync(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    try {
      fs.renameSync(tmp, dir);
    } catch {
      // somebody else won the race (or a stale non-owned dir exists): use our private copy
      if (!fs.existsSync(marker) || fs.statSync(dir).uid !== uid) {
        cached = { key, entry: path.join(tmp, 'harness', 'agent', 'agent-main.js') };
        return cached.entry;
      }
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  cached = { key, entry };
  return entry;
}

/** Remove cache dirs of older source versions (untouched for a day). Best effort. */
function pruneStale(uid: number, keep: string): void {
  const prefix = `synharness-agent-${uid}-`;
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  try {
    for (const name of fs.readdirSync(os.tmpdir())) {
      if (!name.startsWith(prefix)) continue;
      const p = path.join(os.tmpdir(), name);
      if (p === keep) continue;
      try {
        const st = fs.statSync(p);
        if (st.uid === uid && st.mtimeMs < dayAgo) fs.rmSync(p, { recursive: true, force: true });
      } catch { /* raced with another pruner */ }
    }
  } catch { /* tmpdir unreadable */ }
}

export function launchSpec(mode: LaunchMode, nodePath: string, env: NodeJS.ProcessEnv): LaunchSpec {
  if (mode === 'ts-node') {
    return {
      cmd: 'unshare',
      args: ['--net', '--', nodePath, '-r', 'ts-node/register/transpile-only', 'harness/agent/agent-main.ts'],
      cwd: REPO_ROOT,
      env,
    };
  }
  const entry = compiledEntry();
  const nm = path.join(REPO_ROOT, 'node_modules');
  return {
    cmd: 'unshare',
    args: ['--net', '--', nodePath, entry],
    cwd: REPO_ROOT,
    env: { ...env, NODE_PATH: env.NODE_PATH ? `${env.NODE_PATH}${path.delimiter}${nm}` : nm },
  };
}
