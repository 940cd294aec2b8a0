// Every script of the packetdrill corpus in ../shared/packetdrill (GPL test data, read from there,
// never copied) either compiles into a case or is refused with a located "unsupported: …" error that
// names the construct — never a crash, never a syntax error. Prints the tally by construct.
import { expect } from 'chai';
import { existsSync } from 'fs';
import { loadScriptFile } from '../../../harness/packetdrill/load';
import { ScriptError } from '../../../lib/packetdrill';
import { CORPUS, corpusScripts } from './corpus';

describe('packetdrill corpus (../shared/packetdrill): compiles or is refused at file:line:column', () => {
  it('every script', () => {
    expect(existsSync(CORPUS), `${CORPUS} is missing: the corpus is laid next to the checkout (shared/)`).to.equal(true);
    const files = corpusScripts();
    expect(files.length).to.be.greaterThan(50);
    const why = new Map<string, number>();
    let ok = 0;
    for (const f of files) {
      try {
        const c = loadScriptFile(f);
        expect(c.steps.length, f).to.be.greaterThan(0);
        ok++;
      } catch (e) {
        expect(e, `${f}: ${String(e)}`).to.be.instanceOf(ScriptError);
        const se = e as ScriptError;
        expect(se.unsupported, `${f}: not an unsupported construct but: ${String(e)}`).to.equal(true);
        const issue = se.issues[0];
        expect(issue.file).to.equal(f);
        expect(issue.line, String(e)).to.be.greaterThan(0);
        expect(issue.column, String(e)).to.be.greaterThan(0);
        const construct = issue.message
          .replace(/^unsupported: /, '')
          .replace(/'[^']*'/g, "'…'")
          .replace(/[0-9]+/g, 'N');
        why.set(construct, (why.get(construct) ?? 0) + 1);
      }
    }
    const lines = [...why].sort((a, b) => b[1] - a[1]).map(([k, n]) => `      ${String(n).padStart(3)}  ${k}`);
    process.stdout.write(`      ${ok} of ${files.length} scripts compile; unsupported, by construct:\n${lines.join('\n')}\n`);
  });
});
