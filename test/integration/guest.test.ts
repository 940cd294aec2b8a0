// Guest kernels (--kernel): a Debian kernel booted under qemu (TCG here: KVM hangs on these machines)
// runs real cases with the same runner, and its results come back as if the run had been local; a
// guest that does not boot in time is an error within its deadline, with no qemu left behind; a kernel
// without veth gets a doctor message that names the option and the fix. The set-up (scripts/setup)
// fetched debian:6.1 into the cache.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const KERNEL = process.env.SYNH_TEST_KERNEL ?? 'debian:6.1';
const SYNH = path.resolve('bin/synh');

function qemuProcesses(marker: string): string[] {
  const r = spawnSync('pgrep', ['-af', 'qemu-system'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter((l) => l.includes(marker));
}

describe(`guest kernel (${KERNEL} under qemu)`, function () {
  this.timeout(15 * 60 * 1000);
  let results: string;
  before(() => {
    results = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-guest-results-'));
  });
  after(() => fs.rmSync(results, { recursive: true, force: true }));

  it('runs cases in the guest: output relayed, results merged (kernel = the guest release), exit status kept', () => {
    const r = spawnSync(
      process.execPath,
      [SYNH, 'run', '--kernel', KERNEL, '--results', results, 'cases/closed-port', '--filter', 'syn-*', '--filter', 'ack-gets-rst-seq*'],
      { encoding: 'utf8' },
    );
    expect(r.stderr, r.stderr).to.match(
      new RegExp(`kernel ${KERNEL} \\(([^,]+), (TCG|KVM)\\): booted in [0-9.]+ s, command [0-9.]+ s, results back [0-9.]+ s, [0-9.]+ s in all, exit status 0`),
    );
    expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
    const release = /kernel \S+ \(([^,]+),/.exec(r.stderr)![1];
    expect(release).to.not.equal(os.release());
    expect(r.stdout).to.match(new RegExp(`(\\d+) passed, 0 failed, 0 errors.*kernel ${release.replace(/[.+]/g, '\\$&')}`));
    const latest = fs.readlinkSync(path.join(results, 'latest'));
    expect(latest).to.contain(release);
    const summary = JSON.parse(fs.readFileSync(path.join(results, latest, 'summary.json'), 'utf8'));
    expect(summary.kernel).to.equal(release);
    expect(summary.cases.length).to.be.greaterThan(5);
    expect(summary.cases.every((c: { status: string }) => c.status === 'pass')).to.equal(true);
    // the same layout as a local run: the HTML page (made here from the guest's summary.json) included
    expect(fs.readdirSync(path.join(results, latest))).to.include.members(['summary.json', 'junit.xml', 'ktap.txt', 'kcidb.json', 'index.html', 'pcap']);
    expect(fs.readFileSync(path.join(results, latest, 'index.html'), 'utf8')).to.contain(release);
    expect(fs.readdirSync(results).filter((n) => n.startsWith('.tmp'))).to.deep.equal([]);
  });

  it('a malformed case file fails before any guest boots (file:line:column), and loads nothing into a guest', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-guest-bad-'));
    try {
      const bad = path.join(dir, 'bad.yaml');
      fs.writeFileSync(bad, 'name: bad-case\nsteps:\n  - send: { flags: SX }\n');
      const r = spawnSync(process.execPath, [SYNH, 'run', '--kernel', KERNEL, '--results', results, bad], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stderr).to.match(new RegExp(`^${bad.replace(/[.]/g, '\\.')}:3:\\d+: `, 'm'));
      expect(r.stderr).to.match(/\d+ problem\(s\) in the case files; nothing was run/);
      expect(r.stderr).to.not.match(/booting/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a guest that does not finish booting is an error within its deadline, with the console, and no qemu left', () => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [SYNH, 'run', '--kernel', KERNEL, '--results', results, 'cases/closed-port'], {
      encoding: 'utf8',
      env: { ...process.env, SYNH_GUEST_BOOT_TIMEOUT: '1' },
    });
    const took = Date.now() - t0;
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/did not finish booting within 1 s \(SYNH_GUEST_BOOT_TIMEOUT\); console's last lines:\n {2}\| /);
    // image and kernel are cached by the test above: what remains is one boot attempt and its teardown
    expect(took).to.be.lessThan(30000);
    // this run's qemu only (its run directory and serial sockets carry synh's pid): another guest on the machine is not ours
    expect(qemuProcesses(`-${r.pid}-`)).to.deep.equal([]);
  });

  it('kill -9 of synh takes its guest with it', async () => {
    const child = spawn(process.execPath, [SYNH, 'run', '--kernel', KERNEL, '--results', results, 'cases/closed-port'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (b: Buffer) => {
        err += b.toString();
        if (/booting /.test(err)) resolve();
      });
      child.on('exit', () => reject(new Error(`synh exited before booting: ${err}`)));
    });
    const mine = (): string[] =>
      spawnSync('pgrep', ['-P', String(child.pid), '-f', 'qemu-system|setpriv'], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter(Boolean);
    const running = (pid: string): boolean => {
      try {
        return !/^Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '');
      } catch {
        return false;
      }
    };
    // Polled, not slept: a loaded machine may take its time to start qemu or to reap it.
    const until = async (ok: () => boolean, ms: number): Promise<boolean> => {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (ok()) return true;
      return ok();
    };
    expect(await until(() => mine().length > 0, 30000), 'qemu runs under synh').to.equal(true);
    const kids = mine();
    child.kill('SIGKILL');
    expect(await until(() => kids.every((pid) => !running(pid)), 15000), `qemu survived kill -9 of synh: ${kids.filter(running)}`).to.equal(true);
  });

  it('doctor: a kernel without veth gets the option, what it is for and how to fix it, without booting', () => {
    const fetched = spawnSync(process.execPath, [SYNH, 'fetch-kernel', KERNEL], { encoding: 'utf8' });
    expect(fetched.status, fetched.stderr).to.equal(0);
    const [, release, vmlinuz] = fetched.stdout.trim().split('\t');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-noveth-'));
    try {
      fs.copyFileSync(vmlinuz, path.join(dir, `vmlinuz-${release}`));
      const config = fs.readFileSync(path.join(path.dirname(vmlinuz), `config-${release}`), 'utf8').replace(/^CONFIG_VETH=.*$/m, '# CONFIG_VETH is not set');
      fs.writeFileSync(path.join(dir, `config-${release}`), config);
      const r = spawnSync(process.execPath, [SYNH, 'doctor', '--kernel', path.join(dir, `vmlinuz-${release}`)], { encoding: 'utf8' });
      expect(r.status).to.equal(1);
      expect(r.stdout).to.match(
        /FAIL .*: CONFIG_VETH: not set in .*config-.*: needed for the veth pairs between tester and DUT — fix: rebuild with CONFIG_VETH=y \(synh kconfig/,
      );
      expect(r.stdout).to.match(/FAIL .*: checks inside the guest: not run/);
      expect(r.stderr).to.not.match(/booting/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
