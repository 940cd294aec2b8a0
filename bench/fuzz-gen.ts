// Probe generation throughput per target: probeAt(campaign, i) over consecutive indices (what a
// campaign run asks for), then probeAt + resolveProbePacket + buildIpInto (the pure work per sent
// probe). The engine needs ≥ 50k probes/s against a listener. Prints figures only.
// Run: npx ts-node --transpile-only bench/fuzz-gen.ts
import { join } from 'path';
import { loadCampaignFile } from '../lib/fuzz/campaign-load';
import type { Campaign } from '../lib/fuzz/campaign';
import { probeAt } from '../lib/fuzz/generate';
import { bindingsFor, probePacketSpec } from '../lib/fuzz/probe';
import { buildIpInto } from '../lib/wire/build';

const DIR = join(__dirname, '../cases/campaigns');
const CAMPAIGNS = [
  'listener-syn-flood-mix.yaml',
  'request-third-packet.yaml',
  'synsent-synack.yaml',
  'established-stray.yaml',
  'established-active-stray.yaml',
];

function bench(name: string, fn: (i: number) => number, ms = 1500): number {
  let sink = 0;
  let i = 0;
  for (; i < 20_000; i++) sink += fn(i); // warm-up
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let k = 0; k < 5_000; k++) sink += fn(i++);
    n += 5_000;
    elapsed = process.hrtime.bigint() - start;
  }
  const perSec = (n / Number(elapsed)) * 1e9;
  const line = `${name.padEnd(58)} ${Math.round(perSec).toLocaleString('en-US').padStart(12)} /s  ${(1e9 / perSec).toFixed(0).padStart(6)} ns/probe`;
  console.log(sink === -1 ? '' : line);
  return perSec;
}

const out = new Uint8Array(2048);
const ends4 = { src: '198.18.0.2', dst: '198.18.0.1', dport: 8080 };
const ends6 = { src: '2001:2::2', dst: '2001:2::1', dport: 8080 };

console.log(`node ${process.version}`);
let worst = Infinity;
for (const f of CAMPAIGNS) {
  const c: Campaign = loadCampaignFile(join(DIR, f));
  const label = `${c.target}${c.target === 'established' ? `/${c.generator.via}` : ''} (${f.replace('.yaml', '')})`;
  worst = Math.min(
    worst,
    bench(`probeAt: ${label}`, (i) => probeAt(c, i).mutated.options.length),
  );
  bench(`  + resolve + buildIpInto`, (i) => {
    const p = probeAt(c, i);
    const b = bindingsFor(p, { dutIsn: 0x12345678, dutTsval: 1000, dutWindow: 65160 });
    return buildIpInto(probePacketSpec(p, p.mutated, b, p.ip === 4 ? ends4 : ends6), out, 0);
  });
}
console.log(`slowest target: ${Math.round(worst).toLocaleString('en-US')} probes/s (${(worst / 50_000).toFixed(1)}× the 50k/s the engine needs)`);
