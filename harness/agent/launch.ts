/**
 * How the client starts an agent: the command line, and the precompiled-JS cache that makes
 * spawn-to-ready fast (node + koffi only, no TypeScript compiler in the agent).
 *
 * mode 'compiled' (default): the agent runs from the shared transpiled mirror of lib/ and harness/
 * (harness/compiled-mirror.js), as
 *   unshare --net -- <node> <mirror>/harness/agent/agent-main.js      (NODE_PATH += <repo>/node_modules)
 * mode 'ts-node': unshare --net -- <node> -r ts-node/register/transpile-only harness/agent/agent-main.ts
 */
import * as path from 'path';
import { compiledMirror, REPO_ROOT } from '../compiled-mirror';

export type LaunchMode = 'compiled' | 'ts-node';

export interface LaunchSpec {
  cmd: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export { REPO_ROOT };

/** The agent's entry point in the shared transpiled mirror of lib/ and harness/ (built if needed). */
export function compiledEntry(): string {
  return path.join(compiledMirror(), 'harness', 'agent', 'agent-main.js');
}

export function launchSpec(mode: LaunchMode, nodePath: string, env: NodeJS.ProcessEnv): LaunchSpec {
  if (mode === 'ts-node') {
    return {
      cmd: 'unshare',
      args: ['--net', '--', nodePath, '-r', 'ts-node/register/transpile-only', 'harness/agent/agent-main.ts'],
      cwd: REPO_ROOT,
      env,
    };
  }
  const entry = compiledEntry();
  const nm = path.join(REPO_ROOT, 'node_modules');
  return {
    cmd: 'unshare',
    args: ['--net', '--', nodePath, entry],
    cwd: REPO_ROOT,
    env: { ...env, NODE_PATH: env.NODE_PATH ? `${env.NODE_PATH}${path.delimiter}${nm}` : nm },
  };
}
