// How late the harness was at a step, whether a kernel timer fell due meanwhile, and what that means
// for the case (lib/match/lateness.ts) — without a kernel.
import { expect } from 'chai';
import { decideAttempt, Drift, lateText, LATE_MIN_MS, MAX_RERUNS, pendingTimerOfLateStep, provablyLate, stepLateMs } from '../../../lib/match/lateness';
import { MODEL_SLACK_MS } from '../../../lib/match/timing';
import type { StepOutcome } from '../../../lib/match/verdict';

const ms = (n: number): bigint => BigInt(Math.round(n * 1e6));
/** A step due at `due` ms that started at `start` ms; `timer`: a model timer fell due `timer` ms after `due`. */
function step(index: number, due: number, start: number, ok = true, timer?: number): StepOutcome {
  return { index, kind: 'expect_none', ok, dueNs: ms(due), startNs: ms(start), ...(timer !== undefined ? { timerAfterMs: timer } : {}) };
}

describe("match/lateness: a late harness against the kernel's timers", () => {
  it('lateness is the start minus the due time, never negative, 0 when not recorded', () => {
    expect(stepLateMs(step(0, 1000, 1250))).to.equal(250);
    expect(stepLateMs(step(0, 1000, 999))).to.equal(0);
    expect(stepLateMs({})).to.equal(0);
  });

  it('a timer counts when it fell due while the harness was late (beyond the jiffy slack of the due time)', () => {
    // An active open: the SYN at 0 (its retransmission at 1000), our SYN-ACK held back 1500 ms.
    const d = new Drift();
    expect(d.step({ dueMs: 0, startMs: 0.1, nextDueMs: 0.05, idealMs: 0.05 }, 1000)).to.equal(undefined);
    expect(d.step({ dueMs: 0.05, startMs: 1500, nextDueMs: 1500, idealMs: 0 }, 1000)).to.deep.equal({ timerMs: 1000, lateMs: 1500 - 0.05 });
    // Only a little late: the step still comes before the timer.
    const e = new Drift();
    e.step({ dueMs: 0, startMs: 0.1, nextDueMs: 0.05, idealMs: 0.05 }, 1000);
    expect(e.step({ dueMs: 0.05, startMs: 900, nextDueMs: 900, idealMs: 0 }, 1000)).to.equal(undefined);
    // Within the slack before the start: the kernel may fire that early.
    expect(new Drift().step({ dueMs: 300, startMs: 1000 - MODEL_SLACK_MS + 1, nextDueMs: 1000 - MODEL_SLACK_MS + 1, idealMs: 0 }, 1000)?.timerMs).to.equal(
      1000,
    );
    // A timer due right at the due time races an on-time harness just as well; no timer; lateness under the jitter floor.
    expect(new Drift().step({ dueMs: 1000, startMs: 1500, nextDueMs: 1500, idealMs: 0 }, 1000 + MODEL_SLACK_MS / 2)).to.equal(undefined);
    expect(new Drift().step({ dueMs: 0, startMs: 5000, nextDueMs: 5000, idealMs: 0 }, Infinity)).to.equal(undefined);
    expect(new Drift().step({ dueMs: 0, startMs: LATE_MIN_MS / 2, nextDueMs: LATE_MIN_MS / 2, idealMs: 0 }, 0.1)).to.equal(undefined);
  });

  it('drift adds up over steps each a little late, against a timer armed before it (fuzz-c15 under load)', () => {
    const d = new Drift();
    d.step({ dueMs: 0, startMs: 0, nextDueMs: 0, idealMs: 0 }, Infinity); // send SYN on flow a (retransmission at 1000)
    d.step({ dueMs: 0, startMs: 0.1, nextDueMs: 0.05, idealMs: 0.05 }, 1000); // expect its SYN-ACK
    d.step({ dueMs: 0.05, startMs: 0.3, nextDueMs: 200.05, idealMs: 200 }, 1000); // expect_none 200 ms
    // send on flow b, 600 ms late all told: before the retransmission, so not this step's doing…
    expect(d.step({ dueMs: 200.05, startMs: 800, nextDueMs: 800, idealMs: 0 }, 1000)).to.equal(undefined);
    expect(d.ms).to.be.closeTo(600, 0.1);
    // …but the next expect_none's span [800, 1000] holds it, where on time it was [200, 400].
    const late = d.step({ dueMs: 800, startMs: 800.2, nextDueMs: 1000, idealMs: 200 }, 1000)!;
    expect(late.timerMs).to.equal(1000);
    expect(late.lateMs).to.be.closeTo(600, 0.1);
  });

  it('a timer armed by a late step moves with it: no lateness against it', () => {
    const d = new Drift();
    d.step({ dueMs: 0, startMs: 500, nextDueMs: 500, idealMs: 0 }, Infinity); // our SYN, 500 ms late
    d.step({ dueMs: 500, startMs: 500.1, nextDueMs: 500.05, idealMs: 0.05 }, 1500); // its SYN-ACK; retransmission at 1500
    expect(d.step({ dueMs: 500.05, startMs: 600, nextDueMs: 700.05, idealMs: 200 }, 1500)).to.equal(undefined); // expect_none on time relative to the SYN
    const e = new Drift();
    e.step({ dueMs: 0, startMs: 500, nextDueMs: 500, idealMs: 0 }, Infinity);
    e.step({ dueMs: 500, startMs: 500.1, nextDueMs: 500.05, idealMs: 0.05 }, 1500);
    expect(e.step({ dueMs: 500.05, startMs: 1600, nextDueMs: 700.05, idealMs: 200 }, 1500)?.lateMs).to.be.closeTo(900, 0.1); // 900 ms late after the SYN: provably
  });

  it('a late `at` reference step with a timer already running: the window sees that timer early', () => {
    // The bare ACK to a TCP_DEFER_ACCEPT listener sent 400 ms late; the SYN-ACK timer runs 1 s after the SYN.
    expect(pendingTimerOfLateStep(step(2, 10_000, 10_400), 11_000)).to.equal(1000);
    expect(pendingTimerOfLateStep(step(2, 10_000, 10_000.5), 11_000)).to.equal(undefined);
    expect(pendingTimerOfLateStep(step(2, 10_000, 10_400), Infinity)).to.equal(undefined);
    expect(pendingTimerOfLateStep(step(2, 10_000, 10_400), 10_005)).to.equal(undefined);
  });

  it('the provably late step is the one late by the most among those with a timer in their lateness', () => {
    const steps = [step(0, 0, 0.5), step(1, 10, 400, true, 200), step(2, 400, 2000), step(3, 2000, 2700, false, 650)];
    expect(provablyLate(steps)).to.deep.equal({ step: 4, lateMs: 700, timerAfterMs: 650 });
    // Late, but no timer fell due: nothing the kernel did on its own.
    expect(provablyLate([step(0, 0, 5000)])).to.equal(undefined);
  });

  it('a failure with a provably late step is re-run, at most MAX_RERUNS times, then left unjudged', () => {
    const late = [step(0, 0, 1500, false, 1000)];
    expect(decideAttempt('fail', late, 0)).to.deep.equal({ kind: 'rerun', late: { step: 1, lateMs: 1500, timerAfterMs: 1000 } });
    expect(decideAttempt('fail', late, MAX_RERUNS - 1).kind).to.equal('rerun');
    expect(decideAttempt('fail', late, MAX_RERUNS).kind).to.equal('unjudged');
  });

  it("a failure on a packet's time alone at a step the harness reached late is re-run; on time, or on another field, it stands", () => {
    const atMiss = (s: ReturnType<typeof step>, field = 'at') => ({ ...s, diffs: [{ field, expected: '0ms ±10ms (-Infinity..10 ms)', observed: '10.4 ms' }] });
    // packetdrill's close-on-syn-sent over IPv6 on a loaded machine: the expect started 27 ms late, the SYN was seen 10.4 ms after connect()
    expect(decideAttempt('fail', [atMiss(step(0, 0, 27.5, false))], 0)).to.deep.equal({ kind: 'rerun', late: { step: 1, lateMs: 27.5, timerAfterMs: 0 } });
    expect(decideAttempt('fail', [step(0, 0, 27.5), atMiss(step(1, 30, 30.2, false))], 0).kind).to.equal('rerun');
    expect(decideAttempt('fail', [atMiss(step(0, 0, 0.3, false))], 0)).to.deep.equal({ kind: 'final' });
    expect(decideAttempt('fail', [atMiss(step(0, 0, 27.5, false), 'window')], 0)).to.deep.equal({ kind: 'final' });
    // an RTT the kernel measured from a SYN-ACK the harness sent late (packetdrill's syn-data-rtt-from-syn-data at load)
    const rtt = {
      ...step(3, 300, 300.1, false),
      diffs: [{ field: 'tcp_info (line 17)', expected: '15000 <= tcpi_rtt && tcpi_rtt <= 25000', observed: 'tcpi_rtt=61000' }],
    };
    expect(decideAttempt('fail', [step(0, 0, 0.1), step(1, 20, 61), step(2, 61, 61.1), rtt], 0).kind).to.equal('rerun');
    expect(decideAttempt('fail', [step(0, 0, 0.1), step(1, 20, 20.1), step(2, 20.1, 20.2), rtt], 0).kind).to.equal('final');
    expect(decideAttempt('fail', [step(0, 0, 0.1), step(1, 20, 61), { ...rtt, diffs: [{ ...rtt.diffs[0], observed: 'tcpi_snd_cwnd=3' }] }], 0).kind).to.equal(
      'final',
    );
    // a TSval judged against the clock is a time too (its ts_off was bound from a capture time a loaded machine stamped late)
    expect(decideAttempt('fail', [step(0, 0, 775), atMiss(step(1, 775, 775.3, false), 'model opt.ts.val')], 0).kind).to.equal('rerun');
  });

  it("a failure after a send the capture did not see leave in time is re-run: the harness's timeline is unknown from there", () => {
    const unseen = { ...step(0, 0, 0.1), unseenSend: true };
    expect(decideAttempt('fail', [step(0, 0, 0.1), { ...unseen, index: 1 }, step(2, 200, 200.1, false)], 0).kind).to.equal('rerun');
    // after the failing step it changes nothing
    expect(decideAttempt('fail', [step(0, 0, 0.1, false), { ...unseen, index: 1 }], 0).kind).to.equal('final');
  });

  it("a failure on time waiting for a packet a blocked call's thread sends is re-run; the same step failing otherwise stands", () => {
    const miss = { ...step(1, 0, 0.1, false), blockedThread: true };
    const d = decideAttempt('fail', [step(0, 0, 0.1), miss], 0);
    expect(d).to.deep.include({ kind: 'rerun' });
    expect(lateText((d as { late: { step: number; lateMs: number; thread?: true } }).late)).to.equal("a blocked call's thread late at step 2");
    expect(decideAttempt('fail', [step(0, 0, 0.1), step(1, 0, 0.1, false)], 0).kind).to.equal('final');
  });

  it('a pass, an error, and a failure on time are final', () => {
    const late = [step(0, 0, 1500, true, 1000)];
    expect(decideAttempt('pass', late, 0)).to.deep.equal({ kind: 'final' });
    expect(decideAttempt('error', late, 0)).to.deep.equal({ kind: 'final' });
    expect(decideAttempt('fail', [step(0, 0, 0.3, false)], 0)).to.deep.equal({ kind: 'final' });
  });

  it('says how late, at which step', () => {
    expect(lateText({ step: 14, lateMs: 1180.4 })).to.equal('harness late by 1180 ms at step 14');
  });
});
