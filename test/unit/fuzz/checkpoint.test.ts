// Checkpoints: round trip, atomic replacement, the resume check, and a real kill -9: a campaign
// loop killed at random moments and resumed ends with exactly the findings, counts and repro files
// of an uninterrupted run.
import { expect } from 'chai';
import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, relative } from 'path';
import * as ts from 'typescript';
import { parseCampaignText } from '../../../lib/fuzz/campaign-load';
import {
  assertResumable,
  Checkpoint,
  loadCheckpoint,
  newCheckpoint,
  removeStaleTemps,
  saveCheckpoint,
  saveCheckpointAsync,
  writeFileAtomic,
  writeFileAtomicAsync,
} from '../../../lib/fuzz/checkpoint';
import { FindingStore } from '../../../lib/fuzz/signature';

const c = parseCampaignText('name: cp\nseed: 9\nbudget: { probes: 100 }\ntarget: listener\n', 'cp.yaml');

function sample(): Checkpoint {
  return {
    ...newCheckpoint(c, new Date('2026-01-02T03:04:05Z')),
    nextIndex: 1234,
    probesDone: 1234,
    findings: [
      { signature: 'listener|listen.ack-rst|flags', firstIndex: 17, count: 5, reproPath: 'repro/a.yaml' },
      { signature: 'listener|demux.bad-csum|presence', firstIndex: 900, count: 0 },
    ],
    rulesHit: ['listen.syn', 'demux.bad-csum', 'listen.syn'],
    elapsedMs: 4321.5,
  };
}

describe('fuzz checkpoints', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'synh-cp-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips (rulesHit deduplicated and sorted)', () => {
    const p = join(dir, 'checkpoint.json');
    expect(loadCheckpoint(p)).to.equal(undefined);
    saveCheckpoint(p, sample());
    const back = loadCheckpoint(p)!;
    expect(back).to.deep.equal({ ...sample(), rulesHit: ['demux.bad-csum', 'listen.syn'] });
    expect(readdirSync(dir)).to.deep.equal(['checkpoint.json']);
  });

  it('a temp file left behind by a crash never replaces a good checkpoint', () => {
    const p = join(dir, 'checkpoint.json');
    saveCheckpoint(p, sample());
    // a writer killed after writing (part of) its temp file
    writeFileSync(`${p}.tmp-999999-0`, '{"schema":"synharness-fuzz-checkpoint/1","nextIndex": 99999');
    expect(loadCheckpoint(p)!.nextIndex).to.equal(1234);
    // a writer that fails between fsync and rename: the old file stays, its temp is removed
    expect(() =>
      saveCheckpoint(
        p,
        { ...sample(), nextIndex: 5000 },
        {
          beforeRename: () => {
            throw new Error('killed');
          },
        },
      ),
    ).to.throw('killed');
    expect(loadCheckpoint(p)!.nextIndex).to.equal(1234);
    expect(readdirSync(dir).sort()).to.deep.equal(['checkpoint.json', 'checkpoint.json.tmp-999999-0']);
    // the next save replaces it; stale temps are cleaned
    saveCheckpoint(p, { ...sample(), nextIndex: 5000 });
    expect(loadCheckpoint(p)!.nextIndex).to.equal(5000);
    expect(removeStaleTemps(p)).to.deep.equal([]); // too fresh to be stale
    expect(removeStaleTemps(p, 60_000, Date.now() + 120_000)).to.deep.equal(['checkpoint.json.tmp-999999-0']);
    expect(readdirSync(dir)).to.deep.equal(['checkpoint.json']);
  });

  it('the temp file is complete before the rename (the rename is the commit)', () => {
    const p = join(dir, 'big.txt');
    const data = 'x'.repeat(1 << 20);
    let seen = '';
    writeFileAtomic(p, data, { beforeRename: (tmp) => (seen = readFileSync(tmp, 'utf8')) });
    expect(seen.length).to.equal(data.length);
    expect(readFileSync(p, 'utf8')).to.equal(data);
  });

  it('the asynchronous writer gives the same file and the same guarantees', async () => {
    const p = join(dir, 'checkpoint.json');
    await saveCheckpointAsync(p, sample());
    expect(loadCheckpoint(p)).to.deep.equal({ ...sample(), rulesHit: ['demux.bad-csum', 'listen.syn'] });
    const sync = join(dir, 'sync.json');
    saveCheckpoint(sync, sample());
    expect(readFileSync(p, 'utf8')).to.equal(readFileSync(sync, 'utf8'));
    // failing between fsync and rename: the old checkpoint stays, the temp file is gone
    let err: Error | undefined;
    await saveCheckpointAsync(
      p,
      { ...sample(), nextIndex: 5000 },
      {
        beforeRename: () => {
          throw new Error('killed');
        },
      },
    ).catch((e) => (err = e));
    expect(err?.message).to.equal('killed');
    expect(loadCheckpoint(p)!.nextIndex).to.equal(1234);
    expect(readdirSync(dir).sort()).to.deep.equal(['checkpoint.json', 'sync.json']);
    // complete before the rename
    const big = join(dir, 'big.txt');
    const data = 'y'.repeat(1 << 20);
    let seen = '';
    await writeFileAtomicAsync(big, data, { beforeRename: (tmp) => (seen = readFileSync(tmp, 'utf8')) });
    expect(seen.length).to.equal(data.length);
    expect(readFileSync(big, 'utf8')).to.equal(data);
  });

  it('rejects files that are not checkpoints, and checkpoints of another campaign', () => {
    const p = join(dir, 'checkpoint.json');
    writeFileSync(p, '{"nextIndex": 3}');
    expect(() => loadCheckpoint(p)).to.throw(/not a checkpoint/);
    writeFileSync(p, 'garbage');
    expect(() => loadCheckpoint(p)).to.throw(/invalid JSON/);
    const other = parseCampaignText('name: cp\nseed: 10\nbudget: { probes: 100 }\ntarget: listener\n', 'cp.yaml');
    expect(() => assertResumable(sample(), c)).to.not.throw();
    expect(() => assertResumable(sample(), other)).to.throw(/does not match/);
    // a longer budget keeps the checkpoint valid
    expect(() => assertResumable(sample(), { ...c, budget: { probes: 1e9 } })).to.not.throw();
  });

  it('FindingStore + snapshot: counts cover exactly the probes below nextIndex', () => {
    const s = new FindingStore();
    expect(s.record({ rule: 'r', fields: ['b', 'a'], target: 'request' }, 10).isNew).to.equal(true);
    expect(s.record('request|r|a,b', 12).isNew).to.equal(false);
    s.record('request|r|a,b', 12); // the same probe twice counts once
    s.record('request|q|-', 30);
    expect(s.get('request|r|a,b')!.count).to.equal(2);
    const snap = s.snapshot(20);
    expect(snap).to.deep.equal([
      { signature: 'request|r|a,b', firstIndex: 10, count: 2 },
      { signature: 'request|q|-', firstIndex: 30, count: 0 },
    ]);
    // resume from that snapshot: probes 20.. run again; q at 30 is known, not new, and counted once
    const r = new FindingStore(snap, 20);
    expect(r.record('request|q|-', 30).isNew).to.equal(false);
    expect(r.snapshot(31).find((f) => f.signature === 'request|q|-')!.count).to.equal(1);
    expect(() => r.snapshot(5)).to.throw(/below/);
  });
});

/**
 * The driver and what it imports, transpiled to JavaScript once, so each of the many child
 * processes starts in a fraction of a second (ts-node's start-up would dominate the test).
 */
function transpileDriver(root: string, out: string): string {
  const dirs = ['lib/fuzz', 'lib/wire', 'lib/case', 'lib/model/core', 'lib/model/kernel', 'lib/util', 'lib/yaml-kit', 'test/unit/fuzz/fixtures'];
  for (const d of dirs) {
    for (const f of readdirSync(join(root, d), { recursive: true }) as string[]) {
      if (!f.endsWith('.ts')) continue;
      const src = join(root, d, f);
      const js = ts.transpileModule(readFileSync(src, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: src,
      }).outputText;
      const dst = join(out, relative(root, src)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(dst), { recursive: true });
      writeFileSync(dst, js);
    }
  }
  return join(out, 'test/unit/fuzz/fixtures/campaign-driver.js');
}

describe('fuzz checkpoints: kill -9 and resume', function () {
  this.timeout(180_000);
  const PROBES = 30_000;
  const root = join(__dirname, '../../..');
  let js: string;
  let driver: string;
  before(() => {
    js = mkdtempSync(join(tmpdir(), 'synh-js-'));
    driver = transpileDriver(root, js);
  });
  after(() => rmSync(js, { recursive: true, force: true }));

  interface RunResult {
    signal: NodeJS.Signals | null;
    out: string;
  }

  /** Runs the driver; `killAfterStartMs` sends SIGKILL that long after it printed START. */
  function run(dir: string, env: Record<string, string> = {}, killAfterStartMs?: number): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const ch = spawn(process.execPath, [driver, dir, String(PROBES)], {
        cwd: root,
        env: { ...process.env, NODE_PATH: join(root, 'node_modules'), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      let timer: NodeJS.Timeout | undefined;
      ch.stdout!.on('data', (d) => {
        out += d;
        if (killAfterStartMs !== undefined && timer === undefined && out.includes('START')) {
          timer = setTimeout(() => ch.kill('SIGKILL'), killAfterStartMs);
        }
      });
      ch.stderr!.on('data', (d) => (err += d));
      ch.on('error', reject);
      ch.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (code) reject(new Error(`driver failed (${code}): ${err}`));
        else resolve({ signal, out });
      });
    });
  }

  function state(dir: string) {
    const cp = loadCheckpoint(join(dir, 'checkpoint.json'))!;
    const repro = Object.fromEntries(
      readdirSync(join(dir, 'repro'))
        .sort()
        .map((f) => [f, readFileSync(join(dir, 'repro', f), 'utf8')]),
    );
    return { findings: cp.findings, nextIndex: cp.nextIndex, rulesHit: cp.rulesHit, repro };
  }

  it('a run killed at random moments and resumed ends exactly like an uninterrupted run', async () => {
    const ref = mkdtempSync(join(tmpdir(), 'synh-ref-'));
    const killed = mkdtempSync(join(tmpdir(), 'synh-kill-'));
    try {
      const r0 = await run(ref);
      expect(r0.out).to.contain('DONE');
      const want = state(ref);
      expect(want.nextIndex).to.equal(PROBES);
      expect(want.findings.length).to.be.greaterThan(3);
      expect(want.findings.every((f) => f.count > 0 && f.reproPath && existsSync(join(ref, f.reproPath)))).to.equal(true);

      // 1. killed right after writing a repro, before the checkpoint that records it
      expect((await run(killed, { DIE_AFTER_REPRO: '2' })).signal).to.equal('SIGKILL');
      expect(readdirSync(join(killed, 'repro')).filter((f) => f.endsWith('.yaml'))).to.have.length(2);
      // 2. killed right after a periodic checkpoint
      expect((await run(killed, { DIE_AFTER_SAVE: '3' })).signal).to.equal('SIGKILL');
      // 3. killed at arbitrary moments, resumed until done
      let kills = 2;
      const progress: number[] = [loadCheckpoint(join(killed, 'checkpoint.json'))!.nextIndex];
      let done = false;
      // A kill before the next periodic checkpoint loses that stretch; a loaded machine is slower to reach
      // one, so each attempt that made no progress lets the next one live twice as long (time, never the verdict).
      let patience = 1;
      for (let attempt = 0; attempt < 30 && !done; attempt++) {
        const r = await run(killed, {}, (100 + ((attempt * 211) % 500)) * patience);
        progress.push(loadCheckpoint(join(killed, 'checkpoint.json'))!.nextIndex);
        if (progress[progress.length - 1] === progress[progress.length - 2]) patience *= 2;
        if (r.signal === 'SIGKILL') kills++;
        else done = r.out.includes('DONE');
      }
      expect(done, `progress ${progress.join(' → ')}`).to.equal(true);
      expect(kills).to.be.at.least(2); // the two injected crashes; timed kills depend on the machine's speed
      console.log(`      kill -9 runs: ${kills}, checkpoint progress ${progress.join(' → ')}`);
      const got = state(killed);
      expect(got.nextIndex).to.equal(PROBES);
      expect(got.findings).to.deep.equal(want.findings);
      expect(got.rulesHit).to.deep.equal(want.rulesHit);
      expect(Object.keys(got.repro)).to.deep.equal(Object.keys(want.repro));
      expect(got.repro).to.deep.equal(want.repro);
      expect(
        readdirSync(killed).filter((f) => f.includes('.tmp-')).length + readdirSync(join(killed, 'repro')).filter((f) => f.includes('.tmp-')).length,
      ).to.be.at.most(2);
    } finally {
      rmSync(ref, { recursive: true, force: true });
      rmSync(killed, { recursive: true, force: true });
    }
  });
});
