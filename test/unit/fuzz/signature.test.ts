// Signatures (stable, values left out) and coverage of the model's rule catalogue.
import { expect } from 'chai';
import { coverageReport, formatCoverage, formatProgress, rulesForSpec } from '../../../lib/fuzz/coverage';
import { FindingStore, parseSignature, signatureId, signatureOf, signatureSlug } from '../../../lib/fuzz/signature';
import { RULES } from '../../../lib/model/core/reasons';

describe('fuzz signatures', () => {
  it('are stable: fields sorted and deduplicated, values never included', () => {
    const a = signatureOf({ rule: 'check_req.bad-ack', fields: ['seq', 'flags', 'seq'], target: 'request' });
    const b = signatureOf({ rule: 'check_req.bad-ack', fields: ['flags', 'seq'], target: 'request' });
    expect(a).to.equal('request|check_req.bad-ack|flags,seq');
    expect(a).to.equal(b);
    expect(signatureOf({ rule: 'listen.syn', fields: [], target: 'listener' })).to.equal('listener|listen.syn|-');
    expect(parseSignature(a)).to.deep.equal({ target: 'request', rule: 'check_req.bad-ack', fields: ['flags', 'seq'] });
    expect(signatureId(a)).to.match(/^[0-9a-f]{10}$/);
    expect(signatureSlug(a)).to.equal(`request--check-req-bad-ack--flags-seq--${signatureId(a)}`);
    expect(signatureOf({ rule: 'r', fields: ['a'], target: 'listener' })).to.not.equal(signatureOf({ rule: 'r', fields: ['a'], target: 'request' }));
  });

  it('the store deduplicates by signature and counts occurrences', () => {
    const s = new FindingStore();
    const first = s.record({ rule: 'listen.ack-rst', fields: ['flags'], target: 'listener' }, 5, { diffs: ['x'] });
    expect(first.isNew).to.equal(true);
    for (let i = 6; i < 16; i++) expect(s.record('listener|listen.ack-rst|flags', i).isNew).to.equal(false);
    s.record({ rule: 'demux.bad-csum', fields: ['presence'], target: 'listener' }, 3);
    expect(s.size).to.equal(2);
    expect(s.occurrences).to.equal(12);
    expect(s.get('listener|listen.ack-rst|flags')).to.include({ firstIndex: 5, count: 11 });
    expect(s.all().map((f) => f.firstIndex)).to.deep.equal([3, 5]);
    s.setRepro('listener|demux.bad-csum|presence', 'repro/x.yaml');
    expect(s.snapshot(100).find((f) => f.firstIndex === 3)).to.deep.equal({
      signature: 'listener|demux.bad-csum|presence',
      firstIndex: 3,
      count: 1,
      reproPath: 'repro/x.yaml',
    });
  });
});

describe('fuzz coverage', () => {
  it('lists the rules never hit, grouped by kernel function, in catalogue order', () => {
    const hit = ['listen.syn', 'check_req.bad-ack', 'check_req.child', 'not.a-rule'];
    const rep = coverageReport(RULES, hit);
    expect(rep.total).to.equal(RULES.length);
    expect(rep.hit).to.equal(3);
    expect(rep.unknown).to.deep.equal(['not.a-rule']);
    const never = rep.neverHit.flatMap((g) => g.rules.map((r) => r.rule));
    expect(never).to.have.length(RULES.length - 3);
    expect(never).to.not.include('listen.syn');
    for (const g of rep.neverHit) for (const r of g.rules) expect(r.fn).to.equal(g.fn);
    const fns = rep.neverHit.map((g) => g.fn);
    expect(new Set(fns).size).to.equal(fns.length);
    const checkReq = rep.neverHit.find((g) => g.fn === 'tcp_check_req')!;
    expect(checkReq.rules.map((r) => r.rule))
      .to.include('check_req.tsecr-reject')
      .and.not.include('check_req.bad-ack');
    const text = formatCoverage(rep);
    expect(text.split('\n')[0]).to.equal(`rules hit 3/${RULES.length} (${((3 / RULES.length) * 100).toFixed(1)}%)`);
    expect(text).to.contain('  tcp_check_req\n');
    expect(text).to.contain('hit but not in the catalogue: not.a-rule');
  });

  it('can restrict the catalogue to a target’s spec sections; formats progress', () => {
    const s6 = rulesForSpec(RULES, ['§6']);
    expect(s6.length).to.be.greaterThan(5);
    expect(s6.every((r) => r.spec === '§6')).to.equal(true);
    expect(rulesForSpec(RULES, ['§8']).every((r) => r.spec!.startsWith('§8.'))).to.equal(true);
    expect(coverageReport([], []).ratio).to.equal(1);
    expect(formatProgress({ probes: 120000, elapsedMs: 2000, divergences: 7, findings: 2, rulesHit: 30, rulesTotal: 150 })).to.equal(
      '120,000 probes, 60,000/s, 7 divergences, 2 findings, rules 30/150',
    );
  });
});
