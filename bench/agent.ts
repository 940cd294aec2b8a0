/**
 * DUT agent benchmark: spawn-to-ready (median of 5) and ping round trips per second.
 *
 *   node -r ts-node/register/transpile-only bench/agent.ts [--ts-node] [--json]
 *
 * --ts-node also measures the ts-node launch mode (slow: the TypeScript compiler loads in every agent).
 */
import { Agent } from '../harness/agent/client';
import { AgentPool } from '../harness/agent/pool';
import type { LaunchMode } from '../harness/agent/launch';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function spawnTimes(mode: LaunchMode, n: number): Promise<number[]> {
  // one untimed spawn first: fills the compiled-JS cache and warms the page cache
  await (await Agent.spawn({ mode })).kill();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = await Agent.spawn({ mode });
    times.push(a.spawnMs);
    await a.kill();
  }
  return times;
}

async function pingRate(agent: Agent, ms: number, concurrency: number): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  const worker = async () => {
    while (performance.now() < end) {
      await agent.ping();
      n++;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const out: Record<string, unknown> = {};

  const compiled = await spawnTimes('compiled', 5);
  out.spawnToReadyMs = { mode: 'compiled', median: +median(compiled).toFixed(1), samples: compiled.map((x) => +x.toFixed(1)) };
  if (process.argv.includes('--ts-node')) {
    const tsn = await spawnTimes('ts-node', 5);
    out.spawnToReadyTsNodeMs = { mode: 'ts-node', median: +median(tsn).toFixed(1), samples: tsn.map((x) => +x.toFixed(1)) };
  }

  const pool = new AgentPool();
  await (await pool.take()).kill();
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = performance.now();
  const warm = await pool.take();
  out.poolTakeMs = +(performance.now() - t0).toFixed(2);
  await pool.close();
  void warm;

  const agent = await Agent.spawn();
  await pingRate(agent, 300, 1); // warm-up
  out.pingPerSec = {
    sequential: Math.round(await pingRate(agent, 2000, 1)),
    concurrency16: Math.round(await pingRate(agent, 2000, 16)),
  };
  await agent.kill();

  if (json) console.log(JSON.stringify(out));
  else for (const [k, v] of Object.entries(out)) console.log(`${k}: ${JSON.stringify(v)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
