// "A capture that dropped packets is an error", provoked for real: the lab's libpcap buffer shrunk to a
// few frames (SYNH_TEST_CAPTURE_BUFFER, test-knobs.ts) and a burst of 16 SYN-ACK retransmissions that
// the kernel's timer wheel fires in one tick (test/fixtures/runner/capture-burst.yaml). The kernel's
// PACKET_STATISTICS count the frames its full ring dropped; the case is an ERROR (never a pass) with
// the count in the message, in summary.json, junit.xml and ktap.txt. The same case with the normal
// buffer passes with no drop, so the error comes from the drop and nothing else.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BURST = 'test/fixtures/runner/capture-burst.yaml';

function run(
  results: string,
  env: NodeJS.ProcessEnv,
): {
  status: number | null;
  stdout: string;
  summary: { cases: Array<{ status: string; captureDrops: number; message?: string }> };
  junit: string;
  ktap: string;
} {
  const r = spawnSync(process.execPath, ['bin/synh', 'run', BURST, '--jobs', '1', '--results', results], {
    encoding: 'utf8',
    env: { ...process.env, SYNH_NO_PROGRESS: '1', ...env },
    timeout: 120_000,
  });
  const dir = path.join(results, 'latest');
  return {
    status: r.status,
    stdout: r.stdout,
    summary: JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')),
    junit: fs.readFileSync(path.join(dir, 'junit.xml'), 'utf8'),
    ktap: fs.readFileSync(path.join(dir, 'ktap.txt'), 'utf8'),
  };
}

describe('a capture drop on the real kernel', function () {
  this.timeout(180_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-capdrop-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('with the normal buffer, the burst case passes with no drop', () => {
    const r = run(path.join(tmp, 'normal'), { SYNH_TEST_CAPTURE_BUFFER: '' });
    expect(r.status, r.stdout).to.equal(0);
    expect(r.summary.cases.map((c) => [c.status, c.captureDrops])).to.deep.equal([['pass', 0]]);
  });

  it('with a 4 KiB buffer, the kernel drops frames of the burst and the case is an ERROR with the count', () => {
    const r = run(path.join(tmp, 'tiny'), { SYNH_TEST_CAPTURE_BUFFER: '4096' });
    expect(r.status).to.equal(1);
    const [c] = r.summary.cases;
    expect(c.status).to.equal('error');
    expect(c.captureDrops).to.be.greaterThan(0);
    expect(c.message).to.match(
      new RegExp(`^capture on \\S+ dropped ${c.captureDrops} frame\\(s\\): the result is void — lower the injection window or raise the capture buffer$`),
    );
    expect(r.stdout).to.match(new RegExp(`^ERROR ${BURST}#\\S+: capture on \\S+ dropped ${c.captureDrops} frame\\(s\\)`, 'm'));
    expect(r.stdout).to.include(`capture dropped ${c.captureDrops} packet(s)`);
    expect(r.stdout).to.match(/^0 passed, 0 failed, 1 errors, 0 skipped in /m);
    expect(r.junit).to.match(new RegExp(`<error message="capture on \\S+ dropped ${c.captureDrops} frame\\(s\\)`));
    expect(r.junit).to.include(`capture_drops: ${c.captureDrops}`);
    expect(r.ktap).to.match(/^not ok 1 .*# ERROR capture on \S+ dropped \d+ frame\(s\)/m);
  });
});
