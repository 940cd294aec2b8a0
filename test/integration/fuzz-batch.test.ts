// The batched sequence engine on the real kernel: stateful campaigns (request, established via
// passive) whose probes go through batch-sequence.ts agree with the true model over thousands of
// probes, and a model copy with a planted bug in a stateful rule (the challenge ACK for an in-window
// RST at an ESTABLISHED socket) is caught in a batch, confirmed alone, minimized and written as a repro.
import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { parseCampaignText } from '../../lib/fuzz/campaign-load';
import { FindingFile, runCampaign } from '../../harness/fuzz/campaign';
import { Lab } from '../../harness/topology/lab';
import { TmpDirs } from './tmp-dirs';

const ROOT = path.join(__dirname, '..', '..');
const PLANTED = path.join(ROOT, 'test', 'fixtures', 'fuzz', 'planted-challenge-model.ts');

const ESTABLISHED = `name: batch-established
seed: 77
budget: { probes: 3000 }
target: established
ip: [4, 6]
listen: { port: 8080, backlog: 128 }
generator:
  via: passive
  kinds: { syn: 20, synack: 6, rst: 20, ack: 15, data: 10, fin: 8, ts_paws: 8, flags: 8 }
`;

const REQUEST = `name: batch-request
seed: 78
budget: { probes: 3000 }
target: request
ip: [4, 6]
rotate_every: 1500
profiles:
  - name: defaults
  - name: no-ts
    sysctls: { net.ipv4.tcp_timestamps: 0 }
listen: { port: 8080, backlog: 128 }
window: 64
generator:
  kinds: { ack: 20, window_edge: 12, tsecr: 12, paws: 10, data: 8, fin: 6, rst: 12, dup_syn: 8, syn_ack: 4, no_ack: 4, flags: 6 }
  setup: { ts: 0.9, options: [mss=1460, sackOK, ts, nop, wscale=7] }
  # the packet again (the request's rate limits): one more round in the batch
  calls: { p: 0.3, kinds: { again: 1 } }
`;

describe('batched sequence engine on the real kernel', function () {
  this.timeout(300_000);
  const dirs = new TmpDirs();
  let lab: Lab;
  before(async () => {
    lab = await Lab.create({ capture: 'dut' });
  });
  after(async () => {
    await lab?.close();
    dirs.removeAll();
  });

  for (const [name, text] of [
    ['established', ESTABLISHED],
    ['request', REQUEST],
  ] as const) {
    it(`${name}: 3000 probes judged in batches agree with the true model`, async () => {
      const c = parseCampaignText(text, `${name}.yaml`);
      const s = await runCampaign(c, { lab, runDir: dirs.make(`batch-${name}`), campaignFile: `${name}.yaml` });
      expect(s.probes).to.equal(3000);
      expect(s.findings, JSON.stringify(s.findings)).to.deep.equal([]);
      expect(s.divergences).to.equal(0);
      // (a few probes may be handed back to run alone: an answer the model predicts after the packet)
      // (probes the batch cannot judge are played alone: an answer the model predicts after the packet,
      // or a round too slow to know the answers' times — the machine's load)
      expect(s.batched!.probes + s.batched!.alone).to.equal(3000);
      expect(s.batched!.probes).to.be.greaterThan(2400);
      // A batched divergence is played again alone and that verdict counts; one that does not come
      // back alone (batch-only: a TSval just past the tolerance on a loaded machine) is rare.
      expect(s.batched!.batchOnly).to.be.at.most(30);
      // the request campaign's again calls, batched, reach the request socket's rate limits
      if (name === 'request') for (const r of ['check_req.dup-syn-limited', 'check_req.oow-limited']) expect(s.rules).to.include(r);
    });
  }

  it('a planted bug in the established challenge ACK is caught in a batch, confirmed alone and minimized', async () => {
    const c = parseCampaignText(ESTABLISHED.replace('probes: 3000', 'probes: 1000'), 'planted.yaml');
    const dir = dirs.make('batch-planted');
    const s = await runCampaign(c, { lab, runDir: dir, campaignFile: 'planted.yaml', modelModule: PLANTED });
    expect(s.batched!.probes).to.be.greaterThan(800);
    const sigs = s.findings.map((f) => f.signature);
    expect(
      sigs.some((x) => x.includes('estab.challenge-rst')),
      sigs.join(', '),
    ).to.equal(true);
    // every batched divergence came back when played alone: the planted rule, not the batching
    expect(s.batched!.batchOnly).to.equal(0);
    expect(s.flaky).to.equal(0);
    const f = s.findings.find((x) => x.signature.includes('estab.challenge-rst'))!;
    expect(f.count).to.be.greaterThan(1);
    const file = JSON.parse(fs.readFileSync(path.join(dir, 'findings', fs.readdirSync(path.join(dir, 'findings'))[0]), 'utf8')) as FindingFile;
    expect(file.divergence.fields).to.include('tcp.flags');
    expect(file.repro).to.match(/\.yaml$/);
    const repro = fs.readFileSync(path.join(dir, file.repro), 'utf8');
    expect(repro).to.match(/estab\.challenge-rst|challenge/);
  });
});
