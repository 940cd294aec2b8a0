// The start-up sweep: every kind of temporary the harness makes, with a dead owner (a process that
// has exited), with a live one (this process, init, a child still running) and with a reused pid
// (alive, but started after the entry last changed). Only the dead owners' entries go.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ownerAlive, processStartMs, sweepStaleTemps } from '../../../harness/sys/stale-temps';

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** Every temporary the harness makes, owned by `pid` (relative paths; a trailing / is a directory). */
function temps(pid: number, tag: string): string[] {
  return [
    `tmp/synharness-runner-0-0123abcd.tmp-${pid}-${tag}Ab/`,
    `tmp/synh-serial-${pid}-${tag}Xy/`,
    `cache/runs/run-${pid}-${tag}Qr/`,
    `cache/images/rootfs.cpio.tmp-${pid}`,
    `cache/kernels/vmlinuz-${tag}.tmp-${pid}`,
    `results/.tmp-20261207T150000Z-6.18-${tag}-${pid}/`,
    `results/.tmp-latest.${tag}ab12-${pid}`,
    `results/.tmp-guest-${tag}cd34-${pid}/`,
    `results/baselines/good-${tag}.tmp-${pid}/`,
    `results/baselines/good-${tag}.old-${pid}/`,
    `results/fuzz/camp/checkpoint.json.tmp-${pid}-0`,
    `results/fuzz/camp/findings/x-${tag}.json.tmp-${pid}-3`,
    `results/fuzz/camp.shard-1-of-2/repro/r-${tag}.yaml.tmp-${pid}-1`,
  ];
}

function plant(root: string, rels: string[]): void {
  for (const rel of rels) {
    const p = path.join(root, rel);
    if (rel.endsWith('/')) {
      fs.mkdirSync(p, { recursive: true });
      fs.writeFileSync(path.join(p, 'inside'), 'x');
    } else {
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, 'x');
    }
  }
}

describe('sys/stale-temps', () => {
  let root: string;
  let child: ChildProcess;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-sweep-'));
  });
  afterEach(() => {
    child?.kill('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('knows when a process started, and when an owner is gone', () => {
    const start = processStartMs(process.pid)!;
    expect(Math.abs(start - (Date.now() - process.uptime() * 1000))).to.be.below(3000);
    expect(ownerAlive(process.pid, Date.now())).to.equal(true);
    expect(ownerAlive(1, Date.now())).to.equal(true);
    expect(ownerAlive(deadPid(), Date.now())).to.equal(false);
    // alive, but started well after the entry last changed: the pid was reused
    child = spawn('sleep', ['60']);
    expect(ownerAlive(child.pid!, Date.now() - 60_000)).to.equal(false);
    expect(ownerAlive(child.pid!, Date.now())).to.equal(true);
    expect(ownerAlive(0, Date.now())).to.equal(false);
  });

  it('removes every kind of temporary whose owner is dead, and none of a live one', () => {
    child = spawn('sleep', ['60']);
    const dead = deadPid();
    const gone = temps(dead, 'd');
    const kept = [
      ...temps(child.pid!, 'l'),
      ...temps(process.pid, 's'),
      ...temps(1, 'i'),
      // not temporaries: a run, a baseline, a mirror, findings, a kernel
      'results/20261207T150000Z-6.18/summary.json',
      'results/baselines/good/summary.json',
      'tmp/synharness-runner-0-0123abcd/',
      `results/fuzz/camp/findings/keep-${dead}.json`,
      'cache/kernels/vmlinuz-6.1',
      `tmp/unrelated.tmp-${dead}-1/`,
    ];
    plant(root, [...gone, ...kept]);
    const removed = sweepStaleTemps({
      tmpDir: path.join(root, 'tmp'),
      cacheRoot: path.join(root, 'cache'),
      resultsRoots: [path.join(root, 'results'), path.join(root, 'results/')],
    });
    expect(removed.map((p) => path.relative(root, p)).sort()).to.deep.equal(gone.map((g) => g.replace(/\/$/, '')).sort());
    for (const k of kept) expect(fs.existsSync(path.join(root, k)), k).to.equal(true);
    expect(sweepStaleTemps({ tmpDir: path.join(root, 'tmp'), cacheRoot: path.join(root, 'cache'), resultsRoots: [path.join(root, 'results')] })).to.deep.equal(
      [],
    );
  });

  it('never throws on missing places', () => {
    expect(sweepStaleTemps({ tmpDir: path.join(root, 'no'), cacheRoot: path.join(root, 'no'), resultsRoots: [path.join(root, 'no')] })).to.deep.equal([]);
  });
});
