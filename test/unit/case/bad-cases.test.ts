import { expect } from 'chai';
import { readFileSync } from 'fs';
import { join } from 'path';
import { CaseError } from '../../../lib/case/errors';
import { loadCaseFile } from '../../../lib/case/load';

const DIR = join(__dirname, '..', '..', 'fixtures', 'bad-cases');

interface Want {
  line: number;
  column: number;
  /** the text found at line:column in the file */
  token: string;
  message: RegExp;
}

/** Every problem of each fixture: exact position, the token there, and what the message says. */
const CASES: Record<string, Want[]> = {
  'icmp-bad.yaml': [
    {
      line: 10,
      column: 38,
      token: 'frag_needed',
      message: /^'frag_needed' is not a code of ICMPv6 unreachable — .*type: too_big is each family's path-MTU message\)$/,
    },
    { line: 11, column: 38, token: 'host_unreachabel', message: /^'host_unreachabel' is not a code of ICMPv4 unreachable — did you mean 'host_unreachable'\?/ },
    { line: 12, column: 5, token: 'icmp:', message: /^a too_big message carries the path MTU — add mtu:/ },
    { line: 12, column: 35, token: '"@later"', message: /^label 'later' is defined later, at step 6 — quote can only refer to earlier packets$/ },
  ],
  'yaml-unclosed-bracket.yaml': [{ line: 7, column: 32, token: '[mss=1460', message: /^this '\[' is never closed — add the matching '\]'/ }],
  'unknown-key.yaml': [{ line: 8, column: 5, token: 'expcet:', message: /^unknown key 'expcet' in step 2 — did you mean 'expect'\?/ }],
  'wrong-type.yaml': [{ line: 5, column: 34, token: 'many', message: /^expected a whole number 0\.\.65535, got "many" — the listen\(\) backlog/ }],
  'unknown-option.yaml': [{ line: 7, column: 43, token: 'sakOK', message: /^unknown TCP option 'sakOK' — did you mean 'sackOK'\? Known options: mss=N/ }],
  'bad-flag.yaml': [{ line: 9, column: 14, token: 'SAX', message: /^unknown TCP flag letter 'X' in "SAX" — use scapy letters F S R P A U E C N/ }],
  'bad-duration.yaml': [{ line: 10, column: 15, token: '2 parsecs', message: /^unknown time unit 'parsecs' in "2 parsecs" — use ms or s/ }],
  'dut-isn-unbound.yaml': [
    { line: 8, column: 28, token: 'dut.isn+1', message: /^dut\.isn\+1 is used before dut\.isn is known on flow a — add an expect that sees the DUT's SYN-ACK/ },
  ],
  'default-ack-unbound.yaml': [
    {
      line: 8,
      column: 20,
      token: 'A }',
      message: /ack defaults to dut\.isn\+1, but dut\.isn is not known yet on flow a — add an expect .* or give ack: explicitly$/,
    },
  ],
  'accept-without-listen.yaml': [{ line: 8, column: 17, token: 'accept', message: /^accept needs a listener, but this case has setup: connect — / }],
  'unknown-label.yaml': [{ line: 10, column: 39, token: 'frist.seq', message: /^unknown label 'frist' — did you mean 'first'\?/ }],
  'duplicate-sport.yaml': [{ line: 8, column: 15, token: '40000', message: /^flows 'a' and 'b' both use sport 40000 — give each flow its own sport$/ }],
  'unquoted-star.yaml': [
    { line: 8, column: 31, token: '*', message: /^YAML syntax error: .* — a value starting with \* is a YAML alias; for "any value" quote it: "\*"$/ },
  ],
  'unquoted-kernel.yaml': [{ line: 4, column: 9, token: '>=6.1', message: /^YAML syntax error: .* — .*quote it, e\.g\. kernel: ">=6\.1"$/ }],
  'missing-keys.yaml': [
    { line: 1, column: 1, token: 'name', message: /^missing setup at the top level — write setup: \{ listen:/ },
    { line: 1, column: 1, token: 'name', message: /^missing steps at the top level — / },
  ],
  'several-errors.yaml': [
    { line: 1, column: 7, token: 'Several_Errors', message: /^name "Several_Errors" is not kebab-case — / },
    { line: 4, column: 5, token: '5', message: /^ip must be 4, 6 or both, got 5 — / },
    { line: 6, column: 19, token: '80800', message: /^80800 is above 65535 — use a TCP port/ },
    { line: 10, column: 11, token: '200', message: /^200 has no unit — write 200ms or 200s$/ },
    { line: 11, column: 17, token: 'acept', message: /^unknown call op "acept" — did you mean accept\?/ },
  ],
  'step-order.yaml': [
    { line: 7, column: 5, token: 'expect:', message: /^nothing before this expect makes the DUT send anything .* — add the send it answers before it$/ },
    { line: 9, column: 22, token: 'SA', message: /^a closed port never answers with SYN — / },
    { line: 9, column: 39, token: 'later.seq', message: /^label 'later' is defined later, at step 4 — same: can only refer to earlier packets$/ },
    { line: 11, column: 17, token: 'close', message: /^close: a closed: case has no socket to call — / },
    { line: 12, column: 15, token: 'acceptq', message: /^acceptq is a listener's queue, but this case has setup: closed — / },
  ],
};

function load(file: string): CaseError {
  try {
    loadCaseFile(join(DIR, file));
  } catch (e) {
    expect(e).to.be.instanceOf(CaseError);
    return e as CaseError;
  }
  throw new Error(`${file} loaded without errors`);
}

describe('case/bad cases: file:line:column pointing at the offending token', () => {
  for (const [file, wants] of Object.entries(CASES)) {
    it(file, () => {
      const err = load(file);
      const lines = readFileSync(join(DIR, file), 'utf8').split('\n');
      expect(err.issues.map((i) => `${i.line}:${i.column}`)).to.deep.equal(wants.map((w) => `${w.line}:${w.column}`));
      err.issues.forEach((iss, k) => {
        const w = wants[k];
        expect(iss.file).to.equal(join(DIR, file));
        expect(lines[iss.line - 1].slice(iss.column - 1)).to.satisfy((s: string) => s.startsWith(w.token), `token at ${iss.line}:${iss.column}`);
        expect(iss.message).to.match(w.message);
        expect(iss.message, 'says what to do after a dash').to.match(/ — \S/);
      });
      // The error itself is the first problem; toString gives every problem, one per line.
      expect([err.file, err.line, err.column, err.message]).to.deep.equal([
        err.issues[0].file,
        err.issues[0].line,
        err.issues[0].column,
        err.issues[0].message,
      ]);
      expect(String(err).split('\n')).to.deep.equal(err.issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.message}`));
    });
  }

  it('covers every fixture in the folder', () => {
    const { readdirSync } = require('fs') as typeof import('fs');
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.yaml'))
        .sort(),
    ).to.deep.equal(Object.keys(CASES).sort());
  });
});
