// docs/handshake-spec.md is the one list of spec sections: lib/case/spec-sections.ts is generated from
// its headings, the case loader refuses a section it lacks (positioned, with the nearest ones), and
// every § the project cites — cases, campaigns, the model's comments, the corrections — is in it.
import { expect } from 'chai';
import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import { CaseError } from '../../../lib/case/errors';
import { discoverCaseFiles } from '../../../lib/case/discover';
import { loadCaseFiles } from '../../../lib/case/load';
import { parseCaseText } from '../../../lib/case/parse';
import { nearestSections, parseSpecHeadings, specSectionsModule } from '../../../lib/case/spec-doc';
import { SPEC_SECTIONS } from '../../../lib/case/spec-sections';

const ROOT = join(__dirname, '..', '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'handshake-spec.md'), 'utf8');

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p, ext) : ext.test(n) ? [p] : [];
  });
}

describe('case/spec sections', () => {
  it('lib/case/spec-sections.ts equals a fresh generation from the document (run scripts/gen-spec-sections.ts if not)', () => {
    expect(readFileSync(join(ROOT, 'lib', 'case', 'spec-sections.ts'), 'utf8')).to.equal(specSectionsModule(parseSpecHeadings(DOC)));
  });

  it('headings: numbered ones only, a number twice is refused with its line', () => {
    expect(parseSpecHeadings('# Title\n## 4. Passive\n### 4.7 Window\ntext §4.8\n#### 4.7.1. Deep\n').map((s) => [s.id, s.title, s.line])).to.deep.equal([
      ['§4', 'Passive', 2],
      ['§4.7', 'Window', 3],
      ['§4.7.1', 'Deep', 5],
    ]);
    expect(() => parseSpecHeadings('## 4. A\n### 4 B\n')).to.throw(/:2: section §4 is already the heading on line 1/);
  });

  it('nearest sections: siblings under the same parent first', () => {
    expect(nearestSections('§4.12', SPEC_SECTIONS.keys())).to.deep.equal(['§4.11', '§4.10', '§4.9']);
    expect(nearestSections('§12', SPEC_SECTIONS.keys())[0]).to.equal('§11');
    expect(nearestSections('§8.8', SPEC_SECTIONS.keys())[0]).to.equal('§8.7');
  });

  it('a case citing a section the document lacks is refused at file:line:column, with the nearest ones', () => {
    const text = 'name: t\ndescription: d\nspec: ["§4.7", "§4.12"]\nsetup: { closed: {} }\nsteps:\n  - send: { flags: S }\n';
    let err: unknown;
    try {
      parseCaseText(text, 'cases/t.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(CaseError);
    const issue = (err as CaseError).issues[0];
    expect([issue.line, issue.column]).to.deep.equal([3, 16]);
    expect(issue.message).to.equal(
      'spec section §4.12 is not in docs/handshake-spec.md — the nearest are §4.11, §4.10, §4.9; cite one of them, or add the section to the document (then run scripts/gen-spec-sections.ts)',
    );
    expect(String(err)).to.match(/^cases\/t\.yaml:3:16: spec section §4\.12 is not in docs\/handshake-spec\.md/);
  });

  it('RFC citations are not checked against the document', () => {
    const text = 'name: t\ndescription: d\nspec: ["RFC 9293 §3.10.7.2", "§11.7"]\nsetup: { closed: { port: 80 } }\nsteps:\n  - send: { flags: S }\n';
    expect(parseCaseText(text, 't.yaml').spec).to.deep.equal(['RFC 9293 §3.10.7.2', '§11.7']);
  });

  it('every shipped case loads', () => {
    const files = discoverCaseFiles([join(ROOT, 'cases')]);
    expect(files.length).to.be.above(250);
    expect(loadCaseFiles(files)).to.have.length(files.length);
  });

  it('every § cited in cases, campaigns, lib, harness, tests, benchmarks and docs is a section of the document', () => {
    const files = [
      ...filesUnder(join(ROOT, 'cases'), /\.(ya?ml|md)$/),
      ...filesUnder(join(ROOT, 'lib'), /\.ts$/),
      ...filesUnder(join(ROOT, 'harness'), /\.ts$/),
      ...filesUnder(join(ROOT, 'test'), /\.ts$/).filter((f) => f !== __filename),
      ...filesUnder(join(ROOT, 'bench'), /\.ts$/),
      join(ROOT, 'docs', 'model-corrections.md'),
      join(ROOT, 'README.md'),
    ];
    const missing: string[] = [];
    let cited = 0;
    for (const f of files) {
      readFileSync(f, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          for (const m of line.matchAll(/§(\d+(?:\.\d+)*)/g)) {
            // "RFC 3168 §6.1.1", "RFC 7323 §2.3": another document's sections.
            if (/RFC ?\d+,? ?$/.test(line.slice(Math.max(0, m.index! - 12), m.index))) continue;
            cited++;
            if (!SPEC_SECTIONS.has(`§${m[1]}`)) missing.push(`${relative(ROOT, f)}:${i + 1}: §${m[1]}`);
          }
        });
    }
    expect(cited).to.be.above(1000);
    expect(missing).to.deep.equal([]);
  });
});
