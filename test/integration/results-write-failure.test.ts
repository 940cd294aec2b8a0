// A run whose results cannot be written still reports: on a full filesystem, a read-only one and, as a
// non-root user (with the capabilities a run needs but not the right to write the results root), synh
// run prints every verdict (the failing case's diff, the summary and the closing line), then one line
// naming the path, the errno text and what to do, and exits 3. Results already there (an earlier run
// and `latest`) are untouched and no staging directory is left.
//
// The full and read-only filesystems are tmpfs mounts made inside a private mount namespace
// (`unshare -m`, propagation private): the host's mounts never change, and the mount vanishes with
// the shell that made it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EXIT_NOT_WRITTEN } from '../../harness/cli/run';

const CASES = ['cases/closed-port/syn-gets-rst-ack.yaml', 'test/fixtures/runner/wrong-window.yaml'];
const OLD_RUN = '20200101T000000Z-old-run';

/** An earlier run in `results`, with `latest` pointing at it (shell commands). */
function earlierRun(results: string): string {
  return `mkdir -p ${results}/${OLD_RUN} && echo '{"old":true}' > ${results}/${OLD_RUN}/summary.json && ln -s ${OLD_RUN} ${results}/latest`;
}

/** Runs `setup`, then synh run CASES --results <results>, then `check` (its output after a marker line), in a private mount namespace. */
function runInPrivateMount(mnt: string, setup: string, check: string): { status: number; stdout: string; stderr: string; after: string } {
  const synh = [process.execPath, 'bin/synh', 'run', ...CASES, '--jobs', '1', '--seed', '7', '--results', `${mnt}/results`].map((a) => `'${a}'`).join(' ');
  const script = `set -e; mount -t tmpfs -o size=512k tmpfs ${mnt}; ${setup}; set +e; ${synh}; rc=$?; echo '--after--'; ${check}; exit $rc`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], { encoding: 'utf8', timeout: 120_000 });
  const [stdout, after = ''] = r.stdout.split('--after--\n');
  return { status: r.status ?? -1, stdout, stderr: r.stderr, after };
}

function expectReport(r: { status: number; stdout: string; stderr: string }, failure: RegExp): void {
  expect(r.status, r.stderr).to.equal(EXIT_NOT_WRITTEN);
  // every verdict: the failing case with its diff, then the closing line
  expect(r.stdout).to.match(/^FAIL test\/fixtures\/runner\/wrong-window\.yaml#\S+@ipv4: step 2 expect/m);
  expect(r.stdout).to.match(/window\s+12345\s+\d+/);
  expect(r.stdout).to.match(/^2 passed, 1 failed, 0 errors, 0 skipped in .*; results NOT written$/m);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(failure);
}

describe('synh run when the results cannot be written', function () {
  this.timeout(180_000);
  let mnt: string;
  beforeEach(() => {
    mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-wfail-'));
  });
  afterEach(() => fs.rmSync(mnt, { recursive: true, force: true }));

  it('full filesystem: every verdict printed, then the path and ENOSPC, exit 3; the earlier run and latest kept', () => {
    const r = runInPrivateMount(
      mnt,
      `${earlierRun(`${mnt}/results`)}; dd if=/dev/zero of=${mnt}/fill bs=4k 2>/dev/null || true`,
      `ls -A ${mnt}/results; readlink ${mnt}/results/latest; cat ${mnt}/results/${OLD_RUN}/summary.json`,
    );
    expectReport(
      r,
      new RegExp(
        `^synh run: could not write results to ${mnt}/results/\\S+: No space left on device \\(ENOSPC\\) — free space on that filesystem, or give --results a directory on another one; the verdicts above stand$`,
      ),
    );
    expect(r.after.trim().split('\n')).to.deep.equal([OLD_RUN, 'latest', OLD_RUN, '{"old":true}']);
  });

  it('read-only filesystem: every verdict printed, then the results root and EROFS, exit 3; the earlier run kept', () => {
    const r = runInPrivateMount(mnt, `${earlierRun(`${mnt}/results`)}; mount -o remount,ro ${mnt}`, `ls -A ${mnt}/results; readlink ${mnt}/results/latest`);
    expectReport(
      r,
      new RegExp(
        `^synh run: could not write results to ${mnt}/results: Read-only file system \\(EROFS\\) — that filesystem is read-only: give --results a writable directory; the verdicts above stand$`,
      ),
    );
    expect(r.after.trim().split('\n')).to.deep.equal([OLD_RUN, 'latest', OLD_RUN]);
  });

  it('non-root (uid 65534 with CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_NET_RAW): the run runs, then the root and EACCES, exit 3', () => {
    const results = path.join(mnt, 'results');
    fs.mkdirSync(results); // root's, 0755: nobody cannot add to it
    fs.chmodSync(mnt, 0o755);
    const caps = '+sys_admin,+net_admin,+net_raw';
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        `--inh-caps=${caps}`,
        `--ambient-caps=${caps}`,
        'env',
        `HOME=${mnt}`,
        process.execPath,
        'bin/synh',
        'run',
        ...CASES,
        '--jobs',
        '1',
        '--seed',
        '7',
        '--results',
        results,
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expectReport(
      { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr },
      new RegExp(
        `^synh run: could not write results to ${results}: Permission denied \\(EACCES\\) — make it writable for this user, or give --results a directory that is; the verdicts above stand$`,
      ),
    );
    expect(fs.readdirSync(results)).to.deep.equal([]);
  });
});
