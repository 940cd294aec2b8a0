// The planted-bug measurement, pure: a model copy with a bug in a rarely reached rule
// (test/fixtures/fuzz/planted-ecn-model.ts) judged against the true model standing in for the kernel.
// The guided campaign finds the divergence within its budget and it minimizes to its core (a SYN with
// ECE+CWR from an ECT sender); the same budget unguided does not find it. Deterministic (fixed seed,
// model time from the index), so nothing here depends on how fast the machine is.
import { expect } from 'chai';
import * as path from 'path';
import { loadCampaignFile } from '../../../lib/fuzz/campaign-load';
import { minimizeDetailed } from '../../../lib/fuzz/minimize';
import { modelJudge, runListenerOnModels } from '../../../lib/fuzz/model-run';
import * as model from '../../../lib/model';
import { CWR, ECE, SYN } from '../../../lib/wire/types';
import * as planted from '../../fixtures/fuzz/planted-ecn-model';

const CAMPAIGN = path.join(__dirname, '..', '..', 'fixtures', 'fuzz', 'guided-planted.yaml');

describe('guided fuzzing finds a planted bug in a rare rule (model only)', function () {
  this.timeout(60000);
  const c = loadCampaignFile(CAMPAIGN);
  const budget = c.budget.probes!;

  it('guided: found within the budget and minimized to a SYN with ECE+CWR on an ECT packet', async () => {
    const r = runListenerOnModels(c, { probes: budget, guided: true, reference: model, oracle: planted, stopAtDivergence: true });
    expect(r.firstDivergence, 'guided run finds the planted bug').to.not.equal(undefined);
    const d = r.firstDivergence!;
    expect(d.rules).to.include(planted.PLANTED_RULE);
    const judge = modelJudge(c, model, planted);
    const min = await minimizeDetailed(d.probe, async (p) => judge(p, 1000 + d.index).diverges);
    expect(judge(min.probe, 1000).diverges).to.equal(true);
    const m = min.probe.mutated;
    expect(m.flags & (SYN | ECE | CWR)).to.equal(SYN | ECE | CWR);
    expect(m.tos & 3, 'an ECT codepoint').to.not.equal(0);
    expect(m.options.length).to.be.at.most(d.probe.mutated.options.length);
    expect(m.payload.length).to.equal(0);
  });

  it('unguided with the same budget does not find it', () => {
    const r = runListenerOnModels({ ...c, guided: undefined }, { probes: budget, guided: false, reference: model, oracle: planted, stopAtDivergence: true });
    expect(r.firstDivergence?.index ?? -1, 'unguided first divergence').to.equal(-1);
  });
});
