/**
 * DUT agent process. Started by the client (harness/agent/client.ts) as
 *
 *   unshare --net -- <node> [-r ts-node/register/transpile-only] harness/agent/agent-main.{ts,js}
 *
 * so the whole process (every thread) is born in a fresh network namespace that lives and dies
 * with it. Requests: JSON lines on stdin; replies and the initial ready line: JSON lines on stdout.
 * Diagnostics go to stderr only.
 *
 * Lifetime: PR_SET_PDEATHSIG(SIGKILL) + a getppid() check against the spawner's pid (passed in
 * SYNH_AGENT_PARENT_PID) + exit on stdin EOF — a kill -9 of the harness takes the agent (and with
 * it the namespace) down.
 */
import '../sys/code-cache-install'; // first: the modules below compile with V8 code caches
import * as fs from 'fs';
import * as os from 'os';
import type * as ChildProcessModule from 'child_process';
import { errnoName } from '../sys/errno';
import * as libc from '../sys/libc';
import { initSlots } from './netns-slots';
import { dispatch } from './ops';
import { ENV_PARENT_PID, ReadyLine, Reply } from './protocol';

function die(msg: string, code: number): never {
  process.stderr.write(`synh-agent[${process.pid}]: ${msg}\n`);
  process.exit(code);
}

// 1. Tie our life to the spawner.
const pd = libc.prctl(libc.PR_SET_PDEATHSIG, libc.SIGKILL);
if (pd.ret < 0) die(`prctl(PR_SET_PDEATHSIG): ${errnoName(pd.errno)}`, 70);
const expectedParent = Number(process.env[ENV_PARENT_PID] ?? '0');
if (expectedParent > 0 && libc.getppid() !== expectedParent) {
  die(`spawner ${expectedParent} is gone (ppid now ${libc.getppid()})`, 71);
}
delete process.env[ENV_PARENT_PID];

// 2. Bring lo up (ioctl; falls back to `ip link set lo up`).
const up = libc.ifUp('lo');
if (up.ret < 0) {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { spawnSync } = require('child_process') as typeof ChildProcessModule;
  const r = spawnSync('ip', ['link', 'set', 'lo', 'up'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) die(`bringing lo up failed: ioctl ${errnoName(up.errno)}; ip: ${r.stderr?.toString().trim()}`, 72);
}

// 3. Our own namespace is slot 0; labs sharing this agent get more (netns-slots.ts).
initSlots();

// 4. Serve.
const out = (obj: unknown) => process.stdout.write(`${JSON.stringify(obj)}\n`);

async function handle(line: string): Promise<void> {
  const t0 = performance.now();
  const at = Number(process.hrtime.bigint() / 1000n) / 1000;
  let id = -1;
  let req: { id?: unknown; op?: unknown; args?: unknown; ns?: unknown };
  try {
    req = JSON.parse(line);
  } catch (e) {
    out({ id, ok: false, ret: -1, errno: 22, err: 'EINVAL', msg: `bad JSON: ${(e as Error).message}`, ms: 0 } satisfies Reply);
    return;
  }
  id = typeof req.id === 'number' ? req.id : -1;
  const o = await dispatch(String(req.op), req.args, req.ns === undefined ? 0 : (req.ns as number));
  const reply: Reply = {
    id,
    ok: o.ok,
    ret: o.ret,
    errno: o.errno,
    err: errnoName(o.errno),
    ms: Math.round((performance.now() - t0) * 1000) / 1000,
    at: o.at ?? at,
  };
  if (o.result !== undefined) reply.result = o.result;
  if (o.msg !== undefined) reply.msg = o.msg;
  out(reply);
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buf += chunk;
  let nl: number;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    if (line.trim()) void handle(line);
  }
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdout.on('error', () => process.exit(0));

const ready: ReadyLine = {
  ready: true,
  pid: process.pid,
  netns: fs.readlinkSync('/proc/self/ns/net'),
  release: os.release(),
  version: os.version(),
};
out(ready);
