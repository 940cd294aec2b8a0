// kill -9 of a synh run half-way, then the next synh start cleans up. The killed run is caught while it
// builds its compiled mirror in a fresh temp folder (the issue's "synharness-runner-*.tmp-* left for
// 24 h"); next to what it really left, the other kinds of temporaries are planted under its pid (dead
// now) and under a live process's pid. The next `synh run` removes the dead run's, keeps the live
// one's, and runs as usual.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function waitFor<T>(probe: () => T | undefined, ms: number): T | undefined {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined || Date.now() > end) return v;
    spawnSync('sleep', ['0.01']);
  }
}

describe('temporaries of a killed run are removed at the next start', function () {
  this.timeout(180_000);
  let tmp: string;
  let live: ChildProcess | undefined;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-killed-'));
  });
  after(() => {
    live?.kill('SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('kill -9 mid-build leaves the staging directory; the next synh run removes it and every dead-owner temporary, never a live one', async () => {
    const T = path.join(tmp, 'tmp');
    const C = path.join(tmp, 'cache');
    const R = path.join(tmp, 'results');
    for (const d of [T, C, R]) fs.mkdirSync(d);
    const env = { ...process.env, TMPDIR: T, XDG_CACHE_HOME: C, SYNH_NO_PROGRESS: '1' };
    const args = ['bin/synh', 'run', 'cases/closed-port/rst-silent.yaml', '--ip', '4', '--jobs', '1', '--results', R];

    const killed = spawn(process.execPath, args, { env, detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => killed.on('exit', (_code, signal) => resolve(signal)));
    const pid = killed.pid!;
    const staging = waitFor(() => fs.readdirSync(T).find((n) => n.includes(`.tmp-${pid}-`)), 60_000);
    process.kill(-pid, 'SIGKILL');
    expect(staging, `no mirror staging directory of pid ${pid} appeared in ${T}`).to.be.a('string');
    expect(await exited).to.equal('SIGKILL'); // reaped: the pid is free
    expect(fs.existsSync(path.join(T, staging!))).to.equal(true);

    live = spawn('sleep', ['120']);
    const kinds = (p: number): string[] => [
      `${T}/synh-serial-${p}-AbCdEf/`,
      `${C}/synharness/runs/run-${p}-XyZ123/`,
      `${C}/synharness/images/rootfs.cpio.tmp-${p}`,
      `${R}/.tmp-20261207T150000Z-k-${p}/`,
      `${R}/.tmp-guest-ab12cd34-${p}/`,
      `${R}/baselines/good.tmp-${p}/`,
      `${R}/fuzz/camp/checkpoint.json.tmp-${p}-0`,
      `${R}/fuzz/camp/findings/f.json.tmp-${p}-1`,
    ];
    for (const e of [...kinds(pid), ...kinds(live.pid!)]) {
      const p = e.replace(/\/$/, '');
      fs.mkdirSync(e.endsWith('/') ? p : path.dirname(p), { recursive: true });
      if (!e.endsWith('/')) fs.writeFileSync(p, 'x');
    }

    const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^1 passed, 0 failed, 0 errors, 0 skipped in /m);
    expect(fs.existsSync(path.join(T, staging!)), staging).to.equal(false);
    for (const e of kinds(pid)) expect(fs.existsSync(e.replace(/\/$/, '')), e).to.equal(false);
    for (const e of kinds(live.pid!)) expect(fs.existsSync(e.replace(/\/$/, '')), e).to.equal(true);
    expect(fs.readdirSync(T).filter((n) => n.includes('.tmp-'))).to.deep.equal([]);
    expect(fs.readlinkSync(path.join(R, 'latest'))).to.match(/^\d{8}T\d{6}Z-/);
  });
});
