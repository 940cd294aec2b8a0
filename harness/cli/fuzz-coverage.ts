// `synh fuzz --coverage DIR...`: the rule coverage of finished (or killed) campaign runs, merged,
// against the rules that can fire on the kernel the runs were judged on (lib/fuzz/reachability.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RULES } from '../../lib/model';
import { profileFor } from '../../lib/model/core/profile';
import { loadCheckpoint } from '../../lib/fuzz/checkpoint';
import { CoveragePart, formatMergedCoverage, mergeCoverage } from '../../lib/fuzz/coverage';
import { type KernelFacts, unreachableRules } from '../../lib/fuzz/reachability';
import { readFuzzSummary } from '../fuzz/merge';

/** A run directory's part (summary.json, or the checkpoint of a run that did not finish). */
function partOf(dir: string): (CoveragePart & { kernel?: string; congestionControls?: string[] }) | undefined {
  const s = readFuzzSummary(dir);
  if (s)
    return {
      campaign: s.campaign,
      dir,
      probes: s.probes,
      probesPerSec: s.probesPerSec,
      rules: s.rules,
      guided: !!s.guided,
      ...(s.kernel ? { kernel: s.kernel } : {}),
      ...(s.congestionControls ? { congestionControls: s.congestionControls } : {}),
    };
  const cp = loadCheckpoint(path.join(dir, 'checkpoint.json'));
  if (cp)
    return {
      campaign: cp.campaign,
      dir,
      probes: cp.probesDone,
      probesPerSec: cp.elapsedMs > 0 ? Math.round((cp.probesDone * 1000) / cp.elapsedMs) : 0,
      rules: cp.rulesHit,
      guided: !!cp.guided,
    };
  return undefined;
}

/** The runs under `dirs`: each a run directory, or a directory of them (results/fuzz). */
export function coverageParts(dirs: readonly string[]): Array<CoveragePart & { kernel?: string; congestionControls?: string[] }> {
  const parts: Array<CoveragePart & { kernel?: string; congestionControls?: string[] }> = [];
  for (const d of dirs) {
    if (!fs.existsSync(d) || !fs.statSync(d).isDirectory())
      throw new Error(`${d}: no such directory — give campaign run directories (results/fuzz/<campaign>) or results/fuzz`);
    const own = partOf(d);
    if (own) {
      parts.push(own);
      continue;
    }
    const inner = fs
      .readdirSync(d)
      .sort()
      .map((n) => path.join(d, n))
      .filter((p) => fs.statSync(p).isDirectory())
      .map(partOf)
      .filter((p) => !!p);
    if (!inner.length) throw new Error(`${d}: no campaign run here (no summary.json or checkpoint.json, nor in its subdirectories) — run synh fuzz first`);
    parts.push(...inner);
  }
  return parts;
}

/**
 * What the runs recorded of their kernel (the congestion controls each DUT had); runs of this machine's
 * kernel that recorded nothing (older summaries, killed runs) take this machine's list.
 */
function kernelFacts(parts: ReadonlyArray<{ congestionControls?: string[] }>, here: boolean): KernelFacts {
  const recorded = parts.flatMap((p) => p.congestionControls ?? []);
  if (recorded.length) return { congestionControls: [...new Set(recorded)] };
  if (!here) return {};
  try {
    return { congestionControls: fs.readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/) };
  } catch {
    return {};
  }
}

export async function coverageCommand(dirs: string[], o: { json?: boolean }): Promise<number> {
  const parts = coverageParts(dirs);
  const kernels = [...new Set(parts.map((p) => p.kernel).filter((k): k is string => !!k))];
  if (kernels.length > 1) throw new Error(`the runs were judged on different kernels (${kernels.join(', ')}): give the runs of one kernel`);
  // Runs of this machine's kernel (synh fuzz runs the DUT on it) unless their summaries say otherwise.
  const release = kernels[0] ?? os.release();
  const { profile } = profileFor(release, kernels[0] ? undefined : os.version());
  const m = mergeCoverage(RULES, parts, unreachableRules(RULES, profile, kernelFacts(parts, !kernels[0] || kernels[0] === os.release())), {
    release,
    profile: profile.name,
  });
  process.stdout.write(o.json ? `${JSON.stringify(m)}\n` : `${formatMergedCoverage(m)}\n`);
  return 0;
}
