// Bad command lines (issue 14): each exits 1 with one line on stderr naming the option, its range
// and what was given, and nothing on stdout. No kernel needed: options are checked before any work.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import { join } from 'path';

const SYNH = join(__dirname, '..', '..', '..', 'bin', 'synh');

const TABLE: Array<[string[], RegExp]> = [
  [['fuzz', '--probes', '0'], /--probes: expected an integer of at least 1, got '0'/],
  [['fuzz', '--probes', '-1'], /--probes: expected an integer of at least 1, got '-1'/],
  [['fuzz', '--chunk', '0'], /--chunk: expected an integer of at least 1, got '0'/],
  [
    ['predict', '--ip', '6', '--packet', '4500002800000000400600000a0000010a000002'],
    /^synh predict: --ip 6 but the packet is IPv4: drop --ip, or give an IPv6 packet$/,
  ],
  [['predict', '--listen', '70000', '--packet', '00'], /--listen port: expected an integer from 1 to 65535, got '70000'/],
  [['predict', '--listen', '0', '--packet', '00'], /--listen port: expected an integer from 1 to 65535, got '0'/],
  [['predict', '--listen', '80,-1', '--packet', '00'], /--listen backlog: expected an integer from 0 to 65535, got '-1'/],
  [['probe', '--port', '0'], /--port: expected an integer from 1 to 65535, got '0'/],
  [['probe', '--backlog', '-1'], /--backlog: expected an integer from 0 to 65535, got '-1'/],
  [['probe', '--wait', '-1'], /--wait: expected an integer from 0 to 60000, got '-1'/],
  [['probe', '--seq', '99999999999'], /--seq: expected an integer from 0 to 4294967295, got '99999999999'/],
  [['probe', '--ttl', '256'], /--ttl: expected an integer from 0 to 255, got '256'/],
  [['probe', '--port', 'x'.repeat(10_000)], /--port: expected an integer from 1 to 65535, got 'x{40}…'/],
  [['run', '--lanes', '100000'], /--lanes: expected an integer from 1 to 64, got '100000'/],
  [['run', '--jobs', '1000'], /--jobs: expected an integer from 1 to 64, got '1000'/],
  [['run', '--jobs', '0'], /--jobs: expected an integer from 1 to 64, got '0'/],
  [['differential', '--probes', '0'], /--probes: expected an integer of at least 1, got '0'/],
  [['run', '--bogus'], /unknown option '--bogus'/],
];

/** Refused before any case runs (exit 2): no hang in Node's recursive mkdir on /proc. */
const EXIT2: Array<[string[], RegExp]> = [
  [
    ['report', '/nonexistent-run'],
    /^synh report: \/nonexistent-run: not a results directory \(no summary\.json in \/nonexistent-run, .*\); give a results\/<run-id> directory/,
  ],
  [['report', '--results', '/nonexistent-root'], /^synh report: no \/nonexistent-root\/latest: run `synh run` first, or give a results directory$/],
  [['list', '/nonexistent-cases'], /^synh list: no such file or directory: \/nonexistent-cases — give a case file or a folder of them$/],
  [
    ['run', '--results', '/proc/foo', '--filter', 'examples/closed-port-rst'],
    /^synh run: --results \/proc\/foo: cannot create \/proc\/foo \(ENOENT\) — give a writable directory, or --no-write$/,
  ],
];

describe('CLI: a bad option is one line on stderr and exit status 1', function () {
  this.timeout(60_000);
  for (const [argv, want, status] of [...TABLE.map(([a, w]) => [a, w, 1] as const), ...EXIT2.map(([a, w]) => [a, w, 2] as const)]) {
    it(`synh ${argv.join(' ').slice(0, 60)}`, () => {
      const r = spawnSync(process.execPath, [SYNH, ...argv], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).to.equal(status);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).to.have.length(1);
      expect(lines[0]).to.match(want);
      expect(lines[0].length).to.be.below(300);
    });
  }
});
