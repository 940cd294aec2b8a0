import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { discoverCaseFiles, globToRegExp, matchesFilter } from '../../../lib/case/discover';

describe('case/discover', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'synh-discover-'));
    for (const p of ['b/z.yaml', 'b/a.yml', 'a.yaml', 'notes.md', '.hidden/x.yaml', 'node_modules/y.yaml', 'c/d/deep-syn.YAML', 'c/script.pkt']) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), 'name: x\n');
    }
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('expands folders recursively into sorted *.yaml / *.yml / *.pkt (packetdrill), skipping hidden folders and node_modules', () => {
    expect(discoverCaseFiles([dir])).to.deep.equal(['a.yaml', 'b/a.yml', 'b/z.yaml', 'c/d/deep-syn.YAML', 'c/script.pkt'].map((p) => join(dir, p)));
  });

  it('takes files as given, drops duplicates, and sorts the whole list', () => {
    const out = discoverCaseFiles([join(dir, 'notes.md'), join(dir, 'b'), join(dir, 'b', 'z.yaml')]);
    expect(out).to.deep.equal([join(dir, 'b', 'a.yml'), join(dir, 'b', 'z.yaml'), join(dir, 'notes.md')]);
  });

  it('skips campaigns/ folders below an input (fuzz campaigns are another format), not a campaigns folder given itself', () => {
    const root = mkdtempSync(join(tmpdir(), 'synh-discover-campaigns-'));
    try {
      for (const p of ['campaigns/flood.yaml', 'passive-open/syn.yaml', 'examples/campaigns/x.yaml']) {
        mkdirSync(join(root, p, '..'), { recursive: true });
        writeFileSync(join(root, p), 'name: x\n');
      }
      expect(discoverCaseFiles([root])).to.deep.equal([join(root, 'passive-open/syn.yaml')]);
      expect(discoverCaseFiles([join(root, 'campaigns')])).to.deep.equal([join(root, 'campaigns/flood.yaml')]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('throws for a path that does not exist', () => {
    expect(() => discoverCaseFiles([join(dir, 'nope')])).to.throw(/no such file or directory: .*nope — give a case file or a folder of them/);
  });

  it('--filter: substrings and globs, any of several', () => {
    expect(discoverCaseFiles([dir], { filter: 'syn' })).to.deep.equal([join(dir, 'c/d/deep-syn.YAML')]);
    expect(discoverCaseFiles([dir], { filter: 'b/*' })).to.deep.equal([join(dir, 'b/a.yml'), join(dir, 'b/z.yaml')]);
    expect(discoverCaseFiles([dir], { filter: ['a.y', 'z*'] })).to.deep.equal([join(dir, 'a.yaml'), join(dir, 'b/a.yml'), join(dir, 'b/z.yaml')]);
    expect(discoverCaseFiles([dir], { filter: 'c/**/*.YAML' })).to.deep.equal([join(dir, 'c/d/deep-syn.YAML')]);
  });

  it('matchesFilter works on paths and case names', () => {
    expect(matchesFilter('cases/examples/tfo-cookie.yaml', 'TFO')).to.equal(true);
    expect(matchesFilter('cases/examples/tfo-cookie.yaml', 'tfo-*')).to.equal(true);
    expect(matchesFilter('cases/examples/tfo-cookie.yaml', 'examples/*.yaml')).to.equal(true);
    expect(matchesFilter('cases/examples/tfo-cookie.yaml', 'cases/*.yaml')).to.equal(false);
    expect(matchesFilter('cases/examples/tfo-cookie.yaml', 'cases/**')).to.equal(true);
    expect(matchesFilter('syncookie-on-overflow', 'sync*-on-?verflow')).to.equal(true);
    expect(matchesFilter('ecn-synack', '[de]cn-*')).to.equal(true);
    expect(globToRegExp('**/x.yaml').test('x.yaml')).to.equal(true);
  });
});
