// Lab.reset: wall time and CPU per reset (this process, the agent, spawned children), on a lab with
// its own agent and on two labs sharing one. Prints figures; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/lab-reset.ts [resets]
import * as fs from 'fs';
import { Agent } from '../harness/agent/client';
import { Lab } from '../harness/topology/lab';

const N = Number(process.argv[2] ?? 200);

/** utime+stime of a process, ms (self: field 14-15; our reaped children: 16-17). */
function cpuMs(pid: number | 'self', children = false): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (children ? Number(f[13]) + Number(f[14]) : Number(f[11]) + Number(f[12])) * 10;
}

async function measure(labs: Lab[], agentPid: number): Promise<string> {
  const c0 = process.cpuUsage();
  const k0 = cpuMs('self', true);
  const a0 = cpuMs(agentPid);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await labs[i % labs.length].reset({ sysctls: { 'net.ipv4.tcp_syncookies': 1 } });
  const wall = (performance.now() - t0) / N;
  const c = process.cpuUsage(c0);
  return `${wall.toFixed(1)} ms wall per reset; CPU per reset: harness ${((c.user + c.system) / 1000 / N).toFixed(1)} ms, agent ${((cpuMs(agentPid) - a0) / N).toFixed(1)} ms, spawned children ${((cpuMs('self', true) - k0) / N).toFixed(1)} ms`;
}

(async () => {
  const own = await Lab.create({});
  console.log(`lab with its own agent, ${N} resets: ${await measure([own], own.agent.pid)}`);
  await own.close();
  const agent = await Agent.spawn();
  const shared = [await Lab.create({ agent }), await Lab.create({ agent })];
  console.log(`two labs sharing one agent, ${N} resets: ${await measure(shared, agent.pid)}`);
  for (const l of shared) await l.close();
  await agent.kill();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
