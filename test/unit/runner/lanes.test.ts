// The lanes policy (harness/runner/lanes.ts): a worker's cases at a time follow its event-loop delay.
import { expect } from 'chai';
import { adaptLanes, AUTO_LANES, LOOP_DELAY_HIGH_MS, LOOP_DELAY_LOW_MS } from '../../../harness/runner/lanes';

describe('runner/lanes: lanes adapt to the event-loop delay', () => {
  it('an idle loop doubles the lanes up to the maximum: from the start to the maximum in two reports', () => {
    let n = AUTO_LANES.start;
    const seen = [n];
    for (let i = 0; i < 4; i++) seen.push((n = adaptLanes(n, 1)));
    expect(seen).to.deep.equal([4, 8, 16, 16, 16]);
  });

  it('a late loop halves them down to the minimum; in between they stay', () => {
    expect(adaptLanes(16, LOOP_DELAY_HIGH_MS + 1)).to.equal(8);
    expect(adaptLanes(5, 500)).to.equal(AUTO_LANES.min);
    expect(adaptLanes(AUTO_LANES.min, 500)).to.equal(AUTO_LANES.min);
    expect(adaptLanes(6, (LOOP_DELAY_LOW_MS + LOOP_DELAY_HIGH_MS) / 2)).to.equal(6);
  });

  it('a guest under TCG (loop delay ~20 ms per lane) settles where the loop keeps time', () => {
    const delayAt = (lanes: number): number => 20 * lanes;
    let n = AUTO_LANES.max;
    for (let i = 0; i < 10; i++) n = adaptLanes(n, delayAt(n));
    expect(n).to.equal(2);
  });

  it('no measurement, no change', () => {
    expect(adaptLanes(5, NaN)).to.equal(5);
  });
});
