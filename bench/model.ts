// Model throughput (target ≥ 500,000 predictions per CPU-second on one core, so the model never limits
// a fuzz campaign). Two workloads, each predicted against a fresh listener:
//   1. the target figure: one SYN with MSS, SACK, TS and WS → one SYN-ACK (the common probe);
//   2. the listener fuzz campaign's mix (cases/campaigns/listener-syn-flood-mix.yaml: SYNs with random
//      and malformed options, ACKs, forged cookie ACKs, RSTs, FINs, data, random flags), per sysctl
//      profile and IP version, as its judge asks for them.
// Figures are per CPU-second of this process (user + system), so other load does not distort them —
// but a shared or virtual machine's own speed still varies from one minute to the next (on the 2-core
// VM of the notes, up to 2× between runs), hence medians with min and max. For a figure that does not
// vary at all, count instructions: valgrind --tool=cachegrind --cache-sim=no node --predictable over
// N1 and N2 predictions, (Ir2 − Ir1) / (N2 − N1). Prints figures only; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/model.ts
import { apply } from '../lib/model';
import { campaignWorkloads, synWorkload, Workload } from './model-workloads';

const N = 4096; // distinct packets per workload (a power of two), cycled
const fmt = (x: number): string => Math.round(x).toLocaleString('en-US');

/** Predictions per CPU-second over `n` predictions, and per wall-second. */
function measure(w: Workload, n: number, t0: number): { cpu: number; wall: number; responses: number } {
  let responses = 0;
  const w0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) responses += apply(w.env, w.state, { type: 'segment', seg: w.segs[i & (N - 1)] }, t0 + i).responses.length;
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - w0) / 1e9;
  return { cpu: n / ((c.user + c.system) / 1e6), wall: n / wall, responses };
}

function main(): void {
  const syn = synWorkload(N);
  measure(syn, 200_000, 1000); // warm-up
  const cpu: number[] = [];
  const wall: number[] = [];
  let responses = 0;
  for (let k = 0; k < 5; k++) {
    const r = measure(syn, 1_000_000, 1000);
    cpu.push(r.cpu);
    wall.push(r.wall);
    responses += r.responses;
  }
  cpu.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  if (responses !== 5_000_000) throw new Error(`expected one SYN-ACK per SYN, got ${responses} responses for 5,000,000 SYNs`);
  console.log(
    `model: fresh listener + ${syn.name}: ${fmt(cpu[2])} predictions per CPU-second (median of 5 × 1e6; min ${fmt(cpu[0])}, max ${fmt(cpu[4])}); wall-clock median ${fmt(wall[2])}/s; target ≥ 500,000`,
  );

  const mixes = campaignWorkloads(N);
  for (const w of mixes) measure(w, 50_000, 1000); // warm-up, all shapes
  let worst = Infinity;
  for (const w of mixes) {
    const runs = [0, 1, 2].map(() => measure(w, 300_000, 1000));
    const med = runs.map((r) => r.cpu).sort((a, b) => a - b)[1];
    worst = Math.min(worst, med);
    const answered = runs[0].responses / 300_000;
    console.log(
      `model: fresh listener + ${w.name.padEnd(44)} ${fmt(med).padStart(10)} predictions per CPU-second (median of 3 × 3e5; ${(answered * 100).toFixed(0)}% answered)`,
    );
  }
  console.log(`model: slowest campaign mix ${fmt(worst)} predictions per CPU-second`);
}

main();
