// `synh differential`: random SYNs into the real kernel at a listener, every reply and every silence
// judged against the model, for each sysctl profile (DIFFERENTIAL_PROFILES) and IP version. The same
// check as test/integration/differential.test.ts, as a command, so that it runs on any kernel
// (`--kernel debian:6.1`). Quiet on success: one line per profile and family.
import { DIFFERENTIAL_PROFILES, formatDivergences, runDifferential } from '../engine/differential';
import { Lab } from '../topology/lab';

export interface DifferentialCliOptions {
  probes: number;
  seed?: number;
  ip: 4 | 6 | 'both';
  json?: boolean;
}

export async function differentialCommand(o: DifferentialCliOptions): Promise<number> {
  const seed = o.seed ?? Date.now() % 2 ** 31;
  const out = o.json ? process.stderr : process.stdout;
  const rows: Array<{ profile: string; ip: 4 | 6; probes: number; agreed: number; divergent: number; drops: number; kernel: string }> = [];
  let bad = 0;
  for (const [name, sysctls] of Object.entries(DIFFERENTIAL_PROFILES)) {
    for (const ip of [4, 6] as const) {
      if (o.ip !== 'both' && o.ip !== ip) continue;
      const lab = await Lab.create({ sysctls, capture: 'dut' });
      try {
        const r = await runDifferential(lab, { ip, probes: o.probes, seed: seed + ip });
        const drops = r.engine.capture.drops;
        const ok = r.divergent.length === 0 && drops === 0 && r.agreed === o.probes;
        if (!ok) bad++;
        rows.push({ profile: name, ip, probes: r.probes, agreed: r.agreed, divergent: r.divergent.length, drops, kernel: r.kernel });
        out.write(
          `${ok ? 'ok  ' : 'FAIL'} ${name}, IPv${ip}: ${r.agreed}/${r.probes} agree${drops ? `, ${drops} capture drops (an error, not a pass)` : ''} (kernel ${r.kernel})\n`,
        );
        if (r.divergent.length) out.write(`${formatDivergences(r)}\n`);
      } finally {
        await lab.close();
      }
    }
  }
  out.write(`seed ${seed} (replay with --seed ${seed})\n`);
  if (o.json) process.stdout.write(JSON.stringify({ seed, ok: bad === 0, rows }) + '\n');
  return bad ? 1 : 0;
}
