// packetdrill scripts on the real kernel: `synh run dir/` with .pkt and .yaml side by side, the
// packetdrill-style failure line, trailing packets (reported; --strict fails them).
import { expect } from 'chai';
import { spawnSync } from 'child_process';

const RUN = 'test/fixtures/packetdrill/run';

interface Summary {
  totals: { total: number; pass: number; fail: number; error: number };
  cases: Array<{ id: string; file: string; status: string; message?: string; unexpected: number; steps: Array<{ ok: boolean; script?: string }> }>;
}

function synh(args: string[]): { code: number; summary: Summary; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/synh', 'run', '--no-write', '--json', ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  let summary: Summary;
  try {
    summary = JSON.parse(r.stdout) as Summary;
  } catch {
    throw new Error(`synh run ${args.join(' ')}: no JSON (exit ${r.status})\n${r.stderr}`);
  }
  return { code: r.status ?? -1, summary, stdout: r.stdout, stderr: r.stderr };
}

describe('packetdrill scripts: synh run on the real kernel', function () {
  this.timeout(120_000);

  it('runs a folder of .pkt and .yaml side by side; a wrong script fails with script.pkt:LINE: expected: … actual: …', () => {
    const { code, summary, stderr } = synh([RUN]);
    const status = Object.fromEntries(summary.cases.map((c) => [c.id.replace(/#.*@/, '@'), c.status]));
    expect(status).to.deep.equal({
      [`${RUN}/handshake-model.yaml@ipv4`]: 'pass', [`${RUN}/handshake-model.yaml@ipv6`]: 'pass',
      [`${RUN}/handshake.pkt@ipv4`]: 'pass', [`${RUN}/handshake.pkt@ipv6`]: 'pass',
      [`${RUN}/wrong-mss.pkt@ipv4`]: 'fail', [`${RUN}/wrong-mss.pkt@ipv6`]: 'fail',
    });
    expect(code).to.equal(1);
    const wrong = summary.cases.find((c) => c.file.endsWith('wrong-mss.pkt'))!;
    const line = wrong.steps.find((s) => !s.ok)!.script;
    expect(line).to.match(/^test\/fixtures\/packetdrill\/run\/wrong-mss\.pkt:6: expected: \+0 +> S\. 0:0\(0\) ack 1 <mss 1200> actual: > S\. 0:0\(0\) ack 1 win \d+ <mss 1460>$/);
    // the human text (stderr with --json) shows it above the field diff
    expect(stderr).to.match(/wrong-mss\.pkt:6: expected: .*\n\s+field\s+expected\s+observed\n\s+options\s+\[mss 1200\]\s+\[mss=1460\]/);
  });

  it("a packet after the script's last line is reported but passes; --strict fails it", () => {
    const loose = synh([`${RUN}/handshake.pkt`]);
    expect(loose.summary.cases.map((c) => c.status)).to.deep.equal(['pass', 'pass']);
    const strict = synh(['--strict', `${RUN}/handshake.pkt`]);
    for (const c of strict.summary.cases) {
      expect(c.status).to.equal('fail');
      expect(c.unexpected).to.equal(1);
      expect(c.message).to.match(/1 unexpected packet/);
    }
  });

  it('a script with a syntax error names file:line:column and runs nothing; a bad --tolerance is refused in one line', () => {
    const r = spawnSync(process.execPath, ['bin/synh', 'run', '--no-write', 'test/fixtures/packetdrill/bad/length-mismatch.pkt', `${RUN}/handshake.pkt`], { encoding: 'utf8' });
    expect(r.status).to.equal(2);
    expect(r.stderr).to.contain('test/fixtures/packetdrill/bad/length-mismatch.pkt:3:6: the payload length (5) is not end - start (10 - 0)');
    expect(r.stderr).to.contain('nothing was run');
    const t = spawnSync(process.execPath, ['bin/synh', 'run', '--tolerance', 'soon', `${RUN}/handshake.pkt`], { encoding: 'utf8' });
    expect(t.status).to.not.equal(0);
    expect(t.stderr.split('\n')[0]).to.contain("--tolerance takes milliseconds (0 to 10000), got 'soon'");
  });
});
