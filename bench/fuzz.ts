// A listener fuzz campaign of ≥ 1,000,000 probes over 4 sysctl profiles, IPv4 and IPv6, judged online
// by the model; prints throughput, divergences and findings. Prints figures; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/fuzz.ts [probes] [campaign.yaml]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCampaignFile } from '../lib/fuzz/campaign-load';
import { runCampaign } from '../harness/fuzz/campaign';
import { Lab } from '../harness/topology/lab';

const probes = Number(process.argv[2] ?? 1_000_000);
const file = process.argv[3] ?? path.join(__dirname, '..', 'cases', 'campaigns', 'listener-syn-flood-mix.yaml');

(async () => {
  const c = loadCampaignFile(file);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-bench-fuzz-'));
  const lab = await Lab.create({ capture: 'dut' });
  const t0 = Date.now();
  const s = await runCampaign(c, { lab, runDir: dir, campaignFile: file, maxProbes: probes, onProgress: (l) => process.stderr.write(`${l}\n`) });
  const wall = (Date.now() - t0) / 1000;
  await lab.close();
  console.log(`campaign ${c.name}: ${s.probes} probes in ${wall.toFixed(1)} s wall = ${Math.round(s.probes / wall)} model-checked probes/s (${s.probesPerSec}/s by the engine's clock); profiles ${c.profiles.map((p) => p.name).join(', ')}; IPv${c.ip.join('+IPv')}`);
  console.log(`divergences ${s.divergences}, findings ${s.findings.length}, chunk re-runs (our own drops) ${s.reruns}, model rules hit ${s.rulesHit}/${s.rulesTotal}; output in ${dir}`);
  for (const f of s.findings) console.log(`  ${f.signature} ×${f.count} → ${f.repro}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
