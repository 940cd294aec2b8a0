// synh fuzz --coverage: the runs' rules merged against the rules that can fire on the kernel
// (lib/fuzz/reachability.ts): unreachable rules listed with the reason, not counted as misses.
import { expect } from 'chai';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { RULES, PROFILES } from '../../../lib/model';
import { formatMergedCoverage, mergeCoverage } from '../../../lib/fuzz/coverage';
import { gatedRules, unreachableRules } from '../../../lib/fuzz/reachability';
import { coverageParts } from '../../../harness/cli/fuzz-coverage';

describe('merged fuzz coverage', () => {
  it('every rule a reachability gate names is in the model catalogue', () => {
    const ids = new Set<string>(RULES.map((r) => r.rule));
    expect(gatedRules().filter((r) => !ids.has(r))).to.deep.equal([]);
  });

  it('gates follow the profile: 6.18 cannot lose the TIME_WAIT ISN, 6.1 cannot pre-parse auth options', () => {
    const on = (v: string) => unreachableRules(RULES, PROFILES[v]).map((u) => u.rule);
    expect(on('6.18')).to.include.members(['tw.isn-lost', 'auth.legacy-no-md5', 'ao.unexpected', 'profile.exact', 'event.bad']);
    expect(on('6.18')).to.not.include('auth.malformed');
    expect(on('6.1')).to.include.members(['auth.malformed', 'auth.no-rst', 'ao.ignored']);
    expect(on('6.1')).to.not.include.members(['tw.isn-lost', 'auth.legacy-no-md5']);
    for (const u of unreachableRules(RULES, PROFILES['6.18'])) expect(u.reason).to.match(/\S/);
  });

  it("the model's fallbacks for unobserved values are model notes on every profile, not misses", () => {
    for (const v of ['6.1', '6.18']) {
      const u = unreachableRules(RULES, PROFILES[v]).filter((x) => x.rule === 'check_req.isn-unbound' || x.rule === 'synsent.tsecr-approx');
      expect(u.map((x) => x.kind)).to.deep.equal(['model note', 'model note']);
    }
  });

  it('the silent unsent ACK is a pre-6.13 rule; ecn.ca-needs needs an ECN congestion control among the kernel facts', () => {
    const out = (v: string, facts = {}) => unreachableRules(RULES, PROFILES[v], facts).map((u) => u.rule);
    expect(out('6.18')).to.include('estab.unsent-ack-silent');
    expect(out('6.1')).to.not.include('estab.unsent-ack-silent');
    // not known: not gated; known without dctcp: unreachable, with the list in the reason; with it: reachable
    expect(out('6.18')).to.not.include('ecn.ca-needs');
    expect(out('6.18', { congestionControls: ['reno', 'dctcp'] })).to.not.include('ecn.ca-needs');
    const u = unreachableRules(RULES, PROFILES['6.18'], { congestionControls: ['reno', 'bbr', 'cubic'] }).find((x) => x.rule === 'ecn.ca-needs');
    expect(u?.kind).to.equal('kernel config');
    expect(u?.reason).to.match(/dctcp.*reno bbr cubic/);
  });

  it('covered/reachable: the union of the runs, unreachable rules out of both counts', () => {
    const cat = [
      { rule: 'a', fn: 'f' },
      { rule: 'b', fn: 'f' },
      { rule: 'c', fn: 'g' },
      { rule: 'x', fn: 'h' },
    ];
    const part = (campaign: string, rules: string[]) => ({ campaign, dir: `/r/${campaign}`, probes: 10, probesPerSec: 5, rules, guided: false });
    const m = mergeCoverage(cat, [part('p', ['a']), part('q', ['a', 'c', 'x'])], [{ rule: 'x', fn: 'h', kind: 'profile', reason: 'not here' }], {
      release: '6.18.0',
      profile: '6.18',
    });
    expect([m.covered, m.reachable]).to.deep.equal([2, 3]);
    expect(m.missed).to.deep.equal([{ fn: 'f', rules: ['b'] }]);
    const text = formatMergedCoverage(m);
    expect(text).to.match(/covered 2\/3 rules reachable on 6\.18\.0 \(66\.7%/);
    expect(text).to.match(/x \(h\) — profile: not here/);
  });

  it('reads run directories, a directory of them, and killed runs (checkpoint only); refuses a directory without runs', () => {
    const root = mkdtempSync(join(tmpdir(), 'cov-'));
    try {
      mkdirSync(join(root, 'fuzz', 'one'), { recursive: true });
      writeFileSync(
        join(root, 'fuzz', 'one', 'summary.json'),
        JSON.stringify({ campaign: 'one', campaignHash: 'h', probes: 5, probesPerSec: 2, rules: ['a'], kernel: '6.18.44' }),
      );
      mkdirSync(join(root, 'fuzz', 'two'));
      writeFileSync(
        join(root, 'fuzz', 'two', 'checkpoint.json'),
        JSON.stringify({
          schema: 'synharness-fuzz-checkpoint/1',
          campaign: 'two',
          campaignHash: 'h2',
          nextIndex: 4,
          probesDone: 4,
          findings: [],
          rulesHit: ['b'],
          startedAt: 'x',
          elapsedMs: 2000,
        }),
      );
      const parts = coverageParts([join(root, 'fuzz')]);
      expect(parts.map((p) => [p.campaign, p.probes, p.rules])).to.deep.equal([
        ['one', 5, ['a']],
        ['two', 4, ['b']],
      ]);
      expect(coverageParts([join(root, 'fuzz', 'one')])).to.have.length(1);
      mkdirSync(join(root, 'empty'));
      expect(() => coverageParts([join(root, 'empty')])).to.throw(/no campaign run here/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
