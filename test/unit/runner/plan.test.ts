import { expect } from 'chai';
import { DEFAULT_WITHIN_MS, loadCaseFile, parseCaseText } from '../../../lib/case';
import { defaultTimeoutMs, estimateCase } from '../../../harness/runner/estimate';
import { planJobs } from '../../../harness/runner/suite';

function caseText(name: string, steps: string[], extra: string[] = []): string {
  return [`name: ${name}`, 'description: t', 'spec: "§1"', ...extra, 'setup: { listen: { port: 8080 } }', 'steps:', ...steps.map((s) => `  - ${s}`)].join('\n');
}

describe('runner/estimate and plan: slowest first, deterministic given a seed', () => {
  it('a case lasts at least its waits, expect_none spans and earliest `at` times', () => {
    const c = loadCaseFile('cases/examples/synack-retransmit-schedule.yaml');
    // At least 7 s − 10 % (the last retransmission, `at: 7s±10%`), at most 7 s + 10 %.
    expect(estimateCase(c)).to.deep.equal({ minMs: 6300, maxMs: 7700 });
    const quick = parseCaseText(
      caseText('q', ['send: { flags: S }', 'expect: { flags: SA, within: 200ms }', 'call: { op: accept, timeout: 2s, expect: { err: ETIMEDOUT } }']),
      'q.yaml',
    );
    expect(estimateCase(quick)).to.deep.equal({ minMs: 0, maxMs: 2200 });
    expect(defaultTimeoutMs({ minMs: 0, maxMs: 2200 })).to.equal(14400);
  });

  it('one default window: a pattern without `within` and an `expect: model` step each wait DEFAULT_WITHIN_MS', () => {
    const c = parseCaseText(caseText('w', ['send: { flags: S }', 'expect: { flags: SA }', 'send: { flags: A }', 'expect: model']), 'w.yaml');
    const pattern = c.steps.find((s) => s.kind === 'expect' && !s.byModel);
    expect(pattern && pattern.kind === 'expect' ? pattern.packets[0].within : undefined).to.equal(DEFAULT_WITHIN_MS);
    expect(estimateCase(c).maxMs).to.equal(2 * DEFAULT_WITHIN_MS);
  });

  it('hands out the slowest first; ties in an order the seed fixes; one job per family', () => {
    const cases = ['a', 'b', 'c', 'd', 'e', 'f'].map((n, i) =>
      parseCaseText(caseText(n, ['send: { flags: S }', 'expect: { flags: SA }', ...(i === 3 ? ['wait: 2s'] : [])], ['ip: both']), `${n}.yaml`),
    );
    const p1 = planJobs(cases, { seed: 1, kernel: '6.18.4' });
    expect(p1).to.have.length(12);
    expect(p1.slice(0, 2).map((p) => p.case.name)).to.deep.equal(['d', 'd']);
    const order = (seed: number) => planJobs(cases, { seed, kernel: '6.18.4' }).map((p) => `${p.case.name}@${p.ip}`);
    expect(order(1)).to.deep.equal(p1.map((p) => `${p.case.name}@${p.ip}`));
    const seeds = [2, 3, 4, 5].map(order);
    expect(
      seeds.some((o) => o.join() !== order(1).join()),
      'some other seed orders the ties differently',
    ).to.equal(true);
    // Results keep discovery order whatever the hand-out order.
    expect(
      [...p1]
        .sort((a, b) => a.order - b.order)
        .map((p) => `${p.case.name}@${p.ip}`)
        .slice(0, 4),
    ).to.deep.equal(['a@4', 'a@6', 'b@4', 'b@6']);
    expect(new Set(p1.map((p) => p.job.key)).size).to.equal(12);
  });

  it('--ip leaves out the other family; a kernel range that does not apply is a skip', () => {
    const both = parseCaseText(caseText('x', ['send: { flags: S }', 'expect: { flags: SA }'], ['ip: both']), 'x.yaml');
    const old = parseCaseText(caseText('y', ['send: { flags: S }', 'expect: { flags: SA }'], ['kernel: "<6.1"']), 'y.yaml');
    const p = planJobs([both, old], { seed: 1, ip: 6, kernel: '6.18.44-fc' });
    expect(p.map((j) => `${j.case.name}@${j.ip}`)).to.deep.equal(['x@6']);
    const q = planJobs([old], { seed: 1, kernel: '6.18.44-fc' });
    expect(q[0].skip).to.equal('kernel 6.18.44-fc is not in <6.1');
    expect(q[0].job.timeoutMs).to.equal(defaultTimeoutMs(q[0].estimate));
    const r = planJobs([old], { seed: 1, kernel: '6.0.1', timeoutMs: 1234 })[0];
    expect(r.skip).to.equal(undefined);
    expect(r.job.timeoutMs).to.equal(1234);
  });
});
