/**
 * Concurrent runs in one checkout: N pairs of `synh run` started together against one results root
 * (so most pairs start, and finish, in the same second and want the same run id). Prints the lost
 * results (must be 0: a run that exited non-zero, printed no results directory, or whose directory is
 * missing, incomplete or holds the other run's summary), how many pairs shared a second, whether
 * `latest` points at a complete run after every pair, and the timings.
 *
 *   node -r ts-node/register/transpile-only bench/concurrent-runs.ts [--pairs 20] [--json] [CASE...]
 *
 * Default case: cases/closed-port/syn-gets-rst-ack.yaml (both families, ~1 s). The results root is a
 * temporary directory, removed afterwards.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..');

interface RunOut {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function synhRun(cases: string[], results: string): Promise<RunOut> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/synh', 'run', ...cases, '--jobs', '1', '--results', results], {
      cwd: REPO,
      env: { ...process.env, SYNH_NO_PROGRESS: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/** Why a run's results count as lost, or undefined when they are whole. */
function lost(r: RunOut, root: string, expectCases: number): string | undefined {
  if (r.code !== 0) return `exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`;
  const m = /; (\S+)\n/.exec(r.stdout);
  if (!m) return 'no results directory printed';
  const dir = path.resolve(REPO, m[1]);
  if (path.dirname(dir) !== root) return `results in ${dir}, not under ${root}`;
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { runId: string; cases: unknown[] };
    if (s.runId !== path.basename(dir)) return `${dir}/summary.json is run ${s.runId}`;
    if (s.cases.length !== expectCases) return `${dir}/summary.json has ${s.cases.length} case(s), not ${expectCases}`;
    for (const f of ['junit.xml', 'ktap.txt', 'kcidb.json']) if (!fs.existsSync(path.join(dir, f))) return `${dir}/${f} missing`;
  } catch (e) {
    return `${dir}: ${(e as Error).message}`;
  }
  return undefined;
}

function latestComplete(root: string): boolean {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(root, 'latest', 'summary.json'), 'utf8')) as { runId: string };
    return s.runId === fs.readlinkSync(path.join(root, 'latest'));
  } catch {
    return false;
  }
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const pi = args.indexOf('--pairs');
  const pairs = pi >= 0 ? Number(args[pi + 1]) : 20;
  const cases = args.filter((a, i) => !a.startsWith('--') && !(pi >= 0 && i === pi + 1));
  if (!cases.length) cases.push('cases/closed-port/syn-gets-rst-ack.yaml');
  const expectCases = 2 * cases.length; // both families of each (cases written for one family: pass --pairs and count yourself)
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-bench-concurrent-'));
  const root = path.join(tmp, 'results');
  const problems: string[] = [];
  const times: number[] = [];
  let sameSecond = 0;
  let latestBad = 0;
  const t0 = Date.now();
  try {
    await synhRun(cases, path.join(tmp, 'warm')); // builds the compiled mirror once, outside the figures
    for (let i = 0; i < pairs; i++) {
      const [a, b] = await Promise.all([synhRun(cases, root), synhRun(cases, root)]);
      times.push(a.ms, b.ms);
      for (const r of [a, b]) {
        const why = lost(r, root, expectCases);
        if (why) problems.push(`pair ${i + 1}: ${why}`);
      }
      const ids = [a, b].map((r) => path.basename(/; (\S+)\n/.exec(r.stdout)?.[1] ?? '?'));
      if (ids[0].slice(0, 16) === ids[1].slice(0, 16)) sameSecond++;
      if (!latestComplete(root)) latestBad++;
      if (!json) process.stderr.write(`\rpair ${i + 1}/${pairs}: ${ids.join(' ')}   `);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  if (!json) process.stderr.write('\n');
  const dirs = pairs * 2;
  const out = {
    pairs,
    runs: dirs,
    lost: problems.length,
    pairsInSameSecond: sameSecond,
    latestIncomplete: latestBad,
    runMs: { median: pct(times, 50), p90: pct(times, 90), max: Math.max(...times) },
    totalS: (Date.now() - t0) / 1000,
    problems,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    console.log(`${pairs} pairs of concurrent synh run in one checkout (${cases.join(' ')}), ${sameSecond} pair(s) started in the same second`);
    console.log(`lost results: ${problems.length} of ${dirs} runs; latest pointing at an incomplete run: ${latestBad} time(s)`);
    console.log(`run wall time: median ${out.runMs.median} ms, p90 ${out.runMs.p90} ms, max ${out.runMs.max} ms; total ${out.totalS.toFixed(1)} s`);
    for (const p of problems) console.log(`  ${p}`);
  }
  process.exitCode = problems.length || latestBad ? 1 : 0;
}

void main();
