// The planted-bug measurement of rule-coverage-guided fuzzing: a copy of the model with a bug in a
// rarely reached rule (test/fixtures/fuzz/planted-ecn-model.ts: ecn.ect-rfc3168 answered with ECE)
// judged against the true model standing in for the kernel (lib/fuzz/model-run.ts: the same probes,
// corpus and feedback as `synh fuzz`, no timing involved), per listener campaign and seed: the first
// probe that diverges, guided and unguided, with the same budget. Prints both figures and the medians
// (a miss counts as the budget). Then the probes/s of model-only generation + judging, both ways.
// Run: npx ts-node --transpile-only bench/fuzz-guided.ts [budget] [seeds]
import { join } from 'path';
import { loadCampaignFile } from '../lib/fuzz/campaign-load';
import { runListenerOnModels } from '../lib/fuzz/model-run';
import * as model from '../lib/model';
import * as planted from '../test/fixtures/fuzz/planted-ecn-model';

const budget = Number(process.argv[2] ?? 20000);
const seeds = Number(process.argv[3] ?? 12);
const CAMPAIGNS = ['listener-fastopen.yaml', 'listener-syn-flood-mix.yaml'];

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`planted bug: ${planted.PLANTED_RULE}; budget ${budget} probes per run; seeds 1..${seeds}`);
for (const f of CAMPAIGNS) {
  const base = loadCampaignFile(join(__dirname, '../cases/campaigns', f));
  const found = { guided: [] as number[], unguided: [] as number[] };
  const misses = { guided: 0, unguided: 0 };
  const rows: string[] = [];
  let wins = 0;
  for (let seed = 1; seed <= seeds; seed++) {
    const c = { ...base, seed };
    const at = (guided: boolean): number =>
      runListenerOnModels(c, { probes: budget, guided, reference: model, oracle: planted, stopAtDivergence: true }).firstDivergence?.index ?? -1;
    const u = at(false);
    const g = at(true);
    found.unguided.push(u < 0 ? budget : u);
    found.guided.push(g < 0 ? budget : g);
    if (u < 0) misses.unguided++;
    if (g < 0) misses.guided++;
    if ((g >= 0 ? g : budget) < (u >= 0 ? u : budget)) wins++;
    rows.push(`${seed}:${g < 0 ? '—' : g}/${u < 0 ? '—' : u}`);
  }
  console.log(`${base.name}: first divergence at probe (guided/unguided, — = not within budget) ${rows.join(' ')}`);
  console.log(
    `  median guided ${median(found.guided)}, unguided ${median(found.unguided)}; misses guided ${misses.guided}, unguided ${misses.unguided}; guided first in ${wins}/${seeds}`,
  );
}

// Cost of guidance without a kernel: probes/s generated and judged by the model, both ways.
const c = loadCampaignFile(join(__dirname, '../cases/campaigns/listener-fastopen.yaml'));
for (const guided of [false, true]) {
  const t0 = performance.now();
  runListenerOnModels(c, { probes: 20000, guided, reference: model, oracle: model });
  const ms = performance.now() - t0;
  console.log(
    `model-only ${guided ? 'guided  ' : 'unguided'}: ${Math.round((20000 * 1000) / ms).toLocaleString('en-US')} probes/s (2 model predictions per probe)`,
  );
}
