// `synh fuzz`: run, resume or replay a fuzz campaign against this machine's kernel.
import * as path from 'path';
import { loadCampaignFile } from '../../lib/fuzz/campaign-load';
import { replayFinding, runCampaign } from '../fuzz/campaign';
import { bazelShard, parseShard } from '../runner/shard';
import { Lab } from '../topology/lab';

export interface FuzzCliOptions {
  resume?: boolean;
  replay?: string;
  original?: boolean;
  probes?: number;
  results: string;
  json?: boolean;
  /** Module with the oracle (a model copy); default lib/model. */
  model?: string;
  chunk?: number;
  /** i/N, or N with the index from the environment (harness/runner/shard.ts). */
  shard?: string;
  /** Override the campaign's guided key. */
  guided?: boolean;
  unguided?: boolean;
}

export async function fuzzCommand(campaignFile: string | undefined, o: FuzzCliOptions): Promise<number> {
  const shard = o.shard !== undefined ? parseShard(o.shard) : o.replay ? undefined : bazelShard();
  if (shard && o.replay) throw new Error("--shard splits a campaign's probes; --replay runs one finding: drop --shard");
  const lab = await Lab.create({ capture: 'dut' });
  try {
    if (o.replay) {
      const { finding, judgement } = await replayFinding(o.replay, lab, { original: o.original, modelModule: o.model });
      if (o.json)
        process.stdout.write(
          JSON.stringify({
            signature: finding.signature,
            ok: judgement.verdict.ok,
            divergence: judgement.verdict.divergence,
            predicted: judgement.predicted,
            observed: judgement.observed,
            reasons: judgement.reasons,
          }) + '\n',
        );
      else if (judgement.verdict.ok) process.stdout.write(`${finding.signature}: no longer diverges (kernel and model agree)\n`);
      else process.stdout.write(`${finding.signature}: reproduced — ${judgement.verdict.divergence!.text}\n  reasons: ${judgement.reasons.join(' | ')}\n`);
      return judgement.verdict.ok ? 0 : 1;
    }
    if (!campaignFile) throw new Error('give a campaign file (cases/campaigns/*.yaml) or --replay FINDING.json');
    const c = loadCampaignFile(campaignFile);
    // --guided / --unguided against the file's key: another probe sequence, so another directory.
    let variant = '';
    if (o.guided && !c.guided) {
      c.guided = true;
      variant = '.guided';
    }
    if (o.unguided && c.guided) {
      delete c.guided;
      variant = '.unguided';
    }
    // A shard has its own directory (its own checkpoint): shards on one machine do not collide.
    const runDir = path.join(o.results, 'fuzz', `${c.name}${variant}${shard ? `.shard-${shard.index}-of-${shard.total}` : ''}`);
    const tty = process.stderr.isTTY && !process.env.SYNH_NO_PROGRESS;
    const s = await runCampaign(c, {
      lab,
      runDir,
      resume: o.resume,
      maxProbes: o.probes,
      campaignFile,
      modelModule: o.model,
      chunk: o.chunk,
      shard,
      onProgress: (line) =>
        process.stderr.write(tty && !line.startsWith('new finding') && !line.startsWith('chunk') ? `\r\x1b[K${line}` : `${tty ? '\r\x1b[K' : ''}${line}\n`),
    });
    if (tty) process.stderr.write('\n');
    if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
    else {
      process.stdout.write(
        `${c.name}${shard ? ` shard ${shard.index}/${shard.total}` : ''}: ${s.probes} probes (${s.probesPerSec}/s this run), ${s.divergences} divergences, ${s.findings.length} findings, rules ${s.rulesHit}/${s.rulesTotal}${s.guided ? `, guided (corpus ${s.guided.corpus})` : ''}; ${runDir}\n`,
      );
      for (const f of s.findings) process.stdout.write(`  ${f.signature} ×${f.count} (first at probe ${f.firstIndex}) → ${path.join(runDir, f.repro ?? '')}\n`);
      process.stdout.write(`${s.coverageText}\n`);
    }
    return s.findings.length ? 1 : 0;
  } finally {
    await lab.close();
  }
}
