// Model throughput: predictions/s for "fresh listener + one SYN with full options" (target ≥ 500k/s).
// Run: npx ts-node --transpile-only bench/model.ts
import { buildIp } from '../lib/wire/build';
import { decodeIp } from '../lib/wire/decode';
import type { Decoded } from '../lib/wire/types';
import { apply, initialState, makeEnv } from '../lib/model';

function main(): void {
  const env = makeEnv({ ip: 4, dut: '10.0.0.1', peer: '10.0.0.2' });
  const listening = apply(env, initialState(env), { type: 'listen', port: 80, backlog: 128 }, 0).state;
  const N = 256;
  const segs: Decoded[] = [];
  for (let i = 0; i < N; i++) {
    segs.push(decodeIp(buildIp({
      ip: 4, src: '10.0.0.2', dst: '10.0.0.1', sport: 20000 + i, dport: 80, seq: 1000 + i * 7919, flags: 'S',
      options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOK' }, { kind: 'ts', val: 100 + i, ecr: 0 }, { kind: 'nop' }, { kind: 'wscale', shift: 7 }],
    })));
  }
  let sink = 0;
  let wall = 0;
  const run = (n: number): number => {
    const w0 = process.hrtime.bigint();
    // CPU time of this process (user+system), so a loaded machine does not distort the figure.
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const r = apply(env, listening, { type: 'segment', seg: segs[i & (N - 1)] }, 1000 + i);
      sink += r.responses.length;
    }
    const c = process.cpuUsage(c0);
    wall = Number(process.hrtime.bigint() - w0) / 1e9;
    return (c.user + c.system) / 1e6;
  };
  run(200000); // warm-up
  const results: number[] = [];
  const walls: number[] = [];
  for (let k = 0; k < 5; k++) {
    const n = 1000000;
    results.push(n / run(n));
    walls.push(n / wall);
  }
  walls.sort((a, b) => a - b);
  results.sort((a, b) => a - b);
  const median = results[2];
  console.log(`model: fresh listener + SYN (MSS,SACK,TS,WS) → SYN-ACK prediction: ${Math.round(median).toLocaleString('en-US')} predictions per CPU-second (median of 5 × 1e6; min ${Math.round(results[0]).toLocaleString('en-US')}, max ${Math.round(results[4]).toLocaleString('en-US')}); wall-clock median ${Math.round(walls[2]).toLocaleString('en-US')}/s; target ≥ 500,000`);
  if (sink === 0) console.log('no responses?');
}

main();
