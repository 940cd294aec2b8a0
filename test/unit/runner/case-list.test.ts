// synh list: one entry per case (harness/runner/case-list.ts), and the command on a folder of cases
// (the same discovery and --filter as synh run; no kernel needed).
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseCaseText } from '../../../lib/case';
import { caseListing, durationRange, formatListing } from '../../../harness/runner/case-list';

const SYNH = path.join(__dirname, '..', '..', '..', 'bin', 'synh');

const GATED = `name: gated-with-sysctls
description: A case gated on a kernel, with sysctls and waits.
spec: ["§4.9", "§4.1"]
ip: 6
kernel: ">=6.10"   # measured on 6.10: the change this case relies on
sysctls:
  net.ipv4.tcp_syncookies: 2
  net.ipv4.tcp_rmem: "4096 131072 6291456"
setup:
  listen: { port: 8080 }
steps:
  - send: { flags: S, seq: 1000 }
  - expect: { flags: SA, at: [0ms, 100ms] }
  - expect_none: 300ms
  - expect: { flags: SA, within: 2s }
`;

const PLAIN = `name: plain-synack
description: A SYN gets a SYN-ACK.
spec: "§4.2"
ip: both
setup:
  listen: { port: 8080 }
steps:
  - send: { flags: S, seq: 1000 }
  - expect: { model: true, flags: SA }
`;

describe('synh list', () => {
  it('a case: name, file, spec, families, kernel range and why, sysctls, expected duration from its waits and windows', () => {
    const l = caseListing(parseCaseText(GATED, 'cases/x/gated.yaml'));
    expect(l).to.deep.include({
      name: 'gated-with-sysctls',
      file: 'cases/x/gated.yaml',
      spec: ['§4.9', '§4.1'],
      families: [6],
      kernel: { range: '>=6.10', why: 'measured on 6.10: the change this case relies on' },
      sysctls: { 'net.ipv4.tcp_syncookies': '2', 'net.ipv4.tcp_rmem': '4096 131072 6291456' },
    });
    // shortest: the expect_none's 300 ms after the `at` window's start (0); longest: the window's end
    // (100 ms), the 300 ms, then the 2 s `within`
    expect(l.expectedMs).to.deep.equal({ min: 300, max: 2400 });
    expect(formatListing(l)).to.equal(
      'gated-with-sysctls\tcases/x/gated.yaml\t§4.9 §4.1\tipv6\tkernel >=6.10\t0.3–2.4 s\tnet.ipv4.tcp_syncookies=2 net.ipv4.tcp_rmem="4096 131072 6291456"',
    );
  });

  it('durations: zero, short and equal bounds', () => {
    expect(durationRange({ min: 0, max: 1000 })).to.equal('0–1.0 s');
    expect(durationRange({ min: 40, max: 40 })).to.equal('0.04 s');
    expect(formatListing(caseListing(parseCaseText(PLAIN, 'p.yaml')))).to.equal('plain-synack\tp.yaml\t§4.2\tipv4,ipv6\tkernel *\t0–1.0 s\t-');
  });

  describe('the command', function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-list-'));
    before(() => {
      fs.mkdirSync(path.join(dir, 'queues'));
      fs.writeFileSync(path.join(dir, 'queues', 'gated.yaml'), GATED);
      fs.writeFileSync(path.join(dir, 'plain.yaml'), PLAIN);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const synh = (...args: string[]) => spawnSync(process.execPath, [SYNH, 'list', ...args], { encoding: 'utf8', timeout: 30_000 });

    it('one line per case, quiet otherwise; --filter as synh run; --json', () => {
      const all = synh(dir);
      expect(all.status, all.stderr).to.equal(0);
      expect(all.stderr).to.equal('');
      expect(
        all.stdout
          .trimEnd()
          .split('\n')
          .map((l) => l.split('\t')[0]),
      ).to.deep.equal(['plain-synack', 'gated-with-sysctls']);
      const f = synh(dir, '--filter', 'queues/*');
      expect(
        f.stdout
          .trimEnd()
          .split('\n')
          .map((l) => l.split('\t')[0]),
      ).to.deep.equal(['gated-with-sysctls']);
      const j = synh(dir, '--json', '--filter', 'plain');
      const parsed = JSON.parse(j.stdout);
      expect(parsed).to.have.length(1);
      expect(parsed[0]).to.deep.include({ name: 'plain-synack', families: [4, 6], expectedMs: { min: 0, max: 1000 } });
    });

    it('lists the suite by default', () => {
      const r = spawnSync(process.execPath, [SYNH, 'list', '--json'], { encoding: 'utf8', timeout: 30_000, cwd: path.join(__dirname, '..', '..', '..') });
      expect(r.status, r.stderr).to.equal(0);
      const cases = JSON.parse(r.stdout) as Array<{ file: string; spec: string[] }>;
      expect(cases.length).to.be.greaterThan(200);
      expect(cases.every((c) => c.file.startsWith('cases/') && c.spec.length > 0)).to.equal(true);
    });

    it('a bad path, a filter matching nothing, a broken case: one line (and the positions), non-zero', () => {
      const bad = synh(path.join(dir, 'nope'));
      expect(bad.status).to.equal(2);
      expect(bad.stderr).to.match(/^synh list: no such file or directory: .*nope — give a case file or a folder of them\n$/);
      const none = synh(dir, '--filter', 'zzz');
      expect([none.status, none.stdout, none.stderr]).to.deep.equal([1, '', `synh list: no case files in ${dir} matching zzz\n`]);
      const broken = path.join(dir, 'broken');
      fs.mkdirSync(broken);
      fs.writeFileSync(path.join(broken, 'b.yaml'), PLAIN.replace('flags: SA', 'flags: QQ'));
      const b = synh(broken);
      expect(b.status).to.equal(2);
      expect(b.stdout).to.equal('');
      expect(b.stderr)
        .to.match(/b\.yaml:\d+:\d+: /)
        .and.match(/synh list: 1 problem\(s\) in the case files\n$/);
    });
  });
});
