// Model cost in instructions per prediction: a figure that does not move with the machine's mood
// (bench/model.ts gives time, which on a shared or virtual machine varies up to 2× between runs).
// Counts the instructions of the model's hot loop under valgrind (cachegrind, no cache simulation)
// with V8 in --predictable mode (no background compiler or GC threads, so every run of the same code
// counts the same), for N1 and N2 predictions after warm-up; (Ir(N2) − Ir(N1)) / (N2 − N1) is the
// steady-state cost of one prediction, JIT and GC work included. Workloads: bench/model-workloads.ts,
// as bench/model.ts (the campaign mix with 512 probes per profile and family). Needs valgrind; ~2.5 min.
// Prints figures only; asserts nothing.
// Run: node -r ts-node/register/transpile-only bench/model-instructions.ts [N1 N2]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import { compiledMirror } from '../harness/compiled-mirror';

const N1 = Number(process.argv[2] ?? 100_000);
const N2 = Number(process.argv[3] ?? 300_000);

// The driver runs as plain JavaScript (no ts-node under valgrind): bench/model-workloads.ts is
// transpiled into a scratch directory whose lib/ and node_modules are the transpiled mirror's, so the
// workloads are exactly bench/model.ts's.
const DRIVER = `
const [dir, name, N] = process.argv.slice(1);
const { apply } = require(dir + '/lib/model');
const w = require(dir + '/bench/model-workloads');
const ws = name === 'mix' ? w.campaignWorkloads(512) : [w.synWorkload(4096)];
let n = 0, sink = 0;
outer: for (;;) for (const x of ws) for (let i = 0; i < x.segs.length; i++) {
  if (n++ >= Number(N)) break outer;
  sink += apply(x.env, x.state, { type: 'segment', seg: x.segs[i] }, 1000 + i).responses.length;
}
if (sink < 0) console.log(sink);
`;

/** A scratch tree: bench/model-workloads.js, and lib, node_modules, cases linked from the mirror and the checkout. */
function scratch(mirror: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synh-bench-instr-'));
  const repo = path.join(__dirname, '..');
  const src = fs.readFileSync(path.join(__dirname, 'model-workloads.ts'), 'utf8');
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  fs.mkdirSync(path.join(dir, 'bench'));
  fs.writeFileSync(path.join(dir, 'bench', 'model-workloads.js'), js);
  fs.symlinkSync(path.join(mirror, 'lib'), path.join(dir, 'lib'));
  fs.symlinkSync(path.join(mirror, 'node_modules'), path.join(dir, 'node_modules'));
  fs.symlinkSync(path.join(repo, 'cases'), path.join(dir, 'cases'));
  return dir;
}

function instructions(dir: string, name: string, n: number): number {
  const r = spawnSync(
    'valgrind',
    ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, '--predictable', '-e', DRIVER, dir, name, String(n)],
    {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    },
  );
  if (r.error) throw new Error(`valgrind: ${r.error.message} — install it (apt-get install valgrind) to count instructions`);
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`valgrind run failed (exit ${r.status}): ${r.stderr.slice(-600)}`);
  return Number(m[1].replace(/,/g, ''));
}

function main(): void {
  const dir = scratch(compiledMirror());
  try {
    for (const [name, label] of [
      ['syn', 'fresh listener + SYN (MSS,SACK,TS,WS) → SYN-ACK'],
      ['mix', 'fresh listener + campaign mix (listener-syn-flood-mix, all profiles, IPv4+IPv6, 512 probes each)'],
    ]) {
      const a = instructions(dir, name, N1);
      const b = instructions(dir, name, N2);
      console.log(
        `model: ${label}: ${Math.round((b - a) / (N2 - N1)).toLocaleString('en-US')} instructions per prediction (valgrind, node --predictable, predictions ${N1.toLocaleString('en-US')}→${N2.toLocaleString('en-US')})`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
