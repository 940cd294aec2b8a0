// The suite under load: consecutive host suite runs (default 6) while busy loops at `nice -n -5`
// (default 4) hold every core — the harness then gets a small share of the CPU, as next to a busy qemu
// guest or on a loaded CI machine. Prints, per run, the tally (passed / failed / errors / re-runs),
// the failures, the wall time and lanes, and how late the harness was: every step's lateness (p50,
// p99, max), the steps that were provably late (a kernel timer fell due meanwhile) and the lateness
// that caused each re-run. Target: 0 failed, 0 errors. Asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/load.ts [runs] [paths...]
//      (SYNH_LOAD_LOOPS=4 busy loops; SYNH_LOAD_LANES=n passes --lanes n, default auto)
// The busy loops are this script's children, killed by pid when it ends (also on Ctrl-C, with the
// suite run in progress).
import { spawn, type ChildProcess } from 'child_process';
import type { Summary } from '../harness/report/summary';

const runs = Number(process.argv[2] ?? 6);
const paths = process.argv.slice(3);
const loops = Number(process.env.SYNH_LOAD_LOOPS ?? 4);

const lanes = process.env.SYNH_LOAD_LANES ? ['--lanes', process.env.SYNH_LOAD_LANES] : [];
const busy: ChildProcess[] = [];
let suite: ChildProcess | undefined;
const stopBusy = (): void => {
  for (const c of busy.splice(0)) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
};
process.on('exit', () => {
  stopBusy();
  if (suite?.pid && suite.exitCode === null) process.kill(suite.pid, 'SIGTERM');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/** One `synh run --json`: its stdout and stderr (asynchronous, so Ctrl-C stops it). */
function runSuite(): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['bin/synh', 'run', ...paths, ...lanes, '--json', '--no-write'], { env: { ...process.env, SYNH_NO_PROGRESS: '1' } });
    suite = c;
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    c.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}
for (let i = 0; i < loops; i++) busy.push(spawn('nice', ['-n', '-5', process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' }));

const pct = (xs: number[], p: number): number => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : 0);
const total = { pass: 0, fail: 0, error: 0, reruns: 0 };
async function main(): Promise<void> {
  console.log(`${runs} suite runs, ${loops} busy loops at nice -5 on ${require('os').cpus().length} cores${lanes.length ? `, --lanes ${lanes[1]}` : ''}`);
  for (let i = 1; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = await runSuite();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    let s: Summary;
    try {
      s = JSON.parse(r.stdout) as Summary;
    } catch {
      console.log(`run ${i}: no summary (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      continue;
    }
    const late: number[] = [];
    let provable = 0;
    for (const c of s.cases) {
      for (const st of c.steps) {
        if (st.lateMs !== undefined) late.push(st.lateMs);
        if (st.timerAfterMs !== undefined) provable++;
      }
    }
    late.sort((a, b) => a - b);
    const rerunLate = s.cases.flatMap((c) => (c.reruns ?? []).map((x) => `${c.name}@ipv${c.ip} step ${x.step} +${Math.round(x.lateMs)} ms`));
    const t = s.totals;
    total.pass += t.pass;
    total.fail += t.fail;
    total.error += t.error;
    total.reruns += s.reruns ?? 0;
    const lanes = s.laneRange ? `lanes ${s.laneRange.min}–${s.laneRange.max}` : `lanes ${s.lanes}`;
    console.log(
      `run ${i}: ${t.pass} passed, ${t.fail} failed, ${t.error} errors, ${s.reruns ?? 0} re-run; ${wall.toFixed(1)} s, ${lanes}; step lateness p50 ${pct(late, 50).toFixed(1)} p99 ${pct(late, 99).toFixed(0)} max ${(late[late.length - 1] ?? 0).toFixed(0)} ms over ${late.length} steps, ${provable} provably late`,
    );
    for (const x of rerunLate) console.log(`    re-run: ${x}`);
    for (const c of s.cases.filter((x) => x.status === 'fail' || x.status === 'error'))
      console.log(`    ${c.status.toUpperCase()} ${c.name}@ipv${c.ip}: ${(c.message ?? '').slice(0, 300)}`);
  }
  console.log(`total: ${total.pass} passed, ${total.fail} failed, ${total.error} errors, ${total.reruns} re-run over ${runs} runs`);
}

void main().finally(() => process.exit());
