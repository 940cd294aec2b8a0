// The runner worker's DUT agent, started the moment the worker process starts: worker.ts imports this
// module first, so the agent boots (~0.3 s: node, koffi, its modules) while the worker loads the rest
// of its own modules, instead of after. Nothing else imports it.
import { Agent } from '../agent/client';

let agent: Promise<Agent> | undefined = process.send ? Agent.spawn() : undefined;
// A spawn that fails before anyone asks for it must not be an unhandled rejection; it is reported to
// whoever asks (sharedAgent), and a new one is spawned.
agent?.catch(() => undefined);

/** The worker's agent: the one started at boot while it lives, else a new one. */
export async function sharedAgent(): Promise<Agent> {
  const a = agent ? await agent.catch(() => undefined) : undefined;
  if (a?.alive) return a;
  agent = Agent.spawn();
  return agent;
}

/** Kill the agent (its namespaces, every lab's DUT, go with it). */
export async function killAgent(): Promise<void> {
  const a = agent ? await agent.catch(() => undefined) : undefined;
  await a?.kill();
}
