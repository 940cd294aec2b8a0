// V8 code caches for the mirror's modules (harness/sys/code-cache.ts): modules under the root compile
// with an entry made the first time, behave as plain modules (require, require.resolve, __dirname,
// module.exports), and a broken module still fails Node's own way.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CODE_CACHE_DIR, codeCacheEntries, installCodeCache } from '../../../harness/sys/code-cache';

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
