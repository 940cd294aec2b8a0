import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { CaseError, discoverCaseFiles, loadCaseFile, type CaseFile } from '../../../lib/case';
import { cachedEntries, decodeCase, encodeCase, loadCasesCached, parseCached } from '../../../harness/runner/case-cache';

const loadCaseCached = (f: string): CaseFile => loadCasesCached([f])[0];

describe('runner/case-cache: parsed cases on disk', function () {
  this.timeout(60000);
  it('every case of the suite survives the round trip exactly (bytes, present-but-undefined fields)', () => {
    const files = discoverCaseFiles(['cases']);
    expect(files.length).to.be.greaterThan(150);
    for (const f of files) {
      const c = loadCaseFile(f);
      const back = decodeCase(encodeCase(c));
      expect(isDeepStrictEqual(back, c), f).to.equal(true);
    }
  });

  it('a cached parse equals a fresh one, a changed text is parsed afresh, a broken file still gives its errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-cache-test-'));
    try {
      const f = path.join(dir, 'c.yaml');
      const text = fs.readFileSync('cases/examples/closed-port-rst.yaml', 'utf8');
      fs.writeFileSync(f, text);
      const first = loadCaseCached(f);
      const second = loadCaseCached(f);
      expect(isDeepStrictEqual(second, first)).to.equal(true);
      expect(isDeepStrictEqual(second, loadCaseFile(f))).to.equal(true);
      const renamed = parseCached(text.replace(/^name: .*$/m, 'name: another-name'), f);
      expect(renamed.name).to.equal('another-name');
      fs.writeFileSync(f, `${text}\n  - bogus: 1\n`);
      expect(() => loadCaseCached(f)).to.throw(CaseError, /bogus/);
      expect(() => loadCaseCached(path.join(dir, 'missing.yaml'))).to.throw(CaseError, /cannot read the file/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the entries of the files it loaded (what a guest's run archive carries), none for a file it could not cache", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-cache-test-'));
    try {
      const good = path.join(dir, 'good.yaml');
      const bad = path.join(dir, 'bad.yaml');
      fs.writeFileSync(good, fs.readFileSync('cases/examples/closed-port-rst.yaml', 'utf8'));
      fs.writeFileSync(bad, 'name: bad\nsteps: 3\n');
      loadCasesCached([good]);
      expect(() => loadCasesCached([bad])).to.throw(CaseError);
      const entries = cachedEntries([good, bad]);
      expect(entries).to.have.length(1);
      expect(decodeCase(fs.readFileSync(entries[0], 'utf8')).name).to.equal(loadCaseFile(good).name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
