// Child processes (runner workers, DUT agents) start from precompiled JavaScript, not through ts-node
// (2.8 s and 4 s of CPU per process on this machine; the compiled start is ~0.1–0.3 s). One mirror of
// the whole of lib/ and harness/, shared by every kind of child:
//
//   $TMPDIR/synharness-runner-<uid>-<hash>/
//     lib/**.js, harness/**.js     transpiled (CommonJS, ES2022), one file each (ts.transpileModule)
//     lib/**.ts, harness/**.ts     the sources too (stack traces and tools that read them)
//     node_modules -> <repo>/node_modules
//     .repo-root                   the checkout's path (REPO_ROOT below, also when run from the mirror)
//
// The hash covers the checkout's path, every source file, the Node version and the TypeScript
// version, so an edit (or another checkout) gives a new mirror; mirrors untouched for a day are
// removed. Built atomically (rename of a complete temporary directory), so concurrent runs never see
// half a mirror.
//
// Plain JavaScript on purpose (types in compiled-mirror.d.ts): bin/synh loads it before anything can be
// compiled, so the CLI itself never needs ts-node to start.
'use strict';
const { createHash } = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const ROOT_FILE = '.repo-root';
/** The checkout (also when this module runs from a mirror, which records where it came from). */
const REPO_ROOT = (() => {
  const here = path.resolve(__dirname, '..');
  try {
    return fs.readFileSync(path.join(here, ROOT_FILE), 'utf8').trim() || here;
  } catch {
    return here;
  }
})();
const SRC_DIRS = ['lib', 'harness'];
const PREFIX = 'synharness-runner-';
function sources() {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(REPO_ROOT, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if ((e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) || e.name.endsWith('.js')) out.push(r);
    }
  };
  for (const d of SRC_DIRS) walk(d);
  return out;
}
let cached;
/**
 * The mirror directory, built if needed: a runner worker runs as <mirror>/harness/runner/worker.js, an
 * agent as <mirror>/harness/agent/agent-main.js. Hashed once per process.
 */
function compiledMirror() {
  if (cached && fs.existsSync(path.join(cached.dir, '.complete'))) return cached.dir;
  // Running from a mirror already (a runner worker): children use the same one, so a worker and its
  // agent run the same code, and no worker re-hashes the sources (or rebuilds, if they were edited
  // since the run began).
  const own = path.resolve(__dirname, '..');
  if (own !== REPO_ROOT && fs.existsSync(path.join(own, '.complete')) && fs.existsSync(path.join(own, ROOT_FILE))) {
    cached = { key: 'self', dir: own };
    return own;
  }
  const files = sources();
  const contents = files.map((f) => fs.readFileSync(path.join(REPO_ROOT, f)));
  const h = createHash('sha256');
  // The checkout is part of the key: a mirror records its checkout (.repo-root: where the CLI finds
  // cases/, agents their working directory) and links that checkout's node_modules, so two
  // checkouts with the same sources (a clean clone next to a working tree) must not share one.
  h.update(REPO_ROOT);
  h.update(process.version);
  let tsVersion = '?';
  try {
    tsVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  } catch {
    /* a missing compiler fails below, when it is needed */
  }
  h.update(tsVersion);
  files.forEach((f, i) => {
    h.update(`\0${f}\0`);
    h.update(contents[i]);
  });
  const key = h.digest('hex').slice(0, 20);
  if (cached?.key === key && fs.existsSync(path.join(cached.dir, '.complete'))) return cached.dir;
  const uid = process.getuid ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), `${PREFIX}${uid}-${key}`);
  if (!isComplete(dir, uid)) build(dir, uid, files, contents);
  cached = { key, dir };
  return dir;
}
function isComplete(dir, uid) {
  try {
    return fs.statSync(path.join(dir, '.complete')).uid === uid && fs.statSync(dir).uid === uid;
  } catch {
    return false;
  }
}
function build(dir, uid, files, contents) {
  prune(uid, dir);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require('typescript');
  // The builder's pid in the name: a build killed half-way is removed by the next synh's start-up
  // sweep (harness/sys/stale-temps.ts) once this process is gone.
  const tmp = fs.mkdtempSync(`${dir}.tmp-${process.pid}-`);
  try {
    files.forEach((f, i) => {
      const dest = path.join(tmp, f);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (f.endsWith('.js')) {
        fs.writeFileSync(dest, contents[i]);
        return;
      }
      const out = ts.transpileModule(contents[i].toString('utf8'), {
        fileName: f,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, resolveJsonModule: true, sourceMap: false },
      });
      fs.writeFileSync(dest.replace(/\.ts$/, '.js'), out.outputText);
      fs.writeFileSync(dest, contents[i]);
    });
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(tmp, 'node_modules'));
    fs.writeFileSync(path.join(tmp, ROOT_FILE), `${REPO_ROOT}\n`);
    fs.writeFileSync(path.join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    // Another process finished the same mirror first: use it.
    if (isComplete(dir, uid)) return;
    throw e;
  }
}
/** Removes mirrors of older sources untouched for a day. Best effort. */
function prune(uid, keep) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  try {
    for (const name of fs.readdirSync(os.tmpdir())) {
      if (!name.startsWith(`${PREFIX}${uid}-`)) continue;
      const p = path.join(os.tmpdir(), name);
      if (p === keep) continue;
      try {
        const st = fs.statSync(p);
        if (st.uid === uid && st.mtimeMs < dayAgo) fs.rmSync(p, { recursive: true, force: true });
      } catch {
        /* raced with another pruner */
      }
    }
  } catch {
    /* tmpdir unreadable */
  }
}

module.exports = { REPO_ROOT, compiledMirror };
