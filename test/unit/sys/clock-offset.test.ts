// The realtime − monotonic estimator: a pause between the two clock reads must not skew it, and a
// set clock must be followed.
import { expect } from 'chai';
import { ClockOffset } from '../../../harness/sys/clock-offset';

/** Fake clocks: monotonic advances `step` ns per read, plus any pause queued for the next read; realtime = monotonic + offset. */
function fakeClocks(offset: bigint, step = 100n) {
  let mono = 1_000_000n;
  const pauses: bigint[] = [];
  const c = {
    offset,
    pauseBeforeNextRead(ns: bigint) {
      pauses.push(ns);
    },
    reads: {
      mono: () => (mono += step + (pauses.shift() ?? 0n)),
      real: () => (mono += step + (pauses.shift() ?? 0n)) + c.offset,
    },
  };
  return c;
}

describe('ClockOffset: CLOCK_REALTIME − CLOCK_MONOTONIC', () => {
  it('is within a few reads of the true offset', () => {
    const c = fakeClocks(1_700_000_000_000_000_000n);
    const est = new ClockOffset(c.reads);
    const d = est.now() - c.offset;
    expect(Number(d < 0n ? -d : d)).to.be.at.most(100);
    expect(Number(est.uncertaintyNs)).to.be.at.most(200);
  });

  it('a 30 ms pause between the reads (a preemption, a GC) does not move it', () => {
    const c = fakeClocks(5_000_000_000n);
    const est = new ClockOffset(c.reads);
    const before = est.now();
    for (const pauseAt of [0, 1, 2]) {
      // the pause lands before the first monotonic read, the realtime read, or the second monotonic read
      for (let i = 0; i < pauseAt; i++) c.pauseBeforeNextRead(0n);
      c.pauseBeforeNextRead(30_000_000n);
      const after = est.now();
      const d = after - before;
      expect(Number(d < 0n ? -d : d), `pause before read ${pauseAt}`).to.be.at.most(100);
    }
  });

  it('a naive read (monotonic, then realtime) is skewed by that pause: what the estimator is for', () => {
    const c = fakeClocks(5_000_000_000n);
    c.pauseBeforeNextRead(0n);
    c.pauseBeforeNextRead(30_000_000n);
    const a = c.reads.mono();
    const naive = c.reads.real() - a;
    expect(Number(naive - c.offset)).to.be.at.least(30_000_000);
  });

  it('follows a set clock at the next call, in either direction', () => {
    const c = fakeClocks(5_000_000_000n);
    const est = new ClockOffset(c.reads);
    est.now();
    for (const jump of [250_000_000n, -1_000_000_000n, 5_000n]) {
      c.offset += jump;
      const d = est.now() - c.offset;
      expect(Number(d < 0n ? -d : d), `after a jump of ${jump} ns`).to.be.at.most(100);
    }
  });
});
