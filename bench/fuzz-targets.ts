// Fuzz throughput per target in one run, on one lab: the listener campaign (single SYN probes, the
// pipelined listener engine) next to the stateful campaigns. Request and established-via-passive
// probes made of packets only go through the batched sequence engine (harness/fuzz/batch-sequence.ts);
// probes with connect()/close() in their setup (synsent, timewait, active opens) or with socket calls
// run one at a time. Each stateful campaign runs with its calls removed (what the batch engine takes),
// and with SYNH_BENCH_CALLS=1 also as shipped. Prints model-checked probes/s (probes / wall time of
// the campaign, profile switches included), how many were judged in batches, and the load average;
// asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/fuzz-targets.ts [listener probes] [stateful probes] [stateful campaign names...]
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Campaign } from '../lib/fuzz/campaign';
import { loadCampaignFile } from '../lib/fuzz/campaign-load';
import { runCampaign } from '../harness/fuzz/campaign';
import { Lab } from '../harness/topology/lab';

const listenerProbes = Number(process.argv[2] ?? 200_000);
const statefulProbes = Number(process.argv[3] ?? 100_000);
const names = process.argv.length > 4 ? process.argv.slice(4) : ['request-third-packet', 'established-stray', 'synsent-synack', 'timewait'];
const DIR = path.join(__dirname, '..', 'cases', 'campaigns');
/** Targets the batch engine cannot take run this many probes at most (one at a time, ~1k/s). */
const SEQUENTIAL_CAP = 2000;

const load = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

(async () => {
  const lab = await Lab.create({ capture: 'dut' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-bench-targets-'));
  const rows: string[] = [];
  const run = async (c: Campaign, file: string, probes: number, label: string): Promise<void> => {
    const t0 = Date.now();
    const s = await runCampaign(c, { lab, runDir: path.join(root, label), campaignFile: file, maxProbes: probes });
    const wall = (Date.now() - t0) / 1000;
    const b = s.batched;
    rows.push(
      `${label.padEnd(34)} ${String(s.probes).padStart(8)} probes ${wall.toFixed(1).padStart(6)} s ${String(Math.round(s.probes / wall)).padStart(7)} probes/s` +
        `  divergences ${s.divergences}, findings ${s.findings.length}` +
        (b ? `; batched ${b.probes}, alone ${s.probes - b.probes} ${JSON.stringify(b.aloneWhy)}${b.batchOnly ? `, batch-only ${b.batchOnly}` : ''}` : '') +
        `  (load ${load()})`,
    );
    process.stderr.write(`${rows[rows.length - 1]}\n`);
  };
  try {
    const lf = path.join(DIR, 'listener-syn-flood-mix.yaml');
    await run(loadCampaignFile(lf), lf, listenerProbes, 'listener-syn-flood-mix');
    for (const name of names) {
      const file = path.join(DIR, `${name}.yaml`);
      const c = loadCampaignFile(file);
      const packetsOnly: Campaign = { ...c, name: `${c.name}-packets`, generator: { ...c.generator, calls: undefined } };
      const batchable = !!c.listen && !c.connect && c.generator.via !== 'active' && c.target !== 'timewait' && c.target !== 'synsent';
      const n = batchable ? statefulProbes : Math.min(statefulProbes, SEQUENTIAL_CAP);
      await run(packetsOnly, file, n, `${name} (no calls)`);
      if (process.env.SYNH_BENCH_CALLS && c.generator.calls) await run(c, file, Math.min(n, SEQUENTIAL_CAP), `${name} (as shipped)`);
    }
  } finally {
    await lab.close();
  }
  console.log(`fuzz throughput by target, one lab, one run (kernel ${os.release()}, ${os.cpus().length} CPUs); output in ${root}`);
  for (const r of rows) console.log(r);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
