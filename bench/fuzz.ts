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
  // Where the main thread's time went, summed over the run (SYNH_BENCH_CHUNKS=1: every chunk).
  const sum = { profileMs: 0, genWaitMs: 0, engineMs: 0, genMs: 0, finishMs: 0, chunks: 0 };
  const s = await runCampaign(c, {
    lab,
    runDir: dir,
    campaignFile: file,
    maxProbes: probes,
    onProgress: (l) => process.stderr.write(`${l}\n`),
    onChunk: (t) => {
      sum.profileMs += t.profileMs;
      sum.genWaitMs += t.genWaitMs;
      sum.engineMs += t.engineMs;
      sum.genMs += t.genMs;
      sum.finishMs += t.finishMs;
      sum.chunks++;
      if (process.env.SYNH_BENCH_CHUNKS)
        process.stderr.write(
          `chunk ${t.a}..${t.b}: profile ${t.profileMs.toFixed(0)} ms, waiting for probes ${t.genWaitMs.toFixed(0)} ms, engine ${t.engineMs.toFixed(0)} ms, making probes ${t.genMs.toFixed(0)} ms, committing ${t.finishMs.toFixed(0)} ms; judge worker generates ${(100 * t.judgerGenShare).toFixed(0)}%\n`,
        );
    },
  });
  const wall = (Date.now() - t0) / 1000;
  await lab.close();
  console.log(
    `campaign ${c.name}: ${s.probes} probes in ${wall.toFixed(1)} s wall = ${Math.round(s.probes / wall)} model-checked probes/s (${s.probesPerSec}/s by the engine's clock); profiles ${c.profiles.map((p) => p.name).join(', ')}; IPv${c.ip.join('+IPv')}`,
  );
  console.log(
    `divergences ${s.divergences}, findings ${s.findings.length}, chunk re-runs (our own drops) ${s.reruns}, model rules hit ${s.rulesHit}/${s.rulesTotal}; output in ${dir}`,
  );
  for (const f of s.findings) console.log(`  ${f.signature} ×${f.count} → ${f.repro}`);
  console.log(
    `main thread over ${sum.chunks} chunks: engine ${(sum.engineMs / 1000).toFixed(1)} s, profile switches ${(sum.profileMs / 1000).toFixed(1)} s, waiting for probes ${(sum.genWaitMs / 1000).toFixed(1)} s, making probes ${(sum.genMs / 1000).toFixed(1)} s, committing chunks (waiting for judgement) ${(sum.finishMs / 1000).toFixed(1)} s; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
