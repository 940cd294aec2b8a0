// A late harness on the real kernel: the runner holds itself back before a step (the documented
// test-only knob SYNH_TEST_DELAY_STEP, harness/runner/test-knobs.ts; the kernel and the packets are
// real), a kernel timer the model tracks (the DUT's SYN retransmission, 1 s after connect()) fires
// meanwhile, and the case is re-run alone instead of failed — with the note in the result,
// summary.json, JUnit, KTAP and `synh run`'s lines. A planted wrong expectation still fails.
import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Summary } from '../../harness/report/summary';

const FIX = 'test/fixtures/runner';
const LATE = `${FIX}/late-harness.yaml`;
const WRONG = `${FIX}/wrong-window.yaml`;
const HOLD_MS = 1500;

function synh(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['bin/synh', 'run', ...args], { encoding: 'utf8', env: { ...process.env, SYNH_NO_PROGRESS: '1', ...env } });
}

describe('runner: a late harness re-runs the case instead of failing it (real kernel)', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-late-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('on time, the case passes in one attempt', () => {
    const r = synh([LATE, '--no-write', '--json']);
    expect(r.status, r.stderr).to.equal(0);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.reruns).to.equal(0);
    expect(s.cases[0].status).to.equal('pass');
    expect(s.cases[0].reruns).to.equal(undefined);
    // Every step records when it was due and when it took effect.
    for (const st of s.cases[0].steps) expect(BigInt(st.startNs!) >= 0n && BigInt(st.dueNs!) > 0n, JSON.stringify(st)).to.equal(true);
  });

  it('held back past the retransmission: re-run, passed, and the report says so; a planted wrong window still fails', () => {
    const results = path.join(tmp, 'results');
    const r = synh([LATE, WRONG, '--json', '--results', results, '--jobs', '1'], {
      SYNH_TEST_DELAY_STEP: `runner-fixture-late-harness:2:${HOLD_MS},runner-fixture-wrong-window:2:${HOLD_MS}`,
    });
    expect(r.status, r.stderr).to.equal(1);
    const s = JSON.parse(r.stdout) as Summary;
    expect(s.reruns).to.equal(2);
    const late = s.cases.find((c) => c.name === 'runner-fixture-late-harness')!;
    const wrong = s.cases.find((c) => c.name === 'runner-fixture-wrong-window')!;

    expect(late.status, late.message).to.equal('pass');
    expect(late.message).to.match(
      /^re-run: harness late by 1[45]\d\d ms at step 2; attempt 1: step 3 expect: A seq=dut\.isn\+1 ack=peer\.isn\+1 on flow a — \d field\(s\) differ /,
    );
    expect(late.reruns).to.have.length(1);
    expect(late.reruns![0]).to.include({ status: 'fail', step: 2 });
    expect(late.reruns![0].lateMs).to.be.within(HOLD_MS - 50, HOLD_MS + 500);
    // The re-run itself kept time at step 2: the retransmission was not due yet.
    expect(late.steps[1].timerAfterMs).to.equal(undefined);

    // The wrong window is the kernel's answer, late or not: it fails in every attempt, and stays a failure.
    expect(wrong.status).to.equal('fail');
    expect(wrong.message).to.match(/^step 2 expect: .*window.*\(re-run: harness late by 1[45]\d\d ms at step 2; attempt 1: step 2 expect: /);
    expect(wrong.diffs).to.deep.equal([{ step: 2, field: 'window', expected: '12345', observed: '65160' }]);

    expect(r.stderr).to.match(/^RE-RUN test\/fixtures\/runner\/late-harness\.yaml#runner-fixture-late-harness@ipv4: re-run: harness late by \d+ ms at step 2/m);
    expect(r.stderr.trimEnd().split('\n').pop()).to.match(/^1 passed, 1 failed, 0 errors, 0 skipped, 2 re-run \(harness late\) in /);

    const junit = fs.readFileSync(path.join(results, 'latest', 'junit.xml'), 'utf8');
    expect(junit).to.match(/^rerun_note: re-run: harness late by \d+ ms at step 2; /m);
    const ktap = fs.readFileSync(path.join(results, 'latest', 'ktap.txt'), 'utf8');
    expect(ktap).to.match(/^# test\/fixtures\/runner\/late-harness\.yaml: runner-fixture-late-harness@ipv4: re-run: harness late by \d+ ms at step 2/m);
  });

  it('a wait that wakes late, past a timer the model tracks: the next step is provably late and re-run, never a false failure', () => {
    // The guest false failure (debian:6.12 at load 9): the wait before the fourth SYN woke 371 ms late,
    // the request's SYN-ACK retransmission fell due meanwhile and the expect for the SYN's answer took it.
    const r = synh(['cases/retransmit/dup-syn-rate-limit.yaml', '--ip', '4', '--no-write', '--json'], { SYNH_TEST_LATE_WAKE: 'dup-syn-rate-limited:7:700' });
    expect(r.status, r.stderr).to.equal(0);
    const c = (JSON.parse(r.stdout) as Summary).cases[0];
    expect(c.status, c.message).to.equal('pass');
    expect(c.message).to.match(/^re-run: harness late by \d+ ms at step 8; attempt 1: 1 unexpected packet\(s\) from the DUT/);
  });

  it('held back past its own time limit: the timed-out attempt is re-run alone, not reported as an error', () => {
    const r = synh([LATE, '--no-write', '--json', '--timeout', '1200'], { SYNH_TEST_DELAY_STEP: `runner-fixture-late-harness:2:2500` });
    expect(r.status, r.stderr).to.equal(0);
    const c = (JSON.parse(r.stdout) as Summary).cases[0];
    expect(c.status, c.message).to.equal('pass');
    expect(c.message).to.match(/^re-run: harness too slow: timed out after 1200 ms at step 2; attempt 1: timed out after 1200 ms at step 2/);
    expect(c.reruns![0]).to.include({ status: 'error', slow: 'timed out after 1200 ms at step 2' });
    expect(r.stderr).to.match(/^RE-RUN .*late-harness\.yaml#runner-fixture-late-harness@ipv4: re-run: harness too slow: timed out/m);
  });
});
