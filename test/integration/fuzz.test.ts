// Fuzz campaigns on the real kernel: the true model finds nothing; a model copy with a planted bug is
// caught, minimized and written as a repro; a campaign killed with kill -9 resumes without losing or
// repeating findings.
import { expect } from 'chai';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseCaseText } from '../../lib/case';
import { loadCampaignFile } from '../../lib/fuzz/campaign-load';
import { probeFromJson } from '../../lib/fuzz/probe';
import { replayFinding, runCampaign, FindingFile } from '../../harness/fuzz/campaign';
import { readPcapng } from '../../harness/report/pcapng';
import { Lab } from '../../harness/topology/lab';
import { TmpDirs } from './tmp-dirs';

const ROOT = path.join(__dirname, '..', '..');
const CAMPAIGN = path.join(ROOT, 'test', 'fixtures', 'fuzz', 'small-listener.yaml');
const PLANTED = path.join(ROOT, 'test', 'fixtures', 'fuzz', 'planted-model.ts');

const dirs = new TmpDirs();
const tmp = (name: string): string => dirs.make(name);

function findings(dir: string): Array<{ file: FindingFile; repro: string }> {
  const fdir = path.join(dir, 'findings');
  return fs
    .readdirSync(fdir)
    .sort()
    .map((f) => {
      const file = JSON.parse(fs.readFileSync(path.join(fdir, f), 'utf8')) as FindingFile;
      return { file, repro: fs.readFileSync(path.join(dir, file.repro), 'utf8') };
    });
}

describe('fuzz campaigns on the real kernel', function () {
  this.timeout(300000);
  let lab: Lab;
  before(async () => {
    lab = await Lab.create({ capture: 'dut' });
  });
  after(async () => {
    await lab?.close();
    dirs.removeAll();
  });

  it('the true model agrees with the kernel on the whole small campaign', async () => {
    const c = loadCampaignFile(CAMPAIGN);
    const s = await runCampaign(c, { lab, runDir: tmp('true'), campaignFile: CAMPAIGN });
    expect(s.probes).to.equal(6000);
    expect(s.findings, JSON.stringify(s.findings)).to.deep.equal([]);
  });

  it('a planted window-scale bug is found, minimized to its core, and written as a repro case with its pcapng', async () => {
    const c = loadCampaignFile(CAMPAIGN);
    const dir = tmp('planted');
    const s = await runCampaign(c, { lab, runDir: dir, campaignFile: CAMPAIGN, modelModule: PLANTED });
    expect(s.findings.length).to.be.greaterThan(0);
    for (const { file, repro } of findings(dir)) {
      expect(file.divergence.fields).to.deep.equal(['opt.wscale.1']);
      // Minimized to the core: a SYN whose only options are the WS ≥ 8 that triggers the bug — plus TS
      // in always-cookie mode, where a SYN without TS loses all its options (§4.3) and the bug with it.
      const min = probeFromJson(file.minimized);
      const ws = min.mutated.options.find((o) => o.kind === 'wscale') as { shift: number } | undefined;
      expect(ws, 'the WS option survives minimization').to.not.equal(undefined);
      expect(ws!.shift).to.be.at.least(8);
      const others = min.mutated.options.filter((o) => o.kind !== 'wscale').map((o) => o.kind);
      expect(others).to.deep.equal(file.profile === 'syncookies-always' ? ['ts'] : []);
      expect(min.mutated.payload.length).to.equal(0);
      // A ready-to-run case, judged by the model.
      const cf = parseCaseText(repro, file.repro);
      expect(cf.steps.some((st) => st.kind === 'expect')).to.equal(true);
      const pcap = readPcapng(fs.readFileSync(path.join(dir, file.pcapng)));
      expect(pcap.errors).to.deep.equal([]);
      expect(pcap.packets.length).to.be.at.least(2);
      expect(pcap.packets[0].comment).to.contain(file.signature);
      // The finding reproduces with the planted model as the oracle, and not with the true one.
      const planted = await replayFinding(
        path.join(
          dir,
          'findings',
          fs
            .readdirSync(path.join(dir, 'findings'))
            .find((f) => JSON.parse(fs.readFileSync(path.join(dir, 'findings', f), 'utf8')).signature === file.signature)!,
        ),
        lab,
        { modelModule: PLANTED },
      );
      expect(planted.judgement.verdict.ok, 'diverges with the planted model').to.equal(false);
      const truth = await replayFinding(path.join(dir, 'findings', path.basename(file.repro, '.yaml') + '.json'), lab);
      expect(truth.judgement.verdict.ok, `agrees with the true model: ${truth.judgement.verdict.divergence?.text}`).to.equal(true);
    }
  });

  it('a campaign killed with kill -9 resumes without losing or repeating findings', async () => {
    const synh = (args: string[]) =>
      spawn(process.execPath, [path.join(ROOT, 'bin', 'synh'), 'fuzz', CAMPAIGN, '--model', PLANTED, '--chunk', '500', ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
    const exit = (p: ReturnType<typeof spawn>) => new Promise<number | null>((r) => p.on('exit', (code) => r(code)));
    // The reference: one uninterrupted run.
    const ref = tmp('ref');
    await exit(synh(['--results', ref]));
    const refDir = path.join(ref, 'fuzz', 'small-listener');
    // Killed after its first checkpoints, then resumed (possibly several times).
    const res = tmp('resumed');
    const dir = path.join(res, 'fuzz', 'small-listener');
    const cpFile = path.join(dir, 'checkpoint.json');
    const p = synh(['--results', res]);
    for (let i = 0; i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (fs.existsSync(cpFile) && JSON.parse(fs.readFileSync(cpFile, 'utf8')).nextIndex >= 1500) break;
    }
    p.kill('SIGKILL');
    await exit(p);
    const killedAt = JSON.parse(fs.readFileSync(cpFile, 'utf8')).nextIndex;
    expect(killedAt, 'killed mid-campaign').to.be.within(1, 5999);
    await exit(synh(['--results', res, '--resume']));
    const a = JSON.parse(fs.readFileSync(path.join(refDir, 'checkpoint.json'), 'utf8'));
    const b = JSON.parse(fs.readFileSync(cpFile, 'utf8'));
    expect(b.nextIndex).to.equal(6000);
    expect(b.probesDone, 'no probe judged twice').to.equal(a.probesDone);
    expect(b.findings, 'same findings, counts and first instances').to.deep.equal(a.findings);
    // The cases themselves are identical; only their comment header quotes values the kernel draws at
    // random (the observed ISN of the run that minimized them).
    const body = (y: string): string =>
      y
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n');
    expect(
      findings(dir).map((f) => body(f.repro)),
      'identical repro cases',
    ).to.deep.equal(findings(refDir).map((f) => body(f.repro)));
  });
});
