// Re-runs (harness/runner/rerun.ts) without a kernel: attempts are results made here.
import { expect } from 'chai';
import { MAX_RERUNS } from '../../../lib/match/lateness';
import { finalResult, rerunNote, withReruns } from '../../../harness/runner/rerun';
import { stepDelayKnob } from '../../../harness/runner/test-knobs';
import { blankResult, type CaseResult, type CaseStatus, type StepOutcome } from '../../../harness/report/types';

const C = { file: 'cases/x.yaml', name: 'x', spec: ['§1'] };
const ms = (n: number): bigint => BigInt(Math.round(n * 1e6));

/** An attempt: `status`, and step 3 late by `lateMs` with a model timer in it (or on time). */
function attempt(status: CaseStatus, lateMs: number | undefined, message?: string): CaseResult {
  const steps: StepOutcome[] = [
    { index: 0, kind: 'send', ok: true, dueNs: ms(0), startNs: ms(0.1) },
    { index: 1, kind: 'expect', ok: true, dueNs: ms(0.1), startNs: ms(0.2) },
    lateMs === undefined
      ? { index: 2, kind: 'expect_none', ok: status === 'pass', dueNs: ms(300), startNs: ms(300.4) }
      : { index: 2, kind: 'expect_none', ok: status === 'pass', dueNs: ms(300), startNs: ms(300 + lateMs), timerAfterMs: 700 },
  ];
  return { ...blankResult(C, 4, 1, '6.18', status, message), steps };
}

/** Runs withReruns over these attempts in turn; returns the result and how many attempts ran. */
async function run(...attempts: CaseResult[]): Promise<{ r: CaseResult; ran: number }> {
  let ran = 0;
  const r = await withReruns(async (n) => {
    expect(n).to.equal(ran);
    return attempts[ran++];
  });
  return { r, ran };
}

describe('runner/rerun: a late harness gets the case run again, and says so', () => {
  const slow = (what: string): CaseResult => ({ ...attempt('error', undefined, `${what} (harness)`), harnessSlow: { step: 4, what } });
  it('an error from the harness being too slow for its own limits (a case timer, a set-up deadline) is run again, alone', async () => {
    const { r, ran } = await run(slow('timed out after 14000 ms at step 4'), attempt('pass', undefined));
    expect(ran).to.equal(2);
    expect(r.status).to.equal('pass');
    expect(r.message).to.equal('re-run: harness too slow: timed out after 14000 ms at step 4; attempt 1: timed out after 14000 ms at step 4 (harness)');
    expect(r.reruns![0]).to.include({ status: 'error', slow: 'timed out after 14000 ms at step 4' });
    expect(r).to.not.have.property('harnessSlow');
  });
  it('too slow in every attempt: the error stands, with its attempts; a kernel failure after a slow attempt stands too', async () => {
    const { r, ran } = await run(slow('its lab did not come up in time'), slow('its lab did not come up in time'), slow('its lab did not come up in time'));
    expect(ran).to.equal(MAX_RERUNS + 1);
    expect(r.status).to.equal('error');
    expect(r.message).to.match(
      /^its lab did not come up in time \(harness\) \(re-run: harness too slow: its lab did not come up in time, then too slow: its lab/,
    );
    expect(r).to.not.have.property('harnessSlow');
    const k = await run(slow('timed out after 9000 ms at step 4'), attempt('fail', undefined, 'step 3: a field differs'));
    expect(k.r.status).to.equal('fail');
    expect(k.ran).to.equal(2);
  });
  it('a failure while the harness was late, then a pass on time: a pass that says it was re-run', async () => {
    const { r, ran } = await run(
      attempt('fail', 1180, 'step 3 expect_none: nothing expected for 200 ms, but the DUT sent a packet before the step began'),
      attempt('pass', undefined),
    );
    expect(ran).to.equal(2);
    expect(r.status).to.equal('pass');
    expect(r.message).to.equal(
      're-run: harness late by 1180 ms at step 3; attempt 1: step 3 expect_none: nothing expected for 200 ms, but the DUT sent a packet before the step began',
    );
    expect(r.reruns).to.deep.equal([
      {
        status: 'fail',
        message: 'step 3 expect_none: nothing expected for 200 ms, but the DUT sent a packet before the step began',
        step: 3,
        lateMs: 1180,
        durationMs: 0,
      },
    ]);
  });

  it('a kernel failure fails again on time, and that failure stands (with the note)', async () => {
    const wrong = 'step 3 expect: SA on flow a — 1 field(s) differ';
    const { r, ran } = await run(attempt('fail', 900, wrong), attempt('fail', undefined, wrong));
    expect(ran).to.equal(2);
    expect(r.status).to.equal('fail');
    expect(r.message).to.equal(`${wrong} (re-run: harness late by 900 ms at step 3; attempt 1: ${wrong})`);
  });

  it('late in every attempt: not judged (an error), after MAX_RERUNS re-runs', async () => {
    const { r, ran } = await run(attempt('fail', 900, 'a'), attempt('fail', 800, 'b'), attempt('fail', 700, 'c'), attempt('pass', undefined));
    expect(ran).to.equal(MAX_RERUNS + 1);
    expect(r.status).to.equal('error');
    expect(r.message).to.match(
      /^not judged: harness late by 700 ms at step 3 in the last attempt too \(re-run: harness late by 900 ms at step 3, then late by 800 ms at step 3\); .* last attempt: c$/,
    );
    expect(r.reruns).to.have.length(2);
  });

  it('late in every attempt but failing the same way each time (same step, same fields): the failure is the verdict', async () => {
    const len = (lateMs: number): CaseResult => {
      const a = attempt('fail', lateMs, `step 3: len differs (${lateMs})`);
      return { ...a, steps: a.steps.map((s) => (s.ok ? s : { ...s, diffs: [{ field: 'len', expected: '2000', observed: '1000' }] })) };
    };
    const { r, ran } = await run(len(27), len(12), len(7));
    expect(ran).to.equal(MAX_RERUNS + 1);
    expect(r.status).to.equal('fail');
    expect(r.message).to.match(/^step 3: len differs \(7\) \(re-run: harness late by 27 ms at step 3, then late by 12 ms at step 3; attempt 1: /);
  });

  it('a pass while late, or a failure on time, is run once', async () => {
    expect((await run(attempt('pass', 900))).ran).to.equal(1);
    const f = await run(attempt('fail', undefined, 'x'), attempt('pass', undefined));
    expect(f.ran).to.equal(1);
    expect(f.r).to.deep.include({ status: 'fail', message: 'x' });
    expect(f.r.reruns).to.equal(undefined);
  });

  it('the note, and a result with no earlier attempt is left alone', () => {
    expect(rerunNote([{ status: 'fail', step: 14, lateMs: 1180.2, durationMs: 1 }])).to.equal('re-run: harness late by 1180 ms at step 14');
    const r = attempt('pass', undefined);
    expect(finalResult(r, [])).to.equal(r);
  });

  it('the test-only delay knob: <case name>:<step>:<ms>, first attempt only', () => {
    const env = { SYNH_TEST_DELAY_STEP: 'my case:3:1500' };
    const d = stepDelayKnob('my case', 0, env)!;
    expect([1, 2, 3, 4].map(d)).to.deep.equal([0, 0, 1500, 0]);
    expect(stepDelayKnob('my case', 1, env)).to.equal(undefined);
    expect(stepDelayKnob('other', 0, env)).to.equal(undefined);
    expect(stepDelayKnob('x', 0, {})).to.equal(undefined);
    expect(() => stepDelayKnob('x', 0, { SYNH_TEST_DELAY_STEP: 'x:3' })).to.throw(/<case name>:<step>:<ms>\[,…\], got 'x:3'/);
  });
});
