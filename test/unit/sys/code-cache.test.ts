// V8 code caches for the mirror's modules (harness/sys/code-cache.ts): modules under the root compile
// with an entry made the first time, behave as plain modules (require, require.resolve, __dirname,
// module.exports), and a broken module still fails Node's own way.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { CODE_CACHE_DIR, codeCacheDir, codeCacheEntries, codeCacheWarm, installCodeCache } from '../../../harness/sys/code-cache';

describe('code cache for the compiled mirror', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-cc-test-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a module compiles with an entry made on first load, and loads the same from it', () => {
    fs.writeFileSync(path.join(root, 'b.js'), 'module.exports = 41;\n');
    fs.writeFileSync(
      path.join(root, 'a.js'),
      "const b = require('./b'); exports.value = b + 1; exports.dir = __dirname; exports.file = __filename; exports.resolved = require.resolve('./b');\n",
    );
    installCodeCache(root);
    const file = path.join(root, 'a.js');
    const first = require(file);
    expect(first).to.deep.equal({ value: 42, dir: root, file, resolved: path.join(root, 'b.js') });
    expect(codeCacheEntries(root)).to.have.length(2);
    const stamp = codeCacheEntries(root).map((e) => fs.statSync(e).mtimeMs);
    delete require.cache[file];
    delete require.cache[path.join(root, 'b.js')];
    expect(require(file)).to.deep.equal(first);
    // accepted by V8: not written again
    expect(codeCacheEntries(root).map((e) => fs.statSync(e).mtimeMs)).to.deep.equal(stamp);
    expect(fs.existsSync(path.join(root, CODE_CACHE_DIR))).to.equal(true);
  });

  it('a corrupt entry is rejected by V8 and replaced; a syntax error is still a SyntaxError naming the file', () => {
    const file = path.join(root, 'c.js');
    fs.writeFileSync(file, 'module.exports = "c";\n');
    require(file);
    for (const e of codeCacheEntries(root)) fs.writeFileSync(e, Buffer.from('not a code cache'));
    delete require.cache[file];
    expect(require(file)).to.equal('c');
    expect(codeCacheEntries(root).some((e) => fs.readFileSync(e).toString() !== 'not a code cache')).to.equal(true);
    const bad = path.join(root, 'bad.js');
    fs.writeFileSync(bad, 'module.exports = ;\n');
    expect(() => require(bad)).to.throw(SyntaxError);
  });
});

describe('code cache under other V8 flags (a TCG guest: v8-flags.ts)', function () {
  this.timeout(30_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-cc-flags-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const flags = '--no-sparkplug --no-maglev --no-opt';
  const cc = path.resolve(__dirname, '../../../harness/sys/code-cache');
  const vf = path.resolve(__dirname, '../../../harness/sys/v8-flags');
  /** A node process with SYNH_V8_FLAGS=flags applied (through ts-node), running `body`. */
  const child = (body: string, env: Record<string, string> = { SYNH_V8_FLAGS: flags }): string => {
    const r = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-e', `require(${JSON.stringify(vf)}).applyV8Flags(); const cc = require(${JSON.stringify(cc)}); ${body}`],
      {
        env: { ...process.env, SYNH_V8_FLAGS: '', ...env },
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout;
  };

  it('warmCodeCache makes an entry for every module, apart from the default entries, and a process with those flags takes them as they are', () => {
    fs.mkdirSync(path.join(root, 'lib'));
    fs.writeFileSync(path.join(root, 'lib', 'b.js'), 'module.exports = 41;\n');
    fs.writeFileSync(path.join(root, 'a.js'), "module.exports = require('./lib/b') + 1;\n");
    fs.mkdirSync(path.join(root, 'node_modules'));
    fs.writeFileSync(path.join(root, 'node_modules', 'x.js'), 'module.exports = 0;\n');
    expect(codeCacheWarm(root, flags)).to.equal(false);
    child(`process.stdout.write(String(cc.warmCodeCache(${JSON.stringify(root)}, ${JSON.stringify(flags)})))`);
    expect(codeCacheWarm(root, flags)).to.equal(true);
    const entries = codeCacheEntries(root, flags);
    expect(entries).to.have.length(2); // a.js and lib/b.js; node_modules is not the mirror's
    expect(path.dirname(entries[0])).to.equal(codeCacheDir(root, flags)).and.not.equal(codeCacheDir(root));
    expect(codeCacheEntries(root)).to.deep.equal([]);
    const stamp = entries.map((e) => fs.statSync(e).mtimeMs);
    // loaded under the same flags: accepted, so not written again
    expect(
      child(
        `cc.installCodeCache(${JSON.stringify(root)}, ${JSON.stringify(flags)}); process.stdout.write(String(require(${JSON.stringify(path.join(root, 'a.js'))})))`,
      ),
    ).to.equal('42');
    expect(codeCacheEntries(root, flags).map((e) => fs.statSync(e).mtimeMs)).to.deep.equal(stamp);
  });

  it('the same entry, for the same source, is rejected by a process with the default V8 flags (why they live apart)', () => {
    const file = path.join(root, 'a.js');
    const entry = path.join(codeCacheDir(root, flags), createHash('sha1').update(file).digest('hex').slice(0, 24));
    const compile = `const vm = require('vm'); const fs = require('fs');
      const f = vm.compileFunction(fs.readFileSync(process.env.FILE, 'utf8'), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: process.env.FILE, cachedData: fs.readFileSync(process.env.ENTRY) });
      process.stdout.write(String(f.cachedDataRejected));`;
    expect(child(compile, { SYNH_V8_FLAGS: flags, FILE: file, ENTRY: entry })).to.equal('false');
    expect(child(compile, { FILE: file, ENTRY: entry })).to.equal('true');
  });
});
