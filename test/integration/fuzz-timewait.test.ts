// The timewait fuzz target on the real kernel: the handshake, accept(), close(), the peer's FIN+ACK or
// bare ACK, then one mutated segment at the TIME_WAIT / FIN_WAIT2 timewait socket — judged by the true
// model, no finding, and the timewait rules are reached; a finding's repro case loads.
import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCampaignFile } from '../../lib/fuzz/campaign-load';
import { runCampaign } from '../../harness/fuzz/campaign';
import { Lab } from '../../harness/topology/lab';

const ROOT = path.join(__dirname, '..', '..');
const CAMPAIGN = path.join(ROOT, 'cases', 'campaigns', 'timewait.yaml');

describe('timewait fuzz campaign on the real kernel', function () {
  this.timeout(300000);
  let lab: Lab;
  before(async () => {
    lab = await Lab.create({ capture: 'dut' });
  });
  after(async () => {
    await lab?.close();
  });

  it('400 probes: no finding, TIME_WAIT and FIN_WAIT2-substate rules reached', async () => {
    const c = loadCampaignFile(CAMPAIGN);
    const s = await runCampaign(c, { lab, runDir: fs.mkdtempSync(path.join(os.tmpdir(), 'synh-tw-')), campaignFile: CAMPAIGN, maxProbes: 400 });
    expect(s.probes).to.equal(400);
    // (A divergence that does not reproduce on its immediate re-run — the harness late by more than the
    // TSval tolerance on a loaded machine — is counted as flaky, not a finding.)
    expect(s.findings, JSON.stringify(s.findings)).to.deep.equal([]);
    expect(s.rules).to.include.members(['close.fin', 'tw.enter', 'tw.fin-wait2', 'tw.syn-accept', 'isn.tw', 'tw.ack', 'tw.rst-kill', 'tw.fw2-oow']);
  });
});
